import { fitBetaPrior, sampleBeta, sampleBinomial, sharedVariation, winRateInterval, type BetaPrior, type SegmentOutcomes } from '../../ai/forecasting/conversion-rate.ts';
import { closeProbability, cycleQuantile, groupCurves, meanCycle, type CycleCurve } from '../../ai/forecasting/cycle-time.ts';
import { bands, correlationSigma, sigmaOfShared, simulatePipeline, sumMeans, sumPeriods, type Band, type Category, type OpenDeal } from '../../ai/forecasting/pipeline-sim.ts';
import { forecastSeries } from '../../ai/forecasting/series.ts';
import { salesVelocity, VELOCITY_INPUTS, velocityDrivers, type VelocityInputs } from '../../ai/forecasting/velocity.ts';
import { createRng } from '../../ai/scoring/random.ts';
import type { ForecastType } from '../../db/schema.ts';
import { periodsBefore, periodsFrom, periodWords, type Granularity, type Period } from './forecasts.calendar.ts';
import type { History} from './forecasts.history.ts';
import { velocityOf } from './forecasts.history.ts';
import type { CohortDayRow, OpenDealRow, WonDealRow } from './forecasts.queries.ts';
import { categoryOf, money, signedMoney, type ForecastSettings } from './forecasts.settings.ts';

/**
 * The four forecasts of one granularity from the organization as of an instant (AsOfData,
 * read by the service). No database here: the same inputs give the same forecast (seeded).
 */
export const MODEL_VERSION = 'forecast-1.0.0';
export const FORECAST_TYPES: readonly ForecastType[] = ['revenue', 'lead_volume', 'conversion_rate', 'deal_velocity'];

export interface AsOfData {
  asOf: Date;
  live: boolean;
  settings: ForecastSettings;
  /** The local day of asOf and how much of it had passed. */
  today: number;
  fraction: number;
  history: History;
  /** The local day of the organization's first lead (null: no lead yet). */
  firstDay: number | null;
  open: OpenDealRow[];
  won: WonDealRow[];
  /** Per status (and team within it), the time-weighted win rate of the decided leads seen at it, and how many (for origins without scores). */
  statusRates: Map<string, StatusRate>;
  /** Leads created before T by day of creation, and how many of each day were won by T: a new lead's chance. */
  cohort: CohortDayRow[];
  teams: Map<string, string>;
  /** Leads won and lost per local day and team ('' for none): the deals' correlation net of the teams' mix. */
  teamDays: { day: number; team: string; won: number; lost: number }[];
}

export interface StatusRate {
  rate: number;
  leads: number;
  /** The same within each team (key: team id, '' for none). */
  teams: Map<string, { rate: number; leads: number }>;
}

export interface KeyDriver {
  kind: 'lead' | 'segment' | 'input';
  label: string;
  lead_id?: string;
  effect: number;
  detail?: string;
}

export interface Scenarios {
  worst: number;
  expected: number;
  best: number;
  categories?: { closed: number; commit: number; best_case: number; pipeline: number };
}

export interface ForecastPoint {
  period: Period;
  band: Band;
  /** Realised so far (the period containing asOf), else null. */
  actual: number | null;
  key_drivers: KeyDriver[];
  scenarios: Scenarios;
}

export interface SeriesResult {
  model: string;
  points: ForecastPoint[];
}

export type GranularityForecast = Record<ForecastType, SeriesResult>;

/** What the quarterly view needs from the monthly forecast: paths to sum, path by path. */
interface MonthlyPaths {
  periods: Period[];
  revenue: number[][];
  volume: number[][];
  won: number[][];
  decided: number[][];
  velocity: number[][];
  categories: Record<Category | 'future', number[]>;
  closed: number[];
  deals: PreparedDeal[];
  /** Win rate of a new lead. */
  rate: number;
}

interface PreparedDeal extends OpenDeal {
  row: OpenDealRow;
}

const DAY_MS = 86_400_000;
/** Leads per new-lead value sample and cycle curve: the last year of wins (at least this many). */
const MIN_VALUES = 20;
const HISTORY_PERIODS: Record<Exclude<Granularity, 'quarterly'>, number> = { daily: 3 * 365, weekly: 156, monthly: 60 };
/** A shorter history than this is forecast from its recent mean instead of a fitted model. */
const MIN_SERIES = 6;

const round = (x: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function meanOf(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length;
}

function sdOf(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = meanOf(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

function normalSource(seed: number) {
  const uniform = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/**
 * Probability of a new lead being won, from the leads created between about a year and a
 * cycle before T. A cohort's wins are not all in by T: a lead created a days before T has
 * had time for only F(a) of the wins its cohort will have, F the won cycles' distribution
 * (the Kaplan–Meier curve, censoring handled). Counting its wins against all its leads
 * understates the rate — by up to the share of wins slower than the window's end (≈ 10 %
 * for the newest day). So each day's leads count F(age) times: rate = wins ÷ Σ created × F(age)
 * (the completion-factor, or chain-ladder, estimate of wins still to come), shrunk toward the
 * decided leads' win rate, worth 10 leads.
 */
export function newLeadRate(cohort: readonly CohortDayRow[], curve: CycleCurve, prior: BetaPrior): number {
  let won = 0;
  let exposure = 0;
  for (const d of cohort) {
    won += d.won;
    // Ages to the day: a day's leads are on average half a day younger than its start.
    exposure += d.created * closeProbability(curve, 0, 0, Math.max(0, d.age_days - 0.5));
  }
  return Math.min(1, (won + 10 * prior.mean) / (exposure + 10));
}

/** Monthly outcomes of the last two years: the win-rate prior and the deals' correlation. */
export function winRatePrior(data: AsOfData): BetaPrior {
  const months = periodsBefore(data.today, 'monthly', 24).filter((p) => data.firstDay === null || p.end > data.firstDay);
  return fitBetaPrior(months.map((p) => {
    const t = data.history.totals(p.start, p.end);
    return { won: t.won, decided: t.won + t.lost };
  }));
}

/**
 * σ of the factor all deals of a path share (pipeline-sim.ts): from how much the last two
 * years' monthly wins swung beyond coin flips once each month's mix of teams is accounted for
 * (conversion-rate.ts sharedVariation); from the total's win rates (the prior's τ²) only when
 * there are too few months for that.
 */
export function sharedSigma(data: AsOfData, prior: BetaPrior): number {
  const months = periodsBefore(data.today, 'monthly', 24).filter((p) => data.firstDay === null || p.end > data.firstDay);
  const cells = new Map<string, SegmentOutcomes>();
  for (const d of data.teamDays) {
    const k = months.findIndex((p) => d.day >= p.start && d.day < p.end);
    if (k < 0) continue;
    const key = `${k}\u0000${d.team}`;
    const cell = cells.get(key) ?? { period: k, segment: d.team, won: 0, decided: 0 };
    cell.won += d.won;
    cell.decided += d.won + d.lost;
    cells.set(key, cell);
  }
  const s2 = sharedVariation([...cells.values()]);
  return s2 === null ? correlationSigma(prior.tau2, prior.mean) : sigmaOfShared(s2);
}

function curvesOf(data: AsOfData, probability: (row: OpenDealRow) => number) {
  const keys = (source: string | null, team: string | null) => [team ?? '(none)', source ?? '(none)'];
  const nowMs = data.asOf.getTime();
  const observations = [
    ...data.won.map((w) => ({ days: w.days, won: true, keys: keys(w.source, w.team_id) })),
    ...data.open.map((o) => ({ days: (nowMs - o.created_at.getTime()) / DAY_MS, won: false, weight: probability(o), keys: keys(o.source, o.team_id) })),
  ];
  const { overall, curveFor } = groupCurves(observations, (o) => o.keys);
  return { overall, curveFor: (o: OpenDealRow) => curveFor(keys(o.source, o.team_id)) };
}

/** Values of won deals (for new leads, and for open deals as of a past origin): the last year's, or the latest MIN_VALUES. */
function wonValues(data: AsOfData): number[] {
  const yearAgo = data.asOf.getTime() - 365 * DAY_MS;
  const valued = data.won.filter((w) => w.value !== null && w.value > 0);
  const recent = valued.filter((w) => w.won_at.getTime() >= yearAgo);
  return (recent.length >= MIN_VALUES ? recent : valued.slice(0, Math.max(MIN_VALUES, recent.length))).map((w) => w.value!);
}

/**
 * What an open deal will be worth when its value is not known (an origin in the past: deal
 * values have no history): drawn per win from the last year's won deals of its team (a team
 * often sells to one size of customer), or of the organization when the team has fewer than
 * 10 — so the band carries the spread of deal sizes, not only of wins.
 */
function segmentValues(data: AsOfData, values: number[]): (row: OpenDealRow) => number[] {
  const yearAgo = data.asOf.getTime() - 365 * DAY_MS;
  const byTeam = new Map<string, number[]>();
  for (const w of data.won) {
    if (w.value === null || w.value <= 0 || w.won_at.getTime() < yearAgo) continue;
    const list = byTeam.get(w.team_id ?? '') ?? [];
    list.push(w.value);
    byTeam.set(w.team_id ?? '', list);
  }
  return (row) => {
    const own = byTeam.get(row.team_id ?? '');
    return own && own.length >= 10 ? own : values;
  };
}

/** The win probability of an open deal: its score at the origin, else its status's historical rate. */
function probabilityOf(data: AsOfData, prior: BetaPrior): (row: OpenDealRow) => number {
  return (row) => {
    if (row.p !== null && Number.isFinite(row.p)) return Math.min(1, Math.max(0, row.p));
    const s = data.statusRates.get(row.status);
    if (!s) return prior.mean;
    // The status's rate pooled toward the overall win rate, worth 5 leads; its team's rate at
    // the status pooled toward that in turn (as cycle curves are pooled from team to source).
    const status = (s.rate * s.leads + 5 * prior.mean) / (s.leads + 5);
    const team = s.teams.get(row.team_id ?? '');
    return team ? (team.rate * team.leads + 5 * status) / (team.leads + 5) : status;
  };
}

interface VolumeForecast {
  model: string;
  /** Whole-period counts per path for the periods from the one containing today. */
  paths: number[][];
}

function volumeForecast(data: AsOfData, g: Exclude<Granularity, 'quarterly'>, horizon: number, level: number, paths: number, seed: number): VolumeForecast {
  const first = data.firstDay ?? data.today;
  const before = periodsBefore(data.today, g, HISTORY_PERIODS[g]).filter((p) => p.start >= first);
  const values = before.map((p) => data.history.totals(p.start, p.end).created);
  if (values.length >= MIN_SERIES) {
    try {
      const f = forecastSeries(values, { frequency: g, horizon, level, seed, nonNegative: true, paths });
      return { model: f.model, paths: f.paths };
    } catch {
      // Fall through to the recent mean (a history the engine refuses, e.g. all zeros).
    }
  }
  // Too little history for a model: Poisson counts around the recent rate per day.
  const days = Math.max(1, data.today - first + data.fraction);
  const perDay = data.history.totals(first, data.today + 1).created / days;
  const periods = periodsFrom(data.today, g, horizon);
  const { uniform } = normalSource(seed);
  const poisson = (mean: number) => {
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())));
    let k = 0;
    for (let p = Math.exp(-mean), s = p, u = uniform(); u > s; s += p) p *= mean / ++k;
    return k;
  };
  return {
    model: values.length > 0 ? `recent mean (${values.length} periods: too few for a model)` : 'recent mean (no complete period yet)',
    paths: Array.from({ length: paths }, () => periods.map((p) => poisson(perDay * (p.end - p.start)))),
  };
}

function scenariosOf(band: Band, categories?: Scenarios['categories']): Scenarios {
  return { worst: round(band.lower), expected: round(band.mean), best: round(band.upper), ...(categories ? { categories } : {}) };
}

function roundBand(b: Band, digits: number): Band {
  return { mean: round(b.mean, digits), median: round(b.median, digits), lower: round(b.lower, digits), upper: round(b.upper, digits) };
}

function leadName(row: OpenDealRow): string {
  const person = `${row.first_name} ${row.last_name}`.trim();
  return row.company?.trim() || person || row.email || 'A lead';
}

export interface BuildOptions {
  granularity: Exclude<Granularity, 'quarterly'>;
  horizon: number;
  level: number;
  paths?: number;
  seed?: number;
}

/** The four forecasts of a granularity, and (monthly) the paths the quarterly view sums. */
export function buildForecast(data: AsOfData, opts: BuildOptions): { forecast: GranularityForecast; monthly: MonthlyPaths } {
  const { granularity: g, horizon, level } = opts;
  const N = opts.paths ?? 1000;
  const seed = opts.seed ?? 1;
  const { today, fraction, history } = data;
  const currency = data.settings.currency;
  const periods = periodsFrom(today, g, horizon);
  const p0 = periods[0]!;
  const elapsed = (today - p0.start + fraction) / (p0.end - p0.start);
  const remaining0 = 1 - elapsed;
  const window = (p: Period): [number, number] => [p.start - today, p.end - today];
  const prior = winRatePrior(data);
  const probability = probabilityOf(data, prior);
  const values = wonValues(data);
  const valuesOf = segmentValues(data, values);
  const { overall, curveFor } = curvesOf(data, probability);

  // ── lead volume ──
  const volume = volumeForecast(data, g, horizon, level, N, seed);
  const soFar0 = history.totals(p0.start, today + 1);
  const volumePaths = volume.paths.map((path) => periods.map((_, k) => (k === 0 ? soFar0.created + path[0]! * remaining0 : path[k]!)));

  // ── revenue: the open pipeline and the leads to come, simulated ──
  const deals: PreparedDeal[] = data.open.map((row) => {
    const p = probability(row);
    const known = data.live && row.value !== null && row.value > 0;
    const sample = known ? undefined : valuesOf(row);
    const value = known ? row.value! : meanOf(sample!);
    return { row, p, value, ...(sample && sample.length > 0 ? { values: sample } : {}), ageDays: (data.asOf.getTime() - row.created_at.getTime()) / DAY_MS, curve: curveFor(row), category: categoryOf(row.status, p, data.settings) };
  });
  const rate = newLeadRate(data.cohort, overall, prior);
  const sim = simulatePipeline({
    deals,
    newLeads: {
      batches: periods.map((p, k) => ({
        fromDay: k === 0 ? fraction : p.start - today,
        toDay: p.end - today,
        counts: volume.paths.map((path) => path[k]! * (k === 0 ? remaining0 : 1)),
      })),
      winRate: rate,
      values,
      curve: overall,
    },
    days: periods[periods.length - 1]!.end - today,
    startFraction: fraction,
    paths: N,
    seed,
    sigma: sharedSigma(data, prior),
  });
  const bounds = periods.map(window);
  const closed = periods.map((_, k) => (k === 0 ? soFar0.wonValue : 0));
  const revenuePaths = sumPeriods(sim.daily, bounds).map((path) => path.map((x, k) => x + closed[k]!));
  const categories = {
    commit: sumMeans(sim.categories.commit, bounds),
    best_case: sumMeans(sim.categories.best_case, bounds),
    pipeline: sumMeans(sim.categories.pipeline, bounds),
    future: sumMeans(sim.future, bounds),
  };

  // ── conversion rate: beta-binomial ──
  const recent = periodsBefore(today, g, 8).filter((p) => data.firstDay === null || p.start >= data.firstDay);
  const decidedPerPeriod = recent.length > 0 ? meanOf(recent.map((p) => { const t = history.totals(p.start, p.end); return t.won + t.lost; })) : 0;
  const expectedDecided = periods.map((_, k) => Math.round(decidedPerPeriod * (k === 0 ? remaining0 : 1)));
  const { uniform, normal } = normalSource(seed + 7);
  const wonPaths: number[][] = [];
  const decidedPaths: number[][] = [];
  for (let i = 0; i < N; i++) {
    wonPaths.push(periods.map((_, k) => {
      const a = prior.alpha + (k === 0 ? soFar0.won : 0);
      const b = prior.beta + (k === 0 ? soFar0.lost : 0);
      return (k === 0 ? soFar0.won : 0) + sampleBinomial(expectedDecided[k]!, sampleBeta(a, b, uniform, normal), uniform, normal);
    }));
    decidedPaths.push(periods.map((_, k) => expectedDecided[k]! + (k === 0 ? soFar0.won + soFar0.lost : 0)));
  }

  // ── deal velocity: open opportunities × win rate × average deal ÷ cycle ──
  const openNow = data.open.length;
  const recentVolume = meanOf(periodsBefore(today, g, 4).map((p) => history.totals(p.start, p.end).created));
  const cycleDays = recentCycle(data, overall);
  const avgDeal = meanOf(values);
  const dealSd = sdOf(values);
  const velocityPaths = wonPaths.map((wonPath, i) => periods.map((p, k) => {
    const decided = decidedPaths[i]![k]!;
    const wins = wonPath[k]!;
    if (wins === 0 || decided === 0) return 0;
    // Velocity counts the open opportunities at the period's end: now's, scaled by the lead flow for later periods.
    const open = k === 0 ? openNow : openNow * Math.min(4, Math.max(0.25, recentVolume > 0 ? volume.paths[i]![k]! / recentVolume : 1));
    const deal = Math.max(0, avgDeal + (dealSd / Math.sqrt(wins)) * normal());
    return salesVelocity({ openOpportunities: open, winRate: wins / decided, averageDeal: deal, cycleDays });
  }));

  // ── bands, drivers, scenarios ──
  const revenueBands = bands(revenuePaths, level);
  const volumeBands = bands(volumePaths, level);
  const velocityBands = bands(velocityPaths, level);
  const words = (p: Period) => periodWords(p, g, today);

  const revenue: SeriesResult = {
    model: `pipeline simulation (${N} paths) + ${volume.model} lead volume`,
    points: periods.map((p, k) => {
      const c = { closed: round(closed[k]!), commit: round(categories.commit[k]!), best_case: round(categories.best_case[k]!), pipeline: round(categories.pipeline[k]! + categories.future[k]!) };
      return {
        period: p,
        band: roundBand(revenueBands[k]!, 2),
        actual: k === 0 ? round(soFar0.wonValue) : null,
        key_drivers: revenueDrivers(data, deals, { window: bounds[k]!, words: words(p), closed: closed[k]!, future: categories.future[k]!, rate, currency }),
        scenarios: scenariosOf(revenueBands[k]!, c),
      };
    }),
  };

  const lastComplete = recent[recent.length - 1];
  const lastVolume = lastComplete ? history.totals(lastComplete.start, lastComplete.end).created : null;
  const leadVolume: SeriesResult = {
    model: volume.model,
    points: periods.map((p, k) => ({
      period: p,
      band: roundBand(volumeBands[k]!, 2),
      actual: k === 0 ? soFar0.created : null,
      key_drivers: [
        { kind: 'input', label: `Model: ${volume.model}`, effect: 0, detail: 'exponential smoothing models combined by their information criterion, weighed against seasonal naive by their errors on the end of the history' },
        ...(lastVolume !== null ? [{ kind: 'input' as const, label: `Last complete period: ${lastVolume} leads`, effect: round(volumeBands[k]!.median - lastVolume), detail: 'the forecast minus the last complete period' }] : []),
        ...(k === 0 ? [{ kind: 'input' as const, label: `Created so far ${words(p)}: ${soFar0.created}`, effect: soFar0.created }] : []),
      ],
      scenarios: scenariosOf(volumeBands[k]!),
    })),
  };

  const conversion: SeriesResult = {
    model: `beta-binomial, prior Beta(${round(prior.alpha, 1)}, ${round(prior.beta, 1)}) from ${prior.decided} decisions`,
    points: periods.map((p, k) => {
      const interval = winRateInterval(prior, { wonSoFar: k === 0 ? soFar0.won : 0, decidedSoFar: k === 0 ? soFar0.won + soFar0.lost : 0, expectedMore: expectedDecided[k]!, level });
      const band = roundBand(interval, 4);
      const drivers: KeyDriver[] = [
        { kind: 'input', label: `Win rate over the last 24 months: ${(prior.mean * 100).toFixed(1)} % of ${prior.decided} decided leads`, effect: round(prior.mean, 4), detail: 'the prior: the pooled win rate, its spread between months beyond chance' },
        { kind: 'input', label: `About ${expectedDecided[k]} leads expected to be decided ${words(p)}`, effect: 0, detail: 'fewer decisions make a wider band' },
      ];
      if (k === 0 && soFar0.won + soFar0.lost > 0) {
        drivers.push({ kind: 'input', label: `Decided so far ${words(p)}: ${soFar0.won} won of ${soFar0.won + soFar0.lost}`, effect: round(interval.mean - prior.mean, 4) });
      }
      return { period: p, band, actual: k === 0 ? history.actual('conversion_rate', p, today + 1) : null, key_drivers: drivers, scenarios: scenariosOf(band) };
    }),
  };

  const currentInputs = velocityInputs(data, today);
  const previousInputs = velocityInputs(data, today - 30);
  const velocity: SeriesResult = {
    model: 'sales velocity = open opportunities × win rate × average deal ÷ cycle days',
    points: periods.map((p, k) => ({
      period: p,
      band: roundBand(velocityBands[k]!, 2),
      actual: k === 0 ? history.actual('deal_velocity', p, today + 1) : null,
      key_drivers: velocityDriverWords(currentInputs, previousInputs, currency),
      scenarios: scenariosOf(velocityBands[k]!),
    })),
  };

  return {
    forecast: { revenue, lead_volume: leadVolume, conversion_rate: conversion, deal_velocity: velocity },
    monthly: { periods, revenue: revenuePaths, volume: volumePaths, won: wonPaths, decided: decidedPaths, velocity: velocityPaths, categories, closed, deals, rate },
  };
}

/** The mean cycle of the last 90 days' wins (the curve's mean when there are none). */
function recentCycle(data: AsOfData, overall: CycleCurve): number {
  const since = data.asOf.getTime() - 90 * DAY_MS;
  const recent = data.won.filter((w) => w.won_at.getTime() >= since).map((w) => w.days);
  return Math.max(1, recent.length >= 5 ? meanOf(recent) : meanCycle(overall));
}

/** Velocity inputs over the 30 days before local day `end` (the open count at its start). */
function velocityInputs(data: AsOfData, end: number): VelocityInputs {
  const t = data.history.totals(end - 30, end + 1);
  return {
    openOpportunities: data.history.openAt(end),
    winRate: t.won + t.lost > 0 ? t.won / (t.won + t.lost) : 0,
    averageDeal: t.won > 0 ? t.wonValue / t.won : 0,
    cycleDays: t.won > 0 ? Math.max(1, t.wonCycleDays / t.won) : 0,
  };
}

const INPUT_WORDS: Record<keyof VelocityInputs, [string, (v: number, currency: string) => string]> = {
  openOpportunities: ['Open opportunities', (v) => `${Math.round(v)}`],
  winRate: ['Win rate', (v) => `${(v * 100).toFixed(1)} %`],
  averageDeal: ['Average won deal', (v, c) => money(v, c)],
  cycleDays: ['Sales cycle', (v) => `${v.toFixed(0)} days`],
};

function velocityDriverWords(current: VelocityInputs, previous: VelocityInputs, currency: string): KeyDriver[] {
  // The inputs listed below multiply to the last 30 days' velocity, not to the period's forecast
  // (the simulated months of the pipeline): say that figure first, so the card's numbers agree.
  const now = salesVelocity(current);
  const [o, w, a, c] = VELOCITY_INPUTS.map((k) => INPUT_WORDS[k][1](current[k], currency));
  const last30: KeyDriver = {
    kind: 'input',
    label: `Last 30 days: ${money(now, currency)} per day`,
    effect: round(now),
    detail: `${o} open × ${w} won × ${a} ÷ ${c}; the forecast above follows the open pipeline through the period`,
  };
  return [last30, ...velocityDrivers(current, previous).map((d) => {
    const [name, value] = INPUT_WORDS[d.input];
    const effect = Number.isFinite(d.effect) ? d.effect : 0;
    return {
      kind: 'input' as const,
      label: `${name}: ${value(d.current, currency)} (30 days before: ${value(d.previous, currency)})`,
      effect: round(effect),
      detail: `${signedMoney(effect, currency)} per day of velocity from this change alone`,
    };
  })];
}

/** Expected revenue in a window (days from today's start) of an open deal: p × value × P(close in it | won, age). */
function expectedIn(deal: PreparedDeal, window: readonly [number, number], fraction: number): number {
  const from = Math.max(0, window[0] - fraction);
  const to = window[1] - fraction;
  return to <= from ? 0 : deal.p * deal.value * closeProbability(deal.curve, deal.ageDays, from, to);
}

function revenueDrivers(data: AsOfData, deals: readonly PreparedDeal[], o: { window: readonly [number, number]; words: string; closed: number; future: number; rate: number; currency: string }): KeyDriver[] {
  const c = o.currency;
  const contributions = deals.map((d) => ({ d, e: expectedIn(d, o.window, data.fraction) })).filter((x) => x.e > 0);
  contributions.sort((a, b) => b.e - a.e);
  const drivers: KeyDriver[] = [];
  if (o.closed > 0) drivers.push({ kind: 'input', label: `Already won ${o.words}: ${money(o.closed, c)}`, effect: round(o.closed) });
  for (const { d, e } of contributions.slice(0, 5)) {
    drivers.push({
      kind: 'lead',
      lead_id: d.row.id,
      label: `${leadName(d.row)}, ${d.row.status}, p = ${d.p.toFixed(2)}, ${money(d.value, c)}: ${signedMoney(e, c)} expected ${o.words}`,
      effect: round(e),
      detail: `wins with probability ${d.p.toFixed(2)}; if won, closes ${o.words} with probability ${(e / (d.p * d.value)).toFixed(2)} (open ${Math.floor(d.ageDays)} days)`,
    });
  }
  // Segments: the sources and teams whose open deals add the most.
  const segments = new Map<string, { label: string; n: number; e: number }>();
  for (const { d, e } of contributions) {
    const source = d.row.source ? `Source ${d.row.source}` : 'Deals with no source';
    const team = d.row.team_id ? `Team ${data.teams.get(d.row.team_id) ?? '(a removed team)'}` : 'Deals with no team';
    for (const [key, label] of [[`s:${d.row.source ?? ''}`, source], [`t:${d.row.team_id ?? ''}`, team]] as const) {
      const s = segments.get(key) ?? { label, n: 0, e: 0 };
      s.n++;
      s.e += e;
      segments.set(key, s);
    }
  }
  // A segment that holds every open deal says nothing the total does not.
  for (const s of [...segments.values()].filter((g) => g.n < contributions.length).sort((a, b) => b.e - a.e).slice(0, 4)) {
    drivers.push({ kind: 'segment', label: `${s.label}: ${s.n} open deals, ${signedMoney(s.e, c)} expected ${o.words}`, effect: round(s.e) });
  }
  if (o.future > 0) {
    drivers.push({ kind: 'segment', label: `Leads not created yet: ${signedMoney(o.future, c)} expected ${o.words}`, effect: round(o.future), detail: `forecast lead volume × ${(o.rate * 100).toFixed(1)} % win rate of new leads × won deal values, after their sales cycle` });
  }
  return drivers;
}

/** The quarters fully covered by the monthly forecast (the current one includes its past months, realised). */
export function quarterlyFromMonthly(data: AsOfData, monthly: MonthlyPaths, level: number): GranularityForecast {
  const { history, today } = data;
  const currency = data.settings.currency;
  const quarters = periodsFrom(today, 'quarterly', 3).filter((q) => q.end <= monthly.periods[monthly.periods.length - 1]!.end);
  const inside = (q: Period) => monthly.periods.map((m, k) => (m.start >= q.start && m.end <= q.end ? k : -1)).filter((k) => k >= 0);
  const sum = (paths: number[][], ks: number[], base: number) => paths.map((path) => base + ks.reduce((s, k) => s + path[k]!, 0));
  const result = (model: string): SeriesResult => ({ model, points: [] });
  const out: GranularityForecast = {
    revenue: result('pipeline simulation, months summed path by path'),
    lead_volume: result('monthly lead volume, summed path by path'),
    conversion_rate: result('beta-binomial, months pooled path by path'),
    deal_velocity: result('monthly velocity, day-weighted path by path'),
  };
  for (const q of quarters) {
    const ks = inside(q);
    const firstMonth = monthly.periods[ks[0]!]!;
    const past = history.totals(q.start, firstMonth.start);
    const current = q.start <= today && today < q.end;
    const revenue = sum(monthly.revenue, ks, past.wonValue);
    const volume = sum(monthly.volume, ks, past.created);
    const won = sum(monthly.won, ks, past.won);
    const decided = sum(monthly.decided, ks, past.won + past.lost);
    const rates = won.map((w, i) => (decided[i]! > 0 ? w / decided[i]! : 0));
    const pastDays = firstMonth.start - q.start;
    const pastVelocity = pastDays > 0 && past.won + past.lost > 0 ? velocityOf(history.openAt(firstMonth.start), past) : 0;
    const velocity = monthly.velocity.map((path) => (pastVelocity * pastDays + ks.reduce((s, k) => s + path[k]! * (monthly.periods[k]!.end - monthly.periods[k]!.start), 0)) / (q.end - q.start));
    const words = periodWords(q, 'quarterly', today);
    const [rb, vb, cb, vel] = [revenue, volume, rates, velocity].map((xs) => bands(xs.map((x) => [x]), level)[0]!) as [Band, Band, Band, Band];
    const cat = (name: Category | 'future') => ks.reduce((s, k) => s + monthly.categories[name][k]!, 0);
    const closed = past.wonValue + ks.reduce((s, k) => s + monthly.closed[k]!, 0);
    const qWindow: [number, number] = [Math.max(q.start, today) - today, q.end - today];
    const soFar = history.totals(q.start, today + 1);
    out.revenue.points.push({
      period: q, band: roundBand(rb, 2), actual: current ? round(soFar.wonValue) : null,
      key_drivers: revenueDrivers(data, monthly.deals, { window: qWindow, words, closed, future: cat('future'), rate: monthly.rate, currency }),
      scenarios: scenariosOf(rb, { closed: round(closed), commit: round(cat('commit')), best_case: round(cat('best_case')), pipeline: round(cat('pipeline') + cat('future')) }),
    });
    out.lead_volume.points.push({ period: q, band: roundBand(vb, 2), actual: current ? soFar.created : null, key_drivers: [{ kind: 'input', label: 'The months of the quarter, summed path by path', effect: 0 }], scenarios: scenariosOf(vb) });
    out.conversion_rate.points.push({ period: q, band: roundBand(cb, 4), actual: current ? history.actual('conversion_rate', q, today + 1) : null, key_drivers: [{ kind: 'input', label: 'Wins and decisions of the months, pooled path by path', effect: 0 }], scenarios: scenariosOf(cb) });
    out.deal_velocity.points.push({ period: q, band: roundBand(vel, 2), actual: current ? history.actual('deal_velocity', q, today + 1) : null, key_drivers: [{ kind: 'input', label: 'The months\' velocities, weighted by their days', effect: 0 }], scenarios: scenariosOf(vel) });
  }
  return out;
}

/** How long a new lead's cohort needs to have mostly decided: the 90th percentile of won cycles. */
export function cohortLagDays(won: readonly WonDealRow[]): number {
  if (won.length === 0) return 120;
  return cycleQuantile(groupCurves(won.map((w) => ({ days: w.days, won: true })), () => []).overall, 0.9);
}
