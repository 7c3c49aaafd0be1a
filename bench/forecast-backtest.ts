/**
 * The demo backtest's harness (bench:forecast): the organization's actual series per local
 * period from the database (lead volume by creation, revenue won by outcomes.ts), forecasters
 * asked at past origins, and the scores of their forecasts against what happened next.
 */
import { sql } from 'kysely';
import type { Database } from '../src/db/connect.ts';
import { withTenant } from '../src/db/tenant.ts';
import { wonAt } from '../src/modules/dashboard/outcomes.ts';
import { mae } from '../src/ai/forecasting/accuracy.ts';
import { scoreOrigin, summarise, type OriginResult } from '../src/ai/forecasting/backtest.ts';
import { seasonalLag } from '../src/ai/forecasting/series.ts';

export type Granularity = 'weekly' | 'monthly';
export type SeriesKey = 'lead_volume' | 'revenue';

/** A forecast of one period, as forecasts.compute returns it. */
export interface Band {
  period_start: string;
  predicted_value: number;
  confidence_lower: number;
  confidence_upper: number;
}

/** Forecasts made at `origin` with only what was known then, per series, for `horizon` periods from it. */
export type Forecaster = (origin: Date, granularity: Granularity, horizon: number) => Promise<Partial<Record<SeriesKey, Band[]>>>;

/** One local period of the organization (its time zone) and what happened in it. */
export interface Period {
  /** Local date of the first day, YYYY-MM-DD (what forecasts call period_start). */
  start: string;
  from: Date;
  to: Date;
  lead_volume: number;
  revenue: number;
}

const UNIT = { weekly: 'week', monthly: 'month' } as const;

/**
 * Every full local period from the first lead's to the last one that ended by `until`: leads
 * created in it, and the deal values won in it (won at: outcomes.ts, as the dashboard counts).
 * ISO weeks (Monday) and calendar months of the time zone, as the forecasts' calendar.
 */
export async function actualPeriods(
  database: Database, organizationId: string, granularity: Granularity, timeZone: string, until: Date,
): Promise<Period[]> {
  const unit = sql.lit(UNIT[granularity]);
  const step = sql.lit(`1 ${UNIT[granularity]}`);
  const local = (at: ReturnType<typeof sql>) => sql`date_trunc(${unit}, ${at} AT TIME ZONE ${timeZone})`;
  return withTenant(database.db, { organizationId }, async (tx) => {
    const { rows } = await sql<{ start: string; from: Date; to: Date; lead_volume: number; revenue: number }>`
      WITH created AS (
        SELECT ${local(sql`created_at`)} AS p, count(*)::int AS n FROM leads GROUP BY 1
      ), won AS (
        SELECT ${local(wonAt('l'))} AS p, sum(l.deal_value)::float8 AS v FROM leads l WHERE ${wonAt('l')} IS NOT NULL GROUP BY 1
      ), periods AS (
        SELECT p, p + ${step}::interval AS e
        FROM generate_series((SELECT min(p) FROM created), ${local(sql`${until}::timestamptz`)}, ${step}::interval) AS p
      )
      SELECT to_char(periods.p, 'YYYY-MM-DD') AS start, periods.p AT TIME ZONE ${timeZone} AS "from", periods.e AT TIME ZONE ${timeZone} AS "to",
             coalesce(created.n, 0) AS lead_volume, coalesce(won.v, 0) AS revenue
      FROM periods LEFT JOIN created USING (p) LEFT JOIN won USING (p)
      WHERE periods.e AT TIME ZONE ${timeZone} <= ${until}
      ORDER BY periods.p`.execute(tx);
    return rows;
  });
}

/** The scores of one forecaster on one series. */
export interface SeriesScore {
  forecaster: string;
  series: SeriesKey;
  granularity: Granularity;
  horizon: number;
  origins: number;
  n: number;
  /** Mean over origins of MASE scaled by the in-sample seasonal-naive error (lag 12 months, 52 weeks). */
  mase_vs_seasonal_naive: number;
  mase_vs_naive: number;
  /** The forecasts' mean absolute error ÷ that of the seasonal-naive forecasts of the same periods. */
  mae_vs_seasonal_naive_forecast: number;
  mape: number;
  /** Σ forecast ÷ Σ actual − 1, in percent: negative when the forecasts run low. */
  bias: number;
  /** Share of actuals inside the 80 % intervals (NaN when the forecaster gives none). */
  coverage: number;
}

/**
 * Asks `forecaster` at each origin (period starts), scores every forecast period that has
 * fully happened, with the in-sample series up to the origin as the MASE scale.
 */
export async function backtest(
  name: string, forecaster: Forecaster, periods: readonly Period[], opts: { granularity: Granularity; horizon: number; origins: number; series: readonly SeriesKey[] },
): Promise<SeriesScore[]> {
  const { granularity, horizon, origins } = opts;
  const lag = seasonalLag(granularity);
  // Origins: the last `origins` period starts that leave at least one full period to score.
  const first = periods.length - origins;
  const results = new Map<SeriesKey, OriginResult[]>(opts.series.map((s) => [s, []]));
  for (let o = first; o < periods.length; o++) {
    const forecast = await forecaster(periods[o]!.from, granularity, horizon);
    for (const series of opts.series) {
      const bands = forecast[series];
      if (!bands) continue;
      // Every period that has happened within the horizon must have been forecast.
      const scored = periods.slice(o, o + horizon).map((p) => {
        const band = bands.find((b) => b.period_start === p.start);
        if (!band) throw new Error(`${name}: no ${series} forecast for the period of ${p.start} (origin ${periods[o]!.start})`);
        return { actual: p[series], band };
      });
      const train = periods.slice(0, o).map((p) => p[series]);
      const predicted = scored.map((s) => s.band.predicted_value);
      results.get(series)!.push(scoreOrigin(train, scored.map((s) => s.actual), {
        model: name, median: predicted, mean: predicted,
        lower: scored.map((s) => s.band.confidence_lower), upper: scored.map((s) => s.band.confidence_upper),
      }, lag));
    }
  }
  return [...results].filter(([, r]) => r.length > 0).map(([series, r]) => {
    const summary = summarise(r);
    const all = (pick: (x: OriginResult) => number[]) => r.flatMap(pick);
    return {
      forecaster: name, series, granularity, horizon, origins: r.length, n: summary.n,
      mase_vs_seasonal_naive: summary.mase_vs_seasonal_naive,
      mase_vs_naive: summary.mase_vs_naive,
      mae_vs_seasonal_naive_forecast: mae(all((x) => x.actual), all((x) => x.median)) / mae(all((x) => x.actual), all((x) => x.seasonal_naive)),
      mape: summary.mape,
      bias: 100 * (all((x) => x.median).reduce((a, b) => a + b, 0) / all((x) => x.actual).reduce((a, b) => a + b, 0) - 1),
      coverage: r.some((x) => x.lower.some((v) => Number.isFinite(v))) ? summary.coverage : Number.NaN,
    };
  });
}

/** Seasonal naive from the actuals before the origin, with no interval: the baseline every MASE is read against. */
export function seasonalNaiveForecaster(series: Record<Granularity, readonly Period[]>): Forecaster {
  return async (origin, granularity, horizon) => {
    const periods = series[granularity];
    const o = periods.findIndex((p) => p.from.getTime() >= origin.getTime());
    const lag = seasonalLag(granularity);
    const band = (key: SeriesKey) => periods.slice(o, o + horizon).map((p, h) => {
      const value = periods[o - lag + (h % lag)]![key];
      return { period_start: p.start, predicted_value: value, confidence_lower: Number.NaN, confidence_upper: Number.NaN };
    });
    return { lead_volume: band('lead_volume'), revenue: band('revenue') };
  };
}

/** The generator's expected values (the truth), no interval: the best any forecaster could aim at. */
export function truthForecaster(truth: Record<Granularity, ReadonlyMap<string, Record<SeriesKey, number>>>, series: Record<Granularity, readonly Period[]>): Forecaster {
  return async (origin, granularity, horizon) => {
    const periods = series[granularity];
    const o = periods.findIndex((p) => p.from.getTime() >= origin.getTime());
    const band = (key: SeriesKey) => periods.slice(o, o + horizon).map((p) => {
      const value = truth[granularity].get(p.start)![key];
      return { period_start: p.start, predicted_value: value, confidence_lower: Number.NaN, confidence_upper: Number.NaN };
    });
    return { lead_volume: band('lead_volume'), revenue: band('revenue') };
  };
}

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

/** A plain table for people. */
export function printScores(title: string, scores: readonly SeriesScore[]): void {
  const header = ['forecaster', 'series', 'granularity', 'h', 'origins', 'n', 'MASE vs sNaive', 'MASE vs naive', 'MAE ÷ sNaive MAE', 'MAPE %', 'bias %', '80 % coverage'];
  const rows = scores.map((s) => [
    s.forecaster, s.series, s.granularity, String(s.horizon), String(s.origins), String(s.n),
    fixed(s.mase_vs_seasonal_naive, 3), fixed(s.mase_vs_naive, 3), fixed(s.mae_vs_seasonal_naive_forecast, 3), fixed(s.mape, 1), `${s.bias >= 0 ? '+' : ''}${fixed(s.bias, 1)}`,
    Number.isFinite(s.coverage) ? `${(100 * s.coverage).toFixed(1)} %` : '—',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`;
  console.log(`\n${title}`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}
