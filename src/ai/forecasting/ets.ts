import { nelderMead } from './nelder-mead.ts';
import { cholesky, cholSolve } from '../scoring/cholesky.ts';

/**
 * ETS with additive errors in state-space (innovations) form, Hyndman et al. (2008):
 *   ŷ_t = l_{t-1} + φ·b_{t-1} + s_{t-m}        e_t = y_t − ŷ_t
 *   l_t = l_{t-1} + φ·b_{t-1} + α·e_t          b_t = φ·b_{t-1} + β·e_t
 *   s_t = s_{t-m} + γ·e_t
 * Trend none (b ≡ 0), additive (φ = 1) or additive damped (0.8 ≤ φ ≤ 0.98); seasonality
 * none or additive with period m. Multiplicative shapes are reached through a log
 * transform upstream, where the errors stay additive and the likelihood stays comparable.
 */
export type Trend = 'N' | 'A' | 'Ad';

export interface EtsSpec {
  trend: Trend;
  /** Seasonal period, 0 or 1 for none. */
  m: number;
}

export interface EtsFit {
  spec: EtsSpec;
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
  /** States after the last observation. */
  level: number;
  slope: number;
  /** Ring of seasonal states; index (t mod m) holds s_{t-m} for time t. */
  season: number[];
  /** Length of the history, so the ring is read at the right phase. */
  n: number;
  sse: number;
  /** Free parameters, counting estimated initial states (for AICc); σ² not included. */
  k: number;
  residuals: number[];
  /** Initial states, so the filter can be replayed (in-sample multi-step errors). */
  initial: { level: number; slope: number; season: number[] };
  uncertainty?: StateUncertainty;
}

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));
const logit = (p: number) => Math.log(p / (1 - p));
const seasonal = (spec: EtsSpec) => spec.m > 1;

export function etsName(spec: EtsSpec): string {
  return `ETS(A,${spec.trend},${seasonal(spec) ? 'A' : 'N'})${seasonal(spec) ? ` m=${spec.m}` : ''}`;
}

/** Parameters a fit of `spec` estimates, so the caller can skip models the data cannot carry. */
export function etsParameterCount(spec: EtsSpec): number {
  const smoothing = 1 + (spec.trend === 'N' ? 0 : 1) + (seasonal(spec) ? 1 : 0) + (spec.trend === 'Ad' ? 1 : 0);
  const states = 1 + (spec.trend === 'N' ? 0 : 1) + (seasonal(spec) ? spec.m - 1 : 0);
  return smoothing + states;
}

interface Smoothing {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

interface Run {
  sse: number;
  level: number;
  slope: number;
  season: number[];
  residuals: Float64Array;
}

/** Runs the filter over y from the initial states; returns the SSE, the final states and the residuals. */
function filter(y: ArrayLike<number>, spec: EtsSpec, p: Smoothing, l0: number, b0: number, s0: readonly number[], out: Float64Array): Run {
  const m = spec.m;
  const season = s0.slice();
  const phi = spec.trend === 'Ad' ? p.phi : 1;
  const hasTrend = spec.trend !== 'N';
  let l = l0;
  let b = hasTrend ? b0 : 0;
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const s = m > 1 ? season[t % m]! : 0;
    const base = l + phi * b;
    const e = y[t]! - (base + s);
    sse += e * e;
    out[t] = e;
    l = base + p.alpha * e;
    if (hasTrend) b = phi * b + p.beta * e;
    if (m > 1) season[t % m] = s + p.gamma * e;
  }
  return { sse, level: l, slope: b, season, residuals: out };
}

/**
 * For fixed smoothing parameters the one-step errors are LINEAR in the initial states
 * (e = e₀ + R·x₀, the filter being linear), so the best initial level, slope and seasonal
 * states come from one small least-squares solve instead of a search: the optimiser only
 * moves the ≤ 4 smoothing parameters, where Nelder–Mead is reliable. Seasonal states are
 * constrained to sum to zero (else they and the level are the same thing).
 */
function bestInitialStates(y: readonly number[], spec: EtsSpec, p: Smoothing, work: Work, withUncertainty = false): Initial {
  const m = spec.m;
  const hasTrend = spec.trend !== 'N';
  const dims = 1 + (hasTrend ? 1 : 0) + (m > 1 ? m - 1 : 0);
  const zeroSeason = new Array<number>(m > 1 ? m : 0).fill(0);
  const e0 = filter(y, spec, p, 0, 0, zeroSeason, work.e0).residuals;
  const basis = (j: number) => {
    let l0 = 0;
    let b0 = 0;
    const s0 = zeroSeason.slice();
    if (j === 0) l0 = 1;
    else if (hasTrend && j === 1) b0 = 1;
    else {
      const k = j - 1 - (hasTrend ? 1 : 0);
      s0[k] = 1;
      s0[m - 1] = -1;
    }
    return { l0, b0, s0 };
  };
  const responses: StateResponse[] = [];
  for (let j = 0; j < dims; j++) {
    const { l0, b0, s0 } = basis(j);
    const run = filter(work.zeros, spec, p, l0, b0, s0, work.r[j]!);
    if (withUncertainty) responses.push({ level: run.level, slope: run.slope, season: run.season });
  }
  // Normal equations RᵀR x = −Rᵀe₀, with a whisper of ridge for nearly collinear columns.
  const a = new Float64Array(dims * dims);
  const rhs = new Float64Array(dims);
  for (let i = 0; i < dims; i++) {
    const ri = work.r[i]!;
    for (let j = i; j < dims; j++) {
      const rj = work.r[j]!;
      let s = 0;
      for (let t = 0; t < y.length; t++) s += ri[t]! * rj[t]!;
      a[i * dims + j] = s;
      a[j * dims + i] = s;
    }
    let s = 0;
    for (let t = 0; t < y.length; t++) s += ri[t]! * e0[t]!;
    rhs[i] = -s;
  }
  for (let i = 0; i < dims; i++) a[i * dims + i]! += 1e-10 * (1 + a[i * dims + i]!);
  const x = cholesky(a, dims) ? cholSolve(a, dims, rhs) : new Float64Array(dims);
  let l0 = 0;
  let b0 = 0;
  const s0 = zeroSeason.slice();
  for (let j = 0; j < dims; j++) {
    const v = basis(j);
    l0 += x[j]! * v.l0;
    b0 += x[j]! * v.b0;
    for (let k = 0; k < s0.length; k++) s0[k]! += x[j]! * v.s0[k]!;
  }
  return { l0, b0, s0, ...(withUncertainty ? { uncertainty: { factor: a, dims, responses } } : {}) };
}

/** How the final states move per unit of each free initial state (the filter is linear in them). */
interface StateResponse {
  level: number;
  slope: number;
  season: number[];
}

/**
 * The initial states' sampling uncertainty: least squares gives Cov(x₀) = σ²·(RᵀR)⁻¹; `factor`
 * is the Cholesky factor L of RᵀR; `responses` carry it to the final states.
 */
interface StateUncertainty {
  factor: Float64Array;
  dims: number;
  responses: StateResponse[];
}

interface Initial {
  l0: number;
  b0: number;
  s0: number[];
  uncertainty?: StateUncertainty;
}

interface Work {
  e0: Float64Array;
  zeros: Float64Array;
  r: Float64Array[];
  out: Float64Array;
}

/**
 * Fits the smoothing parameters by maximum likelihood (Gaussian innovations, σ² concentrated
 * out: minimise n·log(SSE/n)), the initial states being solved exactly for each trial (see
 * bestInitialStates). Parameters are mapped to the usual admissible region through logistic
 * transforms: 0 < α < 1, 0 < β < α, 0 < γ < 1 − α, 0.8 ≤ φ ≤ 0.98.
 */
export function fitEts(y: readonly number[], spec: EtsSpec): EtsFit {
  const n = y.length;
  const hasTrend = spec.trend !== 'N';
  const damped = spec.trend === 'Ad';
  const hasSeason = seasonal(spec);
  const dims = 1 + (hasTrend ? 1 : 0) + (hasSeason ? spec.m - 1 : 0);
  const work: Work = {
    e0: new Float64Array(n),
    zeros: new Float64Array(n),
    r: Array.from({ length: dims }, () => new Float64Array(n)),
    out: new Float64Array(n),
  };
  const decode = (u: readonly number[]): Smoothing => {
    let i = 0;
    const alpha = sigmoid(u[i++]!);
    const beta = hasTrend ? alpha * sigmoid(u[i++]!) : 0;
    const gamma = hasSeason ? (1 - alpha) * sigmoid(u[i++]!) : 0;
    const phi = damped ? 0.8 + 0.18 * sigmoid(u[i]!) : 1;
    return { alpha, beta, gamma, phi };
  };
  const startAt = (alpha: number, slope: number, season: number): number[] => {
    const u = [logit(alpha)];
    if (hasTrend) u.push(logit(slope));
    if (hasSeason) u.push(logit(season));
    if (damped) u.push(logit(0.8333));
    return u;
  };
  const objective = (u: readonly number[]) => {
    const p = decode(u);
    const init = bestInitialStates(y, spec, p, work);
    const { sse } = filter(y, spec, p, init.l0, init.b0, init.s0, work.out);
    return sse > 0 ? n * Math.log(sse / n) : -1e12 + sse;
  };
  // The likelihood can have more than one local optimum: a near-deterministic fit (α, β, γ
  // near 0: a fixed trend and pattern) and an adaptive one (α well above 0). Nelder–Mead
  // settles in the basin it starts in, and the information criterion would then weigh models
  // fitted unequally well. Two starts, one in each basin; the better fit is kept.
  const best = [startAt(0.3, 0.1, 0.1), startAt(0.02, 0.05, 0.05)]
    .map((start) => nelderMead(objective, start, { step: 1 }))
    .reduce((a, b) => (b.value < a.value ? b : a));
  const p = decode(best.x);
  const init = bestInitialStates(y, spec, p, work, true);
  const run = filter(y, spec, p, init.l0, init.b0, init.s0, new Float64Array(n));
  return {
    spec,
    alpha: p.alpha,
    beta: p.beta,
    gamma: p.gamma,
    phi: p.phi,
    level: run.level,
    slope: run.slope,
    season: run.season,
    n,
    sse: run.sse,
    k: etsParameterCount(spec),
    residuals: Array.from(run.residuals),
    initial: { level: init.l0, slope: init.b0, season: init.s0 },
    ...(init.uncertainty ? { uncertainty: init.uncertainty } : {}),
  };
}

/** Point forecasts h = 1..horizon (the conditional mean on the model's scale). */
export function etsPoint(fit: EtsFit, horizon: number): number[] {
  const { m } = fit.spec;
  const out: number[] = [];
  let damp = 0;
  let phiH = 1;
  for (let h = 1; h <= horizon; h++) {
    phiH *= fit.phi;
    damp += fit.spec.trend === 'N' ? 0 : phiH;
    const s = m > 1 ? fit.season[(fit.n + h - 1) % m]! : 0;
    out.push(fit.level + damp * fit.slope + s);
  }
  return out;
}

/** One simulated future path: the state equations driven by draws of the innovation. */
export function etsSimulate(fit: EtsFit, horizon: number, sigma: number, normal: () => number): number[] {
  const { m } = fit.spec;
  const season = fit.season.slice();
  let l = fit.level;
  let b = fit.slope;
  const u = fit.uncertainty;
  if (u) {
    // Each path starts from states drawn from their sampling distribution: δx₀ = σ·L⁻ᵀz has
    // covariance σ²·(RᵀR)⁻¹, and the filter carries it linearly to the final states. This is
    // the estimation uncertainty of the level, slope and seasonal pattern (a slope fitted on
    // a short history is uncertain, and its error grows with the horizon), which plain
    // innovation simulation leaves out.
    const d = u.dims;
    const x = new Float64Array(d);
    for (let j = 0; j < d; j++) x[j] = sigma * normal();
    for (let i = d - 1; i >= 0; i--) {
      let v = x[i]!;
      for (let k = i + 1; k < d; k++) v -= u.factor[k * d + i]! * x[k]!;
      x[i] = v / u.factor[i * d + i]!;
    }
    for (let j = 0; j < d; j++) {
      const r = u.responses[j]!;
      l += x[j]! * r.level;
      b += x[j]! * r.slope;
      for (let k = 0; k < season.length; k++) season[k]! += x[j]! * r.season[k]!;
    }
  }
  const out: number[] = new Array<number>(horizon);
  for (let h = 0; h < horizon; h++) {
    const t = fit.n + h;
    const s = m > 1 ? season[t % m]! : 0;
    const e = sigma * normal();
    const base = l + fit.phi * b;
    out[h] = base + s + e;
    l = base + fit.alpha * e;
    b = fit.phi * b + fit.beta * e;
    if (m > 1) season[t % m] = s + fit.gamma * e;
  }
  return out;
}

/**
 * How much larger the model's in-sample h-step errors (h = 1..maxH) are than its own
 * theory says (σ²·(1 + Σ_{j<h} c_j²), c_j = α + β·(φ + … + φ^j) + γ·[j ≡ 0 mod m]), as the
 * mean over h of the ratio of mean squared errors to that variance. Above 1 the model is
 * over-confident beyond one step (parameters and states are estimates; real series drift
 * more than the fitted model thinks) and the simulation widens by its square root.
 */
export function multiStepVarianceRatio(y: readonly number[], fit: EtsFit, maxH: number): number {
  const n = y.length;
  const H = Math.min(maxH, Math.floor(n / 3));
  if (H < 2) return 1;
  const { m } = fit.spec;
  const phi = fit.phi;
  const sigma2 = fit.sse / n;
  if (!(sigma2 > 0)) return 1;
  const factors = etsVarianceFactors(fit, H);
  const sq = new Array<number>(H + 1).fill(0);
  const count = new Array<number>(H + 1).fill(0);
  const season = fit.initial.season.slice();
  let l = fit.initial.level;
  let b = fit.spec.trend === 'N' ? 0 : fit.initial.slope;
  for (let t = 0; t < n; t++) {
    const s = m > 1 ? season[t % m]! : 0;
    const base = l + phi * b;
    const e = y[t]! - (base + s);
    l = base + fit.alpha * e;
    b = phi * b + fit.beta * e;
    if (m > 1) season[t % m] = s + fit.gamma * e;
    // Forecasts from the state after t, for t + 1 … t + H (only where y is known).
    let damp = 0;
    let pw = 1;
    for (let h = 1; h <= H && t + h < n; h++) {
      pw *= phi;
      damp += fit.spec.trend === 'N' ? 0 : pw;
      const f = l + damp * b + (m > 1 ? season[(t + h) % m]! : 0);
      const err = y[t + h]! - f;
      sq[h]! += err * err;
      count[h]!++;
    }
  }
  let ratio = 0;
  for (let h = 1; h <= H; h++) ratio += sq[h]! / count[h]! / (sigma2 * factors[h - 1]!);
  return ratio / H;
}

/** The h-step forecast variance over σ², h = 1..H: 1 + Σ_{j<h} c_j² (Hyndman et al. 2008, Table 6.1). */
export function etsVarianceFactors(fit: EtsFit, H: number): number[] {
  const { m } = fit.spec;
  const out: number[] = [];
  let acc = 1;
  let phiSum = 0;
  let phiPow = 1;
  for (let h = 1; h <= H; h++) {
    out.push(acc);
    phiPow *= fit.phi;
    phiSum += phiPow;
    const c = fit.alpha + (fit.spec.trend === 'N' ? 0 : fit.beta * phiSum) + (m > 1 && h % m === 0 ? fit.gamma : 0);
    acc += c * c;
  }
  return out;
}
