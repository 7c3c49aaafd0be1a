import { createRng } from '../scoring/random.ts';

/** Quantile of an ascending-sorted array, linear interpolation between order statistics (type 7). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : Number.NaN;
}

/** Seeded standard-normal draws (Box–Muller over mulberry32): the same seed gives the same paths. */
export function createNormal(seed: number): () => number {
  const u = createRng(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let a = u();
    while (a <= 1e-300) a = u();
    const r = Math.sqrt(-2 * Math.log(a));
    const th = 2 * Math.PI * u();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}

/** Least squares via the normal equations (Gaussian elimination, partial pivoting); p is tiny here. */
export function leastSquares(rows: readonly (readonly number[])[], y: readonly number[]): number[] {
  const p = rows[0]?.length ?? 0;
  const a = Array.from({ length: p }, () => new Array<number>(p + 1).fill(0));
  rows.forEach((r, t) => {
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < p; j++) a[i]![j]! += r[i]! * r[j]!;
      a[i]![p]! += r[i]! * y[t]!;
    }
  });
  // A whisper of ridge keeps a singular system (constant columns, too few rows) solvable.
  for (let i = 0; i < p; i++) a[i]![i]! += 1e-9 * (1 + a[i]![i]!);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[piv]![c]!)) piv = r;
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const k = a[r]![c]! / a[c]![c]!;
      for (let j = c; j <= p; j++) a[r]![j]! -= k * a[c]![j]!;
    }
  }
  return a.map((row, i) => row[p]! / row[i]!);
}
