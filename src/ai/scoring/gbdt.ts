import { binColumn, fitBinMapper, MISSING_BIN, type BinMapper } from './binning.ts';
import { rowCount, sigmoid, validateDataset, type Dataset, type FeatureMatrix, type FeatureMeta } from './dataset.ts';
import { stratifiedKFold } from './metrics.ts';
import { crossFitted, encodingTable, levelCounts, levelOf } from './target-encoding.ts';

/**
 * Histogram gradient-boosted trees for binary log-loss (the LightGBM / HistGradientBoosting
 * recipe): quantile bins, Newton leaf values with L2, best-first growth up to `maxLeafNodes`,
 * histogram subtraction (only the smaller child is scanned), a learned direction for missing
 * values, native categorical splits, monotone constraints and early stopping on a held-out
 * stratified split. Deterministic: the only randomness is the seeded validation split.
 *
 * A categorical with more than `oneHotMaxLevels` levels (hundreds of campaign ids) is split on
 * as a number instead: its shrunken target statistics (target-encoding.ts), cross-fitted on the
 * training rows, the validation rows and new leads read through the training rows' table. A
 * native split on it would store a mask over every level in each node, and its level order
 * would be learned from a handful of leads per level.
 */
export interface GbdtOptions {
  learningRate: number;
  maxIterations: number;
  maxLeafNodes: number;
  /** 0 = unlimited. */
  maxDepth: number;
  minSamplesLeaf: number;
  minHessianLeaf: number;
  l2: number;
  maxBins: number;
  /**
   * 'auto': on from 50 rows (below that, at most 50 trees). Small validation sets are noisy,
   * but a noisy early stop errs towards fewer trees, which is what small data needs.
   */
  earlyStopping: 'auto' | boolean;
  validationFraction: number;
  nIterNoChange: number;
  tol: number;
  seed: number;
  /** Categories need this many rows in a node to be ordered on their own (else they go right). */
  minCategorySupport: number;
  /** Added to the hessian when ordering categories, so small categories are not ranked extreme. */
  categorySmoothing: number;
  /** At most this many categories on the left side of a categorical split. */
  maxCategoryThreshold: number;
  rareCategoryCount: number;
  /** Categoricals with more levels than this are split on as target statistics (see above). */
  oneHotMaxLevels: number;
}

export const DEFAULT_GBDT_OPTIONS: Readonly<GbdtOptions> = Object.freeze({
  learningRate: 0.05,
  maxIterations: 500,
  maxLeafNodes: 31,
  maxDepth: 0,
  minSamplesLeaf: 20,
  minHessianLeaf: 1e-3,
  l2: 1,
  maxBins: 255,
  earlyStopping: 'auto',
  validationFraction: 0.1,
  nIterNoChange: 20,
  tol: 1e-7,
  seed: 0,
  minCategorySupport: 10,
  categorySmoothing: 10,
  maxCategoryThreshold: 32,
  rareCategoryCount: 5,
  oneHotMaxLevels: 40,
});

/** One tree in flat arrays. Node 0 is the root; `feature[i] < 0` marks a leaf. */
export interface GbdtTree {
  feature: Int32Array;
  /** Numeric split: left when x <= threshold. */
  threshold: Float64Array;
  /** Where missing (NaN, or an out-of-range category code) goes. */
  missingLeft: Uint8Array;
  /** Categorical split: offset into `catMask` (indexed by code), -1 for numeric splits. */
  catOffset: Int32Array;
  catMask: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf values in logit units, shrinkage included. */
  value: Float64Array;
  /** Training weight reaching the node (TreeSHAP's path probabilities). */
  cover: Float64Array;
}

export interface GbdtModel {
  kind: 'gbdt';
  features: FeatureMeta[];
  baseScore: number;
  trees: GbdtTree[];
  /** Codes per categorical feature (mask length), 0 for numeric and target-encoded ones. */
  nCodes: Int32Array;
  /**
   * Per feature, the target encoding of a categorical the trees split on as a number (value of
   * each code, then of missing/unknown), else null. Absent when there is none.
   */
  encodings?: (Float64Array | null)[];
  info: { iterations: number; leaves: number; validationLoss: number | null; trainRows: number };
}

// ---- training ---------------------------------------------------------------------------

const HIST_STRIDE = 256 * 3; // per feature: (gradient, hessian, count) for 255 value bins + missing

interface Split {
  gain: number;
  feature: number;
  categorical: boolean;
  binThreshold: number;
  missingLeft: boolean;
  /** Categorical: bins (incl. MISSING_BIN) that go left. */
  catBins: Uint8Array | null;
  gl: number;
  hl: number;
  cl: number;
  wl: number;
  wr: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  g: number;
  h: number;
  c: number;
  depth: number;
  lower: number;
  upper: number;
  hist: Float64Array | null;
  split: Split | null;
}

interface TrainTree {
  feature: number[];
  binThreshold: number[];
  missingLeft: number[];
  catBins: (Uint8Array | null)[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
}

function leafValue(g: number, h: number, l2: number, lo: number, hi: number): number {
  const w = -g / (h + l2);
  return w < lo ? lo : w > hi ? hi : w;
}

/** Decrease of the second-order loss when the node takes value w (G²/2(H+λ) unconstrained). */
function nodeScore(g: number, h: number, l2: number, w: number): number {
  return -(g * w + 0.5 * (h + l2) * w * w);
}

class Grower {
  private readonly nf: number;
  private readonly histPool: Float64Array[] = [];
  private readonly ordG: Float64Array;
  private readonly ordH: Float64Array;
  private readonly scratch: Uint32Array;
  private readonly catScratch = { ids: new Int32Array(256), keys: new Float64Array(256) };

  constructor(
    private readonly binned: Uint8Array[],
    private readonly nBins: Int32Array,
    private readonly categorical: Uint8Array,
    private readonly monotone: Int8Array,
    private readonly o: GbdtOptions,
    private readonly weights: Float64Array | null,
    n: number,
  ) {
    this.nf = binned.length;
    this.ordG = new Float64Array(n);
    this.ordH = new Float64Array(n);
    this.scratch = new Uint32Array(n);
  }

  private takeHist(): Float64Array {
    return this.histPool.pop() ?? new Float64Array(this.nf * HIST_STRIDE);
  }

  private buildHist(hist: Float64Array, idx: Uint32Array, start: number, end: number, g: Float64Array, h: Float64Array): void {
    const m = end - start;
    const og = this.ordG;
    const oh = this.ordH;
    // Gather gradients in node order once, so the per-feature loops read them sequentially.
    for (let i = 0; i < m; i++) {
      const r = idx[start + i]!;
      og[i] = g[r]!;
      oh[i] = h[r]!;
    }
    hist.fill(0);
    const nf = this.nf;
    let f = 0;
    // Four features per pass over the rows: the row index and gradients are read once for four.
    for (; f + 4 <= nf; f += 4) {
      const b0 = this.binned[f]!;
      const b1 = this.binned[f + 1]!;
      const b2 = this.binned[f + 2]!;
      const b3 = this.binned[f + 3]!;
      const base0 = f * HIST_STRIDE;
      const base1 = base0 + HIST_STRIDE;
      const base2 = base1 + HIST_STRIDE;
      const base3 = base2 + HIST_STRIDE;
      for (let i = 0; i < m; i++) {
        const r = idx[start + i]!;
        const gi = og[i]!;
        const hi = oh[i]!;
        let o = base0 + b0[r]! * 3;
        hist[o]! += gi;
        hist[o + 1]! += hi;
        hist[o + 2]!++;
        o = base1 + b1[r]! * 3;
        hist[o]! += gi;
        hist[o + 1]! += hi;
        hist[o + 2]!++;
        o = base2 + b2[r]! * 3;
        hist[o]! += gi;
        hist[o + 1]! += hi;
        hist[o + 2]!++;
        o = base3 + b3[r]! * 3;
        hist[o]! += gi;
        hist[o + 1]! += hi;
        hist[o + 2]!++;
      }
    }
    for (; f < nf; f++) {
      const bins = this.binned[f]!;
      const base = f * HIST_STRIDE;
      for (let i = 0; i < m; i++) {
        const o = base + bins[idx[start + i]!]! * 3;
        hist[o]! += og[i]!;
        hist[o + 1]! += oh[i]!;
        hist[o + 2]!++;
      }
    }
  }

  private findSplit(leaf: Leaf): Split | null {
    const o = this.o;
    if (leaf.c < 2 * o.minSamplesLeaf || (o.maxDepth > 0 && leaf.depth >= o.maxDepth)) return null;
    const hist = leaf.hist!;
    const { g: G, h: H, c: C, lower, upper } = leaf;
    const l2 = o.l2;
    const parentScore = nodeScore(G, H, l2, leafValue(G, H, l2, lower, upper));
    const minLeaf = o.minSamplesLeaf;
    const minH = o.minHessianLeaf;
    let best: Split | null = null;
    let bestGain = 1e-10;
    for (let f = 0; f < this.nf; f++) {
      const base = f * HIST_STRIDE;
      const nb = this.nBins[f]!;
      const mo = MISSING_BIN * 3 + base;
      const gm = hist[mo]!;
      const hm = hist[mo + 1]!;
      const cm = hist[mo + 2]!;
      if (this.categorical[f]) {
        const s = this.findCategorical(hist, base, nb, leaf, parentScore);
        if (s && s.gain > bestGain) {
          bestGain = s.gain;
          s.feature = f;
          best = s;
        }
        continue;
      }
      const mono = this.monotone[f]!;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb; b++) {
        const q = base + b * 3;
        gl += hist[q]!;
        hl += hist[q + 1]!;
        cl += hist[q + 2]!;
        // Two candidates per threshold: missing right, then missing left.
        for (let dir = 0; dir < 2; dir++) {
          if (dir === 1 && cm === 0) break;
          if (b === nb - 1 && (dir === 1 || cm === 0)) break; // nothing would go right
          const GL = dir ? gl + gm : gl;
          const HL = dir ? hl + hm : hl;
          const CL = dir ? cl + cm : cl;
          const CR = C - CL;
          if (CL < minLeaf || CR < minLeaf) continue;
          const HR = H - HL;
          if (HL < minH || HR < minH) continue;
          const GR = G - GL;
          const wl = leafValue(GL, HL, l2, lower, upper);
          const wr = leafValue(GR, HR, l2, lower, upper);
          if (mono !== 0 && mono * (wr - wl) < 0) continue;
          const gain = nodeScore(GL, HL, l2, wl) + nodeScore(GR, HR, l2, wr) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, categorical: false, binThreshold: b, missingLeft: dir === 1, catBins: null, gl: GL, hl: HL, cl: CL, wl, wr };
          }
        }
      }
    }
    return best;
  }

  /** Categories ordered by gradient/hessian; the best prefix of that order goes left (Fisher 1958). */
  private findCategorical(hist: Float64Array, base: number, nb: number, leaf: Leaf, parentScore: number): Split | null {
    const o = this.o;
    const { ids, keys } = this.catScratch;
    let m = 0;
    const consider = (b: number) => {
      const q = base + b * 3;
      if (hist[q + 2]! >= o.minCategorySupport) {
        ids[m] = b;
        keys[m] = hist[q]! / (hist[q + 1]! + o.categorySmoothing);
        m++;
      }
    };
    for (let b = 0; b < nb; b++) consider(b);
    consider(MISSING_BIN);
    if (m === 0) return null;
    const order = Array.from(ids.subarray(0, m)).map((b, i) => ({ b, k: keys[i]! })).sort((a, b) => a.k - b.k || a.b - b.b);
    const { g: G, h: H, c: C, lower, upper } = leaf;
    const l2 = o.l2;
    let best: Split | null = null;
    const maxLeft = Math.min(o.maxCategoryThreshold, m);
    for (let dir = 0; dir < 2; dir++) {
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let t = 0; t < maxLeft; t++) {
        const b = order[dir === 0 ? t : m - 1 - t]!.b;
        const q = base + b * 3;
        gl += hist[q]!;
        hl += hist[q + 1]!;
        cl += hist[q + 2]!;
        const CR = C - cl;
        if (cl < o.minSamplesLeaf || CR < o.minSamplesLeaf) continue;
        const HR = H - hl;
        if (hl < o.minHessianLeaf || HR < o.minHessianLeaf) continue;
        const GR = G - gl;
        const wl = leafValue(gl, hl, l2, lower, upper);
        const wr = leafValue(GR, HR, l2, lower, upper);
        const gain = nodeScore(gl, hl, l2, wl) + nodeScore(GR, HR, l2, wr) - parentScore;
        if (gain > (best?.gain ?? 1e-10)) {
          const catBins = new Uint8Array(256);
          for (let u = 0; u <= t; u++) catBins[order[dir === 0 ? u : m - 1 - u]!.b] = 1;
          best = { gain, feature: -1, categorical: true, binThreshold: -1, missingLeft: catBins[MISSING_BIN] === 1, catBins, gl, hl, cl, wl, wr };
        }
      }
    }
    return best;
  }

  private sumWeights(idx: Uint32Array, start: number, end: number): number {
    const w = this.weights;
    if (!w) return end - start;
    let s = 0;
    for (let i = start; i < end; i++) s += w[idx[i]!]!;
    return s;
  }

  /** Grows one tree on gradients g, h; returns it and adds its leaf values to `raw`. */
  grow(idx: Uint32Array, g: Float64Array, h: Float64Array, raw: Float64Array): TrainTree {
    const o = this.o;
    const n = idx.length;
    for (let i = 0; i < n; i++) idx[i] = i;
    const tree: TrainTree = { feature: [], binThreshold: [], missingLeft: [], catBins: [], left: [], right: [], value: [], cover: [] };
    const newNode = (cover: number) => {
      tree.feature.push(-1);
      tree.binThreshold.push(0);
      tree.missingLeft.push(0);
      tree.catBins.push(null);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      tree.cover.push(cover);
      return tree.feature.length - 1;
    };
    let G = 0;
    let H = 0;
    for (let i = 0; i < n; i++) {
      G += g[i]!;
      H += h[i]!;
    }
    const root: Leaf = { node: newNode(this.sumWeights(idx, 0, n)), start: 0, end: n, g: G, h: H, c: n, depth: 0, lower: -Infinity, upper: Infinity, hist: this.takeHist(), split: null };
    this.buildHist(root.hist!, idx, 0, n, g, h);
    root.split = this.findSplit(root);
    const leaves: Leaf[] = [root];
    const done: Leaf[] = [];
    const release = (l: Leaf) => {
      if (l.hist) this.histPool.push(l.hist);
      l.hist = null;
    };
    while (leaves.length + done.length < o.maxLeafNodes) {
      let bi = -1;
      for (let i = 0; i < leaves.length; i++) if (leaves[i]!.split && (bi < 0 || leaves[i]!.split!.gain > leaves[bi]!.split!.gain)) bi = i;
      if (bi < 0) break;
      const p = leaves[bi]!;
      leaves.splice(bi, 1);
      const s = p.split!;
      const f = s.feature;
      const bins = this.binned[f]!;
      // Stable partition of the node's rows into left then right.
      let a = p.start;
      let r = 0;
      const sc = this.scratch;
      const pEnd = p.end;
      if (s.categorical) {
        const mask = s.catBins!;
        for (let i = p.start; i < pEnd; i++) {
          const row = idx[i]!;
          if (mask[bins[row]!] === 1) idx[a++] = row;
          else sc[r++] = row;
        }
      } else {
        // Missing is bin 255, above every value bin: one comparison routes it unless it goes left.
        const thr = s.binThreshold;
        const ml = s.missingLeft;
        for (let i = p.start; i < pEnd; i++) {
          const row = idx[i]!;
          const b = bins[row]!;
          if (b <= thr || (ml && b === MISSING_BIN)) idx[a++] = row;
          else sc[r++] = row;
        }
      }
      for (let i = 0; i < r; i++) idx[a + i] = sc[i]!;
      const mid = a;
      let lLo = p.lower;
      let lHi = p.upper;
      let rLo = p.lower;
      let rHi = p.upper;
      const mono = s.categorical ? 0 : this.monotone[f]!;
      if (mono !== 0) {
        // Children stay on their side of the midpoint, so every leaf below keeps the order.
        const midV = (s.wl + s.wr) / 2;
        if (mono > 0) {
          lHi = Math.min(lHi, midV);
          rLo = Math.max(rLo, midV);
        } else {
          lLo = Math.max(lLo, midV);
          rHi = Math.min(rHi, midV);
        }
      }
      const L: Leaf = { node: newNode(this.sumWeights(idx, p.start, mid)), start: p.start, end: mid, g: s.gl, h: s.hl, c: s.cl, depth: p.depth + 1, lower: lLo, upper: lHi, hist: null, split: null };
      const R: Leaf = { node: newNode(this.sumWeights(idx, mid, p.end)), start: mid, end: p.end, g: p.g - s.gl, h: p.h - s.hl, c: p.c - s.cl, depth: p.depth + 1, lower: rLo, upper: rHi, hist: null, split: null };
      tree.feature[p.node] = f;
      tree.binThreshold[p.node] = s.binThreshold;
      tree.missingLeft[p.node] = s.missingLeft ? 1 : 0;
      tree.catBins[p.node] = s.catBins;
      tree.left[p.node] = L.node;
      tree.right[p.node] = R.node;
      const canSplit = (l: Leaf) => l.c >= 2 * o.minSamplesLeaf && (o.maxDepth <= 0 || l.depth < o.maxDepth) && leaves.length + done.length + 2 < o.maxLeafNodes;
      const [small, large] = L.end - L.start <= R.end - R.start ? [L, R] : [R, L];
      if (canSplit(L) || canSplit(R)) {
        // Histogram subtraction: scan the smaller child, the larger one is parent − smaller.
        small.hist = this.takeHist();
        this.buildHist(small.hist, idx, small.start, small.end, g, h);
        const ph = p.hist!;
        const sh = small.hist;
        for (let i = 0; i < ph.length; i++) ph[i]! -= sh[i]!;
        large.hist = ph;
        p.hist = null;
        L.split = canSplit(L) ? this.findSplit(L) : null;
        R.split = canSplit(R) ? this.findSplit(R) : null;
      } else release(p);
      for (const c of [L, R]) {
        if (c.split) leaves.push(c);
        else {
          release(c);
          done.push(c);
        }
      }
    }
    for (const l of [...leaves, ...done]) {
      release(l);
      const v = o.learningRate * leafValue(l.g, l.h, o.l2, l.lower, l.upper);
      tree.value[l.node] = v;
      for (let i = l.start; i < l.end; i++) raw[idx[i]!]! += v;
    }
    return tree;
  }
}

function predictBinnedTree(t: TrainTree, binned: Uint8Array[], raw: Float64Array): void {
  for (let i = 0; i < raw.length; i++) {
    let node = 0;
    let f: number;
    while ((f = t.feature[node]!) >= 0) {
      const b = binned[f]![i]!;
      const cat = t.catBins[node];
      const goLeft = cat ? cat[b] === 1 : b === MISSING_BIN ? t.missingLeft[node] === 1 : b <= t.binThreshold[node]!;
      node = goLeft ? t.left[node]! : t.right[node]!;
    }
    raw[i]! += t.value[node]!;
  }
}

function meanLogLoss(y: Uint8Array, raw: Float64Array, w: Float64Array | null): number {
  let s = 0;
  let ws = 0;
  for (let i = 0; i < y.length; i++) {
    const z = raw[i]!;
    // log(1 + e^z) − y z, computed stably.
    const l = (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[i] ? z : 0);
    const wi = w ? w[i]! : 1;
    s += wi * l;
    ws += wi;
  }
  return s / ws;
}

function toRuntimeTree(t: TrainTree, mappers: BinMapper[]): GbdtTree {
  const m = t.feature.length;
  const tree: GbdtTree = {
    feature: Int32Array.from(t.feature),
    threshold: new Float64Array(m),
    missingLeft: Uint8Array.from(t.missingLeft),
    catOffset: new Int32Array(m).fill(-1),
    catMask: new Uint8Array(0),
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    value: Float64Array.from(t.value),
    cover: Float64Array.from(t.cover),
  };
  const masks: number[] = [];
  for (let i = 0; i < m; i++) {
    const f = t.feature[i]!;
    if (f < 0) continue;
    const mp = mappers[f]!;
    const cat = t.catBins[i];
    if (cat) {
      tree.catOffset[i] = masks.length;
      for (let c = 0; c < mp.codeToBin.length; c++) masks.push(cat[mp.codeToBin[c]!]!);
    } else {
      const b = t.binThreshold[i]!;
      // The last value bin has no upper edge: every finite value goes left.
      tree.threshold[i] = b < mp.edges.length ? mp.edges[b]! : Number.MAX_VALUE;
    }
  }
  tree.catMask = Uint8Array.from(masks);
  return tree;
}

export interface GbdtTrainInput {
  dataset: Dataset;
  /** Rows to train on (default: all). */
  rows?: ArrayLike<number>;
}

export function trainGbdt(input: GbdtTrainInput, options: Partial<GbdtOptions> = {}): GbdtModel {
  const o: GbdtOptions = { ...DEFAULT_GBDT_OPTIONS, ...options };
  const d = input.dataset;
  validateDataset(d);
  const all = input.rows ?? Int32Array.from({ length: d.y.length }, (_, i) => i);
  const features = d.features;
  const nf = features.length;

  const yAll = new Uint8Array(all.length);
  for (let i = 0; i < all.length; i++) yAll[i] = d.y[all[i]!]!;
  const es = o.earlyStopping === 'auto' ? all.length >= 50 : o.earlyStopping;
  const maxIterations = o.earlyStopping === 'auto' && !es ? Math.min(50, o.maxIterations) : o.maxIterations;
  let trainRows: Int32Array;
  let valRows: Int32Array | null = null;
  if (es) {
    const k = Math.max(2, Math.round(1 / o.validationFraction));
    const fold = stratifiedKFold(yAll, k, o.seed ^ 0x5eed);
    const tr: number[] = [];
    const va: number[] = [];
    for (let i = 0; i < all.length; i++) (fold[i] === 0 ? va : tr).push(all[i]!);
    trainRows = Int32Array.from(tr);
    valRows = Int32Array.from(va);
  } else trainRows = Int32Array.from(all);

  const n = trainRows.length;
  // High-cardinality categoricals become numbers: out-of-fold for the rows the trees learn from,
  // the training rows' table for the validation rows (as for any lead scored later).
  const encodings = features.map((f, j) => {
    if (f.kind !== 'categorical' || (f.categories?.length ?? 0) <= o.oneHotMaxLevels) return null;
    const k = f.categories!.length;
    const codes = d.columns[j]!;
    const table = encodingTable(levelCounts(codes, d.y, trainRows, k, d.weights), null, 0.5);
    const column = new Float64Array(d.y.length);
    for (let i = 0; i < all.length; i++) column[all[i]!] = table[levelOf(codes[all[i]!]!, k)]!;
    const fitted = crossFitted(codes, d.y, trainRows, k, null, 0.5, d.weights, o.seed);
    for (let i = 0; i < n; i++) column[trainRows[i]!] = fitted[i]!;
    return { table, column };
  });
  const columns = d.columns.map((c, j) => encodings[j]?.column ?? c);
  const binFeatures = features.map((f, j): FeatureMeta => (encodings[j] ? { name: f.name, kind: 'numeric', group: f.group } : f));
  const mappers = binFeatures.map((f, j) => fitBinMapper(f, columns[j]!, trainRows, { maxBins: o.maxBins, rareCategoryCount: o.rareCategoryCount, sampleRows: 200_000 }));
  const binned = mappers.map((m, j) => binColumn(m, columns[j]!, trainRows));
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = d.y[trainRows[i]!]!;
  const w = d.weights ? Float64Array.from(trainRows, (r) => d.weights![r]!) : null;

  let sw = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i]! : 1;
    sw += wi;
    sy += wi * y[i]!;
  }
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, sw > 0 ? sy / sw : 0.5));
  const baseScore = Math.log(rate / (1 - rate));

  const nBins = Int32Array.from(mappers, (m) => m.nBins);
  const categorical = Uint8Array.from(binFeatures, (f) => (f.kind === 'categorical' ? 1 : 0));
  const monotone = Int8Array.from(binFeatures, (f) => (f.kind === 'numeric' ? (f.monotone ?? 0) : 0));
  const grower = new Grower(binned, nBins, categorical, monotone, o, w, n);

  const raw = new Float64Array(n).fill(baseScore);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const idx = new Uint32Array(n);
  const trees: TrainTree[] = [];

  let valBinned: Uint8Array[] | null = null;
  let valRaw: Float64Array | null = null;
  let valY: Uint8Array | null = null;
  let valW: Float64Array | null = null;
  if (valRows) {
    valBinned = mappers.map((m, j) => binColumn(m, columns[j]!, valRows));
    valRaw = new Float64Array(valRows.length).fill(baseScore);
    valY = Uint8Array.from(valRows, (r) => d.y[r]!);
    valW = d.weights ? Float64Array.from(valRows, (r) => d.weights![r]!) : null;
  }
  let bestLoss = valRaw ? meanLogLoss(valY!, valRaw, valW) : Infinity;
  let bestIter = 0;

  for (let it = 0; it < maxIterations && nf > 0; it++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(raw[i]!);
      const wi = w ? w[i]! : 1;
      g[i] = wi * (p - y[i]!);
      h[i] = wi * Math.max(p * (1 - p), 1e-16);
    }
    const t = grower.grow(idx, g, h, raw);
    if (t.feature.length === 1) break; // no split improves the loss: later trees would be the same
    trees.push(t);
    if (valRaw) {
      predictBinnedTree(t, valBinned!, valRaw);
      const loss = meanLogLoss(valY!, valRaw, valW);
      if (loss < bestLoss - o.tol) {
        bestLoss = loss;
        bestIter = trees.length;
      } else if (trees.length - bestIter >= o.nIterNoChange) break;
    } else bestIter = trees.length;
  }
  const kept = trees.slice(0, bestIter);
  return {
    kind: 'gbdt',
    features,
    baseScore,
    trees: kept.map((t) => toRuntimeTree(t, mappers)),
    nCodes: Int32Array.from(binFeatures, (f) => (f.kind === 'categorical' ? (f.categories?.length ?? 0) : 0)),
    info: { iterations: kept.length, leaves: kept.reduce((s, t) => s + t.feature.filter((f) => f < 0).length, 0), validationLoss: valRaw ? bestLoss : null, trainRows: all.length },
    ...(encodings.some((e) => e) ? { encodings: encodings.map((e) => e?.table ?? null) } : {}),
  };
}

/** A feature column as the trees read it: target-encoded categoricals mapped to their numbers. */
export function gbdtColumn(model: GbdtModel, j: number, column: Float64Array): Float64Array {
  const enc = model.encodings?.[j];
  if (!enc) return column;
  const k = enc.length - 1;
  const out = new Float64Array(column.length);
  for (let i = 0; i < column.length; i++) out[i] = enc[levelOf(column[i]!, k)]!;
  return out;
}

/** One row as the trees read it (see gbdtColumn). */
export function gbdtRow(model: GbdtModel, row: ArrayLike<number>): ArrayLike<number> {
  if (!model.encodings) return row;
  return Array.from(row, (v, j) => {
    const enc = model.encodings![j];
    return enc ? enc[levelOf(v, enc.length - 1)]! : v;
  });
}

// ---- prediction -------------------------------------------------------------------------

/**
 * The runtime split rule: numeric thresholds, category masks, missing direction. Prediction
 * and TreeSHAP inline it in their loops; test/ai-tree-shap.test.ts's reference walks it.
 */
export function goesLeft(t: GbdtTree, node: number, x: number, nCodes: number): boolean {
  const off = t.catOffset[node]!;
  if (off >= 0) return x >= 0 && x < nCodes && x === Math.floor(x) ? t.catMask[off + x] === 1 : t.missingLeft[node] === 1;
  return x !== x ? t.missingLeft[node] === 1 : x <= t.threshold[node]!;
}

/**
 * A tree laid out for prediction: children side by side (right = left + 1) so that a numeric
 * step is arithmetic, not a branch the CPU must guess: node = left + goRight.
 */
interface FlatTree {
  feature: Int32Array;
  threshold: Float64Array;
  /** 1 when missing goes right. */
  missingRight: Int32Array;
  /** -1 numeric; else offset into the tree's catMask. */
  catOffset: Int32Array;
  catMask: Uint8Array;
  left: Int32Array;
  value: Float64Array;
}

const flatCache = new WeakMap<GbdtTree, FlatTree>();

function flatten(t: GbdtTree): FlatTree {
  const cached = flatCache.get(t);
  if (cached) return cached;
  const m = t.feature.length;
  const f: FlatTree = {
    feature: new Int32Array(m),
    threshold: new Float64Array(m),
    missingRight: new Int32Array(m),
    catOffset: new Int32Array(m),
    catMask: t.catMask,
    left: new Int32Array(m),
    value: new Float64Array(m),
  };
  // Breadth-first relabelling: each node's two children get consecutive ids.
  const queue = [0];
  const id = new Int32Array(m).fill(-1);
  id[0] = 0;
  let next = 1;
  for (let q = 0; q < queue.length; q++) {
    const old = queue[q]!;
    const k = id[old]!;
    f.feature[k] = t.feature[old]!;
    f.threshold[k] = t.threshold[old]!;
    f.missingRight[k] = t.missingLeft[old] ? 0 : 1;
    f.catOffset[k] = t.catOffset[old]!;
    f.value[k] = t.value[old]!;
    if (t.feature[old]! >= 0) {
      id[t.left[old]!] = next;
      id[t.right[old]!] = next + 1;
      f.left[k] = next;
      next += 2;
      queue.push(t.left[old]!, t.right[old]!);
    }
  }
  flatCache.set(t, f);
  return f;
}

/** Raw logits of all rows (base score + Σ trees). */
export function predictGbdtRaw(model: GbdtModel, x: FeatureMatrix): Float64Array {
  const n = rowCount(x);
  const out = new Float64Array(n).fill(model.baseScore);
  const cols = model.encodings ? x.columns.map((c, j) => gbdtColumn(model, j, c)) : x.columns;
  const nCodes = model.nCodes;
  const flat = model.trees.map(flatten);
  // Rows in blocks, every tree per block: the block's feature values stay in cache instead of
  // streaming all columns from memory once per tree.
  const BLOCK = 2048;
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const b1 = Math.min(n, b0 + BLOCK);
    for (const t of flat) {
      const { feature, threshold, missingRight, catOffset, catMask, left, value } = t;
      for (let i = b0; i < b1; i++) {
        let node = 0;
        let f: number;
        while ((f = feature[node]!) >= 0) {
          const v = cols[f]![i]!;
          const off = catOffset[node]!;
          if (off < 0) {
            // NaN fails the comparison: it goes left only where the missing direction says so.
            node = left[node]! + (v <= threshold[node]! || (v !== v && missingRight[node] === 0) ? 0 : 1);
          } else {
            const k = nCodes[f]!;
            const l = v >= 0 && v < k && v === Math.floor(v) ? catMask[off + v] === 1 : missingRight[node] === 0;
            node = left[node]! + (l ? 0 : 1);
          }
        }
        out[i]! += value[node]!;
      }
    }
  }
  return out;
}
