import { gather, sigmoid } from './dataset.ts';
import { foldIndices, logLoss, stratifiedKFold } from './metrics.ts';

/**
 * Calibration maps a raw logit s to a probability. Both maps are non-decreasing in s, so the
 * ranking of leads and the sign of every explanation survive calibration:
 * - Platt: p = σ(a·s + b). The calibrated logit is a·(base + Σφ) + b, so a·φ_j are the exact
 *   contributions on the calibrated logit scale. (a, b) get a Gaussian prior at the identity
 *   (a = 1, b = 0), so a handful of outcomes cannot swing the map.
 * - Isotonic: a non-decreasing step map (pool-adjacent-violators), linearly interpolated between
 *   the fitted points; contributions stay on the raw logit and p = iso(base + Σφ).
 */
export type Calibrator = { method: 'identity' } | { method: 'platt'; a: number; b: number } | { method: 'isotonic'; x: Float64Array; p: Float64Array };

export interface CalibrationOptions {
  method: 'auto' | 'platt' | 'isotonic' | 'none';
  /** Isotonic is considered only with at least this many scores and 50 of each class. */
  isotonicMinSamples: number;
  /**
   * Precision of Platt's prior at the identity map (default 100, the weight of a few hundred
   * scores): out-of-fold scores of a few dozen leads are too noisy to reshape the map.
   */
  plattPrecision: number;
  seed: number;
}

export const DEFAULT_CALIBRATION_OPTIONS: Readonly<CalibrationOptions> = Object.freeze({ method: 'auto', isotonicMinSamples: 1000, plattPrecision: 100, seed: 0 });

const P_MIN = 1e-4;

export function calibrate(c: Calibrator, s: number): number {
  switch (c.method) {
    case 'identity':
      return sigmoid(s);
    case 'platt':
      return sigmoid(c.a * s + c.b);
    case 'isotonic': {
      const { x, p } = c;
      const m = x.length;
      if (m === 0) return sigmoid(s);
      if (s <= x[0]!) return p[0]!;
      if (s >= x[m - 1]!) return p[m - 1]!;
      let lo = 0;
      let hi = m - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (x[mid]! <= s) lo = mid;
        else hi = mid;
      }
      const dx = x[hi]! - x[lo]!;
      return dx > 0 ? p[lo]! + ((p[hi]! - p[lo]!) * (s - x[lo]!)) / dx : p[hi]!;
    }
  }
}

export function fitPlatt(s: ArrayLike<number>, y: ArrayLike<number>, precision: number, w?: ArrayLike<number>): Calibrator {
  let a = 1;
  let b = 0;
  const n = s.length;
  const obj = (a: number, b: number) => {
    let v = 0.5 * precision * ((a - 1) ** 2 + b * b);
    for (let i = 0; i < n; i++) {
      const z = a * s[i]! + b;
      v += (w ? w[i]! : 1) * ((z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[i] ? z : 0));
    }
    return v;
  };
  let f = obj(a, b);
  for (let it = 0; it < 50; it++) {
    let ga = precision * (a - 1);
    let gb = precision * b;
    let haa = precision;
    let hab = 0;
    let hbb = precision;
    for (let i = 0; i < n; i++) {
      const wi = w ? w[i]! : 1;
      const p = sigmoid(a * s[i]! + b);
      const r = wi * (p - (y[i] ? 1 : 0));
      const h = wi * p * (1 - p);
      ga += r * s[i]!;
      gb += r;
      haa += h * s[i]! * s[i]!;
      hab += h * s[i]!;
      hbb += h;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let t = 1;
    let fa = a;
    let fb = b;
    let fn = f;
    for (let ls = 0; ls < 30; ls++, t /= 2) {
      fa = a - t * da;
      fb = b - t * db;
      fn = obj(fa, fb);
      if (fn <= f) break;
    }
    const moved = Math.abs(fa - a) + Math.abs(fb - b);
    a = fa;
    b = fb;
    f = fn;
    if (moved < 1e-10) break;
  }
  return { method: 'platt', a, b };
}

/** Pool-adjacent-violators on scores sorted ascending; ties in s are pooled first. */
export function fitIsotonic(s: ArrayLike<number>, y: ArrayLike<number>, w?: ArrayLike<number>): Calibrator {
  const n = s.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => s[i]! - s[j]!);
  const bx0: number[] = [];
  const bx1: number[] = [];
  const bw: number[] = [];
  const by: number[] = [];
  for (const i of order) {
    const wi = w ? w[i]! : 1;
    const yi = y[i] ? wi : 0;
    const si = s[i]!;
    if (bw.length > 0 && bx1[bx1.length - 1] === si) {
      bw[bw.length - 1]! += wi;
      by[by.length - 1]! += yi;
    } else {
      bx0.push(si);
      bx1.push(si);
      bw.push(wi);
      by.push(yi);
    }
    // Merge backwards while the block means decrease.
    while (bw.length > 1) {
      const k = bw.length - 1;
      if (by[k - 1]! / bw[k - 1]! < by[k]! / bw[k]!) break;
      bw[k - 1]! += bw[k]!;
      by[k - 1]! += by[k]!;
      bx1[k - 1] = bx1[k]!;
      bw.pop();
      by.pop();
      bx0.pop();
      bx1.pop();
    }
  }
  const x: number[] = [];
  const p: number[] = [];
  for (let k = 0; k < bw.length; k++) {
    const v = Math.min(1 - P_MIN, Math.max(P_MIN, bw[k]! > 0 ? by[k]! / bw[k]! : 0.5));
    x.push(bx0[k]!);
    p.push(v);
    if (bx1[k]! > bx0[k]!) {
      x.push(bx1[k]!);
      p.push(v);
    }
  }
  return { method: 'isotonic', x: Float64Array.from(x), p: Float64Array.from(p) };
}

export interface CalibrationChoice {
  calibrator: Calibrator;
  /** Cross-validated log loss of each candidate considered. */
  cvLogLoss: Partial<Record<'platt' | 'isotonic', number>>;
}

/** Fits a calibrator on out-of-fold raw scores, choosing Platt or isotonic by 5-fold CV log loss. */
export function fitCalibration(s: Float64Array, y: Uint8Array, options: Partial<CalibrationOptions> = {}, w?: Float64Array): CalibrationChoice {
  const o = { ...DEFAULT_CALIBRATION_OPTIONS, ...options };
  const n = s.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  if (o.method === 'none' || n === 0) return { calibrator: { method: 'identity' }, cvLogLoss: {} };
  if (o.method === 'platt') return { calibrator: fitPlatt(s, y, o.plattPrecision, w), cvLogLoss: {} };
  if (o.method === 'isotonic') return { calibrator: fitIsotonic(s, y, w), cvLogLoss: {} };
  const canIsotonic = n >= o.isotonicMinSamples && Math.min(pos, n - pos) >= 50;
  if (!canIsotonic) return { calibrator: fitPlatt(s, y, o.plattPrecision, w), cvLogLoss: {} };
  const fold = stratifiedKFold(y, 5, o.seed ^ 0xca1);
  const pp = new Float64Array(n);
  const pi = new Float64Array(n);
  for (let f = 0; f < 5; f++) {
    const { train, test } = foldIndices(fold, f);
    const st = gather(s, train);
    const yt = gather(y, train);
    const wt = w ? gather(w, train) : undefined;
    const platt = fitPlatt(st, yt, o.plattPrecision, wt);
    const iso = fitIsotonic(st, yt, wt);
    for (const i of test) {
      pp[i] = calibrate(platt, s[i]!);
      pi[i] = calibrate(iso, s[i]!);
    }
  }
  const cvLogLoss = { platt: logLoss(y, pp, w), isotonic: logLoss(y, pi, w) };
  const calibrator = cvLogLoss.isotonic < cvLogLoss.platt ? fitIsotonic(s, y, w) : fitPlatt(s, y, o.plattPrecision, w);
  return { calibrator, cvLogLoss };
}
