import { baseline, type Baseline, type BaselineKind } from './baselines.ts';
import { etsName, etsParameterCount, etsPoint, etsSimulate, etsVarianceFactors, fitEts, multiStepVarianceRatio, type EtsFit, type EtsSpec, type Trend } from './ets.ts';
import { fitYearlyProfile, profileAt, type YearlyProfile } from './fourier.ts';
import { swingElasticity } from './level-dependence.ts';
import { createNormal, mean, quantileSorted } from './stats.ts';

export type Frequency = 'daily' | 'weekly' | 'monthly';

export interface SeriesForecast {
  /** Chosen model, human-readable, e.g. "ETS(A,Ad,A) m=7". */
  model: string;
  /** The selection criterion per candidate (AICc; lower is better). */
  candidates: { model: string; score: number }[];
  /** Interval level, e.g. 0.8. */
  level: number;
  /** One per horizon step. */
  points: { mean: number; median: number; lower: number; upper: number }[];
  /** Simulated future paths [path][step], for downstream simulation. */
  paths: number[][];
  /** How the AICc choice fared against the benchmark on the end of the history. */
  guard?: GuardReport;
}

export interface GuardReport {
  origins: number;
  horizon: number;
  /** Mean absolute error over those origins and steps of the best AICc finalist. */
  chosen_mae: number;
  benchmark: string;
  benchmark_mae: number;
  /** False when the best finalist lost and the best simple benchmark was used instead. */
  kept: boolean;
  /** Every method scored on those origins: the AICc winner of each scale and the simple benchmarks. */
  compared: { model: string; mae: number }[];
  /** Factor on the innovation variance from the chosen method's errors on those origins (≥ 1). */
  variance_scale: number;
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

/**
 * The rolling-origin check. AICc compares models only on one scale: the raw values and their
 * logarithm are different data, and although the Jacobian puts both likelihoods on one
 * footing, an in-sample likelihood is a poor judge of a transform whose cost is compounding
 * a trend out of sample. So each scale's AICc winner (the finalists) is refitted at up to 6
 * origins on the end of the history and scored by mean absolute error over the next steps,
 * next to the simple benchmarks on the same origins. The finalist with the smallest error is
 * chosen; it must forecast at least as well as seasonal naive (naive when there is no
 * seasonality to use), else the simple benchmark with the smallest error is used instead.
 * General on purpose: no threshold knows a particular series; a model that cannot beat last
 * year's value on the recent past should not be trusted for the future.
 */
function guard(
  values: readonly number[],
  finalists: readonly Fitted[],
  frequency: Frequency,
  horizon: number,
): { report: GuardReport; choice: Fitted | BaselineKind; inflation: number } | null {
  const n = values.length;
  const { m, yearly } = seasonality(frequency);
  const lag = seasonalLag(frequency);
  const hg = Math.max(1, Math.min(horizon, Math.floor(n / 4)));
  const minTrain = Math.max(
    8,
    ...finalists.map((f) =>
      Math.max(f.design.spec.m > 1 ? 2 * m : 0, f.design.yearly && yearly ? Math.ceil(2 * yearly) : 0, etsParameterCount(f.design.spec) + 4),
    ),
  );
  const origins: number[] = [];
  for (let j = 0; j < 6; j++) {
    const o = n - hg - j;
    if (o >= minTrain) origins.push(o);
  }
  if (origins.length === 0) return null;
  const kinds = baselineKinds(n - hg - origins.length + 1, lag);
  const benchmark: BaselineKind = kinds[0]!;
  type Key = BaselineKind | number; // a baseline, or the index of a finalist
  const err = new Map<Key, number>();
  // Squared errors over the method's own forecast variance: ≈ 1 when its intervals are honest.
  const z2 = new Map<Key, number>();
  let count = 0;
  const add = (key: Key, fc: readonly number[], actual: readonly number[], zFc: readonly number[], zVar: readonly number[], zActual: readonly number[]) => {
    let a = 0;
    let z = 0;
    for (let i = 0; i < actual.length; i++) {
      a += Math.abs(actual[i]! - fc[i]!);
      z += (zActual[i]! - zFc[i]!) ** 2 / Math.max(zVar[i]!, Number.MIN_VALUE);
    }
    err.set(key, (err.get(key) ?? 0) + a);
    z2.set(key, (z2.get(key) ?? 0) + z);
  };
  for (const o of origins) {
    const train = values.slice(0, o);
    const actual = values.slice(o, o + hg);
    for (let i = 0; i < finalists.length; i++) {
      const refit = fitDesign(train, finalists[i]!.design, yearly);
      if (!refit) return null;
      add(i, refit.point(hg), actual, refit.modelPoint(hg), refit.modelVariance(hg), refit.toModelScale(actual, o));
    }
    for (const k of kinds) {
      const b = baseline(k, train, lag);
      const fc = b.point(hg);
      add(k, fc, actual, fc, fc.map((_, h) => b.variance(h + 1)), actual);
    }
    count += actual.length;
  }
  const mae = (k: Key) => err.get(k)! / count;
  const bestFinalist = finalists.reduce((a, _, i) => (mae(i) < mae(a) ? i : a), 0);
  // Ties (both exact, as on a noiseless series) go to the model: rounding is no evidence.
  const tie = 1e-9 * (1 + mean(values.map(Math.abs)));
  const kept = mae(bestFinalist) <= mae(benchmark) + tie;
  const fallback = kept ? null : kinds.reduce((a, b) => (mae(b) < mae(a) ? b : a));
  // Out-of-sample calibration of the intervals: where the method's errors on these origins
  // were larger than its own variance said, widen its simulation by that ratio (never
  // narrow: a handful of good origins is no proof of a narrower future). This is the
  // allowance for estimated parameters and for change that the model's theory leaves out.
  const inflation = Math.max(1, z2.get(fallback ?? bestFinalist)! / count);
  const names = (k: Key) => (typeof k === 'number' ? finalists[k]!.name : baseline(k, values, lag).name);
  return {
    report: {
      origins: origins.length,
      horizon: hg,
      chosen_mae: mae(bestFinalist),
      benchmark: names(benchmark),
      benchmark_mae: mae(benchmark),
      kept,
      compared: [...finalists.map((_, i) => i), ...kinds].map((k) => ({ model: names(k), mae: mae(k) })),
      variance_scale: inflation,
    },
    choice: fallback ?? finalists[bestFinalist]!,
    inflation,
  };
}

/**
 * Forecasts one regular series: fits the ETS family (raw and, where the swing grows with the
 * level, on the log scale, where it becomes additive), takes the smallest AICc on each
 * scale, lets a rolling-origin check on the end of the history choose between them and guard
 * the choice against seasonal naive, and simulates the chosen model forward (intervals
 * calibrated on that check) for the quantiles and for downstream simulation.
 */
export function forecastSeries(values: readonly number[], opts: ForecastOptions): SeriesForecast {
  const { frequency, horizon } = opts;
  const level = opts.level ?? 0.8;
  const nPaths = opts.paths ?? 1000;
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

  let model: string;
  let point: (h: number) => number[];
  let simulate: (h: number, normal: () => number, scale?: number) => number[];
  // The AICc winner on each scale (fitted is sorted, so the first of each transform).
  const finalists = fitted.filter((f, i) => fitted.findIndex((g) => g.design.transform === f.design.transform) === i);
  const verdict = finalists.length ? guard(values, finalists, frequency, horizon) : null;
  const guardReport = verdict?.report;
  const lag = seasonalLag(frequency);
  // Without a check (too short a history for one), the AICc winner on the raw scale.
  const choice: Fitted | BaselineKind = verdict?.choice ?? fitted.find((f) => f.design.transform === 'none') ?? (n >= 2 * lag ? 'seasonal_naive' : 'drift');
  const chosen = typeof choice === 'string' ? null : choice;
  if (chosen) {
    model = chosen.name;
    point = chosen.point;
    simulate = chosen.simulate;
  } else {
    const b: Baseline = baseline(choice as BaselineKind, values, lag);
    model = b.name;
    point = b.point;
    simulate = b.simulate;
  }

  const normal = createNormal(opts.seed ?? 1);
  const paths: number[][] = [];
  const scale = verdict?.inflation ?? 1;
  for (let p = 0; p < nPaths; p++) {
    const path = simulate(horizon, normal, scale);
    if (opts.nonNegative) for (let h = 0; h < horizon; h++) if (path[h]! < 0) path[h] = 0;
    paths.push(path);
  }
  const analytic = point(horizon);
  const logScale = chosen?.design.transform === 'log';
  const alpha = (1 - level) / 2;
  const column = new Float64Array(nPaths);
  const points = analytic.map((a, h) => {
    for (let p = 0; p < nPaths; p++) column[p] = paths[p]![h]!;
    const sorted = column.slice().sort();
    // The exact conditional mean where it is known (raw scale, nothing clamped); otherwise
    // the paths' mean, which carries the log-normal bias correction and the clamping.
    const clamped = opts.nonNegative && sorted[0] === 0;
    return {
      mean: logScale || clamped ? mean(column) : a,
      median: quantileSorted(sorted, 0.5),
      lower: quantileSorted(sorted, alpha),
      upper: quantileSorted(sorted, 1 - alpha),
    };
  });
  return { model, candidates, level, points, paths, ...(guardReport ? { guard: guardReport } : {}) };
}
