import { sql, type Kysely, type RawBuilder } from 'kysely';
import { leaveCoresToRequests } from '../../db/background-work.ts';
import type { DB, MetricsPeriod } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';
import { FUNNEL, funnelPosition, reachedAt } from '../dashboard/dashboard.figures.ts';
import { outcomeMoves, wonAt } from '../dashboard/outcomes.ts';

/**
 * The SQL of the team performance metrics: the rollup that fills performance_metrics from
 * leads, their status-change journey events and activities, and the reads behind the API.
 *
 * Who a figure counts for: the user (and team) who owned the lead when it happened. A status
 * change records the owner and team it left the lead with (journey event properties
 * `owner_id`, `team_id`; leads.queries.ts insertStatusChange), so:
 * - converted (won) and lost count for the owner on the status change that decided the lead
 *   (its last one, when that went to the lead's present status); reassigning a won lead
 *   later moves nothing;
 * - qualified counts for the owner on the change that first reached qualified or beyond;
 * - with no such event (imported history, a lead created decided, events written before
 *   owners were recorded), the lead's current owner and team;
 * - created, and the open leads behind sales velocity, count for the current owner and team
 *   (whose book the lead is in); activities for the activity's user, and that user's team.
 * The organization's rows count every lead and activity, owned or not.
 */

const QUALIFIED = FUNNEL.indexOf('qualified') + 1;
/** Stands for "no user" / "no team" in keys compared with = (never a real id). */
const NIL = sql`'00000000-0000-0000-0000-000000000000'::uuid`;
/** The most performance_metrics.sales_velocity, DECIMAL(10,2), holds. */
const MAX_VELOCITY = sql.lit(99_999_999.99);

export const PERIOD_UNITS: Record<MetricsPeriod, string> = { day: 'day', week: 'week', month: 'month', quarter: 'quarter' };
/** A period's length as an interval ('1 quarter' is not one). */
const PERIOD_LENGTHS: Record<MetricsPeriod, string> = { day: '1 day', week: '7 days', month: '1 month', quarter: '3 months' };

/** The organization's time zone setting (validated by the caller). */
export async function organizationTimeZone(tx: Tx, organizationId: string): Promise<string | null> {
  const { rows } = await sql<{ tz: string | null }>`SELECT settings->>'timezone' AS tz FROM organizations WHERE id = ${organizationId}`.execute(tx);
  return rows[0]?.tz ?? null;
}

/**
 * Takes every waiting change marker of the organization (deleted; back if the transaction
 * rolls back): the earliest instant they moved, and whether one asked for everything
 * ('-infinity': a new time zone, someone changing team).
 */
export async function takeChangeMarkers(tx: Tx, organizationId: string): Promise<{ since: Date | null; full: boolean; count: number }> {
  const { rows } = await sql<{ since: Date | null; full: boolean | null; n: string }>`
    WITH taken AS (DELETE FROM performance_metrics_dirty WHERE organization_id = ${organizationId} RETURNING since)
    SELECT min(since) FILTER (WHERE since <> '-infinity') AS since, bool_or(since = '-infinity') AS full, count(*) AS n FROM taken`.execute(tx);
  return { since: rows[0]?.since ?? null, full: rows[0]?.full === true, count: Number(rows[0]?.n ?? 0) };
}

/** Organizations whose figures changed since their last rollup (the owner role: every organization). */
export async function organizationsWithMarkers(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`SELECT DISTINCT organization_id AS id FROM performance_metrics_dirty ORDER BY 1`.execute(db);
  return rows.map((r) => r.id);
}

/** Serializes scheduling the sweep (see ensureSweep). */
export async function lockSweepSchedule(tx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('metrics.sweep', 0))`.execute(tx);
}

export async function sweepQueued(tx: Tx): Promise<boolean> {
  const { rows } = await sql<{ id: number }>`SELECT id FROM jobs WHERE queue = 'metrics.sweep' AND status = 'queued' LIMIT 1`.execute(tx);
  return rows.length > 0;
}

/** Serializes rollups of one organization (two workers, or a worker and the CLI): the second waits. */
export async function lockRollup(tx: Tx, organizationId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`metrics.rollup:${organizationId}`}, 0))`.execute(tx);
}

/** The instant a local day starts in a zone. */
export async function startOfLocalDay(tx: Tx, date: string, timeZone: string): Promise<Date> {
  const { rows } = await sql<{ at: Date }>`SELECT (${date}::date::timestamp AT TIME ZONE ${timeZone}) AS at`.execute(tx);
  return new Date(rows[0]!.at);
}

/**
 * Per period kind, the first period to recompute when the changes reach back to `since`
 * (the period containing it, in the zone), as a local date and as the instant it starts.
 */
export async function recomputeBounds(tx: Tx, since: Date, timeZone: string): Promise<Record<MetricsPeriod, { fromDate: string; fromAt: Date }>> {
  const { rows } = await sql<{ period: MetricsPeriod; from_date: string; from_at: Date }>`
    SELECT p.period, b.from_date::text AS from_date, (b.from_date::timestamp AT TIME ZONE ${timeZone}) AS from_at
    FROM unnest(ARRAY['day', 'week', 'month', 'quarter']) AS p(period)
    CROSS JOIN LATERAL (SELECT date_trunc(p.period, ${since}::timestamptz AT TIME ZONE ${timeZone})::date AS from_date) AS b`.execute(tx);
  return Object.fromEntries(rows.map((r) => [r.period, { fromDate: r.from_date, fromAt: new Date(r.from_at) }])) as Record<MetricsPeriod, { fromDate: string; fromAt: Date }>;
}

/**
 * Stage 1: every fact of the rollup (a lead created, first qualified, won, lost; an open lead
 * coming or going; an activity completed), summed per local day, user and team into a
 * temporary table that the period stages read. `lower` (null: everything) keeps only the
 * leads with something on or after it, and the activities completed since.
 */
export async function buildDays(tx: Tx, organizationId: string, timeZone: string, lower: Date | null): Promise<number> {
  // Sorting and hashing millions of facts: in memory, not in 4 MB spills (SET LOCAL: this
  // transaction only).
  await sql`SET LOCAL work_mem = '256MB'`.execute(tx);
  // The sweep's incremental rollups (every 30 s while leads change) leave a core to requests;
  // a full one (the first, or a refresh asked for) keeps PostgreSQL's parallel workers: it is
  // rare, and at 1M leads it must end within its minute (bench:metrics).
  if (lower) await leaveCoresToRequests(tx);
  await sql`CREATE TEMPORARY TABLE metrics_days ON COMMIT DROP AS ${daysQuery(organizationId, timeZone, lower)}`.execute(tx);
  const count = await sql<{ n: string }>`SELECT count(*) AS n FROM metrics_days`.execute(tx);
  return Number(count.rows[0]!.n);
}

/** The statement behind buildDays (exported for EXPLAIN in the benchmark). */
export function daysQuery(organizationId: string, timeZone: string, lower: Date | null) {
  const recent = lower ? sql`AND ${touchedSince(lower)}` : sql``;
  const eventsOf = lower ? sql`AND je.lead_id IN (SELECT id FROM l0)` : sql``;
  const activitiesSince = lower ? sql`AND a.completed_at >= ${lower}` : sql``;
  // The owner (team) an event recorded, as text: '' when the lead had none then (JSON null),
  // NULL when the event recorded none (written before owners were). Extracted once per event,
  // in the parallel scan; per lead only these texts are compared (the jsonb work per lead took
  // 100 of 166 s at 1 M leads).
  const recorded = (key: string) => sql`CASE WHEN je.properties ? ${key} THEN coalesce(je.properties->>${key}, '') END`;
  const ownerOr = (text: RawBuilder<unknown>, current: RawBuilder<unknown>) => sql`CASE WHEN ${text} IS NULL THEN ${current} ELSE nullif(${text}, '')::uuid END`;
  return sql`
    WITH l0 AS MATERIALIZED (
      SELECT id, organization_id, assigned_to, team_id, status, created_at, closed_at, status_changed_at, deal_value, ${wonAt('leads')} AS won_at
      FROM leads WHERE organization_id = ${organizationId} ${recent}
    ), moves AS MATERIALIZED ${outcomeMoves('l0', organizationId)}
    , ev AS (
      -- Per lead, over its status changes in time order (sorted once below, so array_agg keeps
      -- that order without a sort per lead: ~3 M events at 1 M leads): the first reach of
      -- qualified or beyond, and who owned the lead then.
      SELECT s.lead_id, count(*) AS moves,
             min(s.occurred_at) FILTER (WHERE s.pos_to >= ${sql.lit(QUALIFIED)}) AS at_q,
             min(s.occurred_at) FILTER (WHERE s.pos_from >= ${sql.lit(QUALIFIED)}) AS left_q,
             (array_agg(s.owner) FILTER (WHERE s.pos_to >= ${sql.lit(QUALIFIED)}))[1] AS reach_owner,
             (array_agg(s.team) FILTER (WHERE s.pos_to >= ${sql.lit(QUALIFIED)}))[1] AS reach_team
      FROM (
        SELECT je.lead_id, je.occurred_at, ${recorded('owner_id')} AS owner, ${recorded('team_id')} AS team,
               ${funnelPosition(sql`je.properties->>'to'`)} AS pos_to, ${funnelPosition(sql`je.properties->>'from'`)} AS pos_from
        FROM journey_events AS je
        WHERE je.organization_id = ${organizationId} AND je.event_type = 'status_change' ${eventsOf}
        ORDER BY je.lead_id, je.occurred_at, je.id
      ) AS s
      GROUP BY s.lead_id
    ), l AS MATERIALIZED (
      -- Materialized: each lead's dates and owners computed once, then read by the facts below.
      SELECT l1.*,
             CASE WHEN l1.qualified_at = l1.at_q THEN ${ownerOr(sql`l1.reach_owner`, sql`l1.assigned_to`)} ELSE l1.assigned_to END AS qualified_user,
             CASE WHEN l1.qualified_at = l1.at_q THEN ${ownerOr(sql`l1.reach_team`, sql`l1.team_id`)} ELSE l1.team_id END AS qualified_team
      FROM (
        SELECT l0.id, l0.assigned_to, l0.team_id, l0.created_at, ev.at_q, ev.reach_owner, ev.reach_team,
               ${reachedAt(QUALIFIED, { at: sql`ev.at_q`, left: sql`ev.left_q`, moves: sql`ev.moves`, status: sql`l0.status`, createdAt: sql`l0.created_at`, wonAt: sql`l0.won_at` })} AS qualified_at
        FROM l0 LEFT JOIN ev ON ev.lead_id = l0.id
      ) AS l1
    ), facts AS (
      SELECT l.created_at AS at, l.assigned_to AS user_id, l.team_id, 1 AS created, 0 AS qualified, 0 AS won, 0 AS lost, 0::numeric AS revenue, 0::float8 AS cycle_days, 1 AS open_delta, 0 AS activities
      FROM l
      UNION ALL
      SELECT l.qualified_at, l.qualified_user, l.qualified_team, 0, 1, 0, 0, 0, 0, 0, 0 FROM l WHERE l.qualified_at IS NOT NULL
      UNION ALL
      -- Wins and losses as they happened, and their reversals (outcomes.ts), for whom they
      -- counted; the open leads they move in and out of count for the current owner (whose book).
      SELECT m.at, m.user_id, m.team_id, 0, 0, m.won, m.lost, m.revenue, m.cycle_days, 0, 0 FROM moves AS m
      UNION ALL
      -- (Never before the lead came in: an imported close date can be earlier.)
      SELECT greatest(m.at, l0.created_at), l0.assigned_to, l0.team_id, 0, 0, 0, 0, 0, 0, m.open_delta, 0 FROM moves AS m JOIN l0 ON l0.id = m.lead_id
      UNION ALL
      SELECT a.completed_at, a.user_id, u.team_id, 0, 0, 0, 0, 0::numeric, 0::float8, 0, 1
      FROM activities AS a LEFT JOIN users AS u ON u.id = a.user_id
      WHERE a.organization_id = ${organizationId} AND a.completed_at IS NOT NULL ${activitiesSince}
    )
    SELECT (f.at AT TIME ZONE ${timeZone})::date AS day, f.user_id, f.team_id,
           sum(f.created)::int AS created, sum(f.qualified)::int AS qualified, sum(f.won)::int AS won, sum(f.lost)::int AS lost,
           sum(f.revenue) AS revenue, sum(f.cycle_days) AS cycle_days, sum(f.open_delta)::int AS open_delta, sum(f.activities)::int AS activities
    FROM facts AS f
    GROUP BY 1, 2, 3`;
}

/** Leads with something on or after `lower` (created, moved or closed): the ones buildDays reads. */
function touchedSince(lower: Date) {
  return sql`(created_at >= ${lower} OR status_changed_at >= ${lower} OR closed_at >= ${lower})`;
}

/**
 * Open leads per owner, team and the organization at the start of the local day `fromDate`,
 * the first recomputed (their current owner's). A lead untouched since `lower` (≤ that day)
 * is as it was then: open if open now. The others are in metrics_days: their creations and
 * outcome moves before that day (outcomes.ts) say whether they were open.
 */
function openAtStart(organizationId: string, lower: Date, fromDate: string) {
  return sql`
    SELECT CASE grouping(o.user_id, o.team_id) WHEN 1 THEN 'user' WHEN 2 THEN 'team' ELSE 'organization' END AS level,
           CASE WHEN grouping(o.user_id) = 0 THEN o.user_id END AS user_id,
           CASE WHEN grouping(o.team_id) = 0 THEN o.team_id END AS team_id,
           sum(o.n)::int AS open
    FROM (
      SELECT assigned_to AS user_id, team_id, 1 AS n FROM leads
      WHERE organization_id = ${organizationId} AND NOT coalesce(${touchedSince(lower)}, false) AND status NOT IN ('closed_won', 'closed_lost', 'unqualified')
      UNION ALL
      SELECT d.user_id, d.team_id, d.open_delta FROM metrics_days AS d WHERE d.day < ${fromDate}::date AND d.open_delta <> 0
    ) AS o
    GROUP BY GROUPING SETS ((o.user_id), (o.team_id), ())`;
}

/**
 * Stage 2, one kind of period: the day rows summed per period for each user, each team and
 * the organization, written into performance_metrics (upsert on the row's key; rows no longer
 * produced in the recomputed range deleted). `from` (null: every period) is the first period
 * recomputed, with the instant it starts. Rows are written only for periods where something
 * happened (a lead created, qualified, won or lost; an activity completed).
 *
 * Sales velocity, money per day: open leads at the period's end × win rate × average deal size
 * ÷ average sales cycle in days, where the win rate is won ÷ (won + lost) in the period
 * (outcomes.ts), the average deal size revenue won ÷ leads won, the cycle of a won deal the
 * days from the lead's creation to its win (averaged over the period's wins, at least one day:
 * a deal won the day it came in does not divide by nearly zero), and the open leads those
 * created by the period's end and not yet won or lost then, counted for their current owner.
 * 0 when the period had decisions but no win; null without any decision (no win rate).
 * The spec's column is DECIMAL(10,2): a figure beyond it (a huge organization's day with one
 * quick large win) is stored at its maximum, 99,999,999.99.
 */
export async function writePeriod(tx: Tx, organizationId: string, period: MetricsPeriod, from: { fromDate: string; fromAt: Date; lower: Date } | null): Promise<{ written: number; deleted: number }> {
  const unit = PERIOD_UNITS[period];
  const inRange = from ? sql`WHERE d.day >= ${from.fromDate}::date` : sql``;
  const base = from ? openAtStart(organizationId, from.lower, from.fromDate) : sql`SELECT NULL::text AS level, NULL::uuid AS user_id, NULL::uuid AS team_id, 0 AS open WHERE false`;
  const stale = from ? sql`AND m.period_start >= ${from.fromDate}::date` : sql``;
  const { rows } = await sql<{ written: string; deleted: string }>`
    WITH b AS (
      SELECT date_trunc(${unit}, d.day::timestamp)::date AS period_start, d.*
      FROM metrics_days AS d ${inRange}
    ), g AS (
      SELECT b.period_start,
             CASE grouping(b.user_id, b.team_id) WHEN 1 THEN 'user' WHEN 2 THEN 'team' ELSE 'organization' END AS level,
             CASE WHEN grouping(b.user_id) = 0 THEN b.user_id END AS user_id,
             CASE WHEN grouping(b.team_id) = 0 THEN b.team_id END AS team_id,
             sum(b.created)::int AS created, sum(b.qualified)::int AS qualified, sum(b.won)::int AS won, sum(b.lost)::int AS lost,
             sum(b.revenue) AS revenue, sum(b.cycle_days) AS cycle_days, sum(b.open_delta)::int AS open_delta, sum(b.activities)::int AS activities
      FROM b
      GROUP BY GROUPING SETS ((b.period_start, b.user_id), (b.period_start, b.team_id), (b.period_start))
    ), base AS (${base}
    ), k AS (
      SELECT g.*, coalesce(base.open, 0) + sum(g.open_delta) OVER (PARTITION BY g.level, g.user_id, g.team_id ORDER BY g.period_start) AS open_at_end
      FROM g LEFT JOIN base ON base.level = g.level AND coalesce(base.user_id, ${NIL}) = coalesce(g.user_id, ${NIL}) AND coalesce(base.team_id, ${NIL}) = coalesce(g.team_id, ${NIL})
      -- Leads without an owner (team) count for the organization only; someone removed since
      -- (an owner recorded on an old event) too.
      WHERE g.level = 'organization'
         OR (g.level = 'user' AND g.user_id IN (SELECT id FROM users))
         OR (g.level = 'team' AND g.team_id IN (SELECT id FROM teams))
    ), fresh AS MATERIALIZED (
      SELECT k.user_id, k.team_id, k.period_start,
             (k.period_start + ${PERIOD_LENGTHS[period]}::interval - interval '1 day')::date AS period_end,
             k.created, k.qualified, k.won, round(k.revenue, 2) AS revenue, k.activities,
             CASE WHEN k.w + k.d > 0 THEN round(k.w::numeric / (k.w + k.d), 4) END AS conversion_rate,
             CASE WHEN k.won > 0 THEN round(k.revenue / k.won, 2) END AS average_deal_size,
             CASE WHEN k.w + k.d = 0 THEN NULL
                  WHEN k.won <= 0 THEN 0
                  ELSE least(greatest(round((greatest(k.open_at_end, 0) * (k.w::numeric / (k.w + k.d)) * (k.revenue / k.won) / greatest(k.cycle_days / k.won, 1))::numeric, 2), 0), ${MAX_VELOCITY}) END AS sales_velocity
      -- w, d: the period's net wins and losses floored at 0, for its win rate (outcomes.ts).
      FROM (SELECT k.*, greatest(k.won, 0) AS w, greatest(k.lost, 0) AS d FROM k) AS k
      -- Something happened (a reversal alone too: its −1 is the period's figure).
      WHERE k.created <> 0 OR k.qualified <> 0 OR k.won <> 0 OR k.lost <> 0 OR k.activities <> 0 OR k.revenue <> 0
    ), upserted AS (
      INSERT INTO performance_metrics AS m (organization_id, user_id, team_id, period, period_start, period_end,
        leads_created, leads_qualified, leads_converted, revenue_generated, activities_completed, conversion_rate, average_deal_size, sales_velocity)
      SELECT ${organizationId}, f.user_id, f.team_id, ${period}, f.period_start, f.period_end,
             f.created, f.qualified, f.won, f.revenue, f.activities, f.conversion_rate, f.average_deal_size, f.sales_velocity
      FROM fresh AS f
      ON CONFLICT (organization_id, period, period_start, user_id, team_id) DO UPDATE SET
        period_end = excluded.period_end, leads_created = excluded.leads_created, leads_qualified = excluded.leads_qualified,
        leads_converted = excluded.leads_converted, revenue_generated = excluded.revenue_generated,
        activities_completed = excluded.activities_completed, conversion_rate = excluded.conversion_rate,
        average_deal_size = excluded.average_deal_size, sales_velocity = excluded.sales_velocity, created_at = now()
      -- A re-run that finds the same figures writes nothing.
      WHERE (m.period_end, m.leads_created, m.leads_qualified, m.leads_converted, m.revenue_generated, m.activities_completed, m.conversion_rate, m.average_deal_size, m.sales_velocity)
        IS DISTINCT FROM (excluded.period_end, excluded.leads_created, excluded.leads_qualified, excluded.leads_converted, excluded.revenue_generated, excluded.activities_completed, excluded.conversion_rate, excluded.average_deal_size, excluded.sales_velocity)
      RETURNING 1
    ), deleted AS (
      DELETE FROM performance_metrics AS m
      WHERE m.organization_id = ${organizationId} AND m.period = ${period} ${stale}
        -- Keys compared with = on coalesced ids (IS NOT DISTINCT FROM cannot be hashed: a nested
        -- loop over thousands of day rows took 15 s at 1 M leads).
        AND (m.period_start, coalesce(m.user_id, ${NIL}), coalesce(m.team_id, ${NIL})) NOT IN (SELECT f.period_start, coalesce(f.user_id, ${NIL}), coalesce(f.team_id, ${NIL}) FROM fresh AS f)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM upserted) AS written, (SELECT count(*) FROM deleted) AS deleted`.execute(tx);
  return { written: Number(rows[0]!.written), deleted: Number(rows[0]!.deleted) };
}

export interface MetricsRow {
  user_id: string | null;
  team_id: string | null;
  period_start: string;
  period_end: string;
  leads_created: number;
  leads_qualified: number;
  leads_converted: number;
  revenue_generated: string;
  activities_completed: number;
  conversion_rate: string | null;
  average_deal_size: string | null;
  sales_velocity: string | null;
  created_at: Date;
}

/** Stored rows of one kind of period between two period starts (inclusive), for these subjects. */
export async function readRows(tx: Tx, period: MetricsPeriod, fromStart: string, toStart: string, subjects: { organization: boolean; teamIds: string[] | 'all'; userIds: string[] | 'all' }) {
  const ors: RawBuilder<unknown>[] = [];
  if (subjects.organization) ors.push(sql`(user_id IS NULL AND team_id IS NULL)`);
  if (subjects.teamIds === 'all') ors.push(sql`(user_id IS NULL AND team_id IS NOT NULL)`);
  else if (subjects.teamIds.length > 0) ors.push(sql`(user_id IS NULL AND team_id = ANY(${subjects.teamIds}::uuid[]))`);
  if (subjects.userIds === 'all') ors.push(sql`user_id IS NOT NULL`);
  else if (subjects.userIds.length > 0) ors.push(sql`user_id = ANY(${subjects.userIds}::uuid[])`);
  if (ors.length === 0) return [];
  const { rows } = await sql<MetricsRow>`
    SELECT user_id, team_id, period_start::text AS period_start, period_end::text AS period_end, leads_created, leads_qualified, leads_converted,
           revenue_generated, activities_completed, conversion_rate, average_deal_size, sales_velocity, created_at
    FROM performance_metrics
    WHERE period = ${period} AND period_start BETWEEN ${fromStart}::date AND ${toStart}::date AND (${sql.join(ors, sql` OR `)})
    ORDER BY period_start`.execute(tx);
  return rows;
}

/** The people and teams of the organization (for names, membership and who manages what). */
export async function people(tx: Tx) {
  const [users, teams] = await Promise.all([
    tx.selectFrom('users').select(['id', 'full_name', 'email', 'role', 'team_id', 'is_active']).orderBy('full_name').execute(),
    tx.selectFrom('teams').select(['id', 'name', 'manager_id']).orderBy('name').execute(),
  ]);
  return { users, teams };
}

/** When the organization's metrics were last computed (null: never). */
export async function lastComputed(tx: Tx): Promise<Date | null> {
  const { rows } = await sql<{ at: Date | null }>`SELECT max(created_at) AS at FROM performance_metrics`.execute(tx);
  return rows[0]?.at ?? null;
}
