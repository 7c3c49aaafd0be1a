import { sql, type RawBuilder } from 'kysely';
import type { ForecastType, JsonObject, JsonValue } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';
import { expectedValue } from '../dashboard/expected-value.ts';
import { lostAt, outcomeMoves, wonAt } from '../dashboard/outcomes.ts';

/**
 * The organization AS OF an instant T, never peeking past it: leads created before T, each
 * lead's status at T (its last status change before T, else the status it was created
 * with) deciding which deals were open and which won at T (the row's outcome dates only for a
 * lead with no recorded change); the day-by-day actuals with the dashboard's definitions (outcomes.ts), its win probability
 * at T (the lead_scores row current at T), per-day counts before T. With `live` (T = now) the
 * leads' current fields are used instead: status, conversion_probability and deal value.
 */

const decidedAt = (l = 'l') => sql<Date | null>`coalesce(${wonAt(l)}, ${lostAt(l)})`;
/** Not decided by T (open at T) — a lead decided later was open then. */
const openAt = (at: Date, l = 'l') => sql<boolean>`coalesce(${decidedAt(l)}, 'infinity'::timestamptz) >= ${at}`;

export async function organizationSettings(tx: Tx, organizationId: string): Promise<JsonObject> {
  const row = await tx.selectFrom('organizations').select('settings').where('id', '=', organizationId).executeTakeFirst();
  return (row?.settings ?? {}) as JsonObject;
}

export interface DayRow {
  day: string;
  created: number;
  won: number;
  lost: number;
  won_value: number;
  won_cycle_days: number;
}

/** The leads created before T and their outcome moves (outcomes.ts: wins and losses as they happened, and their reversals). */
const movesBefore = (asOf: Date) => sql`l AS (SELECT * FROM leads WHERE created_at < ${asOf}), m AS MATERIALIZED ${outcomeMoves('l')}`;

/** Per local day in [since, T): leads created, net won and lost (outcomes.ts), net revenue won and the won deals' net cycle days. */
export async function dailyHistory(tx: Tx, opts: { asOf: Date; since: Date; timeZone: string }): Promise<DayRow[]> {
  const { asOf, since, timeZone } = opts;
  const local = (at: RawBuilder<unknown>) => sql`(${at} AT TIME ZONE ${timeZone})::date`;
  const { rows } = await sql<DayRow>`
    WITH ${movesBefore(asOf)}
    SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(created)::int AS created, sum(won)::int AS won, sum(lost)::int AS lost,
           sum(won_value)::float8 AS won_value, sum(won_cycle_days)::float8 AS won_cycle_days
    FROM (
      SELECT ${local(sql`created_at`)} AS day, 1 AS created, 0 AS won, 0 AS lost, 0::numeric AS won_value, 0::float8 AS won_cycle_days
        FROM l WHERE created_at >= ${since}
      UNION ALL
      SELECT ${local(sql`at`)}, 0, won, lost, revenue, cycle_days
        FROM m WHERE at < ${asOf} AND at >= ${since} AND (won <> 0 OR lost <> 0)
    ) x
    GROUP BY day ORDER BY day`.execute(tx);
  return rows;
}

/** Per local day in [since, T) and team: net wins and losses as they happened (outcome moves, outcomes.ts), for the team they counted for. */
export interface TeamDayRow {
  day: string;
  team_id: string | null;
  won: number;
  lost: number;
}

/**
 * The decisions of each day by team: how much monthly win rates swing beyond coin flips once
 * each month's mix of teams is accounted for (forecasts.model.ts sharedSigma). The total's
 * swing alone mistakes a shift between teams that win at different rates for a shock that
 * moves every deal.
 */
export async function teamDecisions(tx: Tx, opts: { asOf: Date; since: Date; timeZone: string }): Promise<TeamDayRow[]> {
  const { asOf, since, timeZone } = opts;
  const { rows } = await sql<TeamDayRow>`
    WITH ${movesBefore(asOf)}
    SELECT to_char((m.at AT TIME ZONE ${timeZone})::date, 'YYYY-MM-DD') AS day, m.team_id,
           greatest(sum(m.won), 0)::int AS won, greatest(sum(m.lost), 0)::int AS lost
    FROM m WHERE m.at < ${asOf} AND m.at >= ${since}
    GROUP BY 1, 2 ORDER BY 1`.execute(tx);
  return rows;
}

/** Leads open at an instant (created before it, not standing decided then). */
export async function openCount(tx: Tx, at: Date): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    WITH ${movesBefore(at)}
    SELECT ((SELECT count(*) FROM l) + coalesce((SELECT sum(open_delta) FROM m WHERE m.at < ${at}), 0))::int AS n`.execute(tx);
  return rows[0]!.n;
}

/** The first lead's creation (the organization's history starts there). */
export async function firstLeadAt(tx: Tx, asOf: Date): Promise<Date | null> {
  const { rows } = await sql<{ at: Date | null }>`SELECT min(created_at) AS at FROM leads WHERE created_at < ${asOf}`.execute(tx);
  return rows[0]?.at ?? null;
}

export interface OpenDealRow {
  id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  company: string | null;
  source: string | null;
  team_id: string | null;
  created_at: Date;
  status: string;
  /** Win probability at T (null: none known then). */
  p: number | null;
  /** Value if won, known at T (null: not known; live only). */
  value: number | null;
}

/** The statuses that decide a lead (outcomes.ts: won, lost, unqualified). */
const DECIDED = sql`('closed_won', 'closed_lost', 'unqualified')`;

const STATUS_CHANGES = (l: string) => sql`e.organization_id = ${sql.ref(`${l}.organization_id`)} AND e.lead_id = ${sql.ref(`${l}.id`)} AND e.event_type = 'status_change'`;

export async function openDeals(tx: Tx, opts: { asOf: Date; live: boolean }): Promise<OpenDealRow[]> {
  const { asOf, live } = opts;
  // The status the lead had at T: its last change before T, else the status it was created
  // with (the first change's `from`), else — it never changed — its status.
  const statusAt = sql`coalesce(
    (SELECT e.properties->>'to' FROM journey_events e WHERE ${STATUS_CHANGES('l')} AND e.occurred_at < ${asOf} ORDER BY e.occurred_at DESC LIMIT 1),
    (SELECT e.properties->>'from' FROM journey_events e WHERE ${STATUS_CHANGES('l')} ORDER BY e.occurred_at ASC LIMIT 1),
    l.status::text)`;
  const scoreAt = sql`(SELECT s.conversion_probability FROM lead_scores s WHERE s.lead_id = l.id AND s.created_at <= ${asOf} ORDER BY s.created_at DESC LIMIT 1)`;
  // Deal values have no history: one entered after T (a quote, the won amount) must not be
  // seen as of T, so past origins value deals from the won deals before T (in the service).
  const value = live ? sql`coalesce(l.deal_value, ${expectedValue(sql.ref('l.predicted_value'))})` : sql`NULL::numeric`;
  // Open at T: by the status it had then when its changes were recorded (a lead won before T and
  // reopened since was not open at T; one won after T with a backdated close date was), else —
  // no recorded change — by the row's outcome dates (outcomes.ts).
  const openThen = live ? openAt(asOf) : sql<boolean>`CASE WHEN EXISTS (SELECT 1 FROM journey_events e WHERE ${STATUS_CHANGES('l')})
    THEN ${statusAt} NOT IN ${DECIDED} ELSE ${openAt(asOf)} END`;
  const { rows } = await sql<OpenDealRow>`
    SELECT l.id, l.first_name, l.last_name, l.email, l.company, l.source, l.team_id, l.created_at,
           ${live ? sql`l.status::text` : statusAt} AS status,
           (${live ? sql`l.conversion_probability` : scoreAt})::float8 AS p,
           (${value})::float8 AS value
    FROM leads l
    WHERE l.created_at < ${asOf} AND ${openThen}
    ORDER BY l.id`.execute(tx);
  return rows;
}

export interface WonDealRow {
  days: number;
  source: string | null;
  team_id: string | null;
  value: number | null;
  won_at: Date;
  /** When the win stopped standing (reopened or lost), null while it stands. */
  reverted_at: Date | null;
}

/**
 * Deals won in [since, T), newest first: their cycle (creation to win), value and when the win
 * stopped standing. A win is an outcome move (outcomes.ts): when it happened, whatever the
 * lead's status or close date is now. The caller keeps the wins standing at T (standingAt): a
 * win reverted before T is not one at T, and a lead won, reopened and won again before T is
 * one deal, with its last cycle; a read as of a later instant, cut at T the same way, holds
 * the same wins (backtests rely on it).
 */
/** A win that stood at T (won before it, not reverted by then). */
export const standingAt = (w: Pick<WonDealRow, 'won_at' | 'reverted_at'>, asOf: Date) =>
  w.won_at.getTime() < asOf.getTime() && (w.reverted_at === null || w.reverted_at.getTime() >= asOf.getTime());

export async function wonDeals(tx: Tx, opts: { asOf: Date; since: Date; limit: number }): Promise<WonDealRow[]> {
  const { rows } = await sql<WonDealRow>`
    WITH ${movesBefore(opts.asOf)}
    SELECT m.cycle_days AS days, l.source, l.team_id, l.deal_value::float8 AS value, m.at AS won_at, m.reverted_at
    FROM m JOIN l ON l.id = m.lead_id
    WHERE m.won = 1 AND m.at < ${opts.asOf} AND m.at >= ${opts.since} AND m.at >= l.created_at
    ORDER BY m.at DESC LIMIT ${opts.limit}`.execute(tx);
  return rows;
}

export interface StatusRateRow {
  /** The local day the leads were decided. */
  day: string;
  /** The local day that decision was reverted (reopened, or won after lost); null: it stands. */
  reverted: string | null;
  status: string;
  /** The leads' team (win rates differ between teams that sell to different customers). */
  team_id: string | null;
  /** Leads decided in the window that were at the status at some time. */
  leads: number;
  /** Days they spent at it: all, and those of the leads then won. */
  days: number;
  won_days: number;
}

/**
 * Per status, the chance that a lead found AT that status at a random moment is won: among
 * the leads decided in [since, T), the days spent at the status by the leads then won over
 * the days spent at it by all. Not "won among those that ever reached it": winners move
 * through the early steps faster, so an open lead seen at an early step is less likely a
 * winner than every lead that once passed it (measured on the demo data: 0.30 for
 * "contacted" by that count, 0.16 realised). Used for origins before the scores' history.
 * A decision is an outcome move (outcomes.ts) with the statuses before it; every decision
 * made in the window is returned with the day it was reverted, and the caller keeps those
 * standing at its origin (a read as of now, cut at an earlier origin, holds the same).
 */
export async function statusWinRates(tx: Tx, opts: { asOf: Date; since: Date; timeZone: string }): Promise<StatusRateRow[]> {
  const local = (at: RawBuilder<unknown>) => sql`to_char((${at} AT TIME ZONE ${opts.timeZone})::date, 'YYYY-MM-DD')`;
  const { rows } = await sql<StatusRateRow>`
    WITH ${movesBefore(opts.asOf)},
    d AS (
      SELECT l.id, l.organization_id, l.team_id, l.status::text AS status_now, l.created_at, m.won = 1 AS won, m.at AS decided_at,
             ${local(sql`m.at`)} AS day, ${local(sql`m.reverted_at`)} AS reverted
      FROM m JOIN l ON l.id = m.lead_id
      WHERE (m.won = 1 OR m.lost = 1) AND m.at < ${opts.asOf} AND m.at >= ${opts.since}
    ),
    seg AS (
      SELECT d.id, d.day, d.reverted, d.team_id, d.won, e.properties->>'to' AS status, e.occurred_at AS start,
             lead(e.occurred_at, 1, d.decided_at) OVER (PARTITION BY d.id, d.decided_at ORDER BY e.occurred_at, e.id) AS stop
      FROM d JOIN journey_events e ON ${STATUS_CHANGES('d')} AND e.occurred_at < d.decided_at
      UNION ALL
      SELECT d.id, d.day, d.reverted, d.team_id, d.won, coalesce(f.status, d.status_now), d.created_at, least(coalesce(f.at, d.decided_at), d.decided_at)
      FROM d LEFT JOIN LATERAL (
        SELECT e.properties->>'from' AS status, e.occurred_at AS at FROM journey_events e WHERE ${STATUS_CHANGES('d')} ORDER BY e.occurred_at, e.id LIMIT 1
      ) f ON true
    )
    SELECT day, reverted, status, team_id, count(DISTINCT id)::int AS leads,
           sum(extract(epoch FROM stop - start))::float8 / 86400 AS days,
           coalesce(sum(extract(epoch FROM stop - start)) FILTER (WHERE won), 0)::float8 / 86400 AS won_days
    FROM seg WHERE status IS NOT NULL AND stop > start
    GROUP BY day, reverted, status, team_id`.execute(tx);
  return rows;
}

/** Leads created per local day of [from, to), and how many of them stood won at T. */
export interface CohortDayRow {
  /** Days from the day's start to T (the leads' age at T, to the day). */
  age_days: number;
  created: number;
  won: number;
}

/**
 * The leads created in [from, to) by day of creation, and how many of each day stood won at T
 * (outcome moves before T: a win reverted by then does not count): the win rate of a new lead,
 * once each day's count is weighted by how much of its wins have had time to happen
 * (forecasts.model.ts newLeadRate).
 */
export async function cohortWins(tx: Tx, opts: { from: Date; to: Date; asOf: Date }): Promise<CohortDayRow[]> {
  const { rows } = await sql<CohortDayRow>`
    WITH l AS (SELECT * FROM leads WHERE created_at >= ${opts.from} AND created_at < ${opts.to}), m AS MATERIALIZED ${outcomeMoves('l')},
    w AS (SELECT lead_id FROM m WHERE at < ${opts.asOf} GROUP BY lead_id HAVING sum(won) > 0)
    SELECT extract(epoch FROM ${opts.asOf}::timestamptz - date_trunc('day', l.created_at))::float8 / 86400 AS age_days,
           count(*)::int AS created, count(w.lead_id)::int AS won
    FROM l LEFT JOIN w ON w.lead_id = l.id
    GROUP BY date_trunc('day', l.created_at)`.execute(tx);
  return rows;
}

export async function teamNames(tx: Tx): Promise<Map<string, string>> {
  const rows = await tx.selectFrom('teams').select(['id', 'name']).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

// ── forecast rows ─────────────────────────────────────────────────────────────────────

export interface ForecastWrite {
  forecast_type: ForecastType;
  period_start: string;
  period_end: string;
  granularity: string;
  predicted_value: number;
  confidence_lower: number;
  confidence_upper: number;
  model_version: string;
  key_drivers: JsonValue[];
  scenarios: JsonObject;
  run_id: string;
  made_as_of: Date;
  horizon: number;
  kind: 'forecast' | 'backtest';
}

export async function insertForecasts(tx: Tx, organizationId: string, rows: readonly ForecastWrite[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500).map((r) => ({ ...r, organization_id: organizationId, key_drivers: JSON.stringify(r.key_drivers), scenarios: JSON.stringify(r.scenarios) }));
    const result = await tx.insertInto('forecasts').values(chunk).executeTakeFirst();
    n += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return n;
}

const FORECAST_COLUMNS = [
  'id', 'forecast_type', 'period_start', 'period_end', 'granularity', 'predicted_value', 'confidence_lower', 'confidence_upper',
  'model_version', 'key_drivers', 'scenarios', 'created_at', 'made_as_of', 'horizon', 'kind', 'run_id',
] as const;

/** The rows of the latest forecast run (kind 'forecast') for a granularity. */
export async function latestRun(tx: Tx, granularity: string) {
  const latest = await tx.selectFrom('forecasts').select(['run_id', 'created_at']).where('granularity', '=', granularity).where('kind', '=', 'forecast')
    .orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  if (!latest) return { createdAt: null, rows: [] };
  const rows = await tx.selectFrom('forecasts').select(FORECAST_COLUMNS).where('granularity', '=', granularity)
    .where((eb) => (latest.run_id === null ? eb('created_at', '=', latest.created_at) : eb('run_id', '=', latest.run_id)))
    .orderBy('forecast_type').orderBy('period_start').execute();
  return { createdAt: latest.created_at, rows };
}

/**
 * Per type and period that ended before `today` (a local date; period_end is inclusive): the
 * forecast made latest while the period had not begun (made_as_of ≤ its local midnight) —
 * what was said beforehand — preferring one made then (kind 'forecast') to a backtest.
 */
export async function exAnteForecasts(tx: Tx, opts: { granularity: string; today: string; timeZone: string; since: string }) {
  return tx.selectFrom('forecasts').select(FORECAST_COLUMNS).distinctOn(['forecast_type', 'period_start'])
    .where('granularity', '=', opts.granularity)
    .where('period_end', '<', opts.today)
    .where('period_start', '>=', opts.since)
    .where(sql<boolean>`made_as_of <= (period_start::timestamp AT TIME ZONE ${opts.timeZone})`)
    // A forecast on record before the period wins over a backtest re-made for it later.
    .orderBy('forecast_type').orderBy('period_start').orderBy(sql`kind = 'forecast'`, 'desc').orderBy('made_as_of', 'desc').orderBy('created_at', 'desc')
    .execute();
}

/** Period starts (of a type and granularity) that already have a forecast made before they began. */
export async function periodsWithExAnte(tx: Tx, opts: { granularity: string; starts: readonly string[]; timeZone: string }): Promise<Set<string>> {
  if (opts.starts.length === 0) return new Set();
  const rows = await tx.selectFrom('forecasts').select(sql<string>`to_char(period_start, 'YYYY-MM-DD')`.as('start')).distinct()
    .where('granularity', '=', opts.granularity).where('forecast_type', '=', 'revenue')
    .where('period_start', 'in', [...opts.starts])
    .where(sql<boolean>`made_as_of <= (period_start::timestamp AT TIME ZONE ${opts.timeZone})`)
    .execute();
  return new Set(rows.map((r) => r.start));
}
