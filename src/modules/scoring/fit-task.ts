import { trainGbdt, type GbdtModel } from '../../ai/scoring/gbdt.ts';
import type { Dataset } from '../../ai/scoring/dataset.ts';
import type { GbdtFitRequest } from '../../ai/scoring/model.ts';

/** What one worker receives: the dataset (columns in shared memory, not copied) and one fit. */
export interface FitTask {
  dataset: Dataset;
  fit: GbdtFitRequest;
}

/** Runs in a worker thread of the fit pool: one tree model, returned by structured clone. */
export default function fitTask({ dataset, fit }: FitTask): GbdtModel {
  return trainGbdt({ dataset, rows: fit.rows }, fit.options);
}
