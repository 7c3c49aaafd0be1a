import { calibrate, DEFAULT_CALIBRATION_OPTIONS, fitCalibration, fitIsotonic, fitPlatt, type CalibrationChoice, type CalibrationOptions, type Calibrator } from './calibration.ts';
import { FEATURE_GROUPS, gather, rowCount, scatter, ScoringInputError, sigmoid, sigmoidAll, subsetMatrix, validateDataset, type Dataset, type FeatureGroup, type FeatureMatrix, type FeatureMeta } from './dataset.ts';
import { predictGbdtRaw, trainGbdt, type GbdtModel, type GbdtOptions } from './gbdt.ts';
import { explainGbdt } from './tree-shap.ts';
import { DEFAULT_PRIOR_STRENGTH, explainLogistic, predictLogisticRaw, trainLogistic, type LogisticModel, type LogisticOptions, type LogisticPrior } from './logistic.ts';
import { calibrationTable, evaluate, foldIndices, logLoss, stratifiedKFold, type CalibrationBin, type Metrics } from './metrics.ts';

/**
 * The scoring model of one organization: a prior-centred logistic model, optionally blended
 * with boosted trees, then calibrated.
 *
 *   raw logit  s(x) = (1 − β)·LR(x) + β·GBDT(x)      probability p = calibrate(s)
 *
 * How much the organization's outcomes count:
 * - In the logistic model through Bayes: the prior's precision is fixed while each outcome adds
 *   Fisher information, so the weights move from the prior to the data continuously.
 *   `info.priorShare` reports the mean share of posterior precision still coming from the prior.
 * - The trees' weight β is capped by a smooth ramp in the minority-class count m
 *   (min(won, lost)), because trees need many outcomes before they beat a linear model:
 *       r(m) = smoothstep((m − m0) / (m1 − m0)),  smoothstep(t) = 3t² − 2t³ on [0, 1]
 *   with (m0, m1) = `gbdtRamp` (default 25, 250), and β = argmin over [0, r(m)] of the
 *   out-of-fold log loss (convex in β). r is C¹, so no count is a cliff: at m ≤ m0 the trees
 *   are not even trained and the model is exactly the logistic one.
 */
export interface ScoringOptions {
  seed: number;
  folds: number;
  prior?: LogisticPrior;
  logistic: Partial<LogisticOptions>;
  gbdt: Partial<GbdtOptions>;
  gbdtRamp: [number, number];
  calibration: Partial<CalibrationOptions>;
}

export const DEFAULT_SCORING_OPTIONS: Readonly<Omit<ScoringOptions, 'prior'>> = Object.freeze({
  seed: 0,
  folds: 5,
  logistic: {},
  gbdt: {},
  gbdtRamp: [25, 250] as [number, number],
  calibration: {},
});

export interface TrainingInfo {
  n: number;
  positives: number;
  minorityOutcomes: number;
  folds: number;
  /** r(m): the most weight trees may get with this many outcomes. */
  gbdtCap: number;
  /** β: the trees' weight in the raw logit. */
  blendWeight: number;
  /** Mean share of the logistic posterior precision that still comes from the prior (1 = prior only). */
  priorShare: number;
  /** Out-of-fold metrics (calibrated: calibrator cross-fitted on the out-of-fold scores). */
  cv: {
    logistic: Metrics | null;
    gbdt: Metrics | null;
    blend: Metrics | null;
    calibrated: Metrics | null;
    /** Reliability of the out-of-fold probabilities (calibrated when a calibrator was cross-fitted). */
    calibrationTable: CalibrationBin[] | null;
  };
  calibration: { method: Calibrator['method']; cvLogLoss: Partial<Record<'platt' | 'isotonic', number>> };
}

export interface ScoringModel {
  kind: 'scoring-model';
  features: FeatureMeta[];
  logistic: LogisticModel;
  gbdt: GbdtModel | null;
  /** The fold models behind the CV estimate: their spread is the trees' uncertainty per lead. */
  gbdtFolds: GbdtModel[];
  blendWeight: number;
  calibrator: Calibrator;
  info: TrainingInfo;
}

const smoothstep = (t: number) => {
  const u = Math.min(1, Math.max(0, t));
  return u * u * (3 - 2 * u);
};

/** The cap on the trees' weight for m minority-class outcomes (see ScoringOptions). */
export function gbdtWeightCap(m: number, ramp: [number, number] = DEFAULT_SCORING_OPTIONS.gbdtRamp): number {
  return smoothstep((m - ramp[0]) / Math.max(1e-9, ramp[1] - ramp[0]));
}

function blendLoss(y: Uint8Array, a: Float64Array, b: Float64Array, beta: number, w?: Float64Array): number {
  const p = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) p[i] = sigmoid((1 - beta) * a[i]! + beta * b[i]!);
  return logLoss(y, p, w);
}

/** One tree fit the trainer needs: on one fold's training rows, or on every row (`rows` absent). */
export interface GbdtFitRequest {
  rows?: Int32Array;
  options: Partial<GbdtOptions>;
}

/**
 * What a training run will fit, decided before any fitting: the folds, whether trees are used,
 * and the tree fits (`fits[0..K-1]` the folds', `fits[K]` the final model's). The tree fits are
 * independent of each other, so a caller may run them in parallel (see the scoring module's fit
 * pool) and hand the results to completeScoringModel; trainScoringModel runs them in line.
 */
export interface TrainingPlan {
  options: ScoringOptions;
  n: number;
  positives: number;
  m: number;
  cap: number;
  useTrees: boolean;
  K: number;
  fold: Int32Array | null;
  fits: GbdtFitRequest[];
  /** The logistic fits' rows: the folds' training rows, then every row (undefined) for the final model. */
  logisticFits: (Int32Array | undefined)[];
}

export function planScoringModel(dataset: Dataset, options: Partial<ScoringOptions> = {}): TrainingPlan {
  const o: ScoringOptions = { ...DEFAULT_SCORING_OPTIONS, ...options };
  const n = validateDataset(dataset);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += dataset.y[i]!;
  const m = Math.min(positives, n - positives);
  const cap = gbdtWeightCap(m, o.gbdtRamp);
  const useTrees = cap > 0 && dataset.features.length > 0;
  const K = Math.min(o.folds, m);
  const fold = K >= 2 ? stratifiedKFold(dataset.y, K, o.seed) : null;
  const gbdtOptions = { seed: o.seed, ...o.gbdt };
  const fits: GbdtFitRequest[] = [];
  if (useTrees) {
    if (fold) for (let f = 0; f < K; f++) fits.push({ rows: foldIndices(fold, f).train, options: gbdtOptions });
    fits.push({ options: gbdtOptions });
  }
  const logisticFits: (Int32Array | undefined)[] = [];
  if (fold) for (let f = 0; f < K; f++) logisticFits.push(foldIndices(fold, f).train);
  logisticFits.push(undefined);
  return { options: o, n, positives, m, cap, useTrees, K, fold, fits, logisticFits };
}

export function trainScoringModel(dataset: Dataset, options: Partial<ScoringOptions> = {}): ScoringModel {
  const plan = planScoringModel(dataset, options);
  return completeScoringModel(dataset, plan, (k) => trainGbdt({ dataset, rows: plan.fits[k]!.rows }, plan.fits[k]!.options));
}

/**
 * What the cross-validation folds say, before the final models exist: the out-of-fold scores,
 * the blend weight β, the calibrator and the out-of-fold metrics. It needs only the folds'
 * fits, so a caller fitting in parallel computes it while the final models are still fitting.
 */
export interface FoldSummary {
  beta: number;
  gbdtFolds: GbdtModel[];
  choice: CalibrationChoice;
  calibrated: Metrics | null;
  table: CalibrationBin[] | null;
  cv: { logistic: Metrics | null; gbdt: Metrics | null; blend: Metrics | null };
}

export function summariseFolds(dataset: Dataset, plan: TrainingPlan, gbdt: (k: number) => GbdtModel, logistic: (k: number) => LogisticModel): FoldSummary {
  const { options: o, n, m, cap, useTrees, K, fold } = plan;
  const { y, weights } = dataset;

  const oofLR = new Float64Array(n);
  const oofG = new Float64Array(n);
  const gbdtFolds: GbdtModel[] = [];
  const cvDone = fold !== null;
  if (fold) {
    for (let f = 0; f < K; f++) {
      const { test } = foldIndices(fold, f);
      const testX = subsetMatrix(dataset, test);
      const lr = logistic(f);
      const zl = predictLogisticRaw(lr, testX);
      scatter(oofLR, test, zl);
      if (useTrees) {
        const g = gbdt(f);
        gbdtFolds.push(g);
        const zg = predictGbdtRaw(g, testX);
        scatter(oofG, test, zg);
      }
    }
  }

  // β in [0, cap] by out-of-fold log loss; the loss is convex in β, so a fine grid is enough.
  let beta = 0;
  if (cvDone && useTrees) {
    let best = blendLoss(y, oofLR, oofG, 0, weights);
    for (let s = 1; s <= 40; s++) {
      const b = (cap * s) / 40;
      const l = blendLoss(y, oofLR, oofG, b, weights);
      if (l < best) {
        best = l;
        beta = b;
      }
    }
  }

  const oof = new Float64Array(n);
  for (let i = 0; i < n; i++) oof[i] = (1 - beta) * oofLR[i]! + beta * oofG[i]!;
  const calibOptions = { seed: o.seed, ...o.calibration };
  const choice: CalibrationChoice = cvDone ? fitCalibration(oof, y, calibOptions, weights) : { calibrator: { method: 'identity' }, cvLogLoss: {} };

  const toP = sigmoidAll;
  let calibrated: Metrics | null = null;
  let table: CalibrationBin[] | null = cvDone ? calibrationTable(y, toP(oof)) : null;
  if (cvDone && choice.calibrator.method !== 'identity') {
    // Honest calibrated metrics: each out-of-fold score is calibrated by a map fitted without it.
    const cf = stratifiedKFold(y, Math.min(5, m), o.seed ^ 0xc0ffee);
    const pc = new Float64Array(n);
    for (let f = 0; f < Math.min(5, m); f++) {
      const { train, test } = foldIndices(cf, f);
      const st = gather(oof, train);
      const yt = gather(y, train);
      const wt = weights ? gather(weights, train) : undefined;
      const c = choice.calibrator.method === 'isotonic' ? fitIsotonic(st, yt, wt) : fitPlatt(st, yt, calibOptions.plattPrecision ?? DEFAULT_CALIBRATION_OPTIONS.plattPrecision, wt);
      for (const i of test) pc[i] = calibrate(c, oof[i]!);
    }
    calibrated = evaluate(y, pc, weights);
    table = calibrationTable(y, pc);
  }
  return {
    beta, gbdtFolds, choice, calibrated, table,
    cv: {
      logistic: cvDone ? evaluate(y, toP(oofLR), weights) : null,
      gbdt: cvDone && useTrees ? evaluate(y, toP(oofG), weights) : null,
      blend: cvDone ? evaluate(y, toP(oof), weights) : null,
    },
  };
}

/** The model from the folds' summary and the final fits (`finalTrees` is used only when β > 0). */
export function assembleScoringModel(dataset: Dataset, plan: TrainingPlan, summary: FoldSummary, finalLogistic: LogisticModel, finalTrees: GbdtModel | null): ScoringModel {
  const { options: o, n, positives, m, cap, K, fold } = plan;
  const { beta, choice } = summary;
  const trees = beta > 0 ? finalTrees : null;
  const p = finalLogistic.coef.length;
  const lam = (o.logistic.l2 ?? 1) * (o.prior ? (o.prior.strength ?? DEFAULT_PRIOR_STRENGTH) : 1);
  let share = 0;
  for (let k = 1; k < p; k++) share += lam * finalLogistic.covariance[k * p + k]!;

  return {
    kind: 'scoring-model',
    features: dataset.features,
    logistic: finalLogistic,
    gbdt: trees,
    gbdtFolds: trees ? summary.gbdtFolds : [],
    blendWeight: beta,
    calibrator: choice.calibrator,
    info: {
      n,
      positives,
      minorityOutcomes: m,
      folds: fold !== null ? K : 0,
      gbdtCap: cap,
      blendWeight: beta,
      priorShare: p > 1 ? Math.min(1, share / (p - 1)) : 1,
      cv: { ...summary.cv, calibrated: summary.calibrated, calibrationTable: summary.table },
      calibration: { method: choice.calibrator.method, cvLogLoss: choice.cvLogLoss },
    },
  };
}

/**
 * Blends and calibrates. `gbdt(k)` gives the tree model of `plan.fits[k]`, `logistic(k)` the
 * logistic model of `plan.logisticFits[k]`: fitted now (in line, the default for the logistic
 * ones) or earlier. The final tree model (k = K, or 0 without folds) is asked for only when the
 * trees get weight.
 */
export function completeScoringModel(dataset: Dataset, plan: TrainingPlan, gbdt: (k: number) => GbdtModel, logistic?: (k: number) => LogisticModel): ScoringModel {
  const logisticFit = logistic ?? ((k: number) => trainLogistic(dataset, plan.logisticFits[k], plan.options.prior, plan.options.logistic));
  const summary = summariseFolds(dataset, plan, gbdt, logisticFit);
  const finalLogistic = logisticFit(plan.logisticFits.length - 1);
  return assembleScoringModel(dataset, plan, summary, finalLogistic, summary.beta > 0 ? gbdt(plan.fits.length - 1) : null);
}

// ---- scoring ----------------------------------------------------------------------------

export interface Scores {
  /** Raw blended logit (what the explanations add up to). */
  raw: Float64Array;
  /** Calibrated probability; the lead score is 100 × probability. */
  probability: Float64Array;
}

export interface ScoresWithConfidence extends Scores {
  /** Standard deviation of the raw logit from model uncertainty. */
  logitSd: Float64Array;
  /** 80 % interval of the calibrated probability. */
  lower: Float64Array;
  upper: Float64Array;
  /** 1 − (upper − lower): 1 when the model is sure of this lead's probability, towards 0 when not. */
  confidence: Float64Array;
}

function rawScores(model: ScoringModel, x: FeatureMatrix, lrVar?: Float64Array): Float64Array {
  const raw = predictLogisticRaw(model.logistic, x, lrVar);
  const beta = model.blendWeight;
  if (model.gbdt && beta > 0) {
    const g = predictGbdtRaw(model.gbdt, x);
    for (let i = 0; i < raw.length; i++) raw[i] = (1 - beta) * raw[i]! + beta * g[i]!;
  }
  return raw;
}

export function predictScores(model: ScoringModel, x: FeatureMatrix): Scores {
  checkMatrix(model, x);
  const raw = rawScores(model, x);
  return { raw, probability: Float64Array.from(raw, (s) => calibrate(model.calibrator, s)) };
}

const Z80 = 1.2815515655446004;

/**
 * Scores with per-lead uncertainty. Logit variance = (1 − β)²·(logistic posterior variance xᵀΣx)
 * + β²·(grouped-jackknife variance of the fold trees' logits, (K−1)/K·Σ(g_k − ḡ)²). The 80 %
 * interval is calibrated-logit ± 1.28·sd·(calibration slope); confidence = 1 − its width in
 * probability, so it is lower both for uncertain leads and for leads near the middle of the scale
 * where a given logit uncertainty moves the probability most.
 */
export function scoreWithConfidence(model: ScoringModel, x: FeatureMatrix): ScoresWithConfidence {
  checkMatrix(model, x);
  const n = rowCount(x);
  const lrVar = new Float64Array(n);
  const raw = rawScores(model, x, lrVar);
  const beta = model.blendWeight;
  const v = Float64Array.from(lrVar, (s) => (1 - beta) ** 2 * s);
  const K = model.gbdtFolds.length;
  if (beta > 0 && K >= 2) {
    const preds = model.gbdtFolds.map((g) => predictGbdtRaw(g, x));
    for (let i = 0; i < n; i++) {
      let mean = 0;
      for (const p of preds) mean += p[i]!;
      mean /= K;
      let ss = 0;
      for (const p of preds) ss += (p[i]! - mean) ** 2;
      v[i]! += beta * beta * ((K - 1) / K) * ss;
    }
  }
  const probability = new Float64Array(n);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const confidence = new Float64Array(n);
  const logitSd = Float64Array.from(v, Math.sqrt);
  // The interval is taken on the calibrated logit, whose slope in the raw logit is a for Platt
  // and taken as 1 otherwise (an isotonic step map is flat within a step, which would hide all
  // uncertainty of the leads inside it).
  const slope = model.calibrator.method === 'platt' ? model.calibrator.a : 1;
  for (let i = 0; i < n; i++) {
    const p = calibrate(model.calibrator, raw[i]!);
    probability[i] = p;
    const c = Math.log(p / (1 - p));
    const half = Z80 * logitSd[i]! * Math.abs(slope);
    lower[i] = sigmoid(c - half);
    upper[i] = sigmoid(c + half);
    confidence[i] = Math.min(1, Math.max(0, 1 - (upper[i]! - lower[i]!)));
  }
  return { raw, probability, logitSd, lower, upper, confidence };
}

// ---- explanations -----------------------------------------------------------------------

export interface Contribution {
  feature: string;
  group: FeatureGroup;
  /** Signed contribution to the raw logit. */
  value: number;
}

export interface Explanation {
  /** Expected raw logit over the training leads. */
  baseValue: number;
  /** baseValue + Σ contributions (exactly, up to rounding). */
  raw: number;
  probability: number;
  /** One per feature, in the model's feature order. */
  contributions: Contribution[];
  /** Sub-scores: the contributions summed per group. */
  groups: Record<FeatureGroup, number>;
  /**
   * Platt only: the factor a with calibrated logit = a·raw + b, so a·value is each feature's
   * contribution on the calibrated logit. Null for isotonic (monotone, not linear).
   */
  calibratedLogitScale: number | null;
  confidence: number;
  lower: number;
  upper: number;
}

/**
 * Per-feature contributions in logit units: exact linear terms for the logistic part and
 * path-dependent TreeSHAP for the trees, blended with the same β as the score, so
 * base + Σ contributions = raw logit and p = calibrate(raw).
 */
/**
 * The contributions alone (no confidence interval): for batch scoring, which already has
 * the confidences of the whole batch from scoreWithConfidence.
 */
export function explainRaw(model: ScoringModel, row: ArrayLike<number>): { baseValue: number; raw: number; phi: Float64Array } {
  if (row.length !== model.features.length) throw new ScoringInputError(`row has ${row.length} values, model has ${model.features.length} features`);
  const beta = model.blendWeight;
  const lr = explainLogistic(model.logistic, row);
  if (!model.gbdt || beta <= 0) return { baseValue: lr.baseValue, raw: lr.raw, phi: lr.phi };
  const g = explainGbdt(model.gbdt, row);
  const phi = lr.phi;
  for (let j = 0; j < phi.length; j++) phi[j] = (1 - beta) * phi[j]! + beta * g.phi[j]!;
  return { baseValue: (1 - beta) * lr.baseValue + beta * g.baseValue, raw: (1 - beta) * lr.raw + beta * g.raw, phi };
}

export function explainLead(model: ScoringModel, row: ArrayLike<number>): Explanation {
  if (row.length !== model.features.length) throw new ScoringInputError(`row has ${row.length} values, model has ${model.features.length} features`);
  const beta = model.blendWeight;
  const lr = explainLogistic(model.logistic, row);
  let base = lr.baseValue;
  let raw = lr.raw;
  const phi = lr.phi;
  if (model.gbdt && beta > 0) {
    const g = explainGbdt(model.gbdt, row);
    base = (1 - beta) * base + beta * g.baseValue;
    raw = (1 - beta) * raw + beta * g.raw;
    for (let j = 0; j < phi.length; j++) phi[j] = (1 - beta) * phi[j]! + beta * g.phi[j]!;
  }
  const groups = Object.fromEntries(FEATURE_GROUPS.map((g) => [g, 0])) as Record<FeatureGroup, number>;
  const contributions = model.features.map((f, j) => {
    groups[f.group] += phi[j]!;
    return { feature: f.name, group: f.group, value: phi[j]! };
  });
  const conf = scoreWithConfidence(model, { columns: model.features.map((_, j) => Float64Array.of(row[j]!)) });
  return {
    baseValue: base,
    raw,
    probability: calibrate(model.calibrator, raw),
    contributions,
    groups,
    calibratedLogitScale: model.calibrator.method === 'platt' ? model.calibrator.a : model.calibrator.method === 'identity' ? 1 : null,
    confidence: conf.confidence[0]!,
    lower: conf.lower[0]!,
    upper: conf.upper[0]!,
  };
}

function checkMatrix(model: ScoringModel, x: FeatureMatrix): void {
  if (x.columns.length !== model.features.length) throw new ScoringInputError(`${x.columns.length} columns for a model of ${model.features.length} features`);
}
