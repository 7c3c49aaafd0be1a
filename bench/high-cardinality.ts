/**
 * A generated lead set whose strongest column is a high-cardinality category (hundreds of
 * campaign ids with Zipf-like frequencies, most seen a handful of times), with a known truth,
 * and the plain regularised logistic regression LeadAI must not lose to. Used by
 * bench/scoring-model.bench.ts and test/ai-scoring-high-cardinality.test.ts.
 *
 * The plain model is written here on purpose, not taken from src/ai: it is the yardstick
 * (scikit-learn's LogisticRegression(C = 1) on one-hot of every level and standardised
 * numerics), so a change to LeadAI's logistic model cannot move it.
 */
import { encodeLeads, learnEncodedSpace } from '../src/ai/features/feature-space.ts';
import { priorFor } from '../src/ai/features/prior.ts';
import type { LeadSignals } from '../src/ai/features/signals.ts';
import { gather, scatter, sigmoid, type Dataset, type FeatureMeta } from '../src/ai/scoring/dataset.ts';
import { foldIndices, logLoss, rocAuc, stratifiedKFold } from '../src/ai/scoring/metrics.ts';
import { predictScores, trainScoringModel } from '../src/ai/scoring/model.ts';
import { createRng } from '../src/ai/scoring/random.ts';

export interface HighCardinalityOptions {
  n: number;
  levels: number;
  /** Zipf exponent of the level frequencies. */
  zipf: number;
  /** Standard deviation of the level effects (logit units). */
  levelSd: number;
  seed: number;
}

export interface HighCardinalitySet {
  /** Every level of the campaign column as a category, plus the ordinary columns. */
  dataset: Dataset;
  /** The same leads as the product sees them: campaign, and the ordinary columns as custom fields. */
  leads: LeadSignals[];
  /** The true conversion probability of each lead. */
  truth: Float64Array;
}

const AS_OF = new Date('2026-06-01T00:00:00Z');

function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** An empty lead: only what the generator sets varies. */
export function blankLead(over: Partial<LeadSignals> = {}): LeadSignals {
  return {
    asOf: AS_OF, createdAt: new Date('2026-05-01T00:00:00Z'), jobTitle: null, email: null, phone: null, company: null, country: null, source: null, campaign: null,
    customFields: {}, nextFollowUpAt: null,
    journey: { pageViews: 0, pageViewsRecent: 0, pricingViews: 0, pricingViewsRecent: 0, demoViews: 0, contactViews: 0, formSubmits: 0, demoRequests: 0, emailOpens: 0, emailClicks: 0, sessions: 0, lastAt: null },
    activities: { calls: 0, emails: 0, meetings: 0, other: 0, lastAt: null, buyingSignals: 0, sentiment: null },
    conversations: { inbound: 0, outbound: 0, replies: 0, replyHours: null, firstInboundAt: null, lastAt: null, analysed: 0, sentiment: null, sentimentTrend: null, positive: 0, negative: 0, intents: {}, buyingSignals: 0 },
    ...over,
  };
}

/**
 * logit P(won) = −1.6 + u[campaign] + 0.5·visits − 0.4·(days idle)/10 + plan effect, with
 * u ~ N(0, levelSd²) per campaign: the campaign is the strongest column.
 */
export function highCardinalityLeads(o: HighCardinalityOptions): HighCardinalitySet {
  const rng = createRng(o.seed);
  const weights = Float64Array.from({ length: o.levels }, (_, l) => 1 / (l + 1) ** o.zipf);
  const cum = new Float64Array(o.levels);
  let total = 0;
  for (let l = 0; l < o.levels; l++) cum[l] = total += weights[l]!;
  const effect = Float64Array.from({ length: o.levels }, () => o.levelSd * gaussian(rng));
  const plans = ['free', 'team', 'business', 'enterprise'];
  const planEffect = [-0.4, 0, 0.3, 0.6];
  const campaign = new Float64Array(o.n);
  const visits = new Float64Array(o.n);
  const idle = new Float64Array(o.n);
  const plan = new Float64Array(o.n);
  const y = new Uint8Array(o.n);
  const truth = new Float64Array(o.n);
  const leads: LeadSignals[] = [];
  for (let i = 0; i < o.n; i++) {
    const u = rng() * total;
    let lo = 0;
    let hi = o.levels - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! >= u) hi = mid;
      else lo = mid + 1;
    }
    campaign[i] = lo;
    visits[i] = gaussian(rng);
    idle[i] = Math.floor(rng() * 60);
    plan[i] = Math.floor(rng() * plans.length);
    const z = -1.6 + effect[lo]! + 0.5 * visits[i]! - 0.04 * idle[i]! + planEffect[plan[i]!]!;
    truth[i] = sigmoid(z);
    y[i] = rng() < truth[i]! ? 1 : 0;
    leads.push(blankLead({ campaign: `cmp-${lo}`, customFields: { visits: visits[i]!, days_idle: idle[i]!, plan: plans[plan[i]!]! } }));
  }
  const features: FeatureMeta[] = [
    { name: 'campaign', kind: 'categorical', group: 'demographic', categories: Array.from({ length: o.levels }, (_, l) => `cmp-${l}`) },
    { name: 'visits', kind: 'numeric', group: 'behavioral' },
    { name: 'days_idle', kind: 'numeric', group: 'temporal' },
    { name: 'plan', kind: 'categorical', group: 'demographic', categories: plans },
  ];
  return { dataset: { features, columns: [campaign, visits, idle, plan], y }, leads, truth };
}

/**
 * L2-regularised logistic regression (penalty ½‖w‖², intercept free; scikit-learn's C = 1) on
 * one-hot of every categorical level seen in training and standardised numerics (missing →
 * the mean), fitted by Newton's method on the dense Hessian. Returns a scorer for any rows.
 */
export function fitPlainLogistic(d: Dataset, rows: ArrayLike<number>, c = 1): (x: { columns: Float64Array[] }, i: number) => number {
  const fs = d.features;
  const off: number[] = [];
  const mean: number[] = [];
  const sd: number[] = [];
  let p = 1;
  fs.forEach((f, j) => {
    off.push(p);
    const col = d.columns[j]!;
    if (f.kind === 'numeric') {
      let s = 0;
      let ss = 0;
      let m = 0;
      for (let k = 0; k < rows.length; k++) {
        const v = col[rows[k]!]!;
        if (v !== v) continue;
        s += v;
        ss += v * v;
        m++;
      }
      const mu = m ? s / m : 0;
      mean.push(mu);
      sd.push(Math.sqrt(Math.max(1e-12, m ? ss / m - mu * mu : 1)));
      p += 1;
    } else {
      mean.push(0);
      sd.push(1);
      p += f.categories!.length;
    }
  });
  const a = fs.length;
  // Active design columns of a row: one per feature (a level outside the training levels adds nothing).
  const encode = (x: { columns: Float64Array[] }, i: number, cols: Int32Array, vals: Float64Array) => {
    fs.forEach((f, j) => {
      const v = x.columns[j]![i]!;
      if (f.kind === 'numeric') {
        cols[j] = off[j]!;
        vals[j] = v === v ? (v - mean[j]!) / sd[j]! : 0;
      } else {
        cols[j] = v === v ? off[j]! + v : 0;
        vals[j] = v === v ? 1 : 0;
      }
    });
  };
  const n = rows.length;
  const cols = new Int32Array(n * a);
  const vals = new Float64Array(n * a);
  for (let k = 0; k < n; k++) encode(d, rows[k]!, cols.subarray(k * a), vals.subarray(k * a));
  const lam = 1 / c;
  const w = new Float64Array(p);
  const z = new Float64Array(n);
  const loss = (b: Float64Array) => {
    let s = 0;
    for (let k = 1; k < p; k++) s += 0.5 * lam * b[k]! ** 2;
    for (let k = 0; k < n; k++) {
      let e = b[0]!;
      for (let u = 0; u < a; u++) e += b[cols[k * a + u]!]! * vals[k * a + u]!;
      z[k] = e;
      s += (e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e))) - d.y[rows[k]!]! * e;
    }
    return s;
  };
  let obj = loss(w);
  for (let it = 0; it < 50; it++) {
    const g = new Float64Array(p);
    const h = new Float64Array(p * p);
    for (let k = 1; k < p; k++) {
      g[k] = lam * w[k]!;
      h[k * p + k] = lam;
    }
    h[0] = 1e-10;
    for (let k = 0; k < n; k++) {
      const q = sigmoid(z[k]!);
      const r = q - d.y[rows[k]!]!;
      const hw = q * (1 - q);
      g[0]! += r;
      h[0]! += hw;
      for (let u = 0; u < a; u++) {
        const cu = cols[k * a + u]!;
        const vu = vals[k * a + u]!;
        g[cu]! += r * vu;
        h[cu]! += hw * vu;
        h[cu * p]! += hw * vu;
        for (let t = 0; t < a; t++) h[cu * p + cols[k * a + t]!]! += hw * vu * vals[k * a + t]!;
      }
    }
    const step = solve(h, g, p);
    let dec = 0;
    for (let k = 0; k < p; k++) dec += g[k]! * step[k]!;
    if (dec / 2 < 1e-10 * n) break;
    let t = 1;
    const trial = new Float64Array(p);
    for (let ls = 0; ls < 30; ls++, t /= 2) {
      for (let k = 0; k < p; k++) trial[k] = w[k]! - t * step[k]!;
      if (loss(trial) <= obj - 1e-4 * t * dec) break;
    }
    w.set(trial);
    // Also refreshes z, which the next Hessian reads.
    obj = loss(w);
  }
  const c1 = new Int32Array(a);
  const v1 = new Float64Array(a);
  return (x, i) => {
    encode(x, i, c1, v1);
    let e = w[0]!;
    for (let u = 0; u < a; u++) e += w[c1[u]!]! * v1[u]!;
    return e;
  };
}

/** Cholesky solve of the symmetric positive definite system h·x = g (h is overwritten). */
function solve(h: Float64Array, g: Float64Array, p: number): Float64Array {
  for (let j = 0; j < p; j++) {
    let dd = h[j * p + j]!;
    for (let k = 0; k < j; k++) dd -= h[j * p + k]! ** 2;
    const l = Math.sqrt(Math.max(dd, 1e-300));
    h[j * p + j] = l;
    for (let i = j + 1; i < p; i++) {
      let s = h[i * p + j]!;
      for (let k = 0; k < j; k++) s -= h[i * p + k]! * h[j * p + k]!;
      h[i * p + j] = s / l;
    }
  }
  const x = Float64Array.from(g);
  for (let i = 0; i < p; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= h[i * p + k]! * x[k]!;
    x[i] = s / h[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < p; k++) s -= h[k * p + i]! * x[k]!;
    x[i] = s / h[i * p + i]!;
  }
  return x;
}

export interface HighCardinalityResult {
  /** Held-out metrics, means over the folds. */
  leadai: { auc: number; logLoss: number };
  plain: { auc: number; logLoss: number };
  truth: { auc: number; logLoss: number };
  /** Levels of the campaign column LeadAI's feature space kept (mean over folds). */
  levelsKept: number;
  /** LeadAI's training time summed over the folds, seconds. */
  leadaiSeconds: number;
}

/**
 * K-fold cross-validation of LeadAI as the product trains (feature space learned from the
 * training leads, the scoring model: blend and calibration; with or without the cold-start
 * prior) against the plain one-hot logistic regression on every level, on the same folds.
 */
export function compareOnHighCardinality(set: HighCardinalitySet, folds: number, seed: number, options: { prior: boolean }): HighCardinalityResult {
  const { dataset: d, leads } = set;
  const n = d.y.length;
  const fold = stratifiedKFold(d.y, folds, seed);
  const pLeadai = new Float64Array(n);
  const pPlain = new Float64Array(n);
  let kept = 0;
  let seconds = 0;
  for (let f = 0; f < folds; f++) {
    const { train, test } = foldIndices(fold, f);
    const t0 = performance.now();
    const { space, encoded } = learnEncodedSpace(Array.from(train, (i) => leads[i]!));
    const y = Uint8Array.from(train, (i) => d.y[i]!);
    const model = trainScoringModel({ columns: encoded.columns, features: encoded.features.map((x) => ({ ...x })), y }, { ...(options.prior ? { prior: priorFor(space) } : {}), seed: f });
    seconds += (performance.now() - t0) / 1000;
    kept += (space.features.find((x) => x.name === 'campaign')!.categories!.length - 1) / folds;
    const scored = predictScores(model, { columns: encodeLeads(space, Array.from(test, (i) => leads[i]!)).columns }).probability;
    scatter(pLeadai, test, scored);
    const plain = fitPlainLogistic(d, train);
    for (const i of test) pPlain[i] = sigmoid(plain(d, i));
  }
  // Means over the held-out folds (as scikit-learn's cross_val_score reports them).
  const m = (p: Float64Array) => {
    let auc = 0;
    let loss = 0;
    for (let f = 0; f < folds; f++) {
      const { test } = foldIndices(fold, f);
      const y = gather(d.y, test);
      const q = gather(p, test);
      auc += rocAuc(y, q) / folds;
      loss += logLoss(y, q) / folds;
    }
    return { auc, logLoss: loss };
  };
  return { leadai: m(pLeadai), plain: m(pPlain), truth: m(set.truth), levelsKept: kept, leadaiSeconds: seconds };
}
