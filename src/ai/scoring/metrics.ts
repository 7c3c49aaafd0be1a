import { createRng, shuffleInPlace } from './random.ts';

/**
 * Evaluation metrics for binary outcomes. All take probabilities (not logits) except `rocAuc`,
 * which only needs an ordering and so accepts either.
 */

/** Area under the ROC curve; tied scores count one half (the Mann–Whitney statistic). NaN if one class is absent. */
export function rocAuc(y: ArrayLike<number>, score: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const n = y.length;
  if (!weights) return unweightedAuc(y, score);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  let pos = 0;
  let neg = 0;
  let area = 0;
  // Walk tie groups in increasing score: each positive beats the negatives seen before it and
  // draws with the negatives in its own group.
  let negBelow = 0;
  for (let s = 0; s < n; ) {
    let e = s;
    let gPos = 0;
    let gNeg = 0;
    while (e < n && score[order[e]!] === score[order[s]!]) {
      const i = order[e]!;
      const w = weights ? weights[i]! : 1;
      if (y[i]) gPos += w;
      else gNeg += w;
      e++;
    }
    area += gPos * (negBelow + gNeg / 2);
    negBelow += gNeg;
    pos += gPos;
    neg += gNeg;
    s = e;
  }
  return pos > 0 && neg > 0 ? area / (pos * neg) : Number.NaN;
}

/**
 * The same walk over tie groups without weights, from the positives' and the negatives'
 * scores each sorted as a typed array (numeric, no comparator): an index sort with a
 * comparator cost ~50 ms per 100,000 scores, and training computes dozens of AUCs (the
 * leakage guard's one per feature, the out-of-fold metrics). NaN scores sort last in
 * both arrays and never tie with anything, as with the comparator.
 */
function unweightedAuc(y: ArrayLike<number>, score: ArrayLike<number>): number {
  const n = y.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (y[i]) nPos++;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(n - nPos);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (y[i]) pos[a++] = score[i]!;
    else neg[b++] = score[i]!;
  }
  if (pos.length === 0 || neg.length === 0) return Number.NaN;
  pos.sort();
  neg.sort();
  let area = 0;
  let negBelow = 0;
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const pHead = i < pos.length ? pos[i]! : Number.NaN;
    const nHead = j < neg.length ? neg[j]! : Number.NaN;
    const v = pHead !== pHead ? nHead : nHead !== nHead ? pHead : Math.min(pHead, nHead);
    let gPos = 0;
    let gNeg = 0;
    if (v !== v) {
      // NaN: each one is its own group (NaN equals nothing), after every number.
      if (i < pos.length) { i++; gPos = 1; } else { j++; gNeg = 1; }
    } else {
      while (i < pos.length && pos[i] === v) { i++; gPos++; }
      while (j < neg.length && neg[j] === v) { j++; gNeg++; }
    }
    area += gPos * (negBelow + gNeg / 2);
    negBelow += gNeg;
  }
  return area / (pos.length * neg.length);
}

const EPS = 1e-15;

/** Mean negative log-likelihood (natural log); probabilities are clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let s = 0;
  let wsum = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - EPS, Math.max(EPS, p[i]!));
    const w = weights ? weights[i]! : 1;
    s -= w * (y[i] ? Math.log(q) : Math.log(1 - q));
    wsum += w;
  }
  return wsum > 0 ? s / wsum : Number.NaN;
}

/** Mean squared error of the probability. */
export function brierScore(y: ArrayLike<number>, p: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let s = 0;
  let wsum = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weights ? weights[i]! : 1;
    const d = p[i]! - (y[i] ? 1 : 0);
    s += w * d * d;
    wsum += w;
  }
  return wsum > 0 ? s / wsum : Number.NaN;
}

export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Reliability table: `bins` equal-width probability bins (empty bins have count 0 and NaN means). */
export function calibrationTable(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)));
    count[b]!++;
    sumP[b]! += p[i]!;
    sumY[b]! += y[i] ? 1 : 0;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: count[b]!,
    meanPredicted: count[b]! > 0 ? sumP[b]! / count[b]! : Number.NaN,
    observedRate: count[b]! > 0 ? sumY[b]! / count[b]! : Number.NaN,
  }));
}

export interface Metrics {
  n: number;
  positives: number;
  auc: number;
  logLoss: number;
  brier: number;
}

export function evaluate(y: ArrayLike<number>, p: ArrayLike<number>, weights?: ArrayLike<number>): Metrics {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] ? 1 : 0;
  return { n: y.length, positives, auc: rocAuc(y, p, weights), logLoss: logLoss(y, p, weights), brier: brierScore(y, p, weights) };
}

/**
 * Stratified k-fold assignment: returns the fold (0..k-1) of every row. Each class is shuffled
 * with the seed and dealt round-robin, so every fold holds the class ratio to within one row.
 */
export function stratifiedKFold(y: ArrayLike<number>, k: number, seed: number): Int32Array {
  const n = y.length;
  const fold = new Int32Array(n);
  const rng = createRng(seed);
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < n; i++) (y[i] ? pos : neg).push(i);
  shuffleInPlace(pos, rng);
  shuffleInPlace(neg, rng);
  // Negatives continue the round-robin where positives stopped, which keeps fold sizes even.
  let c = 0;
  for (const i of pos) fold[i] = c++ % k;
  for (const i of neg) fold[i] = c++ % k;
  return fold;
}

/** Row indices of the training and held-out parts of fold `f`. */
export function foldIndices(fold: Int32Array, f: number): { train: Int32Array; test: Int32Array } {
  let nt = 0;
  for (let i = 0; i < fold.length; i++) if (fold[i] === f) nt++;
  const train = new Int32Array(fold.length - nt);
  const test = new Int32Array(nt);
  let a = 0;
  let b = 0;
  for (let i = 0; i < fold.length; i++) {
    if (fold[i] === f) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}
