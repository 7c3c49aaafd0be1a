import { describe, expect, it } from 'vitest';
import { betaBinomialPmf, fitBetaPrior, sampleBinomial, sharedVariation, winRateInterval, type SegmentOutcomes } from '../src/ai/forecasting/conversion-rate.ts';
import { closeProbability, kaplanMeier, pooled, sampleRemaining } from '../src/ai/forecasting/cycle-time.ts';
import { bands, correlationSigma, MAX_DRAWN, sigmaOfShared, simulatePipeline, sumPeriods, type OpenDeal } from '../src/ai/forecasting/pipeline-sim.ts';
import { salesVelocity, velocityDrivers } from '../src/ai/forecasting/velocity.ts';
import { createRng } from '../src/ai/scoring/random.ts';

/**
 * The pure forecasting models against answers computed exactly: the pipeline simulation's
 * percentiles against every outcome of a few deals enumerated, Kaplan–Meier with a censored
 * deal by hand, the beta-binomial interval against its closed form.
 */

// Every winner closes on day 0 (the tail's 1e-6 aside): the horizon holds every win.
const instant = kaplanMeier([{ days: 0.5, won: true }]);
const deals: OpenDeal[] = [
  { p: 0.5, value: 100, ageDays: 0, curve: instant, category: 'pipeline' },
  { p: 0.3, value: 200, ageDays: 0, curve: instant, category: 'best_case' },
  { p: 0.8, value: 400, ageDays: 0, curve: instant, category: 'commit' },
  { p: 0.6, value: 50, ageDays: 0, curve: instant, category: 'pipeline' },
];

/** The exact distribution of the total: every subset of deals won. */
function exactTotals(ds: readonly OpenDeal[]): { value: number; p: number }[] {
  const out = new Map<number, number>();
  for (let mask = 0; mask < 1 << ds.length; mask++) {
    let p = 1;
    let v = 0;
    ds.forEach((d, i) => {
      const won = (mask >> i) & 1;
      p *= won ? d.p : 1 - d.p;
      v += won ? d.value : 0;
    });
    out.set(v, (out.get(v) ?? 0) + p);
  }
  return [...out.entries()].map(([value, p]) => ({ value, p })).sort((a, b) => a.value - b.value);
}

/** The smallest total whose cumulative probability reaches q. */
function exactQuantile(dist: { value: number; p: number }[], q: number): number {
  let s = 0;
  for (const x of dist) if ((s += x.p) >= q - 1e-12) return x.value;
  return dist[dist.length - 1]!.value;
}

describe('pipeline simulation', () => {
  const N = 40_000;
  const sim = simulatePipeline({ deals, days: 30, paths: N, seed: 42 });
  const totals = sumPeriods(sim.daily, [[0, 30]]).map((p) => p[0]!);
  const dist = exactTotals(deals);

  it('gives each total its exact probability (within Monte Carlo error)', () => {
    for (const { value, p } of dist) {
      const share = totals.filter((t) => t === value).length / N;
      // 4 standard errors of a proportion at N paths.
      expect(Math.abs(share - p), `P(total = ${value})`).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N) + 1e-9);
    }
  });

  it('reports the exact percentiles and mean of the total', () => {
    const [band] = bands(totals.map((t) => [t]), 0.8);
    expect(band!.lower).toBe(exactQuantile(dist, 0.1));
    expect(band!.median).toBe(exactQuantile(dist, 0.5));
    expect(band!.upper).toBe(exactQuantile(dist, 0.9));
    const exactMean = deals.reduce((s, d) => s + d.p * d.value, 0);
    expect(band!.mean).toBeCloseTo(exactMean, -1);
    // The categories are the deals' expected values, and add up to the mean.
    const cats = Object.values(sim.categories).map((c) => c.reduce((s, x) => s + x, 0));
    expect(cats[0]).toBeCloseTo(0.8 * 400, -1); // commit
    expect(cats[1]).toBeCloseTo(0.3 * 200, -1); // best case
    expect(cats.reduce((s, x) => s + x, 0)).toBeCloseTo(band!.mean, 6);
  });

  it('spreads a deal over periods by its close-date distribution, and sums periods path by path', () => {
    // Half the winners take 5 days, half 40: a new deal won closes in [0, 30) with probability 1/2.
    const split = kaplanMeier([{ days: 5.5, won: true }, { days: 40.5, won: true }]);
    const deal: OpenDeal = { p: 0.6, value: 1000, ageDays: 0, curve: split, category: 'pipeline' };
    expect(closeProbability(split, 0, 0, 30)).toBeCloseTo(0.5, 5);
    const run = simulatePipeline({ deals: [deal], days: 60, paths: N, seed: 7 });
    const periods = sumPeriods(run.daily, [[0, 30], [30, 60]]);
    const first = periods.filter((p) => p[0] === 1000).length / N;
    const second = periods.filter((p) => p[1] === 1000).length / N;
    expect(Math.abs(first - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(second - 0.3)).toBeLessThan(0.01);
    // Never both: the two months of one path are one deal's one close.
    expect(periods.some((p) => p[0]! > 0 && p[1]! > 0)).toBe(false);
    // The two months together, path by path: 1000 with probability 0.6 — their band is
    // [0, 1000], while adding the months' own 90th percentiles would say 2000.
    const [sum] = bands(periods.map((p) => [p[0]! + p[1]!]), 0.8);
    const [m1, m2] = bands(periods, 0.8);
    expect(sum!.upper).toBe(1000);
    expect(m1!.upper + m2!.upper).toBe(2000);
  });

  it('widens the band, not the mean, when deals move together', () => {
    const many: OpenDeal[] = Array.from({ length: 200 }, () => ({ p: 0.3, value: 10, ageDays: 0, curve: instant, category: 'pipeline' as const }));
    const spread = (sigma: number) => {
      const t = sumPeriods(simulatePipeline({ deals: many, days: 5, paths: 4000, seed: 3, sigma }).daily, [[0, 5]]).map((p) => p[0]!);
      const mean = t.reduce((s, x) => s + x, 0) / t.length;
      return { mean, sd: Math.sqrt(t.reduce((s, x) => s + (x - mean) ** 2, 0) / t.length) };
    };
    const independent = spread(0);
    const together = spread(correlationSigma(0.01, 0.3));
    // Independent: binomial sd = 10 × √(200 × 0.3 × 0.7) ≈ 64.8.
    expect(independent.sd).toBeGreaterThan(58);
    expect(independent.sd).toBeLessThan(72);
    expect(together.sd).toBeGreaterThan(independent.sd * 1.5);
    expect(Math.abs(together.mean - 600)).toBeLessThan(15);
  });

  it('keeps the spread of many new-lead wins drawn as fewer', () => {
    // Every new lead wins (rate 1) at a value of 0 or 2: a batch of 5 × MAX_DRAWN wins sums to
    // 5 × MAX_DRAWN with sd √(5 × MAX_DRAWN) (values' variance 1). Drawn as MAX_DRAWN wins each
    // standing for 5, the sum must keep that sd (scaling each value by 5 gave √5 times it).
    const wins = 5 * MAX_DRAWN;
    const totals = sumPeriods(simulatePipeline({
      deals: [], days: 10, paths: 600, seed: 5,
      newLeads: { batches: [{ fromDay: 0, toDay: 1, counts: [wins] }], winRate: 1, values: [0, 2], curve: instant },
    }).daily, [[0, 10]]).map((p) => p[0]!);
    const mean = totals.reduce((s, x) => s + x, 0) / totals.length;
    const sd = Math.sqrt(totals.reduce((s, x) => s + (x - mean) ** 2, 0) / (totals.length - 1));
    expect(Math.abs(mean - wins)).toBeLessThan(0.5 * Math.sqrt(wins));
    expect(sd / Math.sqrt(wins)).toBeGreaterThan(0.88);
    expect(sd / Math.sqrt(wins)).toBeLessThan(1.12);
    expect(Math.min(...totals)).toBeGreaterThanOrEqual(0);
  });
});

describe('cycle times (Kaplan–Meier over eventual winners)', () => {
  it('counts a censored open deal among those at risk until its age', () => {
    // Wins at 10, 20, 30 days; one open deal aged 15 (surely a future winner).
    const curve = kaplanMeier([{ days: 10, won: true }, { days: 20, won: true }, { days: 30, won: true }, { days: 15, won: false, weight: 1 }]);
    // By hand: S(10) = 3/4; at 20 two at risk: S = 3/8; at 30 one: S = 0.
    expect(curve.mass[10]).toBeCloseTo(0.25, 5);
    expect(curve.mass[20]).toBeCloseTo(0.375, 5);
    expect(curve.mass[30]).toBeCloseTo(0.375, 5);
    // Ignoring the open deal would have said 1/3 each: short cycles over-represented.
    // Weighted by its chance of being won (0.5): at 10, 3.5 at risk.
    const half = kaplanMeier([{ days: 10, won: true }, { days: 20, won: true }, { days: 30, won: true }, { days: 15, won: false, weight: 0.5 }]);
    expect(half.mass[10]).toBeCloseTo(1 / 3.5, 5);
    expect(half.mass[20]).toBeCloseTo((1 - 1 / 3.5) / 2, 5);
    // A lost deal (weight 0) says nothing about how long wins take.
    const lost = kaplanMeier([{ days: 10, won: true }, { days: 20, won: true }, { days: 30, won: true }, { days: 15, won: false, weight: 0 }]);
    expect(lost.mass[10]).toBeCloseTo(1 / 3, 5);
  });

  it('gives an open deal of age a the remaining time conditional on not having closed yet', () => {
    const curve = kaplanMeier([{ days: 10, won: true }, { days: 20, won: true }, { days: 30, won: true }, { days: 15, won: false, weight: 1 }]);
    // Aged 15: it closes at 20 or 30, equally likely (3/8 each).
    expect(closeProbability(curve, 15, 0, 10)).toBeCloseTo(0.5, 3);
    expect(closeProbability(curve, 15, 10, 20)).toBeCloseTo(0.5, 3);
    const draws = Array.from({ length: 4000 }, (_, i) => sampleRemaining(curve, 15, (i + 0.5) / 4000, 0.5));
    expect(draws.every((r) => r >= 5 && r < 16)).toBe(true);
    expect(draws.filter((r) => r < 10).length / draws.length).toBeCloseTo(0.5, 2);
    // Older than every win: the exponential tail, P(within one tail mean) = 1 − 1/e.
    expect(closeProbability(curve, 45, 0, curve.tailMean)).toBeCloseTo(1 - Math.exp(-1), 3);
  });

  it('pools a small group toward its parent and keeps a large one', () => {
    const parent = kaplanMeier(Array.from({ length: 200 }, (_, i) => ({ days: 60 + (i % 10), won: true })));
    const small = kaplanMeier([{ days: 5, won: true }]);
    const big = kaplanMeier(Array.from({ length: 3000 }, () => ({ days: 5, won: true })));
    expect(pooled(small, parent).mass[5]).toBeCloseTo(1 / 31, 3);
    expect(pooled(big, parent).mass[5]).toBeGreaterThan(0.98);
  });
});

describe('win rate (beta-binomial)', () => {
  it('matches the closed form of the beta-binomial', () => {
    // BetaBinomial(5, 2, 3): P(k) = C(5,k) B(k+2, 8-k) / B(2,3), with integer arguments as factorials.
    const f = (n: number): number => (n <= 1 ? 1 : n * f(n - 1));
    const B = (a: number, b: number) => (f(a - 1) * f(b - 1)) / f(a + b - 1);
    const pmf = betaBinomialPmf(5, 2, 3);
    for (let k = 0; k <= 5; k++) expect(pmf[k]).toBeCloseTo((f(5) / (f(k) * f(5 - k))) * B(k + 2, 5 - k + 3) / B(2, 3), 12);
  });

  it('gives the credible interval of the next period from its quantiles', () => {
    // Beta(1, 1) and 9 decisions: every count 0 … 9 has probability 1/10.
    const r = winRateInterval({ alpha: 1, beta: 1 }, { expectedMore: 9, level: 0.8 });
    expect(r.lower).toBe(0);
    expect(r.median).toBeCloseTo(4 / 9, 12);
    expect(r.upper).toBeCloseTo(8 / 9, 12);
    expect(r.mean).toBeCloseTo(0.5, 12);
    // With 10 decisions in (8 won), 10 to come: (8 + X) / 20 with X ~ BetaBinomial(10, 9, 3).
    const partial = winRateInterval({ alpha: 1, beta: 1 }, { wonSoFar: 8, decidedSoFar: 10, expectedMore: 10, level: 0.8 });
    expect(partial.mean).toBeCloseTo((8 + 10 * 9 / 12) / 20, 12);
    expect(partial.lower).toBeGreaterThanOrEqual(0.4);
    expect(partial.upper).toBeLessThanOrEqual(0.9);
  });

  it('fits the prior: the spread of period rates beyond binomial noise', () => {
    // Rates alternating 0.2 / 0.4 over 1,000 decisions each, exactly: between-period variance 0.01.
    const swinging = Array.from({ length: 40 }, (_, i) => ({ won: i % 2 ? 400 : 200, decided: 1000 }));
    const fit = fitBetaPrior(swinging);
    expect(fit.mean).toBeCloseTo(0.3, 2);
    expect(fit.tau2).toBeGreaterThan(0.0093);
    expect(fit.tau2).toBeLessThan(0.0102);
    expect(fit.alpha / (fit.alpha + fit.beta)).toBeCloseTo(0.3, 2);
    // Periods no more different than coin flips: no shared movement.
    const steady = Array.from({ length: 40 }, () => ({ won: 30, decided: 100 }));
    expect(fitBetaPrior(steady).tau2).toBe(0);
    expect(correlationSigma(0, 0.3)).toBe(0);
  });

  it('measures the shared swing of win rates net of the teams\' mix', () => {
    // Three teams winning 10 %, 30 % and 50 %; each month's mix leans a different way. Months
    // of 24: the estimate is noisy, so its mean over 40 simulated organizations is checked.
    const uniform = createRng(11);
    const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
    const rates = [0.1, 0.3, 0.5];
    const organization = (s2: number) => {
      const rows: SegmentOutcomes[] = [];
      const sigma = sigmaOfShared(s2);
      for (let t = 0; t < 24; t++) {
        const factor = Math.exp(sigma * normal() - (sigma * sigma) / 2);
        const lean = t % 3;
        rates.forEach((p, g) => {
          const decided = g === lean ? 300 : 60;
          rows.push({ period: t, segment: `team${g}`, decided, won: sampleBinomial(decided, Math.min(1, p * factor), uniform, normal) });
        });
      }
      return rows;
    };
    const average = (s2: number) => {
      let sum = 0;
      let total = 0;
      for (let i = 0; i < 40; i++) {
        const rows = organization(s2);
        sum += sharedVariation(rows)!;
        // The total's rate alone: the mix's swing counted as a shared one.
        const months = Array.from({ length: 24 }, (_, t) => rows.filter((r) => r.period === t).reduce((a, r) => ({ won: a.won + r.won, decided: a.decided + r.decided }), { won: 0, decided: 0 }));
        const prior = fitBetaPrior(months);
        total += prior.tau2 / prior.mean ** 2;
      }
      return { net: sum / 40, total: total / 40 };
    };
    // No shared shock: near 0, where the total's swing reads a large one (the mix alone).
    const none = average(0);
    expect(none.net).toBeLessThan(0.003);
    expect(none.total).toBeGreaterThan(0.05);
    // A shared factor of relative variance 0.04 (σ ≈ 0.2): found, within the noise of 40 × 24 months.
    const some = average(0.04);
    expect(some.net).toBeGreaterThan(0.032);
    expect(some.net).toBeLessThan(0.048);
    // Too few months to say: null (the caller falls back on the total's swing).
    expect(sharedVariation(organization(0).filter((r) => r.period < 2))).toBeNull();
  });
});

describe('sales velocity', () => {
  it('is open × win rate × deal ÷ cycle, each input a driver', () => {
    const now = { openOpportunities: 100, winRate: 0.25, averageDeal: 4000, cycleDays: 50 };
    expect(salesVelocity(now)).toBe(2000);
    const drivers = velocityDrivers(now, { ...now, openOpportunities: 80, cycleDays: 40 });
    expect(drivers.find((d) => d.input === 'openOpportunities')!.effect).toBeCloseTo(400, 9);
    expect(drivers.find((d) => d.input === 'cycleDays')!.effect).toBeCloseTo(2000 - 2500, 9);
    expect(drivers.find((d) => d.input === 'winRate')!.effect).toBe(0);
  });
});
