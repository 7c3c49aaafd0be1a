/**
 * The win rate of the coming periods, with a credible interval: a beta-binomial model.
 *
 * Each period has its own true win rate θ_t ~ Beta(α, β) (periods differ: a good quarter, a
 * new competitor); the period's decided deals then win Binomial(n_t, θ_t). The prior Beta(α, β)
 * comes from the organization's history by the method of moments: its mean is the pooled
 * win rate, its variance the spread of the periods' rates BEYOND what binomial noise alone
 * explains (`tau2`). The same `tau2` sets how strongly deals move together in the revenue
 * simulation (pipeline-sim.ts): the part of the win rate that a whole period shares.
 *
 * The next period's observed rate X / n, X ~ BetaBinomial(n, α, β) with n its expected number
 * of decisions, is what the forecast's interval is about — it is compared with what happens.
 */
export interface PeriodOutcomes {
  won: number;
  /** Won + lost in the period. */
  decided: number;
}

export interface BetaPrior {
  alpha: number;
  beta: number;
  /** Pooled win rate of the history. */
  mean: number;
  /** Variance of the periods' true rates beyond binomial noise (0 when none is seen). */
  tau2: number;
  /** Decisions behind the prior. */
  decided: number;
}

/** Before any decision: a 25 % win rate (the scoring prior's), worth four decisions. */
export const NO_HISTORY_PRIOR: BetaPrior = { alpha: 1, beta: 3, mean: 0.25, tau2: 0.0375, decided: 0 };
/** However long the history, the prior never counts for more than this many decisions: rates drift. */
const MAX_STRENGTH = 2000;

export function fitBetaPrior(periods: readonly PeriodOutcomes[]): BetaPrior {
  const used = periods.filter((p) => p.decided > 0);
  const won = used.reduce((s, p) => s + p.won, 0);
  const decided = used.reduce((s, p) => s + p.decided, 0);
  if (decided === 0) return NO_HISTORY_PRIOR;
  // Shrink a tiny history's mean toward the no-history prior so 1 of 1 is not a 100 % rate.
  const mean = (won + NO_HISTORY_PRIOR.alpha) / (decided + NO_HISTORY_PRIOR.alpha + NO_HISTORY_PRIOR.beta);
  let tau2 = 0;
  if (used.length >= 3) {
    // Weighted variance of the periods' rates minus the expected binomial part.
    let between = 0;
    let noise = 0;
    for (const p of used) {
      const r = p.won / p.decided;
      between += p.decided * (r - mean) ** 2;
      noise += mean * (1 - mean);
    }
    const nBar = decided / used.length;
    tau2 = Math.max(0, (between - noise) / decided) * (nBar / Math.max(1, nBar - 1));
  }
  const v = mean * (1 - mean);
  // Strength α + β = v / τ² − 1, capped by the history's size and MAX_STRENGTH.
  const strength = Math.max(2, Math.min(MAX_STRENGTH, decided, tau2 > 0 ? v / tau2 - 1 : MAX_STRENGTH));
  return { alpha: mean * strength, beta: (1 - mean) * strength, mean, tau2, decided };
}

/** One segment's (a team's) outcomes in one period. */
export interface SegmentOutcomes extends PeriodOutcomes {
  period: number;
  segment: string;
}

/**
 * How much a whole period's deals win together beyond coin flips, net of the period's mix of
 * segments: the relative variance s² of a factor F (mean 1) that multiplies every win
 * probability of the period, by the method of moments. Null with fewer than 3 periods.
 *
 * Each segment g (a team) wins at its own rate p_g, pooled over the periods. Were the deals
 * independent, a period's wins W_t would have mean E_t = Σ n_tg p_g and binomial variance
 * Σ n_tg p_g (1 − p_g) (times 1 − n_tg / N_g, as p_g is estimated from the same wins). A
 * shared factor adds s² (E_t² − Σ n_tg p_g²) to it, so
 *   s² = Σ_t [(W_t − E_t)² − noise_t] ÷ Σ_t (E_t² − Σ n_tg p_g²),   floored at 0,
 * times T / (T − 1) for the share of the shock the pooled rates absorb. The total's rate
 * alone (fitBetaPrior's τ²) also counts the months whose mix leaned to the teams that win more
 * — no shock any deal shares — and makes the revenue bands too wide.
 */
export function sharedVariation(rows: readonly SegmentOutcomes[]): number | null {
  const used = rows.filter((r) => r.decided > 0);
  const bySegment = new Map<string, { won: number; decided: number }>();
  const byPeriod = new Map<number, SegmentOutcomes[]>();
  for (const r of used) {
    const g = bySegment.get(r.segment) ?? { won: 0, decided: 0 };
    g.won += r.won;
    g.decided += r.decided;
    bySegment.set(r.segment, g);
    byPeriod.set(r.period, [...(byPeriod.get(r.period) ?? []), r]);
  }
  const periods = byPeriod.size;
  if (periods < 3) return null;
  let excess = 0;
  let scale = 0;
  for (const list of byPeriod.values()) {
    let won = 0;
    let expected = 0;
    let noise = 0;
    let squares = 0;
    for (const r of list) {
      const g = bySegment.get(r.segment)!;
      const p = g.won / g.decided;
      won += r.won;
      expected += r.decided * p;
      noise += r.decided * p * (1 - p) * (1 - r.decided / g.decided);
      squares += r.decided * p * p;
    }
    excess += (won - expected) ** 2 - noise;
    scale += expected * expected - squares;
  }
  if (!(scale > 0)) return null;
  return Math.max(0, excess / scale) * (periods / (periods - 1));
}

/** P(X = k), k = 0 … n, for X ~ BetaBinomial(n, α, β), by the ratio of successive terms (no gamma function). */
export function betaBinomialPmf(n: number, alpha: number, beta: number): Float64Array {
  const N = Math.max(0, Math.round(n));
  const logs = new Float64Array(N + 1);
  for (let k = 0; k < N; k++) logs[k + 1] = logs[k]! + Math.log((N - k) / (k + 1)) + Math.log((k + alpha) / (N - k - 1 + beta));
  let max = -Infinity;
  for (const l of logs) max = Math.max(max, l);
  const pmf = new Float64Array(N + 1);
  let total = 0;
  for (let k = 0; k <= N; k++) total += pmf[k] = Math.exp(logs[k]! - max);
  for (let k = 0; k <= N; k++) pmf[k]! /= total;
  return pmf;
}

/** The smallest k with P(X ≤ k) ≥ q. */
export function pmfQuantile(pmf: Float64Array, q: number): number {
  let s = 0;
  for (let k = 0; k < pmf.length; k++) {
    s += pmf[k]!;
    if (s >= q - 1e-12) return k;
  }
  return pmf.length - 1;
}

export interface RateInterval {
  mean: number;
  median: number;
  lower: number;
  upper: number;
}

/**
 * The win rate a period will show, wins ÷ decisions, when `decidedSoFar` decisions (`wonSoFar`
 * of them won) are already in and about `expectedMore` are still to come: the period's θ is
 * updated with what is in (posterior Beta(α + won, β + lost)), the rest is beta-binomial.
 */
export function winRateInterval(prior: Pick<BetaPrior, 'alpha' | 'beta'>, opts: { wonSoFar?: number; decidedSoFar?: number; expectedMore: number; level: number }): RateInterval {
  const won = opts.wonSoFar ?? 0;
  const decided = opts.decidedSoFar ?? 0;
  const a = prior.alpha + won;
  const b = prior.beta + (decided - won);
  const more = Math.max(0, Math.round(opts.expectedMore));
  const total = decided + more;
  if (total === 0) {
    // Nothing will be decided: the rate is the period's θ itself; its mean as every figure.
    const m = a / (a + b);
    return { mean: m, median: m, lower: m, upper: m };
  }
  const pmf = betaBinomialPmf(more, a, b);
  const rate = (k: number) => (won + k) / total;
  const tail = (1 - opts.level) / 2;
  return {
    mean: (won + (more * a) / (a + b)) / total,
    median: rate(pmfQuantile(pmf, 0.5)),
    lower: rate(pmfQuantile(pmf, tail)),
    upper: rate(pmfQuantile(pmf, 1 - tail)),
  };
}

/** A Gamma(shape, 1) draw (Marsaglia–Tsang), from uniform and normal sources. */
export function sampleGamma(shape: number, uniform: () => number, normal: () => number): number {
  if (shape < 1) return sampleGamma(shape + 1, uniform, normal) * Math.pow(uniform() || 1e-300, 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniform();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(alpha: number, beta: number, uniform: () => number, normal: () => number): number {
  const x = sampleGamma(alpha, uniform, normal);
  const y = sampleGamma(beta, uniform, normal);
  return x + y > 0 ? x / (x + y) : alpha / (alpha + beta);
}

/** A Binomial(n, p) draw: exact for small n, normal approximation (rounded, clamped) for large. */
export function sampleBinomial(n: number, p: number, uniform: () => number, normal: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (n < 50) {
    let k = 0;
    for (let i = 0; i < n; i++) if (uniform() < p) k++;
    return k;
  }
  return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * normal())));
}
