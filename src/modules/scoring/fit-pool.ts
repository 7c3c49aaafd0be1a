import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Dataset } from '../../ai/scoring/dataset.ts';
import type { GbdtModel } from '../../ai/scoring/gbdt.ts';
import type { LogisticModel } from '../../ai/scoring/logistic.ts';
import { assembleScoringModel, planScoringModel, summariseFolds, trainScoringModel, type ScoringModel, type ScoringOptions } from '../../ai/scoring/model.ts';
import type { FitTask } from './fit-task.ts';

/**
 * Training on many outcomes fits K + 1 tree models and K + 1 logistic models (one per
 * cross-validation fold and the final ones) that do not depend on each other: they run at once
 * in worker threads, one per core. (The logistic fits ran in line after the trees until
 * 2026-12-05: at 100,000 decided leads they were 11 s of the fit with the workers idle.) Small
 * trainings stay in line, where starting threads (≈ 0.3 s each with the TypeScript loader)
 * would cost more than it saves.
 */
const WORKER = fileURLToPath(new URL('../../../bin/fit-worker.js', import.meta.url));
/** Rows × features from which the trees are fitted in parallel (≈ 20,000 leads × 40 features). */
export const PARALLEL_MIN_CELLS = 800_000;

export interface FitPoolOptions {
  /** Threads at most (default: the cores this process may use). */
  threads?: number;
  /** Fit in parallel from this many cells (rows × features); tests lower it. */
  minCells?: number;
  /** Threads started earlier (openFitPool), e.g. while the training data was read; the caller closes them. */
  warm?: FitPool;
}

/**
 * Fit threads started ahead of the fits. Starting two threads takes ~0.45 s (each loads the
 * TypeScript loader and the models); a training opens them when it knows it will be large
 * and then reads its leads meanwhile, a read that leaves a core partly idle.
 */
export interface FitPool {
  readonly threads: number;
  /** Fits done on these threads so far. */
  readonly completed: number;
  run(task: FitTask): Promise<GbdtModel | LogisticModel>;
  close(): Promise<void>;
}

/** Features a lead has at the least (the built-in ones), for deciding before the features exist. */
const MIN_FEATURES = 40;

/**
 * Threads for a training of `rows` decided leads with `folds` folds, started now when that
 * training will fit in parallel (the rule of trainScoringModelInParallel, with the fewest
 * features a lead has): one per fit at most, the folds' and the final model's.
 */
export function warmFitPool(rows: number, folds: number): FitPool | undefined {
  const threads = Math.min(availableParallelism(), folds + 1);
  return threads >= 2 && folds >= 2 && rows * MIN_FEATURES >= PARALLEL_MIN_CELLS ? openFitPool(threads) : undefined;
}

export function openFitPool(threads = availableParallelism()): FitPool {
  const piscina = new Piscina<FitTask, GbdtModel | LogisticModel>({ filename: WORKER, minThreads: threads, maxThreads: threads, idleTimeout: 1_000 });
  return {
    threads,
    get completed() {
      return piscina.completed;
    },
    run: (task) => piscina.run(task),
    close: () => piscina.destroy(),
  };
}

export async function trainScoringModelInParallel(dataset: Dataset, options: Partial<ScoringOptions>, pool: FitPoolOptions = {}): Promise<ScoringModel> {
  const plan = planScoringModel(dataset, options);
  const threads = Math.min(pool.warm?.threads ?? pool.threads ?? availableParallelism(), plan.fits.length);
  const cells = plan.n * dataset.features.length;
  // Without folds the final tree model is never used (the trees get no weight untested).
  if (threads < 2 || plan.fold === null || cells < (pool.minCells ?? PARALLEL_MIN_CELLS)) return trainScoringModel(dataset, options);

  const shared = shareDataset(dataset);
  const piscina = pool.warm ?? openFitPool(threads);
  try {
    // Every fit at once, the folds' first: the blend weight, the calibration and the
    // out-of-fold metrics need only those, so the main thread computes them while the final
    // models are still fitting (it idled the workers ~3 s at 100,000 leads when it waited for
    // all). The final tree model is fitted before the blend weight says whether it is needed:
    // a core would idle otherwise, and it is needed whenever trees help at all.
    const o = plan.options;
    const treeFit = (k: number) => piscina.run({ dataset: shared, fit: plan.fits[k]! }) as Promise<GbdtModel>;
    const logisticFit = (k: number) => {
      const rows = plan.logisticFits[k];
      return piscina.run({ dataset: shared, logistic: { ...(rows ? { rows } : {}), ...(o.prior ? { prior: o.prior } : {}), options: o.logistic } }) as Promise<LogisticModel>;
    };
    const lastTree = plan.fits.length - 1;
    const lastLogistic = plan.logisticFits.length - 1;
    const foldTrees = plan.fits.slice(0, lastTree).map((_, k) => treeFit(k));
    const foldLogistic = plan.logisticFits.slice(0, lastLogistic).map((_, k) => logisticFit(k));
    const finals = Promise.all([logisticFit(lastLogistic), lastTree >= 0 ? treeFit(lastTree) : null]);
    // Settled either way below; a rejection seen only there must not count as unhandled meanwhile.
    finals.catch(() => undefined);
    const [trees, lrs] = await Promise.all([Promise.all(foldTrees), Promise.all(foldLogistic)]);
    const summary = summariseFolds(dataset, plan, (k) => trees[k]!, (k) => lrs[k]!);
    const [finalLogistic, finalTrees] = await finals;
    return assembleScoringModel(dataset, plan, summary, finalLogistic, finalTrees);
  } finally {
    if (!pool.warm) await piscina.close();
  }
}

/** The same dataset with its columns in shared memory, so each task gets a view, not a copy. */
function shareDataset(d: Dataset): Dataset {
  const share = (a: Float64Array) => {
    const s = new Float64Array(new SharedArrayBuffer(a.byteLength));
    s.set(a);
    return s;
  };
  return { features: d.features, columns: d.columns.map(share), y: d.y, ...(d.weights ? { weights: d.weights } : {}) };
}
