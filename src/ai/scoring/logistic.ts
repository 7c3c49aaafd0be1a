import { gather, rowCount, sigmoid, validateDataset, type Dataset, type FeatureMatrix, type FeatureMeta } from './dataset.ts';
import { conditionalEffects, crossFitted, encodingTable, levelCounts, levelOf } from './target-encoding.ts';
import { cholesky, cholSolve } from './cholesky.ts';

/**
 * Bayesian logistic regression: a Gaussian prior centred on given prior weights, fitted to the
 * MAP by Newton's method. With no outcomes the model *is* the prior; each outcome pulls the
 * weights by an amount bounded by the prior's precision, so an organization's own data takes
 * over smoothly. Numeric features are standardised internally (with a missing indicator),
 * categoricals one-hot encoded (with a missing/unknown column), except those with more levels
 * than `oneHotMaxLevels`: each of those is one column of shrunken target statistics
 * (target-encoding.ts, cross-fitted inside the training rows), whose weight starts at 1, so
 * every level counts as much as its own outcomes warrant. The Laplace approximation of the
 * posterior (inverse Hessian at the MAP) gives each lead's logit variance.
 */

/**
 * A cold-start prior in raw feature units, so it means the same for every organization:
 * logit = intercept + Σ slope·(x − center) for present numerics, + `missing` when absent,
 * + the effect of the lead's category. Unlisted features have prior weight 0.
 */
export interface LogisticPrior {
  intercept: number;
  /**
   * Per numeric feature: `center` defaults to the standardisation mean (0 without leads, moving
   * smoothly to the training mean), so the slope pivots around the typical lead and `intercept`
   * is the logit of a typical lead; `scale` is the feature's typical spread in raw units
   * (default 1), the standardisation's starting guess while there are few leads.
   */
  numeric?: Record<string, { slope: number; center?: number; missing?: number; scale?: number }>;
  categorical?: Record<string, Record<string, number>>;
  /**
   * Multiplies the precision of every prior term (default 10, about the information of a few
   * dozen leads per coefficient): higher trusts the prior longer.
   */
  strength?: number;
  /** Precision of the intercept before `strength` (default 1): how sure the prior is of the base rate. */
  interceptPrecision?: number;
}

/** Default `LogisticPrior.strength`. */
export const DEFAULT_PRIOR_STRENGTH = 10;

export interface LogisticOptions {
  /** Prior precision of each standardised coefficient (1 ≈ scikit-learn's C = 1), times the prior's strength. */
  l2: number;
  /**
   * Pseudo-count of the standardisation: mean and variance are shrunk towards the prior's
   * center and scale (0 and 1 when not given) as if this many rows had those values, so a
   * handful of leads cannot set an extreme scale (which would change what the prior means).
   */
  standardisationPseudoCount: number;
  /** Intercept precision when no prior is given (weak: the base rate is learned from data). */
  interceptPrecision: number;
  maxIterations: number;
  tol: number;
  /**
   * Categoricals with more levels than this are target-encoded instead of one-hot: the dense
   * Hessian and covariance grow with the square of the columns, and hundreds of one-hot levels
   * seen a few times each are what shrunken target statistics are for.
   */
  oneHotMaxLevels: number;
}

export const DEFAULT_LOGISTIC_OPTIONS: Readonly<LogisticOptions> = Object.freeze({ l2: 1, standardisationPseudoCount: 10, interceptPrecision: 1e-2, maxIterations: 50, tol: 1e-9, oneHotMaxLevels: 40 });

export interface LogisticModel {
  kind: 'logistic';
  features: FeatureMeta[];
  /** First design column of each feature (column 0 is the intercept). */
  offsets: Int32Array;
  /** Numeric standardisation (NaN-free); unused for categoricals. */
  mean: Float64Array;
  scale: Float64Array;
  coef: Float64Array;
  /** Posterior covariance (p × p, row-major) of `coef`. */
  covariance: Float64Array;
  /** Mean of each feature's term over the training rows: attributions are relative to it. */
  termMean: Float64Array;
  /**
   * Per feature, the target encoding of a target-encoded categorical (value of each code, then
   * of missing/unknown, in log-odds relative to the base rate; one design column), else null.
   * Absent in models from before target encoding: every categorical is one-hot.
   */
  encodings?: (Float64Array | null)[];
  info: { n: number; iterations: number; converged: boolean };
}

interface Layout {
  offsets: Int32Array;
  p: number;
}

/** Whether the logistic model target-encodes this feature (else numeric, or one-hot). */
export function targetEncoded(f: FeatureMeta, o: Pick<LogisticOptions, 'oneHotMaxLevels'>): boolean {
  return f.kind === 'categorical' && (f.categories?.length ?? 0) > o.oneHotMaxLevels;
}

function layout(features: FeatureMeta[], o: LogisticOptions): Layout {
  const offsets = new Int32Array(features.length);
  let p = 1;
  features.forEach((f, j) => {
    offsets[j] = p;
    p += f.kind === 'numeric' ? 2 : targetEncoded(f, o) ? 1 : (f.categories?.length ?? 0) + 1;
  });
  return { offsets, p };
}

/** Writes the active design columns of a row (intercept + one per feature) into cols/vals. */
function encodeRow(m: Pick<LogisticModel, 'features' | 'offsets' | 'mean' | 'scale' | 'encodings'>, get: (j: number) => number, cols: Int32Array, vals: Float64Array, at: number): void {
  cols[at] = 0;
  vals[at] = 1;
  const fs = m.features;
  for (let j = 0; j < fs.length; j++) {
    const v = get(j);
    const o = m.offsets[j]!;
    const q = at + 1 + j;
    if (fs[j]!.kind === 'numeric') {
      if (v === v) {
        cols[q] = o;
        vals[q] = (v - m.mean[j]!) / m.scale[j]!;
      } else {
        cols[q] = o + 1;
        vals[q] = 1;
      }
    } else {
      const k = fs[j]!.categories?.length ?? 0;
      const enc = m.encodings?.[j];
      if (enc) {
        cols[q] = o;
        vals[q] = enc[levelOf(v, k)]!;
      } else {
        cols[q] = levelOf(v, k) + o;
        vals[q] = 1;
      }
    }
  }
}


function priorVectors(features: FeatureMeta[], lay: Layout, mean: Float64Array, scale: Float64Array, prior: LogisticPrior | undefined, o: LogisticOptions) {
  const m = new Float64Array(lay.p);
  const strength = prior ? (prior.strength ?? DEFAULT_PRIOR_STRENGTH) : 1;
  const lam = new Float64Array(lay.p).fill(o.l2 * strength);
  lam[0] = prior ? (prior.interceptPrecision ?? 1) * strength : o.interceptPrecision;
  m[0] = prior?.intercept ?? 0;
  features.forEach((f, j) => {
    const off = lay.offsets[j]!;
    if (f.kind === 'numeric') {
      const pr = prior?.numeric?.[f.name];
      if (!pr) return;
      // Raw-unit prior → standardised: slope·(x − c) = slope·(μ − c) + slope·σ·z.
      const shift = pr.slope * (mean[j]! - (pr.center ?? mean[j]!));
      m[0]! += shift;
      m[off] = pr.slope * scale[j]!;
      m[off + 1] = (pr.missing ?? 0) - shift;
    } else if (targetEncoded(f, o)) {
      // The encoding is already in log-odds (and carries the prior's level effects): weight 1 uses it as it is.
      m[off] = 1;
    } else {
      const pr = prior?.categorical?.[f.name];
      if (!pr) return;
      f.categories?.forEach((c, code) => {
        m[off + code] = pr[c] ?? 0;
      });
    }
  });
  return { m, lam };
}

export function trainLogistic(dataset: Dataset, rows?: ArrayLike<number>, prior?: LogisticPrior, options: Partial<LogisticOptions> = {}): LogisticModel {
  const o: LogisticOptions = { ...DEFAULT_LOGISTIC_OPTIONS, ...options };
  validateDataset(dataset);
  const features = dataset.features;
  const nf = features.length;
  const idx = rows ?? Int32Array.from({ length: dataset.y.length }, (_, i) => i);
  const n = idx.length;
  const w = dataset.weights;
  const lay = layout(features, o);
  const p = lay.p;

  const mean = new Float64Array(nf);
  const scale = new Float64Array(nf).fill(1);
  features.forEach((f, j) => {
    if (f.kind !== 'numeric') return;
    const col = dataset.columns[j]!;
    let sw = 0;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const v = col[idx[i]!]!;
      if (v !== v) continue;
      const wi = w ? w[idx[i]!]! : 1;
      sw += wi;
      s += wi * v;
      ss += wi * v * v;
    }
    const pr = prior?.numeric?.[f.name];
    const k0 = o.standardisationPseudoCount;
    const c0 = pr?.center ?? 0;
    const s0 = pr?.scale ?? 1;
    // Shrunk moments: k0 pseudo-rows at c0 with spread s0 (a conjugate-style prior on the scale).
    const mu = (s + k0 * c0) / (sw + k0);
    const m2 = (ss + k0 * (s0 * s0 + c0 * c0)) / (sw + k0);
    mean[j] = sw + k0 > 0 ? mu : c0;
    const varr = sw + k0 > 0 ? m2 - mu * mu : s0 * s0;
    scale[j] = varr > 1e-12 * Math.max(1, mu * mu) ? Math.sqrt(varr) : 1;
  });
  // Target encodings: the table every training row contributes to (for scoring new leads) and,
  // for training itself, each row's value from a table that never saw the row's outcome.
  const fallbackRate = sigmoid(prior?.intercept ?? 0);
  const encodings = features.map((f, j) => {
    if (!targetEncoded(f, o)) return null;
    const k = f.categories!.length;
    const pr = prior?.categorical?.[f.name];
    const offsets = pr ? Float64Array.from({ length: k + 1 }, (_, c) => (c < k ? (pr[f.categories![c]!] ?? 0) : 0)) : null;
    return { table: encodingTable(levelCounts(dataset.columns[j]!, dataset.y, idx, k, w), offsets, fallbackRate), fitted: crossFitted(dataset.columns[j]!, dataset.y, idx, k, offsets, fallbackRate, w) };
  });
  const shape = { features, offsets: lay.offsets, mean, scale, encodings: encodings.map((e) => e?.table ?? null) };
  const a = nf + 1;
  const cols = new Int32Array(n * a);
  const vals = new Float64Array(n * a);
  for (let i = 0; i < n; i++) {
    const r = idx[i]!;
    encodeRow(shape, (j) => dataset.columns[j]![r]!, cols, vals, i * a);
    for (let j = 0; j < nf; j++) if (encodings[j]) vals[i * a + 1 + j] = encodings[j]!.fitted[i]!;
  }
  const y = gather(dataset.y, idx);
  const wt = w ? gather(w, idx) : new Float64Array(n).fill(1);
  const { m, lam } = priorVectors(features, lay, mean, scale, prior, o);

  const beta = Float64Array.from(m);
  const eta = new Float64Array(n);
  const objective = (b: Float64Array): number => {
    let s = 0;
    for (let k = 0; k < p; k++) s += 0.5 * lam[k]! * (b[k]! - m[k]!) ** 2;
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let q = i * a; q < i * a + a; q++) z += b[cols[q]!]! * vals[q]!;
      eta[i] = z;
      s += wt[i]! * ((z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i]! * z);
    }
    return s;
  };
  const hessian = (b: Float64Array, grad: Float64Array | null): Float64Array => {
    const hm = new Float64Array(p * p);
    for (let k = 0; k < p; k++) {
      hm[k * p + k] = lam[k]!;
      if (grad) grad[k] = lam[k]! * (b[k]! - m[k]!);
    }
    for (let i = 0; i < n; i++) {
      const pi = sigmoid(eta[i]!);
      const wi = wt[i]!;
      const r = wi * (pi - y[i]!);
      const hw = wi * pi * (1 - pi);
      const base = i * a;
      for (let u = 0; u < a; u++) {
        const cu = cols[base + u]!;
        const vu = vals[base + u]!;
        if (grad) grad[cu]! += r * vu;
        const hv = hw * vu;
        const row = cu * p;
        // Active columns are increasing within a row: fill the upper triangle only.
        for (let v = u; v < a; v++) hm[row + cols[base + v]!]! += hv * vals[base + v]!;
      }
    }
    for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) hm[j * p + i] = hm[i * p + j]!;
    return hm;
  };

  let iterations = 0;
  let converged = false;
  const grad = new Float64Array(p);
  // The factorised Hessian at the weights Newton stopped at: the covariance below needs
  // exactly that matrix (a pass over every row and pair of columns: a quarter of the fit).
  let finalFactor: Float64Array | null = null;
  /** Newton's method from the current weights; leaves eta at the weights it stops at. */
  const newton = () => {
    let obj = objective(beta);
    converged = false;
    finalFactor = null;
    for (let it = 0; it < o.maxIterations; it++, iterations++) {
      const hm = hessian(beta, grad);
      if (!cholesky(hm, p)) break;
      const step = cholSolve(hm, p, grad);
      let dec = 0;
      for (let k = 0; k < p; k++) dec += grad[k]! * step[k]!;
      if (dec / 2 < o.tol * Math.max(1, n)) {
        converged = true;
        finalFactor = hm;
        break;
      }
      let t = 1;
      const trial = new Float64Array(p);
      let next = obj;
      for (let ls = 0; ls < 30; ls++, t /= 2) {
        for (let k = 0; k < p; k++) trial[k] = beta[k]! - t * step[k]!;
        next = objective(trial);
        if (next <= obj - 1e-4 * t * dec) break;
      }
      beta.set(trial);
      obj = next;
    }
  };
  newton();
  if (encodings.some((e) => e)) {
    // The win rates above also count what the other features explain. Once those have their
    // weights, each level's effect is re-estimated on top of them (a random effect, the same
    // cross-fitting) and the model refitted: what one-hot columns of every level would learn.
    for (let j = 0; j < nf; j++) {
      if (!encodings[j]) continue;
      const f = features[j]!;
      const k = f.categories!.length;
      const rest = new Float64Array(n);
      for (let i = 0; i < n; i++) rest[i] = eta[i]! - beta[cols[i * a + 1 + j]!]! * vals[i * a + 1 + j]!;
      const pr = prior?.categorical?.[f.name];
      const offsets = pr ? Float64Array.from({ length: k + 1 }, (_, c) => (c < k ? (pr[f.categories![c]!] ?? 0) : 0)) : null;
      const effects = conditionalEffects(dataset.columns[j]!, dataset.y, idx, k, rest, offsets, w);
      shape.encodings[j] = effects.table;
      for (let i = 0; i < n; i++) vals[i * a + 1 + j] = effects.fitted[i]!;
    }
    newton();
  }
  let hm: Float64Array | null = finalFactor;
  if (!hm) {
    objective(beta); // refresh eta at the final weights
    hm = hessian(beta, null);
    if (!cholesky(hm, p)) hm = null;
  }
  const covariance = new Float64Array(p * p);
  if (hm) {
    const e = new Float64Array(p);
    for (let k = 0; k < p; k++) {
      e.fill(0);
      e[k] = 1;
      covariance.set(cholSolve(hm, p, e), k * p);
    }
  }
  const termMean = new Float64Array(nf);
  let sw = 0;
  for (let i = 0; i < n; i++) {
    sw += wt[i]!;
    for (let j = 0; j < nf; j++) {
      const q = i * a + 1 + j;
      // Attributions are relative to the mean term as scored (the full table), not as trained.
      const v = encodings[j] ? shape.encodings[j]![levelOf(dataset.columns[j]![idx[i]!]!, features[j]!.categories!.length)]! : vals[q]!;
      termMean[j]! += wt[i]! * beta[cols[q]!]! * v;
    }
  }
  if (sw > 0) for (let j = 0; j < nf; j++) termMean[j]! /= sw;
  return {
    kind: 'logistic', features, offsets: lay.offsets, mean, scale, coef: beta, covariance, termMean, info: { n, iterations, converged },
    ...(encodings.some((e) => e) ? { encodings: shape.encodings } : {}),
  };
}

/** Raw logits; with `variance`, also each row's posterior logit variance xᵀΣx. */
export function predictLogisticRaw(model: LogisticModel, x: FeatureMatrix, variance?: Float64Array): Float64Array {
  const n = rowCount(x);
  const nf = model.features.length;
  const a = nf + 1;
  const cols = new Int32Array(a);
  const vals = new Float64Array(a);
  const out = new Float64Array(n);
  const b = model.coef;
  const p = b.length;
  const cov = model.covariance;
  for (let i = 0; i < n; i++) {
    encodeRow(model, (j) => x.columns[j]![i]!, cols, vals, 0);
    let z = 0;
    for (let u = 0; u < a; u++) z += b[cols[u]!]! * vals[u]!;
    out[i] = z;
    if (variance) {
      let v = 0;
      for (let u = 0; u < a; u++) {
        const row = cols[u]! * p;
        let s = 0;
        for (let t = 0; t < a; t++) s += cov[row + cols[t]!]! * vals[t]!;
        v += vals[u]! * s;
      }
      variance[i] = Math.max(0, v);
    }
  }
  return out;
}

/**
 * Exact linear attributions: φ_j = term_j(x) − mean term_j, base = intercept + Σ mean terms,
 * so base + Σφ is the raw logit (up to rounding).
 */
export function explainLogistic(model: LogisticModel, row: ArrayLike<number>): { baseValue: number; phi: Float64Array; raw: number } {
  const nf = model.features.length;
  const cols = new Int32Array(nf + 1);
  const vals = new Float64Array(nf + 1);
  encodeRow(model, (j) => row[j]!, cols, vals, 0);
  const phi = new Float64Array(nf);
  let base = model.coef[0]!;
  let raw = model.coef[0]!;
  for (let j = 0; j < nf; j++) {
    const term = model.coef[cols[j + 1]!]! * vals[j + 1]!;
    raw += term;
    phi[j] = term - model.termMean[j]!;
    base += model.termMean[j]!;
  }
  return { baseValue: base, phi, raw };
}
