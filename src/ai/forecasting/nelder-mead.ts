/**
 * A small Nelder–Mead simplex minimiser for the few (≤ 6) smoothing and initial-state
 * parameters of an ETS model. Hand-written because the only npm candidate (`fmin`) is
 * unmaintained and untyped, and the method is ~60 lines. Standard coefficients
 * (reflection 1, expansion 2, contraction ½, shrink ½), one restart from the best point
 * because a simplex that collapsed early is the method's known failure.
 */
export interface NelderMeadOptions {
  /** Initial step per dimension (same for all if a number). */
  step?: number | readonly number[];
  maxEvaluations?: number;
  /** Stop when the simplex's values differ by less than this (absolute + relative). */
  tolerance?: number;
}

export interface NelderMeadResult {
  x: number[];
  value: number;
  evaluations: number;
}

export function nelderMead(f: (x: readonly number[]) => number, start: readonly number[], opts: NelderMeadOptions = {}): NelderMeadResult {
  const maxEvaluations = opts.maxEvaluations ?? 400 * Math.max(1, start.length);
  const tolerance = opts.tolerance ?? 1e-8;
  let evaluations = 0;
  const safe = (x: readonly number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let best = runSimplex(safe, start, opts.step ?? 0.5, tolerance, () => evaluations < maxEvaluations / 2);
  best = runSimplex(safe, best.x, opts.step ?? 0.5, tolerance, () => evaluations < maxEvaluations, best.value);
  return { ...best, evaluations };
}

function runSimplex(
  f: (x: readonly number[]) => number,
  start: readonly number[],
  step: number | readonly number[],
  tolerance: number,
  budgetLeft: () => boolean,
  startValue?: number,
): { x: number[]; value: number } {
  const d = start.length;
  if (d === 0) return { x: [], value: startValue ?? f(start) };
  const pts: number[][] = [start.slice()];
  const vals: number[] = [startValue ?? f(start)];
  for (let i = 0; i < d; i++) {
    const p = start.slice();
    p[i]! += typeof step === 'number' ? step : (step[i] ?? 0.5);
    pts.push(p);
    vals.push(f(p));
  }
  const order = Array.from({ length: d + 1 }, (_, i) => i);
  while (budgetLeft()) {
    order.sort((a, b) => vals[a]! - vals[b]!);
    const lo = order[0]!;
    const hi = order[d]!;
    const nextHi = order[d - 1]!;
    if (Math.abs(vals[hi]! - vals[lo]!) <= tolerance * (1 + Math.abs(vals[lo]!))) break;
    const centroid = new Array<number>(d).fill(0);
    for (const i of order.slice(0, d)) for (let j = 0; j < d; j++) centroid[j]! += pts[i]![j]! / d;
    const along = (t: number) => centroid.map((c, j) => c + t * (pts[hi]![j]! - c));
    const reflected = along(-1);
    const fr = f(reflected);
    if (fr < vals[lo]!) {
      const expanded = along(-2);
      const fe = f(expanded);
      if (fe < fr) [pts[hi], vals[hi]] = [expanded, fe];
      else [pts[hi], vals[hi]] = [reflected, fr];
    } else if (fr < vals[nextHi]!) {
      [pts[hi], vals[hi]] = [reflected, fr];
    } else {
      const contracted = fr < vals[hi]! ? along(-0.5) : along(0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, vals[hi]!)) [pts[hi], vals[hi]] = [contracted, fc];
      else {
        for (const i of order.slice(1)) {
          pts[i] = pts[i]!.map((x, j) => pts[lo]![j]! + 0.5 * (x - pts[lo]![j]!));
          vals[i] = f(pts[i]);
        }
      }
    }
  }
  let b = 0;
  for (let i = 1; i <= d; i++) if (vals[i]! < vals[b]!) b = i;
  return { x: pts[b]!, value: vals[b]! };
}
