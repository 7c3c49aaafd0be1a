import type { EncodedLeads, FeatureDef } from './feature-space.ts';
import { addGrams, fitGroupedRidge, gram, subtractGram, type GroupedRidgeFit, type SparseRow } from './grouped-ridge.ts';
import { createRng, shuffleInPlace } from '../scoring/random.ts';
import { predictSegmentDealValues, type SegmentDealValueModel } from './deal-value-segments.ts';

/**
 * What a lead's deal would be worth if won: a regression of log(deal value) of the won
 * deals on the lead's fit features (company size, industry and every other custom field,
 * source, campaign, country, job title seniority and function, email kind), each feature's
 * effects shrunk by empirical Bayes (`grouped-ridge.ts`): a rare segment is pulled toward
 * the overall typical deal by its own count, a feature that does not explain deal size is
 * switched off. Numbers enter as a piecewise-linear curve (knots at the won deals'
 * quartiles), clamped to the range seen, so a company larger than any customer is not
 * extrapolated into a deal larger than any won.
 *
 * Fit features only, on purpose: behaviour and conversations are counted at the close for
 * won deals but early for an open lead, so they would say more about the stage than the size.
 *
 * The estimate is the MEDIAN deal for such a lead (exp of the predicted log value), not the
 * mean: it is "a typical deal like this one", what a rep reads on a card, and the figure the
 * mean absolute error rewards; the mean would add exp(σ²/2) (σ ≈ 0.5–1 on log values: +13 to
 * +65 %), driven by the few largest deals. `meanFactor` says how far apart they are, for a
 * forecast that needs expected totals. The 80 % interval is the median times the 10th and
 * 90th percentiles of exp(out-of-fold residual): how far won deals actually fell from what a
 * model that had not seen them said.
 */
export interface DealValueModel {
  format: 'log-ridge-eb';
  wonDeals: number;
  terms: Term[];
  intercept: number;
  coef: number[];
  /** Prior variance of each term's effects (τ², log scale): ~0 = the feature was switched off. */
  termVariance: number[];
  /** Residual standard deviation of log deal value. */
  sigma: number;
  /** The estimate never leaves the range of won deals. */
  range: [number, number];
  /** Multipliers of the estimate: 10th and 90th percentile of exp(out-of-fold residual). */
  interval: { low: number; high: number };
  /** Mean over median of a deal like this (mean of exp(residual)). */
  meanFactor: number;
  /** Out-of-fold accuracy on the won deals (null under MIN_CV deals). */
  cv: DealValueAccuracy | null;
}

export interface DealValueAccuracy {
  folds: number;
  n: number;
  /** Mean absolute error of the estimate, in currency. */
  mae: number;
  /** The same for predicting every deal at the training folds' median. */
  medianMae: number;
  /** Median absolute percentage error, model and median. */
  mdape: number;
  medianMdape: number;
  /** Share of held-out deals inside their 80 % interval. */
  coverage: number;
}

type Term =
  | { feature: string; kind: 'categorical'; start: number; categories: string[] }
  | { feature: string; kind: 'numeric'; start: number; center: number; scale: number; min: number; max: number; knots: number[]; missing: boolean };

export interface DealValueEstimate {
  value: number;
  low: number;
  high: number;
}

const FOLDS = 5;
/** Fewer won deals than this: the interval comes from in-sample residuals, no CV figures. */
const MIN_CV = 20;
/** Fewer than this: only the overall typical value (a regression on 3 deals is noise). */
const MIN_REGRESSION = 8;
/** Categories of one feature with an effect of their own; the rest count as the overall mean. */
const MAX_CATEGORIES = 60;

const width = (t: Term) => (t.kind === 'categorical' ? t.categories.length : 1 + t.knots.length + (t.missing ? 1 : 0));

/** The regression's terms from the won deals: which features, categories and knots. */
function learnTerms(won: EncodedLeads): Term[] {
  const terms: Term[] = [];
  let start = 0;
  won.features.forEach((def: FeatureDef, j) => {
    if (def.group !== 'demographic') return;
    const col = won.columns[j]!;
    let term: Term | null = null;
    if (def.kind === 'categorical' && def.categories) {
      // Only categories some won deal has (the others would get a zero effect anyway), and at
      // most the MAX_CATEGORIES most frequent of them: the fit costs the cube of the columns.
      const counts = new Map<number, number>();
      for (const v of col) if (!Number.isNaN(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
      const kept = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_CATEGORIES).map(([c]) => c).sort((a, b) => a - b);
      const categories = kept.flatMap((c) => (def.categories![c] === undefined ? [] : [def.categories![c]!]));
      if (categories.length >= 1) term = { feature: def.name, kind: 'categorical', start, categories };
    } else if (def.kind === 'numeric') {
      const present = Float64Array.from(Array.from(col).filter((v) => Number.isFinite(v))).sort();
      const m = present.length;
      if (m >= 2 && present[0] !== present[m - 1]) {
        const q = (f: number) => present[Math.floor(f * (m - 1))]!;
        let sum = 0;
        for (const v of present) sum += v;
        const mean = sum / m;
        let ss = 0;
        for (const v of present) ss += (v - mean) ** 2;
        const scale = Math.sqrt(ss / m) || 1;
        const center = q(0.5);
        const distinct = new Set(present).size;
        // A bent line only where there are values to bend it: not for flags or a few levels.
        const knots = distinct >= 10 && m >= 30 ? [...new Set([q(0.25), q(0.5), q(0.75)].map((k) => (k - center) / scale))].filter((k) => k > (present[0]! - center) / scale && k < (present[m - 1]! - center) / scale) : [];
        term = { feature: def.name, kind: 'numeric', start, center, scale, min: present[0]!, max: present[m - 1]!, knots, missing: m < won.n };
      }
    }
    if (term) {
      terms.push(term);
      start += width(term);
    }
  });
  return terms;
}

/** The leads as sparse rows of the terms' columns (missing: no column, the overall mean). */
function design(terms: readonly Term[], leads: EncodedLeads): SparseRow[] {
  const byName = new Map(leads.features.map((f, j) => [f.name, j]));
  const rows: SparseRow[] = Array.from({ length: leads.n }, () => ({ idx: [], val: [] }));
  for (const t of terms) {
    const j = byName.get(t.feature);
    if (j === undefined) continue;
    const col = leads.columns[j]!;
    if (t.kind === 'categorical') {
      const names = leads.features[j]!.categories ?? [];
      const offset = new Map(t.categories.map((c, k) => [c, k]));
      const codeOffset = names.map((name) => offset.get(name));
      for (let i = 0; i < leads.n; i++) {
        const k = Number.isNaN(col[i]!) ? undefined : codeOffset[col[i]!];
        if (k !== undefined) {
          rows[i]!.idx.push(t.start + k);
          rows[i]!.val.push(1);
        }
      }
    } else {
      for (let i = 0; i < leads.n; i++) {
        const v = col[i]!;
        const r = rows[i]!;
        if (!Number.isFinite(v)) {
          if (t.missing) {
            r.idx.push(t.start + 1 + t.knots.length);
            r.val.push(1);
          }
          continue;
        }
        const z = (Math.min(t.max, Math.max(t.min, v)) - t.center) / t.scale;
        r.idx.push(t.start);
        r.val.push(z);
        t.knots.forEach((k, h) => {
          if (z > k) {
            r.idx.push(t.start + 1 + h);
            r.val.push(z - k);
          }
        });
      }
    }
  }
  return rows;
}

function termGroups(terms: readonly Term[]): { groups: Int32Array; p: number } {
  const p = terms.reduce((s, t) => s + width(t), 0);
  const groups = new Int32Array(p);
  terms.forEach((t, k) => groups.fill(k, t.start, t.start + width(t)));
  return { groups, p };
}

function linear(fit: Pick<GroupedRidgeFit, 'intercept' | 'coef'> | { intercept: number; coef: ArrayLike<number> }, row: SparseRow): number {
  let z = fit.intercept;
  for (let a = 0; a < row.idx.length; a++) z += fit.coef[row.idx[a]!]! * row.val[a]!;
  return z;
}

/** Deterministic fold of each index: a seeded shuffle dealt round-robin. */
export function foldOf(n: number, folds: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, createRng(seed));
  const fold = new Int32Array(n);
  order.forEach((i, k) => (fold[i] = k % folds));
  return fold;
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

export function median(values: readonly number[]): number {
  return quantile(Float64Array.from(values).sort(), 0.5);
}

/**
 * Learns the model from won leads (encoded in the scoring model's feature space) and their
 * deal values (> 0). Deterministic for the same leads and seed.
 */
export function learnDealValues(won: EncodedLeads, values: readonly number[], options: { seed?: number; folds?: number } = {}): DealValueModel {
  const n = values.length;
  const y = values.map((v) => Math.log(Math.max(1, v)));
  const range: [number, number] = n > 0 ? [values.reduce((a, b) => Math.min(a, b), Infinity), values.reduce((a, b) => Math.max(a, b), 0)] : [0, 0];
  const terms = n >= MIN_REGRESSION ? learnTerms(won) : [];
  const { groups, p } = termGroups(terms);
  const rows = design(terms, won);
  const folds = Math.min(options.folds ?? FOLDS, n);
  const cvable = n >= MIN_CV && folds >= 2;
  const fold = foldOf(n, cvable ? folds : 1, options.seed ?? 0);
  // One pass over the deals: each fold's sums, the whole as their total, a training set as the
  // total less its fold.
  const members = Array.from({ length: cvable ? folds : 1 }, () => [] as number[]);
  for (let i = 0; i < n; i++) members[fold[i]!]!.push(i);
  const foldGrams = members.map((idx) => gram(rows, y, p, idx));
  const whole = addGrams(foldGrams);
  const fit = fitGroupedRidge(whole, groups, terms.length);
  // Out-of-fold log residuals, each fold refitted with the full fit's variances: the
  // residual spread of a model that had not seen the deal, at the cost of one solve per fold.
  const residuals = new Float64Array(n);
  const oof = new Float64Array(n);
  if (cvable) {
    for (let f = 0; f < folds; f++) {
      const fitF = fitGroupedRidge(subtractGram(whole, foldGrams[f]!), groups, terms.length, { fixed: { groupVariance: fit.groupVariance, noiseVariance: Math.max(1e-12, fit.noiseVariance) } });
      for (const i of members[f]!) oof[i] = linear(fitF, rows[i]!);
    }
  } else {
    for (let i = 0; i < n; i++) oof[i] = linear(fit, rows[i]!);
  }
  for (let i = 0; i < n; i++) residuals[i] = y[i]! - oof[i]!;
  const sorted = Float64Array.from(residuals).sort();
  const interval = n > 0 ? { low: Math.exp(quantile(sorted, 0.1)), high: Math.exp(quantile(sorted, 0.9)) } : { low: 1, high: 1 };
  const meanFactor = n > 0 ? residuals.reduce((s, r) => s + Math.exp(r), 0) / n : 1;
  let cv: DealValueAccuracy | null = null;
  if (cvable) {
    // The same folds for the median baseline: the median of the other folds' deals.
    const medians = Array.from({ length: folds }, (_, f) => median(values.filter((_, i) => fold[i] !== f)));
    const point = (i: number) => Math.min(range[1], Math.max(range[0], Math.exp(oof[i]!)));
    cv = accuracy(values, point, (i) => medians[fold[i]!]!, (i) => [point(i) * interval.low, point(i) * interval.high], folds);
  }
  return {
    format: 'log-ridge-eb', wonDeals: n, terms, intercept: fit.intercept, coef: Array.from(fit.coef), termVariance: fit.groupVariance,
    sigma: Math.sqrt(Math.max(0, fit.noiseVariance)), range, interval, meanFactor, cv,
  };
}

/** Accuracy of estimates against the actual values (shared with the outer cross-validation). */
export function accuracy(values: readonly number[], estimate: (i: number) => number, baseline: (i: number) => number, interval: (i: number) => [number, number], folds: number): DealValueAccuracy {
  const n = values.length;
  let ae = 0;
  let be = 0;
  let inside = 0;
  const ape: number[] = [];
  const bpe: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const e = Math.abs(estimate(i) - v);
    const b = Math.abs(baseline(i) - v);
    ae += e;
    be += b;
    ape.push(e / v);
    bpe.push(b / v);
    const [lo, hi] = interval(i);
    if (v >= lo && v <= hi) inside++;
  }
  return { folds, n, mae: ae / n, medianMae: be / n, mdape: median(ape), medianMdape: median(bpe), coverage: inside / n };
}

/** The estimate and its 80 % interval for each lead of an encoded batch (null: no deal won yet). */
export function estimateDealValues(model: DealValueModel, leads: EncodedLeads): (DealValueEstimate | null)[] {
  if (model.wonDeals === 0) return Array.from({ length: leads.n }, () => null);
  const rows = design(model.terms, leads);
  return rows.map((row) => {
    const value = Math.min(model.range[1], Math.max(model.range[0], Math.exp(linear(model, row))));
    // Whole currency units: cents would claim a precision the estimate does not have.
    return { value: Math.round(value), low: Math.round(value * model.interval.low), high: Math.round(value * model.interval.high) };
  });
}

/**
 * Deal value if won for each lead (the point estimate), from the model stored with the
 * scoring model: a model stored before this regression is the segment model, used as it is
 * until the next training replaces it.
 */
export function predictDealValues(model: DealValueModel | SegmentDealValueModel, leads: EncodedLeads): (number | null)[] {
  if (!('format' in model)) return predictSegmentDealValues(model, leads);
  return estimateDealValues(model, leads).map((e) => e?.value ?? null);
}
