/**
 * How long a won deal takes from creation to win, learned from the organization's own deals.
 *
 * Estimator: a weighted Kaplan–Meier curve over EVENTUAL WINNERS. A won deal is an event at
 * its cycle time (weight 1). A deal still open is right-censored at its age, entering with
 * weight p = its probability of being won in the end: it is an eventual winner with that
 * probability and we only know its cycle is longer than its age. A lost deal never wins and
 * says nothing about how long wins take (weight 0). Why not a plain KM of wins: in a growing
 * organization the long-cycle winners of recent cohorts are still open, so wins alone
 * understate cycle times; why not a parametric fit: won-deal cycle times are often bimodal
 * (quick inbound deals, slow enterprise ones), which KM keeps and a log-normal would smooth
 * away. Beyond the last observed win the curve has an exponential tail (constant hazard),
 * so a deal older than every won deal still gets a finite, sensible remaining time.
 *
 * Curves are kept as probability mass per whole day (day d = cycle in [d, d + 1)) plus the
 * tail mass, so groups mix by adding masses (pooling) and sampling is a binary search.
 */
export interface CycleCurve {
  /** Probability that a winner's cycle falls in day d (d = 0 … mass.length − 1). */
  mass: Float64Array;
  /** Cumulative mass: cdf[d] = mass[0] + … + mass[d]. */
  cdf: Float64Array;
  /** Probability of a cycle beyond mass.length days (exponential tail). */
  tail: number;
  /** Mean of the tail's excess over mass.length days. */
  tailMean: number;
  /** Effective number of wins behind the curve (the pooling weight). */
  n: number;
}

export interface CycleObservation {
  /** Won: days from creation to win. Open: the deal's age (censored). */
  days: number;
  won: boolean;
  /** Open deals: the probability that the deal is eventually won (default 1 for wins). */
  weight?: number;
}

/** Keeps every conditional distribution defined: even an old deal has some way to close. */
const MIN_TAIL = 1e-6;
const MIN_TAIL_MEAN = 7;
/** A group with this many wins counts half its own curve, half its parent's. */
export const POOLING_STRENGTH = 30;

function finish(mass: Float64Array, tail: number, tailMean: number, n: number): CycleCurve {
  const cdf = new Float64Array(mass.length);
  let s = 0;
  for (let d = 0; d < mass.length; d++) cdf[d] = s += mass[d]!;
  return { mass, cdf, tail, tailMean, n };
}

/** A curve with no data of its own: half the winners within `medianDays`, exponential (used when an organization has no win yet). */
export function defaultCurve(medianDays = 45): CycleCurve {
  const mean = medianDays / Math.LN2;
  const days = Math.ceil(mean * 6);
  const mass = new Float64Array(days);
  for (let d = 0; d < days; d++) mass[d] = Math.exp(-d / mean) - Math.exp(-(d + 1) / mean);
  return finish(mass, Math.exp(-days / mean), mean, 0);
}

export function kaplanMeier(observations: readonly CycleObservation[]): CycleCurve {
  const obs = observations
    .filter((o) => Number.isFinite(o.days) && (o.won || (o.weight ?? 0) > 0))
    .map((o) => ({ t: Math.max(0, o.days), won: o.won, w: o.won ? 1 : Math.min(1, o.weight ?? 0) }))
    .sort((a, b) => a.t - b.t || Number(b.won) - Number(a.won));
  const wins = obs.filter((o) => o.won);
  if (wins.length === 0) return defaultCurve();
  let atRisk = obs.reduce((s, o) => s + o.w, 0);
  const lastWin = wins[wins.length - 1]!.t;
  const mass = new Float64Array(Math.floor(lastWin) + 1);
  let survival = 1;
  for (let i = 0; i < obs.length;) {
    // Ties: every win at this time leaves together, before the censored deals of the same time.
    const t = obs[i]!.t;
    let events = 0;
    let leaving = 0;
    for (; i < obs.length && obs[i]!.t === t; i++) {
      if (obs[i]!.won) events += obs[i]!.w;
      leaving += obs[i]!.w;
    }
    if (events > 0 && atRisk > 0) {
      const drop = survival * (events / atRisk);
      mass[Math.floor(t)]! += drop;
      survival -= drop;
    }
    atRisk -= leaving;
  }
  // The tail: what the censored deals leave beyond the last win, with the mean excess that
  // the observed winners show beyond their own 75th percentile (a constant-hazard guess).
  const tail = Math.max(MIN_TAIL, survival);
  const sorted = wins.map((w) => w.t);
  const q75 = sorted[Math.floor(0.75 * (sorted.length - 1))]!;
  const beyond = sorted.filter((t) => t > q75);
  const tailMean = Math.max(MIN_TAIL_MEAN, beyond.length > 0 ? beyond.reduce((s, t) => s + t - q75, 0) / beyond.length : lastWin / 4);
  const total = 1 - survival + tail;
  for (let d = 0; d < mass.length; d++) mass[d]! /= total;
  return finish(mass, tail / total, tailMean, wins.length);
}

/**
 * Partial pooling: a group's own curve weighted n / (n + POOLING_STRENGTH), its parent's for
 * the rest. A source with 5 wins mostly follows the organization; one with 500 keeps its own.
 */
export function pooled(own: CycleCurve, parent: CycleCurve, strength = POOLING_STRENGTH): CycleCurve {
  const w = own.n / (own.n + strength);
  const length = Math.max(own.mass.length, parent.mass.length);
  const mass = new Float64Array(length);
  // The shorter curve's tail spreads over the longer's extra days as its exponential would.
  const spread = (c: CycleCurve, weight: number) => {
    for (let d = 0; d < length; d++) {
      if (d < c.mass.length) mass[d]! += weight * c.mass[d]!;
      else mass[d]! += weight * c.tail * (Math.exp(-(d - c.mass.length) / c.tailMean) - Math.exp(-(d + 1 - c.mass.length) / c.tailMean));
    }
    return weight * c.tail * Math.exp(-(length - c.mass.length) / c.tailMean);
  };
  const tail = spread(own, w) + spread(parent, 1 - w);
  const tailMean = w * own.tailMean + (1 - w) * parent.tailMean;
  return finish(mass, Math.max(MIN_TAIL, tail), tailMean, own.n);
}

/** Mass of the curve below cycle time t (linear within a day). */
function cumulative(curve: CycleCurve, t: number): number {
  if (t <= 0) return 0;
  const D = curve.mass.length;
  if (t >= D) return curve.cdf[D - 1]! + curve.tail * (1 - Math.exp(-(t - D) / curve.tailMean));
  const d = Math.floor(t);
  return (d > 0 ? curve.cdf[d - 1]! : 0) + curve.mass[d]! * (t - d);
}

/**
 * The conditional distribution of the remaining time of an open deal of age `age` (days),
 * given that it will be won: P(remaining in [from, to)).
 */
export function closeProbability(curve: CycleCurve, age: number, from: number, to: number): number {
  const left = 1 - cumulative(curve, age);
  if (left <= 0) return 0;
  return Math.max(0, cumulative(curve, age + to) - cumulative(curve, age + from)) / left;
}

/** Draws the remaining days of an open deal of age `age` that will be won; `u` uniform in [0, 1). */
export function sampleRemaining(curve: CycleCurve, age: number, u: number, v: number): number {
  const below = cumulative(curve, age);
  const target = below + u * (1 - below);
  const D = curve.mass.length;
  const inBody = curve.cdf[D - 1]!;
  if (target >= inBody) {
    // In the tail: memoryless beyond the body's end.
    const start = Math.max(age, D);
    return start - age - curve.tailMean * Math.log(1 - v);
  }
  // The first day whose cumulative mass reaches the target, then linearly within it.
  let lo = Math.floor(Math.min(age, D - 1));
  let hi = D - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (curve.cdf[mid]! >= target) hi = mid;
    else lo = mid + 1;
  }
  const before = lo > 0 ? curve.cdf[lo - 1]! : 0;
  const within = curve.mass[lo]! > 0 ? (target - before) / curve.mass[lo]! : 0;
  return Math.max(0, lo + within - age);
}

/** Mean cycle of winners under the curve (days). */
export function meanCycle(curve: CycleCurve): number {
  let m = 0;
  for (let d = 0; d < curve.mass.length; d++) m += curve.mass[d]! * (d + 0.5);
  return m + curve.tail * (curve.mass.length + curve.tailMean);
}

/** The cycle time below which a share q of winners close (days). */
export function cycleQuantile(curve: CycleCurve, q: number): number {
  const D = curve.mass.length;
  if (q >= curve.cdf[D - 1]!) return D + curve.tailMean * -Math.log(Math.max(1e-12, 1 - (q - curve.cdf[D - 1]!) / curve.tail));
  let d = 0;
  while (curve.cdf[d]! < q) d++;
  return d + 1;
}

/**
 * Curves for a hierarchy of groups: the organization, then each group key (e.g. a source),
 * then finer keys (source and team), each pooled toward its parent. `keys(o)` gives an
 * observation's keys from coarse to fine.
 */
export function groupCurves<T extends CycleObservation>(observations: readonly T[], keys: (o: T) => readonly string[]): { overall: CycleCurve; curveFor: (keys: readonly string[]) => CycleCurve } {
  const overall = kaplanMeier(observations);
  const byKey = new Map<string, T[]>();
  for (const o of observations) {
    const ks = keys(o);
    for (let i = 0; i < ks.length; i++) {
      const path = ks.slice(0, i + 1).join('\u0000');
      let list = byKey.get(path);
      if (!list) byKey.set(path, (list = []));
      list.push(o);
    }
  }
  const cache = new Map<string, CycleCurve>();
  const curveFor = (ks: readonly string[]): CycleCurve => {
    if (ks.length === 0) return overall;
    const path = ks.join('\u0000');
    const hit = cache.get(path);
    if (hit) return hit;
    const parent = curveFor(ks.slice(0, -1));
    const own = byKey.get(path);
    const curve = own && own.some((o) => o.won) ? pooled(kaplanMeier(own), parent) : parent;
    cache.set(path, curve);
    return curve;
  };
  return { overall, curveFor };
}
