import { coverage, mape, mase, seasonalNaive } from './accuracy.ts';
import { forecastSeries, seasonalLag, type Frequency } from './series.ts';

export interface OriginResult {
  /** Index of the first forecast value (the training set is values[0 … origin − 1]). */
  origin: number;
  model: string;
  actual: number[];
  /** The point forecast scored: the simulated median (absolute errors are smallest at the median). */
  median: number[];
  mean: number[];
  lower: number[];
  upper: number[];
  seasonal_naive: number[];
  mase_vs_seasonal_naive: number;
  mase_vs_naive: number;
}

export interface BacktestSummary {
  /** Mean over origins of MASE scaled by the in-sample seasonal-naive error. */
  mase_vs_seasonal_naive: number;
  /** Mean over origins of MASE scaled by the in-sample naive (lag 1) error. */
  mase_vs_naive: number;
  /** MAPE (%) over all forecast values. */
  mape: number;
  /** Share of actuals inside the intervals, over all forecast values. */
  coverage: number;
  /** Forecast values measured. */
  n: number;
}

/** One origin scored: what a caller that produced a forecast some other way (the CLI) also uses. */
export function scoreOrigin(
  train: readonly number[],
  actual: readonly number[],
  forecast: { model: string; median: number[]; mean: number[]; lower: number[]; upper: number[] },
  lag: number,
): OriginResult {
  const m = train.length > lag ? lag : 1;
  return {
    origin: train.length,
    ...forecast,
    actual: actual.slice(),
    seasonal_naive: seasonalNaive(train, lag, actual.length),
    mase_vs_seasonal_naive: mase(actual, forecast.median, train, m),
    mase_vs_naive: mase(actual, forecast.median, train, 1),
  };
}

/**
 * Rolling-origin evaluation: for each of the last `origins` origins (one step apart, the
 * latest leaving exactly `horizon` values to forecast), fit on everything before it, forecast
 * `horizon` steps and compare with what happened.
 */
export function rollingOrigin(
  values: readonly number[],
  opts: { frequency: Frequency; horizon: number; origins: number; level?: number; seed?: number },
): { results: OriginResult[]; summary: BacktestSummary } {
  const { frequency, horizon, origins } = opts;
  const lag = seasonalLag(frequency);
  const first = values.length - horizon - origins + 1;
  if (first < 3 || origins < 1) throw new RangeError(`${origins} origins with horizon ${horizon} need more than ${values.length} values`);
  const results: OriginResult[] = [];
  for (let o = first; o <= values.length - horizon; o++) {
    const train = values.slice(0, o);
    const f = forecastSeries(train, { frequency, horizon, level: opts.level, seed: opts.seed });
    const col = (k: 'median' | 'mean' | 'lower' | 'upper') => f.points.map((p) => p[k]);
    results.push(
      scoreOrigin(train, values.slice(o, o + horizon), { model: f.model, median: col('median'), mean: col('mean'), lower: col('lower'), upper: col('upper') }, lag),
    );
  }
  return { results, summary: summarise(results) };
}

export function summarise(results: readonly OriginResult[]): BacktestSummary {
  const all = (pick: (r: OriginResult) => number[]) => results.flatMap(pick);
  const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    mase_vs_seasonal_naive: avg(results.map((r) => r.mase_vs_seasonal_naive)),
    mase_vs_naive: avg(results.map((r) => r.mase_vs_naive)),
    mape: mape(all((r) => r.actual), all((r) => r.median)),
    coverage: coverage(all((r) => r.actual), all((r) => r.lower), all((r) => r.upper)),
    n: all((r) => r.actual).length,
  };
}
