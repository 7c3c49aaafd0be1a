import { describe, expect, it } from 'vitest';
import { brierScore, calibrationTable, evaluate, foldIndices, logLoss, rocAuc, stratifiedKFold } from '../src/ai/scoring/index.ts';

describe('scoring metrics', () => {
  it('ROC AUC counts pairs, ties as one half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    // Pairs (pos, neg): (0.5, 0.5) tie → ½, (0.5, 0.2) → 1, (0.9, 0.5) → 1, (0.9, 0.2) → 1: 3.5 / 4.
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.875, 12);
    expect(rocAuc([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.5, 12);
    expect(rocAuc([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1])).toBe(1);
    expect(rocAuc([1, 1], [0.9, 0.8])).toBeNaN();
    // A weight of 2 on a row counts it twice.
    expect(rocAuc([0, 0, 1], [0.1, 0.6, 0.5], [2, 1, 1])).toBeCloseTo(rocAuc([0, 0, 0, 1], [0.1, 0.1, 0.6, 0.5]), 12);
  });

  it('ROC AUC without weights (sorted typed arrays) equals the weighted walk with unit weights', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let t = 0; t < 200; t++) {
      const n = 2 + Math.floor(rnd() * 300);
      const y = Uint8Array.from({ length: n }, () => (rnd() < 0.3 ? 1 : 0));
      const ties = t % 2 === 0;
      const s = Float64Array.from({ length: n }, () => (ties ? Math.floor(rnd() * 5) - 2 : rnd() * 10 - 5));
      if (t % 5 === 0) s[0] = -0; // ties with 0, as === says
      const fast = rocAuc(y, s);
      const walk = rocAuc(y, s, new Float64Array(n).fill(1));
      if (Number.isNaN(walk)) expect(fast).toBeNaN();
      else expect(fast).toBeCloseTo(walk, 12);
    }
    // NaN scores rank after every number (and tie with nothing).
    expect(rocAuc([1, 0, 0], [Number.NaN, 0.2, 0.1])).toBe(1);
    expect(rocAuc([0, 1, 1], [Number.NaN, 0.2, 0.1])).toBe(0);
  });

  it('log loss and Brier score match hand computation', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(brierScore([1, 0], [0.8, 0.4])).toBeCloseTo((0.04 + 0.16) / 2, 12);
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 6); // clipped, finite
    const m = evaluate([1, 0, 1, 0], [0.9, 0.1, 0.6, 0.3]);
    expect(m).toMatchObject({ n: 4, positives: 2, auc: 1 });
    expect(m.brier).toBeCloseTo((0.01 + 0.01 + 0.16 + 0.09) / 4, 12);
  });

  it('calibration table has ten bins of mean predicted vs observed', () => {
    const t = calibrationTable([1, 0, 1, 1, 0], [0.05, 0.07, 0.55, 0.58, 0.99]);
    expect(t).toHaveLength(10);
    expect(t[0]).toMatchObject({ count: 2, observedRate: 0.5 });
    expect(t[0]!.meanPredicted).toBeCloseTo(0.06, 12);
    expect(t[5]).toMatchObject({ count: 2, observedRate: 1 });
    expect(t[9]).toMatchObject({ count: 1, observedRate: 0 });
    expect(t[3]!.count).toBe(0);
    expect(t.reduce((s, b) => s + b.count, 0)).toBe(5);
  });

  it('stratified k-fold keeps the class ratio in each fold and is seeded', () => {
    const y = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const f = stratifiedKFold(y, 5, 42);
    for (let k = 0; k < 5; k++) {
      const { train, test } = foldIndices(f, k);
      expect(test.length).toBe(200);
      expect(train.length).toBe(800);
      expect(Array.from(test).filter((i) => y[i] === 1).length).toBe(20);
    }
    expect(stratifiedKFold(y, 5, 42)).toEqual(f);
    expect(stratifiedKFold(y, 5, 43)).not.toEqual(f);
  });
});
