/** Forecast accuracy measures (Hyndman & Koehler 2006), all on plain arrays. */

/** Seasonal naive forecasts: the value one season (m steps) earlier, repeated; m = 1 is naive. */
export function seasonalNaive(insample: readonly number[], m: number, horizon: number): number[] {
  const n = insample.length;
  const lag = Math.max(1, Math.min(m, n));
  if (n === 0) throw new RangeError('seasonalNaive needs at least one in-sample value');
  return Array.from({ length: horizon }, (_, i) => insample[n - lag + (i % lag)]!);
}

/**
 * Mean absolute scaled error: the forecast's mean absolute error divided by the in-sample
 * mean absolute error of the (seasonal) naive method with lag m. Below 1 = better than that
 * benchmark was one step ahead in sample.
 */
export function mase(actual: readonly number[], predicted: readonly number[], insample: readonly number[], m: number): number {
  sameLength(actual, predicted);
  const lag = Math.max(1, m);
  if (insample.length <= lag) throw new RangeError(`mase needs more than ${lag} in-sample values`);
  let scale = 0;
  for (let t = lag; t < insample.length; t++) scale += Math.abs(insample[t]! - insample[t - lag]!);
  scale /= insample.length - lag;
  return mae(actual, predicted) / scale;
}

export function mae(actual: readonly number[], predicted: readonly number[]): number {
  sameLength(actual, predicted);
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(actual[i]! - predicted[i]!);
  return s / actual.length;
}

/** Mean absolute percentage error, in percent; actual values of 0 are left out (undefined there). */
export function mape(actual: readonly number[], predicted: readonly number[]): number {
  sameLength(actual, predicted);
  let s = 0;
  let k = 0;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] === 0) continue;
    s += Math.abs((actual[i]! - predicted[i]!) / actual[i]!);
    k++;
  }
  return k ? (100 * s) / k : Number.NaN;
}

/** Share of actual values inside [lower, upper] (bounds included). */
export function coverage(actual: readonly number[], lower: readonly number[], upper: readonly number[]): number {
  sameLength(actual, lower);
  sameLength(actual, upper);
  let inside = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i]! >= lower[i]! && actual[i]! <= upper[i]!) inside++;
  return inside / actual.length;
}

function sameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new RangeError(`lengths differ: ${a.length} actual values, ${b.length} forecasts`);
  if (a.length === 0) throw new RangeError('no values to measure');
}
