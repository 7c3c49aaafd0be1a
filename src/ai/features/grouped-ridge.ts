/**
 * Linear regression with a Gaussian prior on every coefficient, one prior variance per group
 * of coefficients (all the categories of one feature, or the terms of one number), each
 * variance estimated from the data: empirical Bayes (MacKay's evidence updates). A group
 * whose effects the data cannot tell from noise gets a small variance and is shrunk to the
 * global mean; a rare category of a useful feature is pulled toward the mean by its own
 * count, n / (n + σ²/τ²): hierarchical shrinkage without a hand-set penalty.
 *
 * Works on the normal equations (XᵀX, Xᵀy), built once from sparse rows: the number of
 * coefficients is small (a few hundred), the rows many.
 */
import { cholesky, cholSolve } from '../scoring/cholesky.ts';

/** One row: the columns it has a value in (0-based, intercept excluded) and those values. */
export interface SparseRow {
  idx: number[];
  val: number[];
}

export interface Gram {
  /** Coefficients, intercept excluded. */
  p: number;
  n: number;
  /** (p + 1)², row-major, index 0 the intercept. */
  xtx: Float64Array;
  xty: Float64Array;
  yty: number;
  ySum: number;
}

/**
 * XᵀX and Xᵀy of the rows (all, or those listed), with an intercept column. Each row's
 * columns must be increasing (the upper triangle is accumulated, then mirrored: half the work).
 */
export function gram(rows: readonly SparseRow[], y: ArrayLike<number>, p: number, only?: ArrayLike<number>): Gram {
  const d = p + 1;
  const xtx = new Float64Array(d * d);
  const xty = new Float64Array(d);
  let yty = 0;
  let ySum = 0;
  const n = only ? only.length : rows.length;
  for (let r = 0; r < n; r++) {
    const i = only ? only[r]! : r;
    const { idx, val } = rows[i]!;
    const yi = y[i]!;
    yty += yi * yi;
    ySum += yi;
    const k = idx.length;
    for (let a = 0; a < k; a++) {
      const ca = idx[a]! + 1;
      const va = val[a]!;
      xty[ca] = xty[ca]! + va * yi;
      xtx[ca] = xtx[ca]! + va; // intercept row
      const row = ca * d;
      for (let b = a; b < k; b++) {
        const at = row + idx[b]! + 1;
        xtx[at] = xtx[at]! + va * val[b]!;
      }
    }
  }
  xtx[0] = n;
  xty[0] = ySum;
  for (let i = 1; i < d; i++) for (let j = 0; j < i; j++) xtx[i * d + j] = xtx[j * d + i]!;
  return { p, n, xtx, xty, yty, ySum };
}

/** a − b: the rows of a without those of b (b's rows must be among a's). */
export function subtractGram(a: Gram, b: Gram): Gram {
  return { p: a.p, n: a.n - b.n, xtx: a.xtx.map((v, i) => v - b.xtx[i]!), xty: a.xty.map((v, i) => v - b.xty[i]!), yty: a.yty - b.yty, ySum: a.ySum - b.ySum };
}

export function addGrams(grams: readonly Gram[]): Gram {
  const first = grams[0]!;
  const out: Gram = { p: first.p, n: 0, xtx: new Float64Array(first.xtx.length), xty: new Float64Array(first.xty.length), yty: 0, ySum: 0 };
  for (const g of grams) {
    out.n += g.n;
    out.yty += g.yty;
    out.ySum += g.ySum;
    for (let i = 0; i < g.xtx.length; i++) out.xtx[i] = out.xtx[i]! + g.xtx[i]!;
    for (let i = 0; i < g.xty.length; i++) out.xty[i] = out.xty[i]! + g.xty[i]!;
  }
  return out;
}

export interface GroupedRidgeFit {
  intercept: number;
  coef: Float64Array;
  /** Prior variance of each group's coefficients (τ²). */
  groupVariance: number[];
  /** Residual variance (σ²). */
  noiseVariance: number;
  /** Effective number of coefficients the data determined (Σ γ), per group. */
  effective: number[];
  iterations: number;
}

export interface GroupedRidgeOptions {
  /** Fixed variances: one solve, no estimation (cross-validation folds reuse the full fit's). */
  fixed?: { groupVariance: number[]; noiseVariance: number };
  maxIterations?: number;
  tolerance?: number;
}

/** Precision of the intercept: practically flat, but keeps the system positive definite. */
const INTERCEPT_PRECISION = 1e-8;

export function fitGroupedRidge(g: Gram, groups: ArrayLike<number>, nGroups: number, options: GroupedRidgeOptions = {}): GroupedRidgeFit {
  const { p, n } = g;
  const d = p + 1;
  const mean = n > 0 ? g.ySum / n : 0;
  const variance = n > 0 ? Math.max(0, g.yty / n - mean * mean) : 0;
  if (n < 2 || variance < 1e-12 || p === 0) {
    return { intercept: mean, coef: new Float64Array(p), groupVariance: Array.from({ length: nGroups }, () => 0), noiseVariance: variance, effective: Array.from({ length: nGroups }, () => 0), iterations: 0 };
  }
  // Floors keep a group that the data switched off solvable (its coefficients ≈ 0).
  const tauFloor = 1e-6 * variance;
  const sigmaFloor = 1e-6 * variance;
  let tau = options.fixed ? [...options.fixed.groupVariance] : Array.from({ length: nGroups }, () => variance);
  let sigma = options.fixed ? options.fixed.noiseVariance : variance;
  const maxIterations = options.fixed ? 1 : (options.maxIterations ?? 100);
  // 0.1 % in any variance: further digits do not move an estimate by a cent in a thousand.
  const tolerance = options.tolerance ?? 1e-3;
  let m: Float64Array = new Float64Array(d);
  let effective = Array.from({ length: nGroups }, () => 0);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const a = new Float64Array(d * d);
    for (let i = 0; i < d * d; i++) a[i] = g.xtx[i]! / sigma;
    a[0] = a[0]! + INTERCEPT_PRECISION;
    for (let c = 1; c < d; c++) a[c * d + c] = a[c * d + c]! + 1 / Math.max(tauFloor, tau[groups[c - 1]!]!);
    if (!cholesky(a, d)) throw new Error('grouped ridge: the system is not positive definite');
    m = cholSolve(a, d, g.xty.map((v) => v / sigma));
    if (options.fixed) break;
    // γ_c = 1 − S_cc / τ²: how much the data (not the prior) determined coefficient c.
    const s = inverseDiagonal(a, d);
    const mm = new Float64Array(nGroups);
    const gam = new Float64Array(nGroups);
    for (let c = 1; c < d; c++) {
      const k = groups[c - 1]!;
      mm[k] = mm[k]! + m[c]! * m[c]!;
      gam[k] = gam[k]! + Math.max(0, 1 - s[c]! / Math.max(tauFloor, tau[k]!));
    }
    let rss = g.yty;
    for (let i = 0; i < d; i++) {
      rss -= 2 * m[i]! * g.xty[i]!;
      let row = 0;
      for (let j = 0; j < d; j++) row += g.xtx[i * d + j]! * m[j]!;
      rss += m[i]! * row;
    }
    const used = 1 + gam.reduce((x, y) => x + y, 0);
    const nextSigma = Math.max(sigmaFloor, Math.max(0, rss) / Math.max(1, n - used));
    const nextTau = Array.from(mm, (s2, k) => (gam[k]! > 1e-9 ? Math.max(tauFloor, s2 / gam[k]!) : tauFloor));
    const change = Math.max(Math.abs(Math.log(nextSigma / sigma)), ...nextTau.map((t, k) => (t <= tauFloor && tau[k]! <= tauFloor ? 0 : Math.abs(Math.log(t / Math.max(tauFloor, tau[k]!))))));
    sigma = nextSigma;
    tau = nextTau;
    effective = Array.from(gam);
    if (change < tolerance) {
      iterations++;
      break;
    }
  }
  return { intercept: m[0]!, coef: m.slice(1), groupVariance: tau, noiseVariance: sigma, effective, iterations };
}


/** diag(A⁻¹) from A's Cholesky factor L: A⁻¹ = L⁻ᵀL⁻¹, so (A⁻¹)_cc = Σ_k (L⁻¹)_kc². */
function inverseDiagonal(l: Float64Array, p: number): Float64Array {
  const out = new Float64Array(p);
  const col = new Float64Array(p);
  for (let c = 0; c < p; c++) {
    // Column c of L⁻¹: solve L x = e_c (x_k = 0 for k < c).
    col.fill(0);
    for (let i = c; i < p; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * p + k]! * col[k]!;
      col[i] = s / l[i * p + i]!;
    }
    let sum = 0;
    for (let i = c; i < p; i++) sum += col[i]! * col[i]!;
    out[c] = sum;
  }
  return out;
}
