import { gbdtRow, type GbdtModel, type GbdtTree } from './gbdt.ts';

/**
 * Path-dependent TreeSHAP (Lundberg, Erion & Lee 2018): exact Shapley values of each tree's
 * logit with absent features integrated out along the training cover. Shapley rather than
 * Saabas path attribution because Saabas credits the deep splits of a path too much.
 *
 * The values are those of Algorithm 2, computed differently. Take one leaf with value v, the
 * set U of distinct features on its path (d of them), and for each feature j ∈ U its zero
 * fraction z_j (the product of the cover ratios of j's splits on the path: a property of the
 * model) and its one fraction o_j ∈ {0, 1} (1 when the lead satisfies every split of j on the
 * path). With H = {j : o_j = 1}, Shapley weights w(k) = k!(d−k−1)!/d! and
 *
 *     F(H) = v · Σ_{S ⊆ H} w(|S|) · Π_{j ∈ U∖S} z_j,
 *
 * the leaf adds to φ_i:   (1 − z_i)/z_i · F(H∖{i})   when i ∈ H,   and   −F(H)   when i ∉ H.
 * F depends on the lead only through H, so it is tabulated once per leaf for every subset
 * (2^d values) when a tree is first explained. Explaining a lead is then one pass over the
 * tree's nodes in preorder, each node's set of "disagreed" features (as a bit mask) derived
 * from its parent's, and O(d) table reads per leaf: O(L·D) per tree instead of Algorithm 2's
 * O(L·D²), with no allocation. Leaves with many distinct features (rare in trees of 31
 * leaves: at most 11 in the 150,000-lead demo model) or a zero cover ratio are not tabulated:
 * their sums are evaluated per lead from the same formula (O(d + h²), h = |H|), without the
 * division by z_i.
 *
 * test/ai-tree-shap.test.ts checks the values against Algorithm 2 (kept there) and against
 * brute-force Shapley values.
 */

/** Leaves with more distinct features than this are evaluated per lead (a table is 2^d doubles). */
const MAX_TABLE_FEATURES = 12;

interface ShapTree {
  /** Expected value of the tree over the training cover. */
  expected: number;
  /** Nodes in preorder (every parent before its children), split rule copied from the tree. */
  nodes: number;
  feature: Int32Array;
  threshold: Float64Array;
  missingLeft: Uint8Array;
  catOffset: Int32Array;
  catMask: Uint8Array;
  /** Preorder id of the parent (−1 for the root), whether the node is its left child. */
  parent: Int32Array;
  isLeft: Uint8Array;
  /** Position of the parent's split feature among the distinct features of the path to the node. */
  bit: Int32Array;
  /** Leaf number of a leaf node, −1 for splits. */
  leafOf: Int32Array;
  /** Preorder ids of the splits and of the leaves (leaf l is node leafNode[l]). */
  splitNode: Int32Array;
  leafNode: Int32Array;
  leafValue: Float64Array;
  /** Distinct features of leaf l, in order of first split from the root: uFeature[uStart[l] .. uStart[l + 1]). */
  uStart: Int32Array;
  uFeature: Int32Array;
  uZero: Float64Array;
  /** (1 − z)/z, for tabulated leaves. */
  uHot: Float64Array;
  /** Offset of leaf l's table of F in `table`, −1 when evaluated per lead. */
  tableStart: Int32Array;
  table: Float64Array;
  /** Most distinct features on one path (scratch sizes). */
  maxDistinct: number;
}

const shapCache = new WeakMap<GbdtTree, ShapTree>();
/** The prepared trees of a model, so that explaining a lead looks its model up once, not once per tree. */
const modelCache = new WeakMap<GbdtModel, ShapTree[]>();

/** Shapley weights k!(d−k−1)!/d!, k = 0 … d−1, by the ratio of neighbours (no factorial overflow). */
function shapleyWeights(d: number): Float64Array {
  const w = new Float64Array(Math.max(1, d));
  w[0] = 1 / d;
  for (let k = 1; k < d; k++) w[k] = (w[k - 1]! * k) / (d - k);
  return w;
}

const weightsByD: Float64Array[] = [];
function weightsFor(d: number): Float64Array {
  return (weightsByD[d] ??= shapleyWeights(d));
}

function expectedValue(t: GbdtTree): number {
  const rec = (node: number): number => (t.feature[node]! < 0 ? t.value[node]! : (t.cover[t.left[node]!]! * rec(t.left[node]!) + t.cover[t.right[node]!]! * rec(t.right[node]!)) / t.cover[node]!);
  return t.cover[0]! > 0 ? rec(0) : 0;
}

function prepare(t: GbdtTree): ShapTree {
  const cached = shapCache.get(t);
  if (cached) return cached;
  const m = t.feature.length;
  const order: number[] = [];
  const parent: number[] = [];
  const isLeft: number[] = [];
  const bit: number[] = [];
  const leafOf: number[] = [];
  const leafValue: number[] = [];
  const uStart: number[] = [0];
  const uFeature: number[] = [];
  const uZero: number[] = [];
  // Depth-first from the root; `feats`/`zero` are the path's distinct features and their zero
  // fractions so far (a feature split again on the path multiplies its cover ratio in).
  const visit = (node: number, up: number, left: boolean, upBit: number, feats: number[], zero: number[]) => {
    const id = order.length;
    order.push(node);
    parent.push(up);
    isLeft.push(left ? 1 : 0);
    bit.push(upBit);
    const f = t.feature[node]!;
    if (f < 0) {
      leafOf.push(leafValue.length);
      leafValue.push(t.value[node]!);
      uFeature.push(...feats);
      uZero.push(...zero);
      uStart.push(uFeature.length);
      return;
    }
    leafOf.push(-1);
    let b = feats.indexOf(f);
    const nextFeats = b < 0 ? [...feats, f] : feats;
    if (b < 0) b = feats.length;
    for (const [child, toLeft] of [[t.left[node]!, true], [t.right[node]!, false]] as const) {
      const ratio = t.cover[node]! > 0 ? t.cover[child]! / t.cover[node]! : 0;
      const z = b < zero.length ? zero.map((v, k) => (k === b ? v * ratio : v)) : [...zero, ratio];
      visit(child, id, toLeft, b, nextFeats, z);
    }
  };
  visit(0, -1, false, 0, [], []);

  const leaves = leafValue.length;
  const tableStart = new Int32Array(leaves).fill(-1);
  const uHot = new Float64Array(uZero.length);
  let size = 0;
  let maxDistinct = 0;
  for (let l = 0; l < leaves; l++) {
    const d = uStart[l + 1]! - uStart[l]!;
    maxDistinct = Math.max(maxDistinct, d);
    if (d <= MAX_TABLE_FEATURES && uZero.slice(uStart[l]!, uStart[l + 1]!).every((z) => z > 0)) {
      tableStart[l] = size;
      size += 1 << d;
    }
  }
  const table = new Float64Array(size);
  for (let l = 0; l < leaves; l++) {
    const off = tableStart[l]!;
    if (off < 0) continue;
    const u0 = uStart[l]!;
    const d = uStart[l + 1]! - u0;
    if (d === 0) continue;
    const full = (1 << d) - 1;
    const w = weightsFor(d);
    // prod[C] = Π_{j ∈ C} z_j for every subset C; the terms are v·w(|S|)·prod[U∖S], summed over the subsets S of H.
    const prod = new Float64Array(1 << d);
    prod[0] = 1;
    for (let c = 1; c <= full; c++) prod[c] = prod[c & (c - 1)]! * uZero[u0 + 31 - Math.clz32(c & -c)]!;
    const v = leafValue[l]!;
    // S = U never occurs (S leaves out the feature being credited): weight 0, so F(U) is finite.
    for (let s = 0; s < full; s++) table[off + s] = v * w[popcount(s)]! * prod[full ^ s]!;
    // Sums over subsets (zeta transform), one bit at a time.
    for (let b = 0; b < d; b++) {
      const mask = 1 << b;
      for (let s = 0; s <= full; s++) if (s & mask) table[off + s]! += table[off + (s ^ mask)]!;
    }
    for (let k = 0; k < d; k++) uHot[u0 + k] = (1 - uZero[u0 + k]!) / uZero[u0 + k]!;
  }

  const prepared: ShapTree = {
    expected: expectedValue(t),
    nodes: m,
    feature: Int32Array.from(order, (n) => t.feature[n]!),
    threshold: Float64Array.from(order, (n) => t.threshold[n]!),
    missingLeft: Uint8Array.from(order, (n) => t.missingLeft[n]!),
    catOffset: Int32Array.from(order, (n) => t.catOffset[n]!),
    catMask: t.catMask,
    parent: Int32Array.from(parent),
    isLeft: Uint8Array.from(isLeft),
    bit: Int32Array.from(bit),
    leafOf: Int32Array.from(leafOf),
    splitNode: Int32Array.from(leafOf.flatMap((l, n) => (l < 0 ? [n] : []))),
    leafNode: Int32Array.from(leafOf.flatMap((l, n) => (l >= 0 ? [n] : []))),
    leafValue: Float64Array.from(leafValue),
    uStart: Int32Array.from(uStart),
    uFeature: Int32Array.from(uFeature),
    uZero: Float64Array.from(uZero),
    uHot,
    tableStart,
    table,
    maxDistinct,
  };
  shapCache.set(t, prepared);
  return prepared;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v !== 0; v &= v - 1) c++;
  return c;
}

// Per-lead scratch shared by every call (explanations run one at a time per thread).
let wentLeft = new Uint8Array(64);
let onPath = new Uint8Array(64);
let offBits = new Int32Array(64);
let hotFlags = new Uint8Array(64);
let poly = new Float64Array(64);

/**
 * One leaf without a table: Q(y) = Π_{j ∈ H} (z_j + y) once, F(H) from it, and F(H∖{i}) for
 * each i ∈ H by dividing Q by (z_i + y) from the top coefficient down — the division Algorithm
 * 2's unwind does, on the hot features only: O(d + h²). No division by z_i, so a zero cover
 * ratio is fine here. `hot` holds 1 for the leaf's features the lead satisfies.
 */
function leafPoly(sh: ShapTree, l: number, hot: Uint8Array, q: Float64Array, phi: Float64Array): void {
  const u0 = sh.uStart[l]!;
  const d = sh.uStart[l + 1]! - u0;
  const zero = sh.uZero;
  let cold = sh.leafValue[l]!;
  q[0] = 1;
  let h = 0;
  for (let k = 0; k < d; k++) {
    const z = zero[u0 + k]!;
    if (hot[k] === 1) {
      q[h + 1] = q[h]!;
      for (let m = h; m > 0; m--) q[m] = q[m]! * z + q[m - 1]!;
      q[0] = q[0]! * z;
      h++;
    } else cold *= z;
  }
  // cold = v·Π_{j ∉ H} z_j from here on.
  const w = weightsFor(d);
  let all = 0;
  for (let m = 0; m <= Math.min(h, d - 1); m++) all += w[m]! * q[m]!;
  const notHot = -cold * all;
  for (let k = 0; k < d; k++) {
    const f = sh.uFeature[u0 + k]!;
    if (hot[k] !== 1) {
      phi[f]! += notHot;
      continue;
    }
    const z = zero[u0 + k]!;
    let r = q[h]!;
    let sum = w[h - 1]! * r;
    for (let m = h - 1; m > 0; m--) {
      r = q[m]! - z * r;
      sum += w[m - 1]! * r;
    }
    phi[f]! += cold * (1 - z) * sum;
  }
}

/** Hot flags of a leaf with more distinct features than a mask has bits: from its path, walked up. */
function hotFromPath(sh: ShapTree, node: number, d: number, went: Uint8Array, hot: Uint8Array): void {
  hot.fill(1, 0, d);
  for (let n = node; sh.parent[n]! >= 0; n = sh.parent[n]!) if (went[sh.parent[n]!] !== sh.isLeft[n]) hot[sh.bit[n]!] = 0;
}

/** Adds one tree's φ for row x; returns the value of the leaf x falls in. */
function treeShap(sh: ShapTree, x: ArrayLike<number>, nCodes: Int32Array, phi: Float64Array): number {
  const N = sh.nodes;
  if (wentLeft.length < N) {
    wentLeft = new Uint8Array(2 * N);
    onPath = new Uint8Array(2 * N);
    offBits = new Int32Array(2 * N);
  }
  if (hotFlags.length < sh.maxDistinct) hotFlags = new Uint8Array(2 * sh.maxDistinct);
  if (poly.length <= sh.maxDistinct) poly = new Float64Array(2 * sh.maxDistinct + 2);
  const went = wentLeft;
  const on = onPath;
  const off = offBits;
  const { feature, threshold, missingLeft, catOffset, catMask, parent, isLeft, bit, splitNode, leafNode, uStart, uFeature, uHot, tableStart, table } = sh;
  // Three passes rather than one walk: leaves and splits alternate in preorder, and a branch
  // on which one a node is would be mispredicted half the time.
  // 1. Where the lead goes at each split (the split rule of goesLeft in gbdt.ts, inlined).
  for (let i = 0; i < splitNode.length; i++) {
    const n = splitNode[i]!;
    const f = feature[n]!;
    const v = x[f]!;
    const c = catOffset[n]!;
    if (c < 0) {
      // NaN fails the comparison and takes the missing direction; no branch on the value.
      went[n] = (v <= threshold[n]! ? 1 : 0) | ((v !== v ? 1 : 0) & missingLeft[n]!);
    } else {
      const k = nCodes[f]!;
      went[n] = v >= 0 && v < k && v === Math.floor(v) ? catMask[c + v]! : missingLeft[n]!;
    }
  }
  // 2. Each node's disagreed features: its parent's, plus the parent's feature when the lead
  // went the other way (bits past 31 wrap, but only leaves of at most 31 distinct features
  // read them); and whether the lead's own path runs through it.
  off[0] = 0;
  on[0] = 1;
  for (let n = 1; n < N; n++) {
    const p = parent[n]!;
    const other = went[p]! ^ isLeft[n]!;
    off[n] = off[p]! | (other << bit[n]!);
    on[n] = on[p]! & (other ^ 1);
  }
  // 3. Each leaf's share.
  let landed = 0;
  for (let l = 0; l < leafNode.length; l++) {
    const n = leafNode[l]!;
    landed = on[n] === 1 ? l : landed;
    const u0 = uStart[l]!;
    const d = uStart[l + 1]! - u0;
    const start = tableStart[l]!;
    if (start >= 0) {
      const hot = ((1 << d) - 1) & ~off[n]!;
      const cold = -table[start + hot]!;
      for (let k = 0; k < d; k++) {
        // Both candidates are read and one is kept by arithmetic (exact: one factor is 0 or 1,
        // both values finite): a branch on the lead's bits would be mispredicted half the time.
        const b = 1 << k;
        const isHot = (hot >>> k) & 1;
        phi[uFeature[u0 + k]!]! += isHot * (uHot[u0 + k]! * table[start + (hot ^ b)]!) + (1 - isHot) * cold;
      }
    } else if (d > 0) {
      const hot = hotFlags;
      if (d <= 31) for (let k = 0; k < d; k++) hot[k] = ((off[n]! >>> k) & 1) ^ 1;
      else hotFromPath(sh, n, d, went, hot);
      leafPoly(sh, l, hot, poly, phi);
    }
  }
  return sh.leafValue[landed]!;
}

/**
 * φ (one per feature) for one row, and each tree's expected value added to the base value, so
 * that base + Σφ equals the raw logit up to rounding.
 */
export function explainGbdt(model: GbdtModel, input: ArrayLike<number>): { baseValue: number; phi: Float64Array; raw: number } {
  // Target-encoded categoricals are split on as numbers: read the row as the trees do.
  const row = gbdtRow(model, input);
  const phi = new Float64Array(model.features.length);
  let base = model.baseScore;
  let raw = model.baseScore;
  let prepared = modelCache.get(model);
  if (!prepared || prepared.length !== model.trees.length) {
    prepared = model.trees.map(prepare);
    modelCache.set(model, prepared);
  }
  for (const sh of prepared) {
    base += sh.expected;
    raw += treeShap(sh, row, model.nCodes, phi);
  }
  return { baseValue: base, phi, raw };
}
