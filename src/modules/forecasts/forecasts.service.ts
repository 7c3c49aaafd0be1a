import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB, ForecastType, JsonObject, JsonValue } from '../../db/schema.ts';
import { withTenant, type Tx } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { emitEvent, systemActor } from '../events/events.service.ts';
import { DomainError } from '../../shared/errors.ts';
import { dayOf, isoOf, localDay, periodsBefore, startOfLocalDay, type Granularity } from './forecasts.calendar.ts';
import { History } from './forecasts.history.ts';
import { buildForecast, cohortLagDays, FORECAST_TYPES, MODEL_VERSION, quarterlyFromMonthly, type AsOfData, type GranularityForecast, type StatusRate } from './forecasts.model.ts';
import * as q from './forecasts.queries.ts';
import { forecastSettings, type ForecastSettings } from './forecasts.settings.ts';

/**
 * Organization forecasts: revenue, lead volume, conversion rate and deal velocity, per
 * granularity, from the organization as it stood at an instant (forecasts.queries.ts never
 * reads past it). `compute` only reads (the backtest benchmark calls it for many past
 * origins); `generate` computes for now and writes a run of rows, plus backtest rows for
 * recent past periods that have no forecast made before they began. Works on organization
 * ids (jobs, CLI, benchmarks); forecasts.api.ts checks who may ask over HTTP.
 */
export const FORECASTS_QUEUE = 'forecasts.generate';
/** Horizons of a run: 30 days, 13 weeks, 6 months (which cover this quarter and the next). */
export const RUN_HORIZONS = { daily: 30, weekly: 13, monthly: 6 } as const;
/** Recent past periods given a backtest row (computed as of each one's start) when none was made before it began. */
export const BACKTEST_PERIODS: Record<Granularity, number> = { daily: 7, weekly: 6, monthly: 6, quarterly: 4 };
const DAY_MS = 86_400_000;
/** A past origin is "now" within this much: then the leads' current scores and values are what was known. */
const LIVE_WINDOW_MS = 5 * 60_000;
const HISTORY_YEARS = 5;

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Status win rates count the leads decided in the two years before the origin. */
const STATUS_RATE_DAYS = 730;

/** What one read of the organization holds that a backtest origin before it can reuse. */
interface Base {
  asOf: Date;
  settings: ForecastSettings;
  firstDay: number | null;
  sinceDay: number;
  openAtSince: number;
  dayRows: q.DayRow[];
  teamRows: q.TeamDayRow[];
  won: q.WonDealRow[];
  statusRows: q.StatusRateRow[];
  teams: Map<string, string>;
}

/**
 * Per status, the time-weighted win rate of the leads decided in the two years before
 * `today`, and the same per team within the status (a team selling to larger customers wins a
 * different share at the same step; its values are drawn from its own wins too).
 */
function statusRates(rows: readonly q.StatusRateRow[], today: number): Map<string, StatusRate> {
  type Sum = { leads: number; days: number; won: number };
  const sums = new Map<string, Sum & { teams: Map<string, Sum> }>();
  const add = (s: Sum, r: q.StatusRateRow) => {
    s.leads += r.leads;
    s.days += r.days;
    s.won += r.won_days;
  };
  for (const r of rows) {
    const day = dayOf(r.day);
    if (day >= today || day < today - STATUS_RATE_DAYS) continue;
    // A decision reverted by the origin (reopened) was not one then.
    if (r.reverted !== null && dayOf(r.reverted) < today) continue;
    const s = sums.get(r.status) ?? { leads: 0, days: 0, won: 0, teams: new Map<string, Sum>() };
    add(s, r);
    const team = s.teams.get(r.team_id ?? '') ?? { leads: 0, days: 0, won: 0 };
    add(team, r);
    s.teams.set(r.team_id ?? '', team);
    sums.set(r.status, s);
  }
  const rate = (s: Sum) => ({ rate: s.won / s.days, leads: s.leads });
  return new Map([...sums].filter(([, s]) => s.days > 0).map(([status, s]) => [status, {
    ...rate(s), teams: new Map([...s.teams].filter(([, t]) => t.days > 0).map(([team, t]) => [team, rate(t)])),
  }]));
}

export interface ComputedPoint {
  period_start: string;
  period_end: string;
  predicted_value: number;
  confidence_lower: number;
  confidence_upper: number;
}

type Progress = (done: number, total: number | undefined, message: string) => void | Promise<void>;

export interface GenerateResult {
  run_id: string;
  rows: number;
  backtests: number;
  generated_at: string;
}

export function createForecastsService(db: Kysely<DB>, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  const system = (organizationId: string) => ({ organizationId });

  /**
   * The organization as of `asOf` (one transaction: one snapshot). With `base` (what a load
   * as of a later instant read) and `asOf` at a local midnight, the day-by-day history, the
   * won deals and the status rates are that read cut at `asOf` — the same rows a read as of
   * `asOf` returns, since each is dated by when it happened — and only the open pipeline and
   * the cohort are read again: a run's backtests cost one read each, not six.
   */
  async function load(organizationId: string, asOf: Date, opts: { base?: Base; statusRates?: boolean } = {}): Promise<AsOfData & { base: Base }> {
    const live = asOf.getTime() >= now().getTime() - LIVE_WINDOW_MS;
    return withTenant(db, system(organizationId), async (tx) => {
      // Per-lead lookups inflate cost estimates past the JIT threshold; compiling costs more than it saves (as in dashboard.figures.ts).
      await sql`SET LOCAL jit = off`.execute(tx);
      const reuse = opts.base && opts.base.asOf.getTime() > asOf.getTime() && localDay(asOf, opts.base.settings.timeZone).fraction === 0 ? opts.base : undefined;
      const settings = reuse?.settings ?? forecastSettings(await q.organizationSettings(tx, organizationId));
      const tz = settings.timeZone;
      const { day: today, fraction } = localDay(asOf, tz);
      const open = await q.openDeals(tx, { asOf, live });
      let base: Base;
      if (reuse) {
        base = {
          ...reuse, asOf,
          dayRows: reuse.dayRows.filter((r) => dayOf(r.day) < today),
          teamRows: reuse.teamRows.filter((r) => dayOf(r.day) < today),
          won: reuse.won.filter((w) => w.won_at.getTime() < asOf.getTime()),
          statusRows: reuse.statusRows.filter((r) => dayOf(r.day) < today),
        };
      } else {
        const first = await q.firstLeadAt(tx, asOf);
        const firstDay = first ? localDay(first, tz).day : null;
        const sinceDay = Math.max(firstDay ?? today, today - HISTORY_YEARS * 366);
        const since = startOfLocalDay(sinceDay, tz);
        // Status rates only matter for open leads without a probability at the origin (and for a run's backtests).
        const needRates = opts.statusRates || open.some((o) => o.p === null);
        base = {
          asOf, settings, firstDay, sinceDay,
          openAtSince: await q.openCount(tx, since),
          dayRows: await q.dailyHistory(tx, { asOf, since, timeZone: tz }),
          teamRows: await q.teamDecisions(tx, { asOf, since, timeZone: tz }),
          won: await q.wonDeals(tx, { asOf, since: new Date(asOf.getTime() - 3 * 365 * DAY_MS), limit: 20_000 }),
          statusRows: needRates ? await q.statusWinRates(tx, { asOf, since: new Date(asOf.getTime() - STATUS_RATE_DAYS * DAY_MS), timeZone: tz }) : [],
          teams: await q.teamNames(tx),
        };
      }
      // The wins standing at the origin (a read as of now holds the ones reverted since, too);
      // a reversal after the origin was not known then.
      const won = base.won.filter((w) => q.standingAt(w, asOf)).map((w) => (w.reverted_at === null ? w : { ...w, reverted_at: null }));
      const lag = cohortLagDays(won) * DAY_MS;
      const cohort = await q.cohortWins(tx, { from: new Date(asOf.getTime() - lag - 365 * DAY_MS), to: new Date(asOf.getTime() - lag), asOf });
      return {
        asOf, live, settings, today, fraction, firstDay: base.firstDay, open, won, cohort, teams: base.teams,
        teamDays: base.teamRows.map((r) => ({ day: dayOf(r.day), team: r.team_id ?? '', won: r.won, lost: r.lost })),
        history: new History(base.dayRows, base.sinceDay, base.openAtSince),
        statusRates: statusRates(base.statusRows, today),
        base,
      };
    });
  }

  function forecastFor(data: AsOfData, granularity: Granularity, horizon: number, level: number, paths?: number): GranularityForecast {
    if (granularity !== 'quarterly') return buildForecast(data, { granularity, horizon, level, paths }).forecast;
    // Quarters are a view of months: enough months to cover the quarters asked for.
    const months = horizon * 3 + 2;
    const { monthly } = buildForecast(data, { granularity: 'monthly', horizon: months, level, paths });
    const quarters = quarterlyFromMonthly(data, monthly, level);
    for (const type of FORECAST_TYPES) quarters[type].points = quarters[type].points.slice(0, horizon);
    return quarters;
  }

  function rowsOf(f: GranularityForecast, granularity: Granularity, meta: { runId: string; madeAsOf: Date; kind: 'forecast' | 'backtest' }): q.ForecastWrite[] {
    return FORECAST_TYPES.flatMap((type) => f[type].points.map((p, k): q.ForecastWrite => ({
      forecast_type: type,
      period_start: isoOf(p.period.start),
      period_end: isoOf(p.period.end - 1),
      granularity,
      // The spec's DECIMAL(15,2) holds a ratio to the hundredth: the band is rounded outward,
      // so what was inside the computed band stays inside the stored one.
      predicted_value: round2(p.band.median),
      confidence_lower: Math.floor(p.band.lower * 100 + 1e-9) / 100,
      confidence_upper: Math.ceil(p.band.upper * 100 - 1e-9) / 100,
      model_version: MODEL_VERSION,
      key_drivers: p.key_drivers as unknown as JsonValue[],
      scenarios: { ...p.scenarios, model: f[type].model } as unknown as JsonObject,
      run_id: meta.runId,
      made_as_of: meta.madeAsOf,
      horizon: k,
      kind: meta.kind,
    })));
  }

  async function ensureDaily(organizationId: string, tx?: Tx) {
    // Nightly, at the next 01:00 in the organization's time zone: its yesterday's outcomes are
    // in, nobody is waiting (01:00 UTC is mid-afternoon in Auckland, the evening in California).
    const run = async (t: Tx) => {
      const tz = forecastSettings(await q.organizationSettings(t, organizationId)).timeZone;
      const at = now();
      const oneAm = (day: number) => new Date(startOfLocalDay(day, tz).getTime() + 3_600_000);
      const today = localDay(at, tz).day;
      const next = oneAm(today).getTime() > at.getTime() ? oneAm(today) : oneAm(today + 1);
      return enqueue(t, { organizationId, queue: FORECASTS_QUEUE, dedupeKey: 'daily', runAt: next, priority: -1 });
    };
    if (tx) await run(tx);
    else await withTenant(db, system(organizationId), run);
  }

  return {
    load,

    /**
     * Forecasts as of `asOf`, reading only what was known then. Per type, one point per period
     * from the one containing asOf: the median and the central `level` interval.
     */
    async compute(organizationId: string, opts: { asOf: Date; granularity: Granularity; horizon: number; level?: number; paths?: number }): Promise<Record<ForecastType, ComputedPoint[]>> {
      if (!Number.isInteger(opts.horizon) || opts.horizon < 1 || opts.horizon > 400) throw new DomainError('validation', 'The horizon must be a whole number of periods from 1 to 400.', { field: 'horizon' });
      const data = await load(organizationId, opts.asOf);
      const f = forecastFor(data, opts.granularity, opts.horizon, opts.level ?? data.settings.level, opts.paths);
      return Object.fromEntries(FORECAST_TYPES.map((type) => [type, f[type].points.map((p) => ({
        period_start: isoOf(p.period.start), period_end: isoOf(p.period.end - 1),
        predicted_value: p.band.median, confidence_lower: p.band.lower, confidence_upper: p.band.upper,
      }))])) as Record<ForecastType, ComputedPoint[]>;
    },

    /**
     * A run for now: every granularity (daily 30 days, weekly 13 weeks, monthly 6 months,
     * quarterly from the monthly paths), and backtest rows for recent past periods that have no
     * forecast made before they began (each computed as of that period's start, never peeking).
     */
    async generate(organizationId: string, opts: { progress?: Progress; backtests?: boolean } = {}): Promise<GenerateResult> {
      const asOf = now();
      const runId = randomUUID();
      const data = await load(organizationId, asOf, { statusRates: true });
      const level = data.settings.level;
      const tz = data.settings.timeZone;
      const rows: q.ForecastWrite[] = [];
      const meta = { runId, madeAsOf: asOf, kind: 'forecast' as const };
      for (const g of ['daily', 'weekly'] as const) rows.push(...rowsOf(buildForecast(data, { granularity: g, horizon: RUN_HORIZONS[g], level }).forecast, g, meta));
      const monthly = buildForecast(data, { granularity: 'monthly', horizon: RUN_HORIZONS.monthly, level });
      rows.push(...rowsOf(monthly.forecast, 'monthly', meta), ...rowsOf(quarterlyFromMonthly(data, monthly.monthly, level), 'quarterly', meta));
      await opts.progress?.(1, undefined, 'forecast made; backtesting recent periods');

      // Backtests: past periods since the first lead, without a forecast made before they began.
      let backtests = 0;
      if (opts.backtests ?? true) {
        const todo: { g: Granularity; start: number }[] = [];
        for (const g of ['monthly', 'quarterly', 'weekly', 'daily'] as const) {
          const past = periodsBefore(data.today, g, BACKTEST_PERIODS[g]).filter((p) => data.firstDay !== null && p.start > data.firstDay);
          const covered = await withTenant(db, system(organizationId), (tx) => q.periodsWithExAnte(tx, { granularity: g, starts: past.map((p) => isoOf(p.start)), timeZone: tz }));
          todo.push(...past.filter((p) => !covered.has(isoOf(p.start))).map((p) => ({ g, start: p.start })));
        }
        for (const [i, t] of todo.entries()) {
          const origin = startOfLocalDay(t.start, tz);
          const past = await load(organizationId, origin, { base: data.base });
          rows.push(...rowsOf(forecastFor(past, t.g, 1, level), t.g, { runId, madeAsOf: origin, kind: 'backtest' }));
          backtests++;
          await opts.progress?.(i + 2, todo.length + 1, `backtested ${i + 1} of ${todo.length} past periods`);
        }
      }
      const written = await withTenant(db, system(organizationId), async (tx) => {
        const n = await q.insertForecasts(tx, organizationId, rows);
        await ensureDaily(organizationId, tx);
        // Whoever has a forecast on screen (the Forecasts screen, the dashboard's card) reloads,
        // whatever made the run: the nightly job, POST /forecasts or the command line.
        await emitEvent(tx, systemActor(organizationId), { type: 'forecast.generated', entityType: 'forecast', entityId: runId, payload: { run_id: runId, generated_at: asOf.toISOString(), backtests } });
        return n;
      });
      return { run_id: runId, rows: written, backtests, generated_at: asOf.toISOString() };
    },

    ensureDaily,

    /** The rows GET /api/v1/forecasts shows, with what happened, for one granularity (as the tenant). */
    async read(tx: Tx, organizationId: string, granularity: Granularity) {
      const settings = forecastSettings(await q.organizationSettings(tx, organizationId));
      const tz = settings.timeZone;
      const at = now();
      const today = localDay(at, tz).day;
      const latest = await q.latestRun(tx, granularity);
      const firstShown = periodsBefore(today, granularity, 24)[0]!.start;
      const history = await q.exAnteForecasts(tx, { granularity, today: isoOf(today), timeZone: tz, since: isoOf(firstShown) });
      const since = startOfLocalDay(firstShown, tz);
      const [days, openAtSince] = [await q.dailyHistory(tx, { asOf: at, since, timeZone: tz }), await q.openCount(tx, since)];
      return { settings, today, latest, history, actuals: new History(days, firstShown, openAtSince) };
    },
  };
}

export type ForecastsService = ReturnType<typeof createForecastsService>;
