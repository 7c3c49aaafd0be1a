/** Small statistics the detectors share: beta posteriors, Poisson tails, quantiles. */

export const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
export const round2 = (x: number) => Math.round(x * 100) / 100;
export const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(z) / Math.SQRT2);
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/**
 * A rate with a beta prior: `successes` of `trials`, shrunk toward `priorMean` with the
 * weight of `priorStrength` pseudo-trials. Returns the posterior mean and variance.
 */
export function betaPosterior(successes: number, trials: number, priorMean: number, priorStrength: number): { mean: number; variance: number; a: number; b: number } {
  const a = successes + priorStrength * priorMean;
  const b = trials - successes + priorStrength * (1 - priorMean);
  const mean = a / (a + b);
  return { mean, variance: (a * b) / ((a + b) ** 2 * (a + b + 1)), a, b };
}

/** P(first rate > second rate), normal approximation of the two posteriors. */
export function probabilityGreater(x: { mean: number; variance: number }, y: { mean: number; variance: number }): number {
  const sd = Math.sqrt(x.variance + y.variance);
  return sd === 0 ? (x.mean > y.mean ? 1 : 0.5) : normalCdf((x.mean - y.mean) / sd);
}

/** P(X ≤ k) for X ~ Poisson(lambda). */
export function poissonCdf(k: number, lambda: number): number {
  if (k < 0) return 0;
  let term = Math.exp(-lambda);
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= lambda / i;
    sum += term;
  }
  return Math.min(1, sum);
}

/** P(X ≥ k) for X ~ Poisson(lambda). */
export const poissonUpperTail = (k: number, lambda: number) => (k <= 0 ? 1 : 1 - poissonCdf(k - 1, lambda));

/** The share of a distribution (given by its quantiles at `levels`) below x, interpolated linearly. */
export function percentileOf(x: number, quantiles: readonly number[], levels: readonly number[]): number {
  if (quantiles.length === 0) return 0.5;
  if (x <= quantiles[0]!) return levels[0]! * (quantiles[0]! > 0 ? clamp(x / quantiles[0]!, 0, 1) : 1);
  for (let i = 1; i < quantiles.length; i++) {
    if (x <= quantiles[i]!) {
      const span = quantiles[i]! - quantiles[i - 1]!;
      const f = span > 0 ? (x - quantiles[i - 1]!) / span : 1;
      return levels[i - 1]! + f * (levels[i]! - levels[i - 1]!);
    }
  }
  const top = levels[levels.length - 1]!;
  return top + (1 - top) * (1 - Math.exp(-(x / quantiles[quantiles.length - 1]! - 1)));
}
