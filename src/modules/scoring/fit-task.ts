import { trainGbdt, type GbdtModel } from '../../ai/scoring/gbdt.ts';
import type { Dataset } from '../../ai/scoring/dataset.ts';
import { trainLogistic, type LogisticModel, type LogisticOptions, type LogisticPrior } from '../../ai/scoring/logistic.ts';
import type { GbdtFitRequest } from '../../ai/scoring/model.ts';

/** What one worker receives: the dataset (columns in shared memory, not copied) and one fit. */
export type FitTask =
  | { dataset: Dataset; fit: GbdtFitRequest }
  | { dataset: Dataset; logistic: { rows?: Int32Array; prior?: LogisticPrior; options: Partial<LogisticOptions> } };

/** Runs in a worker thread of the fit pool: one tree or logistic model, returned by structured clone. */
export default function fitTask(task: FitTask): GbdtModel | LogisticModel {
  if ('fit' in task) return trainGbdt({ dataset: task.dataset, rows: task.fit.rows }, task.fit.options);
  return trainLogistic(task.dataset, task.logistic.rows, task.logistic.prior, task.logistic.options);
}
