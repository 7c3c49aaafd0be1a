import { sql, type Kysely } from 'kysely';
import type { DB, ForecastType } from '../../db/schema.ts';
import { withTenant, withTenantRead } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize, leadScope } from '../auth/permissions.ts';
import { scopeCondition } from '../leads/leads.queries.ts';
import { dayOf, isoOf, periodsBefore, type Granularity, type Period } from './forecasts.calendar.ts';
import { FORECAST_TYPES, MODEL_VERSION } from './forecasts.model.ts';
import { signedMoney } from './forecasts.settings.ts';
import type { Forecasts } from './forecasts.schemas.ts';
import { BACKTEST_PERIODS, FORECASTS_QUEUE, type ForecastsService } from './forecasts.service.ts';

/**
 * Forecasts over HTTP: everyone who reads leads reads the organization's forecasts (they are
 * organization-level figures, not leads); admins and managers ask for a new run, which is
 * queued (forecasts.generate), never made inside the request.
 */
const UNITS = { revenue: 'money', lead_volume: 'count', conversion_rate: 'ratio', deal_velocity: 'money_per_day' } as const;

type Row = Awaited<ReturnType<ForecastsService['read']>>['latest']['rows'][number];

const periodOf = (row: Pick<Row, 'period_start' | 'period_end'>): Period => ({ start: dayOf(row.period_start), end: dayOf(row.period_end) + 1 });

export function createForecastsApi(db: Kysely<DB>, forecasts: ForecastsService) {
  return {
    async request(ctx: AuthContext) {
      authorize(ctx, 'forecasts:generate');
      const job = await withTenant(db, ctx, (tx) => enqueue(tx, { organizationId: ctx.organizationId, queue: FORECASTS_QUEUE, dedupeKey: 'requested', createdBy: ctx.userId ?? undefined, payload: { requested_by: ctx.actor.id } }));
      return { job_id: job.id, deduplicated: job.deduplicated };
    },

    async get(ctx: AuthContext, granularity: Granularity): Promise<Forecasts> {
      authorize(ctx, 'leads:read');
      return withTenantRead(db, ctx, async (tx) => {
        const read = await forecasts.read(tx, ctx.organizationId, granularity);
        // The figures are organization-level, but a lead driver names a deal: only the leads the
        // caller may read (the same rule as GET /leads) are named; the others are folded into one line.
        const scope = leadScope(ctx, 'read');
        if (scope.kind === 'all') return forecastsView(read, granularity);
        const ids = [...new Set([...read.latest.rows, ...read.history].flatMap((r) => driversOf(r).flatMap((d) => (d.kind === 'lead' && d.lead_id ? [d.lead_id] : []))))];
        const visible = ids.length === 0 ? [] : (await sql<{ id: string }>`SELECT id FROM leads WHERE id = ANY(${ids}::uuid[]) AND ${scopeCondition(scope)}`.execute(tx)).rows.map((r) => r.id);
        return forecastsView(read, granularity, new Set(visible));
      });
    },
  };
}

export type ForecastsApi = ReturnType<typeof createForecastsApi>;

type KeyDriver = Forecasts['series']['revenue']['points'][number]['key_drivers'][number];
const driversOf = (row: Pick<Row, 'key_drivers'>): KeyDriver[] => (Array.isArray(row.key_drivers) ? row.key_drivers : []) as unknown as KeyDriver[];

/** Lead drivers of leads outside `visible` become one anonymous line (no id, no name, no status). */
function scopedDrivers(drivers: KeyDriver[], visible: ReadonlySet<string> | undefined, currency: string): KeyDriver[] {
  if (!visible) return drivers;
  const hidden = drivers.filter((d) => d.kind === 'lead' && !(d.lead_id && visible.has(d.lead_id)));
  if (hidden.length === 0) return drivers;
  const effect = Math.round(hidden.reduce((s, d) => s + d.effect, 0) * 100) / 100;
  const kept = drivers.filter((d) => !hidden.includes(d));
  const at = kept.findLastIndex((d) => d.kind === 'lead' || d.kind === 'input') + 1;
  kept.splice(at, 0, { kind: 'segment', label: `Deals outside your leads: ${signedMoney(effect, currency)}`, effect, detail: 'Open deals assigned to other people or teams' });
  return kept;
}

/**
 * The response of GET /api/v1/forecasts (and `leadai forecast --json`) from what the service read.
 * `visible`: the lead ids the caller may read (undefined: all of them).
 */
export function forecastsView(read: Awaited<ReturnType<ForecastsService['read']>>, granularity: Granularity, visible?: ReadonlySet<string>): Forecasts {
  const { settings, today, latest, history, actuals } = read;
  const actualOf = (type: ForecastType, row: Row): number | null => {
    const p = periodOf(row);
    if (p.start > today) return null;
    const a = actuals.actual(type, p, Math.min(p.end, today + 1));
    return a === null ? null : Math.round(a * 10_000) / 10_000;
  };
  const point = (type: ForecastType, row: Row) => {
    const { model: _model, ...scenarios } = row.scenarios as Record<string, unknown>;
    return {
      id: row.id, period_start: row.period_start, period_end: row.period_end,
      predicted_value: row.predicted_value, confidence_lower: row.confidence_lower ?? row.predicted_value, confidence_upper: row.confidence_upper ?? row.predicted_value,
      actual: actualOf(type, row), model_version: row.model_version, current: row.id === currentIds.get(type),
      key_drivers: scopedDrivers(driversOf(row), visible, settings.currency),
      scenarios: scenarios as Forecasts['series']['revenue']['points'][number]['scenarios'],
    };
  };
  // The last periods that have ended, consecutive (not the last ones that happen to have a
  // forecast): the points shown before the current period and the accuracy are over them.
  const recentFrom = isoOf(periodsBefore(today, granularity, BACKTEST_PERIODS[granularity])[0]!.start);
  // "This month" in the organization's time zone: the period containing today, else (a run made
  // just before a period began) the first one to come. The browser's clock is not asked.
  const aheadOf = (type: ForecastType) => latest.rows.filter((r) => r.forecast_type === type && dayOf(r.period_end) >= today);
  const currentIds = new Map(FORECAST_TYPES.map((type) => {
    const ahead = aheadOf(type);
    return [type, (ahead.find((r) => dayOf(r.period_start) <= today) ?? ahead[0])?.id] as const;
  }));
  const series = Object.fromEntries(FORECAST_TYPES.map((type) => {
    const past = history.filter((h) => h.forecast_type === type && h.period_start >= recentFrom);
    const ahead = aheadOf(type);
    const model = ahead.map((r) => (r.scenarios as Record<string, unknown>).model).find((m) => typeof m === 'string');
    return [type, { unit: UNITS[type], model: (model as string | undefined) ?? null, points: [...past, ...ahead].map((r) => point(type, r)) }];
  })) as Forecasts['series'];
  const entries = history.map((h) => {
    const actual = actualOf(h.forecast_type, h);
    const lower = h.confidence_lower ?? h.predicted_value;
    const upper = h.confidence_upper ?? h.predicted_value;
    return {
      forecast_type: h.forecast_type, period_start: h.period_start, period_end: h.period_end,
      predicted_value: h.predicted_value, confidence_lower: lower, confidence_upper: upper,
      made_at: h.made_as_of, kind: h.kind as 'forecast' | 'backtest', actual, inside: actual === null ? null : actual >= lower - 1e-9 && actual <= upper + 1e-9,
    };
  });
  // A backtest (re-made later from what was known at the period's start) is not a forecast that
  // was on record beforehand: the two are counted apart, and the total says which it holds.
  const accuracy = Object.fromEntries(FORECAST_TYPES.map((type) => {
    const judged = entries.filter((e) => e.forecast_type === type && e.inside !== null && e.period_start >= recentFrom);
    const count = (rows: typeof judged) => ({ periods: rows.length, inside: rows.filter((e) => e.inside).length });
    return [type, {
      ...count(judged), level: settings.level,
      forecasts: count(judged.filter((e) => e.kind === 'forecast')),
      backtests: count(judged.filter((e) => e.kind === 'backtest')),
    }];
  })) as Forecasts['accuracy'];
  return { generated_at: latest.createdAt, today: isoOf(today), level: settings.level, model_version: MODEL_VERSION, currency: settings.currency, series, history: entries, accuracy };
}
