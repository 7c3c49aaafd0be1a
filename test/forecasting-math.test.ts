import { describe, expect, it } from 'vitest';
import { coverage, mape, mase, seasonalNaive } from '../src/ai/forecasting/accuracy.ts';
import { rollingOrigin } from '../src/ai/forecasting/backtest.ts';
import { nelderMead } from '../src/ai/forecasting/nelder-mead.ts';
import { calibratedWidth, forecastSeries } from '../src/ai/forecasting/series.ts';
import { createNormal, normalQuantile, quantileSorted } from '../src/ai/forecasting/stats.ts';

const PATTERN = [5, 3, 8, 12, 15, 11, 7, 4, 6, 9, 13, 10];

describe('accuracy measures', () => {
  it('computes MASE, MAPE, coverage and seasonal naive by their definitions', () => {
    const insample = [1, 2, 3, 5, 8];
    // In-sample naive MAE = (1 + 1 + 2 + 3) / 4 = 1.75; forecast MAE = (1 + 3) / 2 = 2.
    expect(mase([10, 20], [9, 23], insample, 1)).toBeCloseTo(2 / 1.75, 12);
    // Lag 2: |3−1| + |5−2| + |8−3| = 10 over 3.
    expect(mase([10, 20], [9, 23], insample, 2)).toBeCloseTo(2 / (10 / 3), 12);
    expect(mape([100, 200, 0], [110, 150, 5])).toBeCloseTo((10 + 25) / 2, 12);
    expect(coverage([1, 2, 3, 4], [0, 2.5, 3, 0], [2, 3, 3, 3.9])).toBe(0.5);
    expect(seasonalNaive([1, 2, 3, 4, 5], 2, 5)).toEqual([4, 5, 4, 5, 4]);
    expect(seasonalNaive([1, 2, 3], 1, 2)).toEqual([3, 3]);
    expect(() => mase([1], [1, 2], insample, 1)).toThrow(/lengths differ/);
  });

  it('minimises the Rosenbrock valley with Nelder–Mead', () => {
    const r = nelderMead(([x, y]) => (1 - x!) ** 2 + 100 * (y! - x! * x!) ** 2, [-1.2, 1], { maxEvaluations: 4000, tolerance: 1e-14 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
  });
});

describe('forecastSeries', () => {
  it('continues a pure linear trend on the line with a tight interval', () => {
    const line = Array.from({ length: 40 }, (_, t) => 100 + 2.5 * t);
    const f = forecastSeries(line, { frequency: 'monthly', horizon: 6, seed: 1 });
    expect(f.model).toMatch(/^ETS\(A,A,N\)/);
    f.points.forEach((p, h) => {
      const expected = 100 + 2.5 * (40 + h);
      expect(p.mean).toBeCloseTo(expected, 4);
      expect(p.median).toBeCloseTo(expected, 4);
      expect(p.upper - p.lower).toBeLessThan(1e-3);
    });
  });

  it('repeats a pure seasonal pattern', () => {
    const values = Array.from({ length: 48 }, (_, t) => 100 + PATTERN[t % 12]!);
    const f = forecastSeries(values, { frequency: 'monthly', horizon: 12, seed: 1 });
    expect(f.model).toMatch(/,A\) m=12/);
    f.points.forEach((p, h) => expect(p.median).toBeCloseTo(100 + PATTERN[(48 + h) % 12]!, 3));
  });

  it("gives 80 % intervals that hold about 80 % of white noise's future", () => {
    let inside = 0;
    let total = 0;
    for (let s = 0; s < 200; s++) {
      const z = createNormal(1000 + s);
      const all = Array.from({ length: 72 }, () => 3 * z());
      const f = forecastSeries(all.slice(0, 60), { frequency: 'weekly', horizon: 12, seed: s, paths: 400 });
      f.points.forEach((p, h) => {
        total++;
        if (all[60 + h]! >= p.lower && all[60 + h]! <= p.upper) inside++;
      });
    }
    expect(total).toBe(2400);
    expect(inside / total).toBeGreaterThanOrEqual(0.75);
    expect(inside / total).toBeLessThanOrEqual(0.85);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const z = createNormal(7);
    const values = Array.from({ length: 36 }, (_, t) => 50 + t + 5 * z());
    const a = forecastSeries(values, { frequency: 'monthly', horizon: 4, seed: 42, paths: 50 });
    const b = forecastSeries(values, { frequency: 'monthly', horizon: 4, seed: 42, paths: 50 });
    const c = forecastSeries(values, { frequency: 'monthly', horizon: 4, seed: 43, paths: 50 });
    expect(b).toEqual(a);
    expect(c.paths).not.toEqual(a.paths);
    expect(a.paths).toHaveLength(50);
    expect(a.paths[0]).toHaveLength(4);
  });

  it('picks a seasonal model by AICc on a seasonal series and a non-seasonal one on noise', () => {
    const z = createNormal(11);
    const seasonalSeries = Array.from({ length: 60 }, (_, t) => 200 + 3 * PATTERN[t % 12]! + 2 * z());
    const noise = Array.from({ length: 60 }, () => 200 + 10 * z());
    const s = forecastSeries(seasonalSeries, { frequency: 'monthly', horizon: 12, seed: 1, paths: 100 });
    const n = forecastSeries(noise, { frequency: 'monthly', horizon: 12, seed: 1, paths: 100 });
    expect(s.candidates[0]!.model).toMatch(/,A\) m=12/);
    expect(n.candidates[0]!.model).toMatch(/,N\)/);
    // The log scale is tried only where the seasonal swing grows with the level.
    expect(s.candidates.some((c) => c.model.endsWith('on log scale'))).toBe(false);
    const growing = Array.from({ length: 60 }, (_, t) => 100 * 1.03 ** t * (1 + 0.04 * PATTERN[t % 12]!) * (1 + 0.01 * z()));
    const g = forecastSeries(growing, { frequency: 'monthly', horizon: 12, seed: 1, paths: 100 });
    expect(g.candidates.some((c) => c.model.endsWith('on log scale'))).toBe(true);
    expect(g.candidates[0]!.model).toMatch(/,A\) m=12 on log scale$/);
    // Candidates are ordered by the criterion, lower first.
    for (const f of [s, n]) for (let i = 1; i < f.candidates.length; i++) expect(f.candidates[i]!.score).toBeGreaterThanOrEqual(f.candidates[i - 1]!.score);
  });

  it('clamps paths at zero for counts and money when asked', () => {
    const z = createNormal(3);
    const values = Array.from({ length: 30 }, () => Math.max(0, 1 + 2 * z()));
    const free = forecastSeries(values, { frequency: 'weekly', horizon: 8, seed: 5 });
    const clamped = forecastSeries(values, { frequency: 'weekly', horizon: 8, seed: 5, nonNegative: true });
    expect(free.paths.flat().some((v) => v < 0)).toBe(true);
    expect(clamped.paths.flat().every((v) => v >= 0)).toBe(true);
    clamped.points.forEach((p) => {
      expect(p.lower).toBeGreaterThanOrEqual(0);
      expect(p.mean).toBeGreaterThan(0);
    });
  });

  it('refuses what it cannot forecast', () => {
    expect(() => forecastSeries([1, 2], { frequency: 'monthly', horizon: 3 })).toThrow(/at least 3/);
    expect(() => forecastSeries([1, 2, 3, 4], { frequency: 'monthly', horizon: 0 })).toThrow(/horizon/);
    expect(() => forecastSeries([1, 2, Number.NaN, 4], { frequency: 'monthly', horizon: 2 })).toThrow(/value 3/);
  });
});

describe('calibratedWidth (the check-origin interval calibration)', () => {
  // Scores as the check makes them: |error| ÷ the 80 % interval's half-width of a model that
  // believes in σ = 1, for errors whose true sd is k: the right width factor is k.
  const scores = (k: number, n: number, seed: number) => {
    const z = createNormal(seed);
    const reach = normalQuantile(0.9);
    return Array.from({ length: n }, () => Math.abs(k * z()) / reach).sort((a, b) => a - b);
  };

  it('inverts the normal distribution', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815516, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.9599640, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.0902323, 6);
  });

  it('finds the true factor from a long check, too narrow or too wide alike', () => {
    for (const k of [2, 0.7]) {
      const f = calibratedWidth(scores(k, 4000, 3), 4000, 0.8);
      expect(f).toBeGreaterThan(k * 0.95);
      expect(f).toBeLessThan(k * 1.05);
    }
  });

  it("pulls a short check's factor toward the model's own width, the more the fewer periods it scored", () => {
    const s = scores(2, 36, 5);
    const raw = quantileSorted(s, (0.8 * 37) / 36);
    const few = calibratedWidth(s, 6, 0.8);
    const many = calibratedWidth(s, 36, 0.8);
    expect(1).toBeLessThan(few);
    expect(few).toBeLessThan(many);
    expect(many).toBeLessThan(raw);
    // A right model stays near 1 on a short check: 24 scores of 8 distinct periods. The
    // finite-sample correction for 8 periods asks for the 0.8 × 9/8 = 0.9 quantile (by design
    // wider, ≈ +0.25 in log before shrinkage, ≈ +0.18 after), never the factor of 2 a short
    // check's noise could give without the shrinkage.
    const right = Math.log(calibratedWidth(scores(1, 24, 9), 8, 0.8));
    expect(right).toBeGreaterThan(-0.1);
    expect(right).toBeLessThan(0.3);
  });

  it('covers near the level on average over many short checks (the finite-sample correction)', () => {
    // 400 models each too narrow by a factor drawn between 0.7 and 1.5, each calibrated on 30
    // scores of 30 periods, each then scored on 50 new errors.
    const z = createNormal(17);
    const reach = normalQuantile(0.9);
    let inside = 0;
    let total = 0;
    for (let r = 0; r < 400; r++) {
      const k = 0.7 + 0.8 * ((r * 0.618034) % 1);
      const f = calibratedWidth(scores(k, 30, 100 + r), 30, 0.8);
      for (let i = 0; i < 50; i++, total++) if (Math.abs(k * z()) <= f * reach) inside++;
    }
    expect(inside / total).toBeGreaterThanOrEqual(0.75);
    expect(inside / total).toBeLessThanOrEqual(0.85);
  });
});

describe('rollingOrigin', () => {
  it('scores every origin against what happened', () => {
    const z = createNormal(5);
    const values = Array.from({ length: 48 }, (_, t) => 100 + PATTERN[t % 12]! * 4 + 3 * z());
    const { results, summary } = rollingOrigin(values, { frequency: 'monthly', horizon: 6, origins: 4 });
    expect(results.map((r) => r.origin)).toEqual([39, 40, 41, 42]);
    expect(summary.n).toBe(24);
    // A strong, stable seasonal pattern: the model must beat the in-sample naive scale by far.
    expect(summary.mase_vs_naive).toBeLessThan(0.6);
    expect(summary.coverage).toBeGreaterThan(0.5);
  });
});
