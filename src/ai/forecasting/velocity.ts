/**
 * Sales velocity: how much revenue the pipeline produces per day,
 *
 *   velocity = open opportunities × win rate × average deal size ÷ sales cycle (days).
 *
 * Each input moves it proportionally (the cycle inversely), so its change against the
 * previous period is a key driver: the effect of one input is the velocity now minus the
 * velocity with that input back at its previous value, all else as now.
 */
export interface VelocityInputs {
  openOpportunities: number;
  winRate: number;
  averageDeal: number;
  cycleDays: number;
}

export const VELOCITY_INPUTS: readonly (keyof VelocityInputs)[] = ['openOpportunities', 'winRate', 'averageDeal', 'cycleDays'];

export function salesVelocity(i: VelocityInputs): number {
  if (!(i.cycleDays > 0)) return 0;
  return (i.openOpportunities * i.winRate * i.averageDeal) / i.cycleDays;
}

export interface VelocityDriver {
  input: keyof VelocityInputs;
  current: number;
  previous: number;
  /** Velocity now minus velocity with this input at its previous value (money per day). */
  effect: number;
}

export function velocityDrivers(current: VelocityInputs, previous: VelocityInputs): VelocityDriver[] {
  const now = salesVelocity(current);
  return VELOCITY_INPUTS.map((input) => ({
    input,
    current: current[input],
    previous: previous[input],
    effect: now - salesVelocity({ ...current, [input]: previous[input] }),
  }));
}
