import { accuracy, estimateDealValues, foldOf, learnDealValues, median, type DealValueAccuracy } from './deal-value.ts';
import { learnSegmentDealValues, predictSegmentDealValues } from './deal-value-segments.ts';
import type { EncodedLeads } from './feature-space.ts';

/**
 * k-fold cross-validation of the deal-value model on won leads, as a whole: each fold's model
 * is learned (its own variances, knots and interval) from the other folds only, and judged
 * on the held-out deals against predicting the training folds' median (the best single
 * figure for absolute error) and against the segment model it replaced. The interval's
 * coverage here is an honest check: the interval was set without the held-out deals.
 */
export interface DealValueComparison {
  model: DealValueAccuracy;
  /** The segment model's errors on the same folds (its coverage is not defined: NaN). */
  segments: { mae: number; mdape: number };
  /** How many distinct estimates the held-out deals got, model and segment model. */
  distinct: { model: number; segments: number };
}

function subset(leads: EncodedLeads, idx: readonly number[]): EncodedLeads {
  return { columns: leads.columns.map((c) => Float64Array.from(idx, (i) => c[i]!)), features: leads.features, n: idx.length };
}

export function crossValidateDealValues(won: EncodedLeads, values: readonly number[], options: { folds?: number; seed?: number } = {}): DealValueComparison {
  const n = values.length;
  const folds = Math.min(options.folds ?? 5, n);
  if (folds < 2) throw new Error(`cross-validation needs at least 2 won deals (${n} given)`);
  const fold = foldOf(n, folds, options.seed ?? 0);
  const estimate = new Float64Array(n);
  const low = new Float64Array(n);
  const high = new Float64Array(n);
  const base = new Float64Array(n);
  const segment = new Float64Array(n);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? test : train).push(i);
    const trainLeads = subset(won, train);
    const trainValues = train.map((i) => values[i]!);
    const testLeads = subset(won, test);
    const model = learnDealValues(trainLeads, trainValues, { seed: options.seed ?? 0 });
    const estimates = estimateDealValues(model, testLeads);
    const segments = predictSegmentDealValues(learnSegmentDealValues(trainLeads, trainValues), testLeads);
    const m = median(trainValues);
    test.forEach((i, k) => {
      estimate[i] = estimates[k]!.value;
      low[i] = estimates[k]!.low;
      high[i] = estimates[k]!.high;
      base[i] = m;
      segment[i] = segments[k]!;
    });
  }
  const model = accuracy(values, (i) => estimate[i]!, (i) => base[i]!, (i) => [low[i]!, high[i]!], folds);
  const seg = accuracy(values, (i) => segment[i]!, (i) => base[i]!, () => [Number.NaN, Number.NaN], folds);
  return { model, segments: { mae: seg.mae, mdape: seg.mdape }, distinct: { model: new Set(estimate).size, segments: new Set(segment).size } };
}
