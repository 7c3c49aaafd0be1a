import { describe, expect, it } from 'vitest';
import { goesLeft } from '../src/ai/scoring/gbdt.ts';
import { explainGbdt, predictGbdtRaw, sigmoid, trainGbdt, type Dataset, type FeatureMeta, type GbdtModel, type GbdtTree } from '../src/ai/scoring/index.ts';
import { createRng } from '../src/ai/scoring/random.ts';

/**
 * The tabulated TreeSHAP (src/ai/scoring/tree-shap.ts) against Algorithm 2 of Lundberg, Erion &
 * Lee (2018), which the product used before; that implementation is kept below, verbatim, as
 * the reference. Both compute path-dependent Shapley values, so they must agree to rounding.
 */
const num = (name: string): FeatureMeta => ({ name, kind: 'numeric', group: 'behavioral' });
const cat = (name: string, k: number): FeatureMeta => ({ name, kind: 'categorical', group: 'demographic', categories: Array.from({ length: k }, (_, i) => `c${i}`) });

/** A lead-like dataset: counts with missing values, categories, interactions, label noise. */
function leadLike(n: number, nf: number, seed: number): Dataset {
  const rng = createRng(seed);
  const features = Array.from({ length: nf }, (_, j) => (j % 5 === 0 ? cat(`c${j}`, 9) : num(`x${j}`)));
  const columns = features.map(() => new Float64Array(n));
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let z = -1;
    for (let j = 0; j < nf; j++) {
      const v = features[j]!.kind === 'categorical' ? Math.floor(rng() * 9) : rng() < 0.15 ? Number.NaN : Math.floor(rng() * rng() * 25);
      columns[j]![i] = v;
      z += (Number.isNaN(v) ? 0.3 : features[j]!.kind === 'categorical' ? (v % 3 === 0 ? 0.5 : -0.2) : 0.06 * v) * (j % 2 ? 1 : -0.7);
    }
    if (columns[1]![i]! > 6 && columns[2]![i]! < 4) z += 1.2;
    y[i] = rng() < sigmoid(z) ? 1 : 0;
  }
  return { features, columns, y };
}

const rowOf = (d: { columns: Float64Array[] }, i: number) => d.columns.map((c) => c[i]!);

/** Distinct features on each root-to-leaf path of a tree. */
function distinctPerLeaf(t: GbdtTree, node = 0, feats: number[] = []): number[] {
  if (t.feature[node]! < 0) return [new Set(feats).size];
  const f = [...feats, t.feature[node]!];
  return [...distinctPerLeaf(t, t.left[node]!, f), ...distinctPerLeaf(t, t.right[node]!, f)];
}

function expectSame(g: GbdtModel, rows: number[][]) {
  for (const x of rows) {
    const e = explainGbdt(g, x);
    const r = referenceExplain(g, x);
    expect(e.raw).toBe(r.raw);
    expect(Math.abs(e.baseValue - r.baseValue)).toBeLessThan(1e-12);
    for (let j = 0; j < x.length; j++) expect(Math.abs(e.phi[j]! - r.phi[j]!)).toBeLessThan(1e-9);
  }
}

describe('TreeSHAP, tabulated per leaf', () => {
  it('equals Algorithm 2 on a leaf-wise model of lead-like data (hundreds of rows)', () => {
    const d = leadLike(5000, 20, 11);
    const g = trainGbdt({ dataset: d }, { seed: 3, learningRate: 0.1 });
    expect(g.trees.length).toBeGreaterThan(20);
    // Leaf-wise growth: paths of many distinct features occur, not only shallow ones.
    expect(Math.max(...g.trees.flatMap((t) => distinctPerLeaf(t)))).toBeGreaterThanOrEqual(7);
    expectSame(g, Array.from({ length: 400 }, (_, i) => rowOf(d, i * 17)));
    const raw = predictGbdtRaw(g, d);
    for (let i = 0; i < 100; i++) {
      const e = explainGbdt(g, rowOf(d, i));
      expect(Math.abs(e.baseValue + e.phi.reduce((s, v) => s + v, 0) - raw[i]!)).toBeLessThan(1e-9);
    }
  });

  it('equals Algorithm 2 on leaves too deep to tabulate (evaluated per lead)', () => {
    const d = leadLike(4000, 30, 12);
    const g = trainGbdt({ dataset: d }, { seed: 4, maxLeafNodes: 300, minSamplesLeaf: 3, maxIterations: 6, earlyStopping: false });
    // Over 12 distinct features on a path: beyond the table's limit, so both code paths run.
    const distinct = g.trees.flatMap((t) => distinctPerLeaf(t));
    expect(Math.max(...distinct)).toBeGreaterThan(12);
    expect(Math.min(...distinct)).toBeLessThanOrEqual(12);
    expectSame(g, Array.from({ length: 200 }, (_, i) => rowOf(d, i * 29)));
  });

  it('equals Algorithm 2 with unseen categories, missing values and a zero-cover branch', () => {
    const d = leadLike(3000, 10, 13);
    const g = trainGbdt({ dataset: d }, { seed: 5, maxIterations: 30, earlyStopping: false });
    const rows = Array.from({ length: 100 }, (_, i) => rowOf(d, i).map((v, j) => (i % 3 === 0 && j % 2 === 0 ? Number.NaN : i % 7 === 0 && j % 5 === 0 ? 42 : v)));
    expectSame(g, rows);
    // A tree whose left leaf saw no training weight (all weights zero there): its zero fraction is 0 (no table, no division by it).
    const t: GbdtTree = {
      feature: Int32Array.of(0, -1, 1, -1, -1), threshold: Float64Array.of(5, 0, 2, 0, 0), missingLeft: Uint8Array.of(1, 0, 0, 0, 0),
      catOffset: Int32Array.of(-1, -1, -1, -1, -1), catMask: new Uint8Array(0), left: Int32Array.of(1, -1, 3, -1, -1), right: Int32Array.of(2, -1, 4, -1, -1),
      value: Float64Array.of(0, 0.3, 0, -0.2, 0.5), cover: Float64Array.of(10, 0, 10, 4, 6),
    };
    const m: GbdtModel = { kind: 'gbdt', features: [num('a'), num('b')], baseScore: -1, trees: [t], nCodes: Int32Array.of(0, 0), info: { iterations: 1, leaves: 3, validationLoss: null, trainRows: 10 } };
    expectSame(m, [[1, 1], [7, 1], [7, 3], [Number.NaN, 3]]);
  });

  it('equals Algorithm 2 on a path of more distinct features than a bit mask holds', () => {
    // A chain: split k sends x_k ≤ 0.5 to a leaf and the rest on to split k + 1; 36 features on the deepest path.
    const D = 36;
    const nodes = 2 * D + 1;
    const t: GbdtTree = {
      feature: new Int32Array(nodes).fill(-1), threshold: new Float64Array(nodes), missingLeft: new Uint8Array(nodes), catOffset: new Int32Array(nodes).fill(-1),
      catMask: new Uint8Array(0), left: new Int32Array(nodes).fill(-1), right: new Int32Array(nodes).fill(-1), value: new Float64Array(nodes), cover: new Float64Array(nodes),
    };
    const rng = createRng(14);
    let cover = 1e6;
    for (let k = 0; k < D; k++) {
      const split = 2 * k;
      t.feature[split] = k;
      t.threshold[split] = 0.5;
      t.left[split] = split + 1;
      t.right[split] = split + 2;
      t.cover[split] = cover;
      const leftCover = cover * (0.1 + 0.3 * rng());
      t.cover[split + 1] = leftCover;
      t.value[split + 1] = rng() - 0.5;
      cover -= leftCover;
    }
    t.cover[nodes - 1] = cover;
    t.value[nodes - 1] = 0.7;
    const m: GbdtModel = { kind: 'gbdt', features: Array.from({ length: D }, (_, j) => num(`x${j}`)), baseScore: 0, trees: [t], nCodes: new Int32Array(D), info: { iterations: 1, leaves: D + 1, validationLoss: null, trainRows: 1e6 } };
    expectSame(m, Array.from({ length: 30 }, (_, i) => Array.from({ length: D }, (_, j) => (j < i + 6 ? 0.9 : rng()))));
  });
});

// ---- the reference: Algorithm 2 as the product ran it before (src/ai/scoring/gbdt.ts) -------

function referenceExplain(model: GbdtModel, row: ArrayLike<number>): { baseValue: number; phi: Float64Array; raw: number } {
  const phi = new Float64Array(model.features.length);
  let base = model.baseScore;
  let raw = model.baseScore;
  for (const t of model.trees) {
    base += expectedValue(t);
    referenceTreeShap(t, row, phi, model.nCodes);
    raw += t.value[leafOf(t, row, model.nCodes)]!;
  }
  return { baseValue: base, phi, raw };
}

const expectedCache = new WeakMap<GbdtTree, number>();
function expectedValue(t: GbdtTree): number {
  const c = expectedCache.get(t);
  if (c !== undefined) return c;
  const rec = (node: number): number => (t.feature[node]! < 0 ? t.value[node]! : (t.cover[t.left[node]!]! * rec(t.left[node]!) + t.cover[t.right[node]!]! * rec(t.right[node]!)) / t.cover[node]!);
  const v = t.cover[0]! > 0 ? rec(0) : 0;
  expectedCache.set(t, v);
  return v;
}

function leafOf(t: GbdtTree, x: ArrayLike<number>, nCodes: Int32Array): number {
  let node = 0;
  let f: number;
  while ((f = t.feature[node]!) >= 0) node = goesLeft(t, node, x[f]!, nCodes[f]!) ? t.left[node]! : t.right[node]!;
  return node;
}

function treeDepth(t: GbdtTree, node = 0): number {
  return t.feature[node]! < 0 ? 0 : 1 + Math.max(treeDepth(t, t.left[node]!), treeDepth(t, t.right[node]!));
}

const depthCache = new WeakMap<GbdtTree, number>();
// Path buffers shared by every call (explanations run one at a time on the event loop):
// allocating four arrays per tree per lead cost more than the walk itself.
let scratch = { size: 0, pf: new Int32Array(0), pz: new Float64Array(0), po: new Float64Array(0), pw: new Float64Array(0) };

function referenceTreeShap(t: GbdtTree, x: ArrayLike<number>, phi: Float64Array, nCodes: Int32Array): void {
  let depth = depthCache.get(t);
  if (depth === undefined) {
    depth = treeDepth(t);
    depthCache.set(t, depth);
  }
  const D = depth + 2;
  const size = ((D + 2) * (D + 3)) / 2 + D;
  if (scratch.size < size) scratch = { size, pf: new Int32Array(size), pz: new Float64Array(size), po: new Float64Array(size), pw: new Float64Array(size) };
  const { pf, pz, po, pw } = scratch;

  const extend = (s: number, depth: number, zero: number, one: number, feat: number) => {
    pf[s + depth] = feat;
    pz[s + depth] = zero;
    po[s + depth] = one;
    pw[s + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      pw[s + i + 1]! += (one * pw[s + i]! * (i + 1)) / (depth + 1);
      pw[s + i] = (zero * pw[s + i]! * (depth - i)) / (depth + 1);
    }
  };
  const unwind = (s: number, depth: number, pi: number) => {
    const one = po[s + pi]!;
    const zero = pz[s + pi]!;
    let next = pw[s + depth]!;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = pw[s + i]!;
        pw[s + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = tmp - (pw[s + i]! * zero * (depth - i)) / (depth + 1);
      } else pw[s + i] = (pw[s + i]! * (depth + 1)) / (zero * (depth - i));
    }
    for (let i = pi; i < depth; i++) {
      pf[s + i] = pf[s + i + 1]!;
      pz[s + i] = pz[s + i + 1]!;
      po[s + i] = po[s + i + 1]!;
    }
  };
  const unwoundSum = (s: number, depth: number, pi: number) => {
    const one = po[s + pi]!;
    const zero = pz[s + pi]!;
    let next = pw[s + depth]!;
    let total = 0;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = (next * (depth + 1)) / ((i + 1) * one);
        total += tmp;
        next = pw[s + i]! - (tmp * zero * (depth - i)) / (depth + 1);
      } else if (zero !== 0) total += pw[s + i]! / zero / ((depth - i) / (depth + 1));
    }
    return total;
  };

  const recurse = (node: number, depth: number, parentStart: number, zero: number, one: number, feat: number) => {
    // Each level works on its own copy of the path, placed after the parent's (which has ≤ depth + 1 entries).
    const s = parentStart + depth + 1;
    for (let i = 0; i < depth; i++) {
      pf[s + i] = pf[parentStart + i]!;
      pz[s + i] = pz[parentStart + i]!;
      po[s + i] = po[parentStart + i]!;
      pw[s + i] = pw[parentStart + i]!;
    }
    extend(s, depth, zero, one, feat);
    const f = t.feature[node]!;
    if (f < 0) {
      const v = t.value[node]!;
      for (let i = 1; i <= depth; i++) {
        const w = unwoundSum(s, depth, i);
        phi[pf[s + i]!]! += w * (po[s + i]! - pz[s + i]!) * v;
      }
      return;
    }
    const l = t.left[node]!;
    const r = t.right[node]!;
    const hot = goesLeft(t, node, x[f]!, nCodes[f]!) ? l : r;
    const cold = hot === l ? r : l;
    const cov = t.cover[node]!;
    let inZero = 1;
    let inOne = 1;
    let d = depth;
    let pi = 0;
    for (; pi <= d; pi++) if (pf[s + pi] === f) break;
    if (pi !== d + 1) {
      inZero = pz[s + pi]!;
      inOne = po[s + pi]!;
      unwind(s, d, pi);
      d -= 1;
    }
    recurse(hot, d + 1, s, (t.cover[hot]! / cov) * inZero, inOne, f);
    recurse(cold, d + 1, s, (t.cover[cold]! / cov) * inZero, 0, f);
  };
  recurse(0, 0, -1, 1, 1, -1);
}
