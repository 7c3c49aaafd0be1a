import { describe, expect, it } from 'vitest';
import {
  evaluate,
  explainGbdt,
  explainLogistic,
  predictGbdtRaw,
  predictLogisticRaw,
  sigmoid,
  trainGbdt,
  trainLogistic,
  type Dataset,
  type FeatureMeta,
  type GbdtModel,
  type GbdtTree,
} from '../src/ai/scoring/index.ts';
import { createRng } from '../src/ai/scoring/random.ts';

const num = (name: string, extra: Partial<FeatureMeta> = {}): FeatureMeta => ({ name, kind: 'numeric', group: 'behavioral', ...extra });
const cat = (name: string, k: number): FeatureMeta => ({ name, kind: 'categorical', group: 'demographic', categories: Array.from({ length: k }, (_, i) => `c${i}`) });

function make(n: number, seed: number, features: FeatureMeta[], gen: (rng: () => number) => number[], label: (x: number[], rng: () => number) => number): Dataset {
  const rng = createRng(seed);
  const columns = features.map(() => new Float64Array(n));
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = gen(rng);
    x.forEach((v, j) => (columns[j]![i] = v));
    y[i] = label(x, rng);
  }
  return { features, columns, y };
}

const half = (d: Dataset, from: number, to: number): Dataset => ({ features: d.features, columns: d.columns.map((c) => c.slice(from, to)), y: d.y.slice(from, to) });
const probs = (z: Float64Array) => Float64Array.from(z, sigmoid);
const rowOf = (d: { columns: Float64Array[] }, i: number) => d.columns.map((c) => c[i]!);

// XOR of two signs with 10 % label noise: no linear model can rank it.
const xor = (n: number, seed: number) =>
  make(n, seed, [num('a'), num('b'), num('noise')], (r) => [r() * 2 - 1, r() * 2 - 1, r()], (x, r) => ((x[0]! * x[1]! > 0) !== r() < 0.1 ? 1 : 0));

describe('gradient-boosted trees', () => {
  it('learns an XOR interaction that logistic regression cannot', () => {
    const d = xor(4000, 1);
    const train = half(d, 0, 3000);
    const test = half(d, 3000, 4000);
    const g = trainGbdt({ dataset: train }, { seed: 1 });
    const lr = trainLogistic(train);
    const aucG = evaluate(test.y, probs(predictGbdtRaw(g, test))).auc;
    const aucL = evaluate(test.y, probs(predictLogisticRaw(lr, test))).auc;
    expect(aucG).toBeGreaterThan(0.85);
    expect(aucL).toBeLessThan(0.6);
  });

  it('learns a categorical × numeric interaction with native categorical splits', () => {
    const good = new Set([0, 2, 5, 7]); // half the categories: no main effect for a linear model to find
    const d = make(4000, 2, [cat('segment', 8), num('x')], (r) => [Math.floor(r() * 8), r() * 2 - 1], (x, r) => ((good.has(x[0]!) === x[1]! > 0) !== r() < 0.1 ? 1 : 0));
    const train = half(d, 0, 3000);
    const test = half(d, 3000, 4000);
    const g = trainGbdt({ dataset: train }, { seed: 1 });
    const lr = trainLogistic(train);
    expect(evaluate(test.y, probs(predictGbdtRaw(g, test))).auc).toBeGreaterThan(0.85);
    expect(evaluate(test.y, probs(predictLogisticRaw(lr, test))).auc).toBeLessThan(0.6);
    // Some split is categorical.
    expect(g.trees.some((t) => Array.from(t.catOffset).some((o) => o >= 0))).toBe(true);
  });

  it('is deterministic for a fixed seed', () => {
    const d = xor(2000, 3);
    const a = trainGbdt({ dataset: d }, { seed: 7 });
    const b = trainGbdt({ dataset: d }, { seed: 7 });
    expect(b.trees.length).toBe(a.trees.length);
    expect(predictGbdtRaw(b, d)).toEqual(predictGbdtRaw(a, d));
    expect(b.trees.map((t) => Array.from(t.value))).toEqual(a.trees.map((t) => Array.from(t.value)));
  });

  it('TreeSHAP attributions add up to the raw logit exactly', () => {
    const d = make(3000, 4, [num('a'), num('b'), cat('c', 5), num('m')], (r) => [r() * 2 - 1, r() < 0.2 ? Number.NaN : r(), Math.floor(r() * 5), r() < 0.5 ? Number.NaN : r()], (x, r) =>
      r() < sigmoid(2 * x[0]! + (Number.isNaN(x[1]!) ? 1 : -x[1]!) + (x[2] === 3 ? 1.5 : 0) + (x[0]! > 0 && x[2]! < 2 ? 1 : 0)) ? 1 : 0,
    );
    const g = trainGbdt({ dataset: d }, { seed: 1 });
    const raw = predictGbdtRaw(g, d);
    for (let i = 0; i < 200; i++) {
      const e = explainGbdt(g, rowOf(d, i));
      const sum = e.baseValue + e.phi.reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - raw[i]!)).toBeLessThan(1e-9);
      expect(e.raw).toBe(raw[i]);
    }
  });

  it('TreeSHAP equals brute-force path-dependent Shapley values', () => {
    const d = make(1500, 5, [num('a'), num('b'), num('c'), cat('d', 4)], (r) => [r(), r(), r() < 0.3 ? Number.NaN : r(), Math.floor(r() * 4)], (x, r) =>
      r() < sigmoid(3 * (x[0]! - 0.5) * (x[1]! - 0.5) * 4 + (x[3] === 1 ? 1 : 0) + (Number.isNaN(x[2]!) ? 0.8 : x[2]!)) ? 1 : 0,
    );
    const g = trainGbdt({ dataset: d }, { seed: 2, maxIterations: 15, maxLeafNodes: 8, earlyStopping: false });
    for (let i = 0; i < 10; i++) {
      const x = rowOf(d, i);
      const brute = bruteShapley(g, x);
      const e = explainGbdt(g, x);
      brute.forEach((v, j) => expect(e.phi[j]).toBeCloseTo(v, 10));
    }
  });

  it('respects a monotone constraint', () => {
    // The outcome rises then falls in x; with monotone = +1 the model may only rise.
    const d = make(3000, 6, [num('x', { monotone: 1 }), num('z')], (r) => [r() * 4 - 2, r()], (x, r) => (r() < sigmoid(1.5 - 2 * x[0]! * x[0]! + x[1]!) ? 1 : 0));
    const g = trainGbdt({ dataset: d }, { seed: 1 });
    const free = trainGbdt({ dataset: { ...d, features: [num('x'), num('z')] } }, { seed: 1 });
    const grid = Float64Array.from({ length: 201 }, (_, k) => -2 + k * 0.02);
    let freeFalls = false;
    for (const z of [0.1, 0.5, 0.9]) {
      const cols = [grid, new Float64Array(grid.length).fill(z)];
      const p = predictGbdtRaw(g, { columns: cols });
      for (let k = 1; k < p.length; k++) expect(p[k]!).toBeGreaterThanOrEqual(p[k - 1]! - 1e-12);
      const q = predictGbdtRaw(free, { columns: cols });
      if (q[200]! < q[100]! - 0.5) freeFalls = true;
    }
    expect(freeFalls).toBe(true);
  });

  it('learns from missing values and sends unseen categories somewhere sensible', () => {
    // Missing x means a likely win; present x is uninformative.
    const d = make(3000, 7, [num('x'), cat('c', 4)], (r) => [r() < 0.3 ? Number.NaN : r(), Math.floor(r() * 3)], (x, r) => (r() < (Number.isNaN(x[0]!) ? 0.8 : 0.2) ? 1 : 0));
    const g = trainGbdt({ dataset: d }, { seed: 1 });
    const p = predictGbdtRaw(g, { columns: [Float64Array.of(Number.NaN, 0.5, Number.NaN), Float64Array.of(0, 1, Number.NaN)] });
    expect(sigmoid(p[0]!)).toBeGreaterThan(0.6);
    expect(sigmoid(p[1]!)).toBeLessThan(0.4);
    expect(Number.isFinite(p[2]!)).toBe(true);
    // Code 3 never occurs in training; it is routed with the pooled rare codes, without error.
    expect(Number.isFinite(predictGbdtRaw(g, { columns: [Float64Array.of(0.5), Float64Array.of(3)] })[0]!)).toBe(true);
    const lr = trainLogistic(d);
    const z = predictLogisticRaw(lr, { columns: [Float64Array.of(Number.NaN, 0.5), Float64Array.of(0, 1)] });
    expect(sigmoid(z[0]!)).toBeGreaterThan(0.6);
    expect(sigmoid(z[1]!)).toBeLessThan(0.4);
  });
});

describe('growth limits and weights', () => {
  const depth = (t: GbdtTree, node = 0): number => (t.feature[node]! < 0 ? 0 : 1 + Math.max(depth(t, t.left[node]!), depth(t, t.right[node]!)));
  it('respects max depth and max leaf nodes', () => {
    const d = xor(2000, 9);
    const shallow = trainGbdt({ dataset: d }, { maxDepth: 2, maxIterations: 20, earlyStopping: false });
    expect(Math.max(...shallow.trees.map((t) => depth(t)))).toBeLessThanOrEqual(2);
    const small = trainGbdt({ dataset: d }, { maxLeafNodes: 5, maxIterations: 20, earlyStopping: false });
    for (const t of small.trees) expect(Array.from(t.feature).filter((f) => f < 0).length).toBeLessThanOrEqual(5);
  });

  it('treats a weight of 2 like a duplicated row', () => {
    const d = make(600, 10, [num('a'), cat('c', 3)], (r) => [r() * 2 - 1, Math.floor(r() * 3)], (x, r) => (r() < sigmoid(x[0]! + (x[1] === 1 ? 1 : 0)) ? 1 : 0));
    const weights = Float64Array.from({ length: 600 }, (_, i) => (i < 100 ? 2 : 1));
    const dup: Dataset = { features: d.features, columns: d.columns.map((c) => Float64Array.from([...c, ...c.subarray(0, 100)])), y: Uint8Array.from([...d.y, ...d.y.subarray(0, 100)]) };
    const a = predictLogisticRaw(trainLogistic({ ...d, weights }), d);
    const b = predictLogisticRaw(trainLogistic(dup), d);
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 7));
    const g = trainGbdt({ dataset: { ...d, weights } }, { earlyStopping: false, maxIterations: 30 });
    const raw = predictGbdtRaw(g, d);
    for (let i = 0; i < 50; i++) {
      const e = explainGbdt(g, rowOf(d, i));
      expect(Math.abs(e.baseValue + e.phi.reduce((s, v) => s + v, 0) - raw[i]!)).toBeLessThan(1e-9);
    }
  });
});

describe('prior-centred logistic regression', () => {
  const features = [num('visits'), cat('source', 3), num('age')];
  const prior = { intercept: -1, numeric: { visits: { slope: 0.5, center: 2, missing: -0.3 } }, categorical: { source: { c1: 0.7 } } };

  it('is exactly the prior without outcomes', () => {
    const empty: Dataset = { features, columns: features.map(() => new Float64Array(0)), y: new Uint8Array(0) };
    const m = trainLogistic(empty, undefined, prior);
    const z = predictLogisticRaw(m, { columns: [Float64Array.of(4, Number.NaN, 2), Float64Array.of(1, 0, Number.NaN), Float64Array.of(30, 40, Number.NaN)] });
    expect(z[0]).toBeCloseTo(-1 + 0.5 * 2 + 0.7, 12);
    expect(z[1]).toBeCloseTo(-1 - 0.3, 12);
    expect(z[2]).toBeCloseTo(-1, 12);
  });

  it('moves from the prior to the data as outcomes accumulate, and its attributions are exact', () => {
    // The data say visits matter twice as much as the prior believes, and source c1 not at all.
    const d = make(4000, 8, features, (r) => [Math.floor(r() * 6), Math.floor(r() * 3), 20 + r() * 40], (x, r) => (r() < sigmoid(-2 + 1.0 * x[0]!) ? 1 : 0));
    const slope = (n: number) => {
      const m = trainLogistic(d, Int32Array.from({ length: n }, (_, i) => i), prior);
      return m.coef[m.offsets[0]!]! / m.scale[0]!;
    };
    const s = [0, 20, 200, 4000].map(slope);
    expect(s[0]).toBeCloseTo(0.5, 9);
    expect(s[1]! - 0.5).toBeLessThan(s[3]! - 0.5);
    expect(s[3]).toBeGreaterThan(0.85);
    expect(s[3]).toBeLessThan(1.15);
    const m = trainLogistic(d, undefined, prior);
    const raw = predictLogisticRaw(m, d);
    for (let i = 0; i < 100; i++) {
      const e = explainLogistic(m, rowOf(d, i));
      expect(Math.abs(e.baseValue + e.phi.reduce((a, b) => a + b, 0) - raw[i]!)).toBeLessThan(1e-9);
    }
  });
});

/** v(S): the tree's expectation with features outside S integrated out along the covers. */
function condExpect(t: GbdtTree, node: number, x: number[], inS: boolean[], nCodes: Int32Array): number {
  const f = t.feature[node]!;
  if (f < 0) return t.value[node]!;
  const l = t.left[node]!;
  const r = t.right[node]!;
  if (inS[f]) {
    const v = x[f]!;
    const off = t.catOffset[node]!;
    const goLeft = off >= 0 ? (v >= 0 && v < nCodes[f]! ? t.catMask[off + v] === 1 : t.missingLeft[node] === 1) : Number.isNaN(v) ? t.missingLeft[node] === 1 : v <= t.threshold[node]!;
    return condExpect(t, goLeft ? l : r, x, inS, nCodes);
  }
  return (t.cover[l]! * condExpect(t, l, x, inS, nCodes) + t.cover[r]! * condExpect(t, r, x, inS, nCodes)) / t.cover[node]!;
}

function bruteShapley(g: GbdtModel, x: number[]): number[] {
  const M = x.length;
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const phi = new Array<number>(M).fill(0);
  for (let mask = 0; mask < 1 << M; mask++) {
    const inS = Array.from({ length: M }, (_, j) => ((mask >> j) & 1) === 1);
    const size = inS.filter(Boolean).length;
    const v = g.trees.reduce((s, t) => s + condExpect(t, 0, x, inS, g.nCodes), 0);
    for (let j = 0; j < M; j++) {
      if (inS[j]) continue;
      const withJ = inS.map((b, k) => b || k === j);
      const vj = g.trees.reduce((s, t) => s + condExpect(t, 0, x, withJ, g.nCodes), 0);
      phi[j]! += ((fact(size) * fact(M - size - 1)) / fact(M)) * (vj - v);
    }
  }
  return phi;
}
