import { baseline, type BaselineKind } from './baselines.ts';
import { etsName, etsParameterCount, etsPoint, etsSimulate, etsVarianceFactors, fitEts, multiStepVarianceRatio, type EtsFit, type EtsSpec, type Trend } from './ets.ts';
import { fitYearlyProfile, profileAt, type YearlyProfile } from './fourier.ts';
import { swingElasticity } from './level-dependence.ts';
import { createNormal, mean, normalQuantile, quantileSorted } from './stats.ts';

export type Frequency = 'daily' | 'weekly' | 'monthly';

export interface SeriesForecast {
  /** The model, human-readable: one ("ETS(A,Ad,A) m=7") or a weighted combination ("Combination of … 0.62, … 0.38"). */
  model: string;
  /** The selection criterion per candidate (AICc; lower is better). */
  candidates: { model: string; score: number }[];
  /** Interval level, e.g. 0.8. */
  level: number;
  /** One per horizon step. */
  points: { mean: number; median: number; lower: number; upper: number }[];
  /** Simulated future paths [path][step], for downstream simulation. */
  paths: number[][];
  /** How the combination fared against the benchmark on the end of the history. */
  guard?: GuardReport;
}

export interface GuardReport {
  origins: number;
  horizon: number;
  /** Mean absolute error over those origins and steps of the combination (its median). */
  chosen_mae: number;
  benchmark: string;
  benchmark_mae: number;
  /** Every method scored on those origins: each scale's Akaike-weighted combination and the simple benchmarks. */
  compared: { model: string; mae: number }[];
  /** How each scale's ETS combination and the benchmark were combined (inverse mean squared error on those origins). */
  weights: { method: string; weight: number }[];
  /** Factor on the intervals' distance from the median, from the combination's errors on those origins. */
  width_factor: number;
}

export interface ForecastOptions {
  frequency: Frequency;
  horizon: number;
  /** Interval level, default 0.8 (10th and 90th percentiles). */
  level?: number;
  seed?: number;
  /** Counts and money: clamp the paths at 0. */
  nonNegative?: boolean;
  /** Simulated paths, default 1000. */
  paths?: number;
}

/** Fewest observations forecastSeries accepts (drift needs two, and one more to measure its error). */
export const MIN_OBSERVATIONS = 3;

/** The main seasonal period and the yearly period for each frequency (see fourier.ts for the latter). */
export function seasonality(frequency: Frequency): { m: number; yearly: number | null } {
  switch (frequency) {
    case 'monthly':
      return { m: 12, yearly: null };
    case 'weekly':
      return { m: 1, yearly: 365.25 / 7 };
    case 'daily':
      return { m: 7, yearly: 365.25 };
  }
}

/** The lag of the seasonal-naive benchmark: last year's value for monthly and weekly, last week's for daily. */
export function seasonalLag(frequency: Frequency): number {
  return frequency === 'monthly' ? 12 : frequency === 'weekly' ? 52 : 7;
}

interface Design {
  transform: 'none' | 'log';
  yearly: boolean;
  spec: EtsSpec;
}

interface Fitted {
  design: Design;
  name: string;
  aicc: number;
  fit: EtsFit;
  profile: YearlyProfile | null;
  sigma: number;
  /** Point forecasts on the data's scale (the median for log models). */
  point: (horizon: number) => number[];
  /** `scale` multiplies the innovation variance (the out-of-sample calibration). */
  simulate: (horizon: number, normal: () => number, scale?: number) => number[];
  /** Actual values from time index `start` on, carried to the scale the model works on. */
  toModelScale: (actual: readonly number[], start: number) => number[];
  /** Point forecasts and their variances on the model's scale. */
  modelPoint: (horizon: number) => number[];
  modelVariance: (horizon: number) => number[];
}

const describe = (d: Design, yearlyHarmonics: number) =>
  `${etsName(d.spec)}${d.yearly ? ` + yearly Fourier K=${yearlyHarmonics}` : ''}${d.transform === 'log' ? ' on log scale' : ''}`;

/** Fits one design; null when the data cannot carry its parameters. */
function fitDesign(values: readonly number[], design: Design, yearlyPeriod: number | null): Fitted | null {
  const n = values.length;
  const x = design.transform === 'log' ? values.map(Math.log) : values.slice();
  let profile: YearlyProfile | null = null;
  if (design.yearly && yearlyPeriod) {
    profile = fitYearlyProfile(x, yearlyPeriod);
    for (let t = 0; t < n; t++) x[t]! -= profileAt(profile, t);
  }
  const k = etsParameterCount(design.spec) + (profile ? profile.coefficients.length : 0) + 1; // + σ²
  if (n - k - 1 <= 0) return null;
  const fit = fitEts(x, design.spec);
  const sse = Math.max(fit.sse, 1e-12 * (1 + mean(x.map((v) => v * v))) * n);
  // Jacobian of the log transform: keeps the likelihood a density of the original data, so
  // the scores of both scales read on one footing in `candidates` (the choice between the
  // scales is still the rolling-origin check's, see guard).
  const jacobian = design.transform === 'log' ? -values.reduce((s, v) => s + Math.log(v), 0) : 0;
  const loglik = -0.5 * n * (Math.log((2 * Math.PI * sse) / n) + 1) + jacobian;
  const aicc = -2 * loglik + 2 * k + (2 * k * (k + 1)) / (n - k - 1);
  // σ² with the degrees of freedom the fit used (SSE / (n − k)) rather than the ML SSE / n:
  // a first allowance for the parameters being estimated, which plain ML intervals ignore.
  // Then widened where the in-sample multi-step errors show the model over-confident.
  const inflation = Math.max(1, multiStepVarianceRatio(x, fit, 24));
  const sigma = Math.sqrt((sse / Math.max(1, n - k)) * inflation);
  const back = (v: number[], start: number) => {
    if (profile) for (let h = 0; h < v.length; h++) v[h]! += profileAt(profile, start + h);
    return design.transform === 'log' ? v.map(Math.exp) : v;
  };
  return {
    design,
    name: describe(design, profile?.harmonics ?? 0),
    aicc,
    fit,
    profile,
    sigma,
    point: (h) => back(etsPoint(fit, h), n),
    simulate: (h, normal, scale = 1) => back(etsSimulate(fit, h, sigma * Math.sqrt(scale), normal), n),
    toModelScale: (actual, start) =>
      actual.map((v, i) => (design.transform === 'log' ? Math.log(Math.max(v, Number.MIN_VALUE)) : v) - (profile ? profileAt(profile, start + i) : 0)),
    modelPoint: (h) => etsPoint(fit, h),
    modelVariance: (h) => etsVarianceFactors(fit, h).map((f) => f * sigma * sigma),
  };
}

function designs(values: readonly number[], frequency: Frequency): Design[] {
  const n = values.length;
  const { m, yearly } = seasonality(frequency);
  const seasons = m > 1 && n >= 2 * m ? [1, m] : [1];
  const yearlies = yearly && n >= 2 * yearly ? [false, true] : [false];
  // The log scale only where the swing grows with the level (elasticity nearer 1 than 0):
  // elsewhere it only adds a way to overfit, compounding a trend that is not there.
  const elasticity = swingElasticity(values, seasons.length > 1 ? m : yearlies.length > 1 ? Math.round(yearly!) : Math.max(6, Math.floor(n / 6)));
  const transforms: Design['transform'][] = elasticity !== null && elasticity > 0.5 ? ['none', 'log'] : ['none'];
  const trends: Trend[] = ['N', 'A', 'Ad'];
  const out: Design[] = [];
  for (const transform of transforms)
    for (const yearlyOn of yearlies)
      for (const season of seasons) for (const trend of trends) out.push({ transform, yearly: yearlyOn, spec: { trend, m: season } });
  return out;
}

function baselineKinds(n: number, lag: number): BaselineKind[] {
  return n >= 2 * lag ? ['seasonal_naive', 'naive', 'drift', 'mean'] : ['naive', 'drift', 'mean'];
}

/** Anything that forecasts: an ETS fit or a simple benchmark. */
interface Forecaster {
  name: string;
  point: (horizon: number) => number[];
  simulate: (horizon: number, normal: () => number) => number[];
}

interface Part {
  f: Forecaster;
  weight: number;
}

/** Members below this weight are left out of a combination (and of its name): they change nothing visible. */
const MIN_WEIGHT = 0.02;

/** Drops the negligible members and makes the weights sum to 1. */
function normalise(parts: readonly Part[]): Part[] {
  const total = parts.reduce((s, p) => s + p.weight, 0);
  const kept = parts.filter((p) => p.weight / total >= MIN_WEIGHT);
  const sum = kept.reduce((s, p) => s + p.weight, 0);
  return kept.map((p) => ({ f: p.f, weight: p.weight / sum }));
}

/**
 * Akaike weights on one scale: w ∝ exp(−ΔAICc / 2), the relative likelihood of each model
 * (Burnham & Anderson 2002). Combining them instead of taking the smallest AICc removes the
 * instability of the choice: two models a few AICc points apart forecast alike in the data's
 * eyes, and picking one of them by chance is what made single-model forecasts erratic.
 */
function akaikeWeights(fits: readonly Fitted[]): Part[] {
  const best = Math.min(...fits.map((f) => f.aicc));
  return normalise(fits.map((f) => ({ f, weight: Math.exp(-0.5 * (f.aicc - best)) })));
}

const combinedPoint = (parts: readonly Part[], h: number) => {
  const out = new Array<number>(h).fill(0);
  for (const p of parts) p.f.point(h).forEach((v, i) => (out[i]! += p.weight * v));
  return out;
};

/**
 * Which member each of `count` paths comes from, in proportion to the weights, spread evenly
 * over the path indexes (a golden-ratio sequence) so any slice of the paths is a fair mixture
 * and the result does not depend on a random draw.
 */
function allocation(parts: readonly Part[], count: number): number[] {
  const cum: number[] = [];
  let acc = 0;
  for (const p of parts) cum.push((acc += p.weight));
  const golden = (Math.sqrt(5) - 1) / 2;
  return Array.from({ length: count }, (_, i) => {
    const u = (((i + 0.5) * golden) % 1) * acc;
    const j = cum.findIndex((c) => u < c);
    return j < 0 ? parts.length - 1 : j;
  });
}

/** Paths of the mixture: each path is one member's simulation, members drawn in proportion to their weights. */
function simulateMixture(parts: readonly Part[], horizon: number, count: number, normal: () => number): number[][] {
  return allocation(parts, count).map((j) => parts[j]!.f.simulate(horizon, normal));
}

const describeParts = (parts: readonly Part[]) =>
  parts.length === 1 ? parts[0]!.f.name : `Combination of ${parts.map((p) => `${p.f.name} ${p.weight.toFixed(2)}`).join(', ')}`;

/** Per step: the median and the distances from it to the interval's ends, from simulated paths. */
function spread(paths: readonly number[][], h: number, level: number): { median: number; below: number; above: number } {
  const sorted = Float64Array.from(paths, (p) => p[h]!).sort();
  const median = quantileSorted(sorted, 0.5);
  const alpha = (1 - level) / 2;
  return { median, below: median - quantileSorted(sorted, alpha), above: quantileSorted(sorted, 1 - alpha) - median };
}

/** Bounds on the out-of-sample width factor: a handful of origins may adjust the intervals, not rewrite them. */
const WIDTH_BOUNDS = [0.4, 2.5] as const;
/** Paths simulated at each check origin to measure the interval's width there. */
const CHECK_PATHS = 300;
/**
 * Origins of the rolling-origin check (as many as the history allows, up to this). Six were
 * too few to calibrate a width: their errors overlap (each origin's steps are the next one's)
 * and the factor they gave swung from one month to the next.
 */
const CHECK_ORIGINS = 12;
/** Of those, the latest ones whose errors weigh the combination's members (as before the width needed more). */
const WEIGHT_ORIGINS = 6;
/**
 * How far, a priori, the models' own intervals may be off: the log of the width factor has a
 * prior sd of 0.5 (the simulated widths right within a factor of about 1.65, one sd). Not
 * fitted to a series: it sets how many check periods it takes to move the width far (below).
 * Measured on simulated white noise (forecasting-math.test.ts; the mixture with the naive
 * benchmark fans out, so its own intervals are too wide and the shrinkage keeps them so):
 * 0.3 covered 87 % for 80 %; with the conformal correction counting distinct periods (below),
 * 0.4 covered 85.5 % and 0.5 84.5 %. (Before that correction, 0.5 let a short check narrow
 * real series' intervals too far: the correction was then too small to hold them.)
 */
const WIDTH_PRIOR_SD = 0.5;

/**
 * The width factor from the check's scores (|error| ÷ the interval's reach on that side,
 * sorted; ≤ 1 means inside): a split-conformal quantile, shrunk toward the models' own width.
 *
 * - Conformal level. The plain `level` quantile of n scores covers less than `level` on
 *   average (the factor is noisy and coverage is concave in it); the finite-sample correction
 *   takes the level × (n + 1) / n quantile (Vovk et al. 2005; Lei et al. 2018), n the
 *   independent scores it has. The scores of overlapping origins are not independent (an
 *   origin's later steps are the next one's earlier ones), so n is the distinct periods
 *   scored, as for the shrinkage below — counting every score as independent (4 steps × 12
 *   origins = 48 for 15 periods) under-corrected, and weekly lead volume covered 74.5 %.
 * - Shrinkage. The scores of overlapping origins are not independent: what the check knows is
 *   about n = the distinct periods it scored. The log of an estimated quantile has a sampling variance of
 *   about v / n, v = p(1 − p) / (f(q)·q)² for the p = level quantile q of |Z| (density f = 2φ),
 *   when the model is right. Against the prior sd s₀ of the log factor, the estimate is
 *   weighted n / (n + v / s₀²): a dozen periods move the width part of the way, a long check
 *   almost all of it. Without it a short check narrowed the intervals to its bound whenever
 *   its few errors happened to be small, and the forecasts covered far less than `level`.
 */
export function calibratedWidth(sortedScores: readonly number[], distinctPeriods: number, level: number): number {
  if (sortedScores.length === 0) return 1;
  const n = Math.max(1, distinctPeriods);
  const p = Math.min(1, (level * (n + 1)) / n);
  const raw = quantileSorted(sortedScores, p);
  if (!(raw > 0)) return WIDTH_BOUNDS[0];
  const q = normalQuantile((1 + level) / 2);
  const density = 2 * Math.exp(-(q * q) / 2) / Math.sqrt(2 * Math.PI);
  const v = (level * (1 - level)) / (density * q) ** 2;
  const weight = n / (n + v / WIDTH_PRIOR_SD ** 2);
  return Math.min(WIDTH_BOUNDS[1], Math.max(WIDTH_BOUNDS[0], Math.exp(weight * Math.log(raw))));
}

interface Verdict {
  report: GuardReport;
  parts: Part[];
  /** Multiplies each path's distance from the median, per horizon step. */
  width: (h: number) => number;
}

/**
 * The rolling-origin check. The models of each scale are combined by Akaike weights; the raw
 * values and their logarithm are different data, though, and an in-sample likelihood is a
 * poor judge of a transform whose cost is compounding a trend out of sample. So at up to 6
 * origins on the end of the history every member is refitted, each scale's combination (its
 * own Akaike weights at that origin) forecasts the next steps, and so does the benchmark —
 * seasonal naive, or naive when there is no season. The scales' combinations and the
 * benchmark are then combined in inverse proportion to their mean squared errors there
 * (Bates & Granger 1969). The benchmark is a member rather than a fallback: a hard switch
 * on a few overlapping origins flips with the noise, whereas a weight moves smoothly with
 * the evidence — a model that forecast the recent past badly keeps a small share, one that
 * forecast it well leaves the benchmark a small share. Finally the interval width is
 * calibrated on the combination's own errors at those origins. General on purpose: no
 * threshold knows a particular series.
 */
function check(
  values: readonly number[],
  scales: readonly Fitted[][],
  frequency: Frequency,
  horizon: number,
  level: number,
  seed: number,
): Verdict | null {
  const n = values.length;
  const { m, yearly } = seasonality(frequency);
  const lag = seasonalLag(frequency);
  const hg = Math.max(1, Math.min(horizon, Math.floor(n / 4)));
  const all = scales.flat();
  const minTrain = Math.max(
    8,
    ...all.map((f) =>
      Math.max(f.design.spec.m > 1 ? 2 * m : 0, f.design.yearly && yearly ? Math.ceil(2 * yearly) : 0, etsParameterCount(f.design.spec) + 4),
    ),
  );
  const origins: number[] = [];
  for (let j = CHECK_ORIGINS - 1; j >= 0; j--) {
    const o = n - hg - j;
    if (o >= minTrain) origins.push(o);
  }
  if (origins.length === 0) return null;
  const kinds = baselineKinds(n - hg - origins.length + 1, lag);
  const benchmark: BaselineKind = kinds[0]!;
  // First pass: refit every member at every origin; score each scale's combination and the benchmarks.
  const atOrigin: { train: number[]; actual: number[]; scaleParts: Part[][] }[] = [];
  const abs = new Map<string, number>();
  const sq = new Map<string, number>();
  let count = 0;
  // The combination's weights follow the latest WEIGHT_ORIGINS origins (which method has been
  // forecasting well lately); the width uses them all (it needs more periods than that).
  const recentFrom = origins.length - WEIGHT_ORIGINS;
  const sqCount = new Map<string, number>();
  const add = (key: string, fc: readonly number[], actual: readonly number[], index: number) => {
    for (let i = 0; i < actual.length; i++) {
      abs.set(key, (abs.get(key) ?? 0) + Math.abs(actual[i]! - fc[i]!));
      if (index >= recentFrom) {
        sq.set(key, (sq.get(key) ?? 0) + (actual[i]! - fc[i]!) ** 2);
        sqCount.set(key, (sqCount.get(key) ?? 0) + 1);
      }
    }
  };
  for (const [index, o] of origins.entries()) {
    const train = values.slice(0, o);
    const actual = values.slice(o, o + hg);
    const scaleParts: Part[][] = [];
    for (let s = 0; s < scales.length; s++) {
      const refits = scales[s]!.map((f) => fitDesign(train, f.design, yearly)).filter((f): f is Fitted => f !== null && Number.isFinite(f.aicc));
      if (refits.length === 0) return null;
      const parts = akaikeWeights(refits);
      scaleParts.push(parts);
      add(`scale${s}`, combinedPoint(parts, hg), actual, index);
    }
    for (const k of kinds) add(k, baseline(k, train, lag).point(hg), actual, index);
    atOrigin.push({ train, actual, scaleParts });
    count += actual.length;
  }
  const mae = (key: string) => abs.get(key)! / count;
  const mse = (key: string) => sq.get(key)! / sqCount.get(key)!;
  // Scales by inverse mean squared error (a perfect scale takes everything).
  const tie = 1e-9 * (1 + mean(values.map(Math.abs)));
  const inv = scales.map((_, s) => 1 / Math.max(mse(`scale${s}`), tie * tie));
  const benchInv = 1 / Math.max(mse(benchmark), tie * tie);
  const totalInv = inv.reduce((a, b) => a + b, 0) + benchInv;
  const scaleWeights = inv.map((v) => v / totalInv);
  const benchWeight = benchInv / totalInv;
  const mix = (perScale: readonly Part[][], train: readonly number[]) =>
    normalise([
      ...perScale.flatMap((parts, s) => parts.map((p) => ({ f: p.f, weight: p.weight * scaleWeights[s]! }))),
      { f: baseline(benchmark, train, lag), weight: benchWeight },
    ]);
  // Second pass: the combination itself at each origin — its errors and its interval's reach.
  const normal = createNormal(seed + 7919);
  const ratios: number[][] = Array.from({ length: hg }, () => []);
  let comboAbs = 0;
  for (const { train, actual, scaleParts } of atOrigin) {
    const parts = mix(scaleParts, train);
    const paths = simulateMixture(parts, hg, CHECK_PATHS, normal);
    for (let h = 0; h < actual.length; h++) {
      const { median, below, above } = spread(paths, h, level);
      const e = actual[h]! - median;
      comboAbs += Math.abs(e);
      const reach = e >= 0 ? above : below;
      // How far out the actual fell, in units of the interval's half-width: inside ⇔ ≤ 1.
      ratios[h]!.push(Math.abs(e) <= tie ? 0 : reach > 0 ? Math.abs(e) / reach : WIDTH_BOUNDS[1]);
    }
  }
  const comboMae = comboAbs / count;
  // Width: from the check's actuals, pooled over steps (a dozen origins per step are too few alone).
  const pooled = ratios.flat().sort((a, b) => a - b);
  const factor = calibratedWidth(pooled, origins.length + hg - 1, level);
  const names = (k: BaselineKind) => baseline(k, values, lag).name;
  const finalParts = mix(scales.map((fits) => akaikeWeights(fits)), values);
  return {
    report: {
      origins: origins.length,
      horizon: hg,
      chosen_mae: comboMae,
      benchmark: names(benchmark),
      benchmark_mae: mae(benchmark),
      compared: [
        ...scales.map((fits, s) => ({ model: `Akaike-weighted ETS${fits[0]!.design.transform === 'log' ? ' on log scale' : ''}`, mae: mae(`scale${s}`) })),
        ...kinds.map((k) => ({ model: names(k), mae: mae(k) })),
      ],
      weights: [
        ...scales.map((fits, s) => ({ method: `ETS${fits[0]!.design.transform === 'log' ? ' on log scale' : ''}`, weight: scaleWeights[s]! })),
        { method: names(benchmark), weight: benchWeight },
      ],
      width_factor: factor,
    },
    parts: finalParts,
    width: () => factor,
  };
}

/**
 * Forecasts one regular series: fits the ETS family (raw and, where the swing grows with the
 * level, on the log scale, where it becomes additive), combines the models of each scale by
 * Akaike weights and the scales by their errors on a rolling-origin check at the end of the
 * history (which also guards the combination against seasonal naive and calibrates the
 * interval width), and simulates the mixture forward for the quantiles and for downstream
 * simulation.
 */
export function forecastSeries(values: readonly number[], opts: ForecastOptions): SeriesForecast {
  const { frequency, horizon } = opts;
  const level = opts.level ?? 0.8;
  const nPaths = opts.paths ?? 1000;
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a whole number ≥ 1, got ${horizon}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be between 0 and 1, got ${level}`);
  if (!Number.isInteger(nPaths) || nPaths < 1) throw new RangeError(`paths must be a whole number ≥ 1, got ${nPaths}`);
  if (values.length < MIN_OBSERVATIONS) throw new RangeError(`at least ${MIN_OBSERVATIONS} values are needed, got ${values.length}`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`value ${bad + 1} is not a finite number`);

  const n = values.length;
  const { yearly } = seasonality(frequency);
  const fitted: Fitted[] = [];
  for (const d of designs(values, frequency)) {
    const f = fitDesign(values, d, yearly);
    if (f && Number.isFinite(f.aicc)) fitted.push(f);
  }
  fitted.sort((a, b) => a.aicc - b.aicc);
  const candidates = fitted.map((f) => ({ model: f.name, score: f.aicc }));

  // The members worth refitting on the check: those with a visible Akaike weight on their scale.
  const scales = (['none', 'log'] as const)
    .map((t) => fitted.filter((f) => f.design.transform === t))
    .filter((fits) => fits.length > 0)
    .map((fits) => akaikeWeights(fits).map((p) => p.f as Fitted));
  const verdict = scales.length ? check(values, scales, frequency, horizon, level, seed) : null;
  const lag = seasonalLag(frequency);
  // Without a check (too short a history for one): the raw scale's Akaike combination.
  const raw = fitted.filter((f) => f.design.transform === 'none');
  const parts: Part[] =
    verdict?.parts ?? (raw.length ? akaikeWeights(raw) : [{ f: baseline(n >= 2 * lag ? 'seasonal_naive' : 'drift', values, lag), weight: 1 }]);

  const normal = createNormal(seed);
  const paths = simulateMixture(parts, horizon, nPaths, normal);
  const analytic = combinedPoint(parts, horizon);
  const alpha = (1 - level) / 2;
  const column = new Float64Array(nPaths);
  // The exact conditional mean is known only for one model on the raw scale.
  const single = parts.length === 1 && !(parts[0]!.f as Partial<Fitted>).design?.transform?.startsWith('log');
  const points = analytic.map((a, h) => {
    for (let p = 0; p < nPaths; p++) column[p] = paths[p]![h]!;
    const median = quantileSorted(column.slice().sort(), 0.5);
    // Calibrated width: every path's distance from the median scaled alike keeps the paths'
    // dependence across steps (for downstream simulation) while fixing the interval's reach.
    const w = verdict?.width(h) ?? 1;
    if (w !== 1) for (let p = 0; p < nPaths; p++) paths[p]![h] = median + w * (paths[p]![h]! - median);
    if (opts.nonNegative) for (let p = 0; p < nPaths; p++) if (paths[p]![h]! < 0) paths[p]![h] = 0;
    for (let p = 0; p < nPaths; p++) column[p] = paths[p]![h]!;
    const sorted = column.slice().sort();
    const clamped = opts.nonNegative && sorted[0] === 0;
    return {
      mean: single && !clamped && w === 1 ? a : mean(column),
      median: quantileSorted(sorted, 0.5),
      lower: quantileSorted(sorted, alpha),
      upper: quantileSorted(sorted, 1 - alpha),
    };
  });
  return { model: describeParts(parts), candidates, level, points, paths, ...(verdict ? { guard: verdict.report } : {}) };
}
