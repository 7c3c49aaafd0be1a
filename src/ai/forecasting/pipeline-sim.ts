import { createRng } from '../scoring/random.ts';
import { sampleBinomial } from './conversion-rate.ts';
import { sampleRemaining, type CycleCurve } from './cycle-time.ts';

/**
 * Revenue by day as a Monte Carlo simulation over the open pipeline and the leads not
 * created yet. Each path is one possible future:
 *
 * - every open deal is won with its calibrated probability p (times the path's shared
 *   factor, below) and, if won, closes after a remaining time drawn from its group's cycle
 *   curve given its age (cycle-time.ts), adding its value on that day;
 * - the leads still to come (counts per future period from the lead-volume forecast's own
 *   paths) each win with the historical win rate of new leads, at a value drawn from the
 *   organization's won deals, closing after a cycle drawn from the overall curve.
 *
 * Correlation. Deals are not independent: a recession, a price change, a strong quarter move
 * them together. Each path draws one factor F = exp(σZ − σ²/2) (mean 1) that multiplies every
 * win probability in it (capped at 1). σ² = ln(1 + τ²/p̄²), where τ² is the variance of the
 * organization's monthly win rates beyond binomial noise (conversion-rate.ts fitBetaPrior):
 * if monthly win rates vary no more than coin flips would, σ = 0 and deals are independent;
 * the more they swing together, the wider the bands. Without it, a pipeline of 500 deals
 * would get a band that is far too narrow.
 *
 * Periods are summed from days PATH BY PATH (sumPeriods), so a quarter's band is the band of
 * its paths' sums, never a sum of monthly percentiles.
 */
export type Category = 'commit' | 'best_case' | 'pipeline';
export const CATEGORIES: readonly Category[] = ['commit', 'best_case', 'pipeline'];

/**
 * New-lead wins drawn one by one per batch and path; more are scaled from these. A month of a
 * mid-sized organization (hundreds of wins) is drawn exactly; the cap only keeps a large one's
 * run (thousands of wins a week) fast.
 */
export const MAX_DRAWN = 1000;

export interface OpenDeal {
  /** Probability that the deal is won (in the end). */
  p: number;
  /** Value if won (its mean when `values` is given). */
  value: number;
  /** When the value is not known yet: won deals like it, one drawn per win. */
  values?: readonly number[];
  /** Days since creation, at the simulation's start. */
  ageDays: number;
  curve: CycleCurve;
  category: Category;
}

export interface NewLeadBatch {
  /** Days (from the start of day 0) between which these leads are created, uniformly. */
  fromDay: number;
  toDay: number;
  /** Leads created, per path (path i uses counts[i % counts.length]). */
  counts: readonly number[];
}

export interface SimulationInput {
  deals: readonly OpenDeal[];
  newLeads?: { batches: readonly NewLeadBatch[]; winRate: number; values: readonly number[]; curve: CycleCurve };
  /** Days simulated: day 0 is the day the simulation starts in. */
  days: number;
  /** How much of day 0 has passed already (0 … 1): a deal closing after r days lands on day floor(start + r). */
  startFraction?: number;
  paths?: number;
  seed?: number;
  /** Spread of the shared log-factor on win probabilities (0: deals independent). */
  sigma?: number;
}

export interface SimulationResult {
  /** Revenue per path per day: daily[path][day]. */
  daily: Float64Array[];
  /** Mean revenue per day by the category of the open deal it comes from. */
  categories: Record<Category, Float64Array>;
  /** Mean revenue per day from leads not created yet. */
  future: Float64Array;
}

/** σ of the shared factor from the between-period variance τ² of win rates around a mean rate. */
export function correlationSigma(tau2: number, meanRate: number): number {
  if (!(tau2 > 0) || !(meanRate > 0)) return 0;
  return Math.sqrt(Math.log(1 + tau2 / (meanRate * meanRate)));
}

/** σ of the shared log-factor from the factor's relative variance s² (its variance, its mean being 1). */
export function sigmaOfShared(relativeVariance: number): number {
  return relativeVariance > 0 ? Math.sqrt(Math.log(1 + relativeVariance)) : 0;
}

export function simulatePipeline(input: SimulationInput): SimulationResult {
  const paths = input.paths ?? 1000;
  const days = input.days;
  const start = input.startFraction ?? 0;
  const sigma = input.sigma ?? 0;
  const uniform = createRng(input.seed ?? 1);
  let spare: number | null = null;
  const normal = () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
  const daily = Array.from({ length: paths }, () => new Float64Array(days));
  const categories = { commit: new Float64Array(days), best_case: new Float64Array(days), pipeline: new Float64Array(days) };
  const future = new Float64Array(days);
  const fresh = input.newLeads;
  const valueMean = fresh && fresh.values.length > 0 ? fresh.values.reduce((a, b) => a + b, 0) / fresh.values.length : 0;
  for (let i = 0; i < paths; i++) {
    const row = daily[i]!;
    const factor = sigma > 0 ? Math.exp(sigma * normal() - (sigma * sigma) / 2) : 1;
    for (const deal of input.deals) {
      if (uniform() >= Math.min(1, deal.p * factor)) continue;
      const day = Math.floor(start + sampleRemaining(deal.curve, deal.ageDays, uniform(), uniform()));
      if (day >= days) continue;
      const value = deal.values ? deal.values[Math.floor(uniform() * deal.values.length)]! : deal.value;
      row[day]! += value;
      categories[deal.category][day]! += value / paths;
    }
    if (!fresh || fresh.values.length === 0) continue;
    const rate = Math.min(1, fresh.winRate * factor);
    for (const batch of fresh.batches) {
      const count = Math.max(0, Math.round(batch.counts[i % batch.counts.length]!));
      // Only the wins matter: their number first, then each win's creation, cycle and value.
      const wins = sampleBinomial(count, rate, uniform, normal);
      // Past MAX_DRAWN wins a batch is drawn as MAX_DRAWN wins each standing for w = wins /
      // MAX_DRAWN. Each stands for w values' sum: w·μ + √w·(v − μ) has its mean and its
      // variance (v · w alone would multiply the values' variance by w — at 500 wins a month
      // drawn as 200, bands ~2.5 times too wide in that part); never below 0 as w ≥ √w.
      const drawn = Math.min(wins, MAX_DRAWN);
      const weight = drawn > 0 ? wins / drawn : 0;
      const root = Math.sqrt(weight);
      for (let w = 0; w < drawn; w++) {
        const created = batch.fromDay + uniform() * (batch.toDay - batch.fromDay);
        const day = Math.floor(Math.max(start, created) + sampleRemaining(fresh.curve, 0, uniform(), uniform()));
        if (day >= days) continue;
        const v = fresh.values[Math.floor(uniform() * fresh.values.length)]!;
        const value = weight === 1 ? v : weight * valueMean + root * (v - valueMean);
        row[day]! += value;
        future[day]! += value / paths;
      }
    }
  }
  return { daily, categories, future };
}

/** Per path, the sum over each period's days [from, to): paths[path][period]. */
export function sumPeriods(daily: readonly Float64Array[], bounds: readonly (readonly [number, number])[]): number[][] {
  return daily.map((row) =>
    bounds.map(([from, to]) => {
      let s = 0;
      for (let d = Math.max(0, from); d < Math.min(row.length, to); d++) s += row[d]!;
      return s;
    }),
  );
}

/** Per period, the sum of a mean-per-day series over its days. */
export function sumMeans(series: Float64Array, bounds: readonly (readonly [number, number])[]): number[] {
  return bounds.map(([from, to]) => {
    let s = 0;
    for (let d = Math.max(0, from); d < Math.min(series.length, to); d++) s += series[d]!;
    return s;
  });
}

/** Quantile of an ascending array, linear between order statistics. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface Band {
  mean: number;
  median: number;
  lower: number;
  upper: number;
}

/** Per period (column of paths[path][period]): mean, median and the central `level` interval. */
export function bands(paths: readonly (readonly number[])[], level: number): Band[] {
  const periods = paths[0]?.length ?? 0;
  const tail = (1 - level) / 2;
  return Array.from({ length: periods }, (_, k) => {
    const column = Float64Array.from(paths, (p) => p[k]!).sort();
    let sum = 0;
    for (const x of column) sum += x;
    return { mean: sum / column.length, median: quantile(column, 0.5), lower: quantile(column, tail), upper: quantile(column, 1 - tail) };
  });
}
