import { describe, expect, it } from 'vitest';
import { scoringModelToJson, trainScoringModel, type Dataset, type FeatureMeta } from '../src/ai/scoring/index.ts';
import { createRng } from '../src/ai/scoring/random.ts';
import { availableParallelism } from 'node:os';
import { openFitPool, trainScoringModelInParallel, warmFitPool } from '../src/modules/scoring/fit-pool.ts';

/** Tree fits in worker threads must give exactly the model the in-line training gives. */
function dataset(n: number): Dataset {
  const rng = createRng(7);
  const features: FeatureMeta[] = [
    { name: 'visits', kind: 'numeric', group: 'behavioral' },
    { name: 'age_days', kind: 'numeric', group: 'temporal' },
    { name: 'industry', kind: 'categorical', group: 'demographic', categories: ['saas', 'retail', 'bank', 'other'] },
  ];
  const columns = features.map(() => new Float64Array(n));
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const visits = Math.floor(rng() * 10);
    const age = rng() * 90;
    const industry = Math.floor(rng() * 4);
    columns[0]![i] = visits;
    columns[1]![i] = rng() < 0.1 ? NaN : age;
    columns[2]![i] = industry;
    const z = -1.5 + 0.3 * visits - 0.02 * age + (industry === 0 ? 0.8 : 0) + (visits > 5 && industry === 2 ? 1 : 0);
    y[i] = rng() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { features, columns, y };
}

describe('the fit pool', () => {
  it('trains the same model in worker threads as in line', async () => {
    const d = dataset(3000);
    const options = { seed: 3, folds: 3, gbdt: { learningRate: 0.1, maxIterations: 60 } };
    const inline = trainScoringModel(d, options);
    const parallel = await trainScoringModelInParallel(d, options, { threads: 2, minCells: 0 });
    expect(inline.gbdt).not.toBeNull();
    expect(parallel.gbdtFolds).toHaveLength(3);
    expect(JSON.stringify(scoringModelToJson(parallel))).toBe(JSON.stringify(scoringModelToJson(inline)));
    expect(parallel.info.cv.blend).toEqual(inline.info.cv.blend);
  }, 60_000);

  it('fits on threads started ahead (a warm pool), leaves them open for the caller, and gives the same model', async () => {
    const d = dataset(2000);
    const options = { seed: 5, folds: 3, gbdt: { learningRate: 0.1, maxIterations: 40 } };
    const pool = openFitPool(2);
    try {
      const first = await trainScoringModelInParallel(d, options, { warm: pool, minCells: 0 });
      // On the pool's threads, not in line: 3 folds + the final model, trees and logistic each.
      expect(pool.completed).toBe(8);
      // Still open: a second training on the same threads works.
      const second = await trainScoringModelInParallel(d, options, { warm: pool, minCells: 0 });
      const inline = JSON.stringify(scoringModelToJson(trainScoringModel(d, options)));
      expect(JSON.stringify(scoringModelToJson(first))).toBe(inline);
      expect(JSON.stringify(scoringModelToJson(second))).toBe(inline);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('starts threads ahead only for a training that will fit in parallel, one per fit at most', async () => {
    expect(warmFitPool(1_000, 5)).toBeUndefined();
    expect(warmFitPool(100_000, 1)).toBeUndefined();
    const pool = warmFitPool(100_000, 3);
    try {
      if (availableParallelism() < 2) expect(pool).toBeUndefined();
      else expect(pool?.threads).toBe(Math.min(availableParallelism(), 4));
    } finally {
      await pool?.close();
    }
  });

  it('gives small trainings the in-line model (no threads below the size threshold)', async () => {
    const d = dataset(500);
    const model = await trainScoringModelInParallel(d, { seed: 1 });
    expect(JSON.stringify(scoringModelToJson(model))).toBe(JSON.stringify(scoringModelToJson(trainScoringModel(d, { seed: 1 }))));
  });
});
