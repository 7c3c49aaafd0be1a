import { describe, expect, it } from 'vitest';
import {
  brierScore,
  calibrate,
  explainLead,
  fitCalibration,
  fitIsotonic,
  fitPlatt,
  gbdtWeightCap,
  predictScores,
  scoreWithConfidence,
  scoringModelFromJson,
  scoringModelToJson,
  sigmoid,
  trainScoringModel,
  type Dataset,
  type FeatureMeta,
  type LogisticPrior,
} from '../src/ai/scoring/index.ts';
import { createRng } from '../src/ai/scoring/random.ts';

const features: FeatureMeta[] = [
  { name: 'visits', kind: 'numeric', group: 'behavioral' },
  { name: 'source', kind: 'categorical', group: 'demographic', categories: ['web', 'event', 'referral'] },
  { name: 'days_idle', kind: 'numeric', group: 'temporal' },
  { name: 'sentiment', kind: 'numeric', group: 'conversational' },
];
const prior: LogisticPrior = { intercept: -1.5, numeric: { visits: { slope: 0.3, center: 3 }, days_idle: { slope: -0.02, center: 10 } }, categorical: { source: { referral: 0.8 } } };

/** Leads whose true model differs from the prior (sentiment matters, the prior ignores it). */
function leads(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const cols = features.map(() => new Float64Array(n));
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = [Math.floor(rng() * 8), Math.floor(rng() * 3), rng() * 30, rng() < 0.3 ? Number.NaN : rng() * 2 - 1];
    x.forEach((v, j) => (cols[j]![i] = v));
    const z = -1.2 + 0.4 * x[0]! + (x[1] === 2 ? 0.5 : 0) - 0.03 * x[2]! + (Number.isNaN(x[3]!) ? 0 : 1.2 * x[3]!);
    y[i] = rng() < sigmoid(z) ? 1 : 0;
  }
  return { features, columns: cols, y };
}

const head = (d: Dataset, n: number): Dataset => ({ features: d.features, columns: d.columns.map((c) => c.slice(0, n)), y: d.y.slice(0, n) });

function xorLeads(n: number, seed: number): Dataset {
  const rng = createRng(seed);
  const f: FeatureMeta[] = [
    { name: 'a', kind: 'numeric', group: 'behavioral' },
    { name: 'b', kind: 'numeric', group: 'temporal' },
    { name: 'c', kind: 'categorical', group: 'demographic', categories: ['x', 'y', 'z'] },
  ];
  const cols = f.map(() => new Float64Array(n));
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng() * 2 - 1;
    const b = rng() * 2 - 1;
    cols[0]![i] = a;
    cols[1]![i] = rng() < 0.1 ? Number.NaN : b;
    cols[2]![i] = Math.floor(rng() * 3);
    y[i] = (a * b > 0) !== rng() < 0.15 ? 1 : 0;
  }
  return { features: f, columns: cols, y };
}

describe('scoring model: prior, blend and hand-over', () => {
  it('starts as the prior and moves smoothly as outcomes arrive', () => {
    const pool = leads(120, 1);
    const grid = leads(50, 2);
    const empty = trainScoringModel(head(pool, 0), { prior });
    const p0 = predictScores(empty, grid).probability;
    // Without outcomes the score is the prior's probability.
    for (let i = 0; i < 50; i++) {
      const z = -1.5 + 0.3 * (grid.columns[0]![i]! - 3) - 0.02 * (grid.columns[2]![i]! - 10) + (grid.columns[1]![i] === 2 ? 0.8 : 0);
      expect(p0[i]).toBeCloseTo(sigmoid(z), 9);
    }
    let prev = p0;
    let maxStep = 0;
    for (let n = 1; n <= 120; n++) {
      const p = predictScores(trainScoringModel(head(pool, n), { prior, seed: 3 }), grid).probability;
      for (let i = 0; i < 50; i++) maxStep = Math.max(maxStep, Math.abs(p[i]! - prev[i]!));
      prev = p;
    }
    // One more outcome never moves any lead's probability by more than 10 points.
    expect(maxStep).toBeLessThan(0.1);
    const late = trainScoringModel(leads(1000, 4), { prior });
    expect(late.info.priorShare).toBeLessThan(trainScoringModel(head(pool, 30), { prior }).info.priorShare);
  });

  it('gives trees weight through a smooth ramp in the outcome count', () => {
    expect(gbdtWeightCap(25)).toBe(0);
    expect(gbdtWeightCap(250)).toBe(1);
    let prev = 0;
    for (let m = 0; m <= 300; m++) {
      const c = gbdtWeightCap(m);
      expect(c).toBeGreaterThanOrEqual(prev);
      expect(c - prev).toBeLessThan(0.01);
      prev = c;
    }
    expect(Math.abs(gbdtWeightCap(31) - gbdtWeightCap(29))).toBeLessThan(0.002);
  });

  it('picks the trees where the data is non-linear and the cap allows', () => {
    const big = trainScoringModel(xorLeads(1500, 5), { seed: 1 });
    expect(big.info.gbdtCap).toBe(1);
    expect(big.blendWeight).toBeGreaterThan(0.6);
    expect(big.info.cv.blend!.auc).toBeGreaterThan(big.info.cv.logistic!.auc + 0.2);
    const small = trainScoringModel(xorLeads(200, 6), { seed: 1 });
    expect(small.blendWeight).toBeLessThanOrEqual(small.info.gbdtCap);
    expect(small.info.gbdtCap).toBeLessThan(0.5);
  });

  it('explains each score exactly, by feature and by group', () => {
    for (const model of [trainScoringModel(leads(800, 7), { prior, seed: 2 }), trainScoringModel(xorLeads(1500, 8), { seed: 2 })]) {
      const x = model.features === features ? leads(30, 9) : xorLeads(30, 9);
      const s = predictScores(model, x);
      for (let i = 0; i < 30; i++) {
        const e = explainLead(model, x.columns.map((c) => c[i]!));
        const sum = e.contributions.reduce((a, c) => a + c.value, 0);
        expect(Math.abs(e.baseValue + sum - s.raw[i]!)).toBeLessThan(1e-9);
        expect(e.probability).toBeCloseTo(s.probability[i]!, 12);
        const groupSum = Object.values(e.groups).reduce((a, b) => a + b, 0);
        expect(groupSum).toBeCloseTo(sum, 12);
        expect(e.confidence).toBeGreaterThanOrEqual(0);
        expect(e.confidence).toBeLessThanOrEqual(1);
      }
    }
  });

  it('reports a per-lead confidence that grows with data', () => {
    const x = leads(200, 10);
    const few = scoreWithConfidence(trainScoringModel(leads(25, 11), { prior }), x).confidence;
    const many = scoreWithConfidence(trainScoringModel(leads(3000, 12), { prior }), x).confidence;
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(few)).toBeLessThan(mean(many));
    for (const c of [few, many]) {
      expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...c)).toBeLessThanOrEqual(1);
      expect(Math.max(...c) - Math.min(...c)).toBeGreaterThan(1e-3);
    }
  });

  it('round-trips through plain JSON with identical predictions, and trains deterministically', () => {
    const d = xorLeads(1200, 13);
    const model = trainScoringModel(d, { seed: 4 });
    expect(model.gbdt).not.toBeNull();
    const text = JSON.stringify(scoringModelToJson(model));
    const back = scoringModelFromJson(JSON.parse(text));
    const x = xorLeads(300, 14);
    expect(predictScores(back, x)).toEqual(predictScores(model, x));
    expect(scoreWithConfidence(back, x)).toEqual(scoreWithConfidence(model, x));
    const row = x.columns.map((c) => c[0]!);
    expect(explainLead(back, row)).toEqual(explainLead(model, row));
    expect(JSON.stringify(scoringModelToJson(trainScoringModel(d, { seed: 4 })))).toBe(text);
    expect(() => scoringModelFromJson({ format: 'something-else' })).toThrow();
    expect(() => scoringModelFromJson({ ...JSON.parse(text), formatVersion: 99 })).toThrow();
  });
});

describe('calibration', () => {
  // Scores that are too extreme and shifted: logit = 2.5·truth + 1.
  function miscalibrated(n: number, seed: number) {
    const rng = createRng(seed);
    const s = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const t = (rng() + rng() + rng() - 1.5) * 3;
      y[i] = rng() < sigmoid(t) ? 1 : 0;
      s[i] = 2.5 * t + 1;
    }
    return { s, y };
  }

  it('improves the Brier score of miscalibrated scores (Platt, isotonic, auto)', () => {
    const fit = miscalibrated(4000, 1);
    const test = miscalibrated(4000, 2);
    const raw = brierScore(test.y, Float64Array.from(test.s, sigmoid));
    for (const c of [fitPlatt(fit.s, fit.y, 10), fitIsotonic(fit.s, fit.y), fitCalibration(fit.s, fit.y).calibrator]) {
      const b = brierScore(test.y, Float64Array.from(test.s, (v) => calibrate(c, v)));
      expect(b).toBeLessThan(raw - 0.005);
    }
    const platt = fitPlatt(fit.s, fit.y, 10);
    if (platt.method !== 'platt') throw new Error('expected Platt');
    expect(platt.a).toBeCloseTo(0.4, 1);
    expect(platt.b).toBeCloseTo(-0.4, 1);
  });

  it('keeps isotonic monotone and Platt near the identity with little data', () => {
    const fit = miscalibrated(2000, 3);
    const iso = fitIsotonic(fit.s, fit.y);
    let prev = -1;
    for (let v = -10; v <= 10; v += 0.05) {
      const p = calibrate(iso, v);
      expect(p).toBeGreaterThanOrEqual(prev);
      prev = p;
    }
    const tiny = fitPlatt(Float64Array.of(1, -1, 2), Uint8Array.of(0, 1, 0), 10);
    if (tiny.method !== 'platt') throw new Error('expected Platt');
    expect(Math.abs(tiny.a - 1)).toBeLessThan(0.5);
    // Too few scores for isotonic: auto falls back to Platt.
    expect(fitCalibration(fit.s.slice(0, 300), fit.y.slice(0, 300)).calibrator.method).toBe('platt');
  });
});
