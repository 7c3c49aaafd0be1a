import { logit, sigmoid } from './dataset.ts';
import { createRng } from './random.ts';

/**
 * Shrunken target statistics for a high-cardinality category (hundreds of campaign ids or
 * landing pages, most seen a handful of times): each level becomes one number, its win rate
 * pulled towards a target rate as far as its count warrants, in log-odds relative to the base
 * rate. One-hot columns for every such level would make the logistic model's dense Hessian and
 * covariance (p × p) too large; pooling the rare levels into "(other)" throws their signal away.
 *
 * Empirical Bayes: the level rates are taken as Beta-distributed around the target with the
 * between-level variance τ² estimated from the data (method of moments), so the pull is
 *   r̂ = (wins + m·target) / (n + m),   m = p₀(1 − p₀)/τ² − 1
 * i.e. a level with n ≫ m keeps its own rate, one with n ≪ m stays near the target.
 *
 * The values a model is trained on must not have seen the row's own outcome (a level seen
 * twice would otherwise "predict" its own wins): `crossFitted` gives each training row the
 * value computed without its inner fold; `encodingTable` over every training row is what new
 * leads are scored with.
 */
export const TARGET_ENCODING_FOLDS = 5;
/** Bounds of the pseudo-count m: never fully trusting one lead, never ignoring thousands. */
const MIN_PSEUDO_COUNT = 1;
const MAX_PSEUDO_COUNT = 10_000;

export interface LevelCounts {
  /** Weighted rows per level; index k (the last) is missing or unknown. */
  n: Float64Array;
  wins: Float64Array;
}

export function levelCounts(codes: ArrayLike<number>, y: ArrayLike<number>, rows: ArrayLike<number>, k: number, weights?: ArrayLike<number>): LevelCounts {
  const n = new Float64Array(k + 1);
  const wins = new Float64Array(k + 1);
  for (let t = 0; t < rows.length; t++) {
    const r = rows[t]!;
    const level = levelOf(codes[r]!, k);
    const w = weights ? weights[r]! : 1;
    n[level]! += w;
    wins[level]! += w * y[r]!;
  }
  return { n, wins };
}

/** The table index of a code: its level, or k for missing and out-of-range codes. */
export function levelOf(v: number, k: number): number {
  return v >= 0 && v < k && v === Math.floor(v) ? v : k;
}

/**
 * The encoded value of every level (length k + 1, log-odds relative to the base rate).
 * `offsets` (optional, per level, log-odds) move a level's target away from the base rate:
 * the cold-start prior's view of that level, so with no data the encoding *is* the prior.
 * `fallbackRate` is the base rate when there are no rows at all.
 */
export function encodingTable(c: LevelCounts, offsets: Float64Array | null, fallbackRate: number): Float64Array {
  const k1 = c.n.length;
  let total = 0;
  let wins = 0;
  for (let l = 0; l < k1; l++) {
    total += c.n[l]!;
    wins += c.wins[l]!;
  }
  // The base rate, itself shrunk a little so that all-won or all-lost training sets stay finite.
  const p0 = total > 0 ? (wins + fallbackRate) / (total + 1) : fallbackRate;
  const v0 = p0 * (1 - p0);
  // τ²: the spread of the level rates beyond what their counts explain by chance alone.
  let between = 0;
  let levels = 0;
  for (let l = 0; l < k1; l++) {
    const nl = c.n[l]!;
    if (!(nl > 0)) continue;
    levels++;
    between += nl * (c.wins[l]! / nl - p0) ** 2;
  }
  const tau2 = total > 0 ? (between - (levels - 1) * v0) / total : 0;
  const m = tau2 > 0 ? Math.min(MAX_PSEUDO_COUNT, Math.max(MIN_PSEUDO_COUNT, v0 / tau2 - 1)) : MAX_PSEUDO_COUNT;
  const base = logit(p0);
  const out = new Float64Array(k1);
  for (let l = 0; l < k1; l++) {
    const target = offsets ? sigmoid(base + offsets[l]!) : p0;
    const r = (c.wins[l]! + m * target) / (c.n[l]! + m);
    out[l] = logit(r) - base;
  }
  return out;
}

/** The inner fold of each of n positions: a seeded shuffle dealt round-robin, so folds differ in size by one at most. */
export function innerFolds(n: number, folds: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed ^ 0x7a26e7);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const fold = new Int32Array(n);
  for (let i = 0; i < n; i++) fold[order[i]!] = i % folds;
  return fold;
}

/**
 * The encoded value of each of `rows` (in order) from a table fitted without the row's inner
 * fold. Folds are assigned by a seeded shuffle of the rows' positions, so the result depends
 * only on the rows and the seed.
 */
export function crossFitted(codes: ArrayLike<number>, y: ArrayLike<number>, rows: ArrayLike<number>, k: number, offsets: Float64Array | null, fallbackRate: number, weights?: ArrayLike<number>, seed = 0): Float64Array {
  const n = rows.length;
  const out = new Float64Array(n);
  const folds = Math.min(TARGET_ENCODING_FOLDS, n);
  if (folds < 2) {
    out.fill(0);
    if (n === 1) out[0] = encodingTable(levelCounts(codes, y, [], k, weights), offsets, fallbackRate)[levelOf(codes[rows[0]!]!, k)]!;
    return out;
  }
  const fold = innerFolds(n, folds, seed);
  const all = levelCounts(codes, y, rows, k, weights);
  for (let f = 0; f < folds; f++) {
    // Every row minus the fold's rows: the counts the fold's rows may see.
    const seen: LevelCounts = { n: Float64Array.from(all.n), wins: Float64Array.from(all.wins) };
    for (let t = 0; t < n; t++) {
      if (fold[t] !== f) continue;
      const r = rows[t]!;
      const level = levelOf(codes[r]!, k);
      const w = weights ? weights[r]! : 1;
      seen.n[level]! -= w;
      seen.wins[level]! -= w * y[r]!;
    }
    const table = encodingTable(seen, offsets, fallbackRate);
    for (let t = 0; t < n; t++) if (fold[t] === f) out[t] = table[levelOf(codes[rows[t]!]!, k)]!;
  }
  return out;
}

/**
 * Level effects given the rest of a model: each level's shift u of the log-odds on top of the
 * other features' part `offset` (per position of `rows`), as a random effect,
 *   u_l = argmax Σ_{i in l} w_i·log-likelihood(y_i | offset_i + u) − (u − δ_l)² / 2τ²,
 * with the between-level variance τ² estimated from the data (empirical Bayes, EM below).
 * This is what one-hot columns of every level with an L2
 * penalty estimate, without their p × p cost; unlike the raw win rates above it does not count
 * again what the other features already explain. As with crossFitted, each training row gets
 * the effect estimated without its inner fold, and the table is estimated from every row (τ²,
 * one number for all levels, comes from every row). The logistic model uses these; the raw
 * win rates above are its first pass and what the trees split on.
 */
export function conditionalEffects(codes: ArrayLike<number>, y: ArrayLike<number>, rows: ArrayLike<number>, k: number, offset: Float64Array, offsets: Float64Array | null, weights?: ArrayLike<number>, seed = 0): { table: Float64Array; fitted: Float64Array } {
  const n = rows.length;
  const level = new Int32Array(n);
  const w = new Float64Array(n);
  const yy = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    level[t] = levelOf(codes[rows[t]!]!, k);
    w[t] = weights ? weights[rows[t]!]! : 1;
    yy[t] = y[rows[t]!]!;
  }
  const delta = offsets ?? new Float64Array(k + 1);
  const folds = Math.min(TARGET_ENCODING_FOLDS, n);
  const fold = folds >= 2 ? innerFolds(n, folds, seed) : new Int32Array(n);
  const score = new Float64Array(k + 1);
  const info = new Float64Array(k + 1);
  /** One Newton step per level at effects u (the levels do not interact given the offset), over the rows outside fold `skip` (-1: all); returns the largest step. */
  const step = (u: Float64Array, tau2: number, skip: number): number => {
    score.fill(0);
    info.fill(0);
    for (let t = 0; t < n; t++) {
      if (fold[t] === skip) continue;
      const l = level[t]!;
      const q = sigmoid(offset[t]! + u[l]!);
      score[l]! += w[t]! * (yy[t]! - q);
      info[l]! += w[t]! * q * (1 - q);
    }
    let moved = 0;
    for (let l = 0; l <= k; l++) {
      // Bounded: a level of a few leads all won must not overshoot on the first step.
      const d = Math.max(-2, Math.min(2, (score[l]! - (u[l]! - delta[l]!) / tau2) / (info[l]! + 1 / tau2)));
      u[l]! += d;
      moved = Math.max(moved, Math.abs(d));
    }
    return moved;
  };
  // τ² by EM on the Laplace approximation, one Newton step per round (warm-started):
  // τ² = mean over the levels seen of (u − δ)² + 1/(I + 1/τ²). (A moment estimate weighted by
  // the information was ruled by the few largest levels and shrank the effects three times too much.)
  const seen = new Uint8Array(k + 1);
  for (let t = 0; t < n; t++) seen[level[t]!] = 1;
  let levels = 0;
  for (let l = 0; l <= k; l++) levels += seen[l]!;
  let tau2 = 1;
  const table = Float64Array.from(delta);
  for (let em = 0; em < 50 && levels > 0; em++) {
    step(table, tau2, -1);
    let s2 = 0;
    for (let l = 0; l <= k; l++) if (seen[l]) s2 += (table[l]! - delta[l]!) ** 2 + 1 / (info[l]! + 1 / tau2);
    const next = Math.min(10, Math.max(1e-4, s2 / levels));
    const done = Math.abs(next - tau2) < 1e-3 * tau2;
    tau2 = next;
    if (done) break;
  }
  for (let it = 0; it < 5 && step(table, tau2, -1) > 1e-6; it++);
  const fitted = new Float64Array(n);
  if (folds < 2) {
    for (let t = 0; t < n; t++) fitted[t] = delta[level[t]!]!;
    return { table, fitted };
  }
  for (let f = 0; f < folds; f++) {
    // From the full table: leaving a fifth of the rows out moves the effects a little.
    const u = Float64Array.from(table);
    for (let it = 0; it < 4 && step(u, tau2, f) > 1e-6; it++);
    for (let t = 0; t < n; t++) if (fold[t] === f) fitted[t] = u[level[t]!]!;
  }
  return { table, fitted };
}
