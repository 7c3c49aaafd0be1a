import { sql } from 'kysely';
import type { LeadStatus } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';
import type { LeadScope } from '../auth/permissions.ts';
import { leadIdInScope, scopeCondition } from '../leads/leads.queries.ts';

/**
 * Read-model aggregates for the dashboard and the pipeline board. They read leads, their
 * status-change journey events and score history; every statement is cut to the caller's
 * lead scope (and to the organization by Row Level Security).
 */

/** The forward path of a deal; other statuses (lost, nurturing, unqualified) sit beside it. */
export const FUNNEL: readonly LeadStatus[] = ['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'closed_won'];
export const OPEN_STATUSES: readonly LeadStatus[] = ['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'nurturing'];

const funnelArray = sql`ARRAY[${sql.join(FUNNEL.map((s) => sql.lit(s)))}]::text[]`;

/**
 * How far each lead created since `from` got along the funnel: the furthest of its current
 * status and every status it was moved to (journey events), counted per step.
 */
export async function funnelReach(tx: Tx, scope: LeadScope, from: Date) {
  const rows = await tx
    .with('cohort', (db) => db.selectFrom('leads').select(['id', 'status']).where(scopeCondition(scope)).where('created_at', '>=', from))
    .selectFrom('cohort as c')
    .leftJoin('journey_events as je', (join) => join.onRef('je.lead_id', '=', 'c.id').on('je.event_type', '=', 'status_change'))
    .select(sql<number>`greatest(0, coalesce(array_position(${funnelArray}, c.status::text), 0) - 1, coalesce(max(array_position(${funnelArray}, je.properties->>'to')), 0) - 1)`.as('reached'))
    .select(sql<boolean>`c.status IN ('closed_lost', 'unqualified')`.as('lost'))
    .groupBy(['c.id', 'c.status'])
    .execute();
  const reached = new Array<number>(FUNNEL.length).fill(0);
  let lost = 0;
  for (const r of rows) {
    for (let k = 0; k <= Number(r.reached); k++) reached[k]!++;
    if (r.lost) lost++;
  }
  return { reached, lost };
}

/** New and won leads and revenue, in [from, to) and in the period before it. */
export async function leadKpis(tx: Tx, scope: LeadScope, previousFrom: Date, from: Date, to: Date) {
  const won = sql`status = 'closed_won'`;
  return tx
    .selectFrom('leads')
    .where(scopeCondition(scope))
    .where((eb) => eb.or([eb('created_at', '>=', previousFrom), eb('closed_at', '>=', previousFrom)]))
    .select([
      sql<string>`count(*) FILTER (WHERE created_at >= ${from} AND created_at < ${to})`.as('new_current'),
      sql<string>`count(*) FILTER (WHERE created_at >= ${previousFrom} AND created_at < ${from})`.as('new_previous'),
      sql<string>`count(*) FILTER (WHERE ${won} AND closed_at >= ${from} AND closed_at < ${to})`.as('won_current'),
      sql<string>`count(*) FILTER (WHERE ${won} AND closed_at >= ${previousFrom} AND closed_at < ${from})`.as('won_previous'),
      sql<string | null>`sum(deal_value) FILTER (WHERE ${won} AND closed_at >= ${from} AND closed_at < ${to})`.as('revenue_current'),
      sql<string | null>`sum(deal_value) FILTER (WHERE ${won} AND closed_at >= ${previousFrom} AND closed_at < ${from})`.as('revenue_previous'),
    ])
    .executeTakeFirstOrThrow();
}

/** Qualified and every step after it: a lead at any of these has been qualified. */
const QUALIFIED_OR_LATER = FUNNEL.slice(FUNNEL.indexOf('qualified'));
const qualifiedList = sql.join(QUALIFIED_OR_LATER.map((s) => sql.lit(s)));

/**
 * Leads that reached qualified (or a later step: a deal moved straight to proposal or won
 * was qualified too) in [from, to) and in the period before it, each counted once, when it
 * first got there: its first status change to such a step, or, for a lead whose status never
 * changed (created or imported at that step), its creation. Matches the funnel's reading of
 * "reached", so the KPI never says 0 qualified beside won deals.
 */
export async function qualifiedKpis(tx: Tx, scope: LeadScope, previousFrom: Date, from: Date, to: Date) {
  const { rows } = await sql<{ current: string; previous: string }>`
    WITH reached AS (
      SELECT je.lead_id, min(je.occurred_at) AS at
      FROM journey_events AS je
      WHERE je.event_type = 'status_change' AND je.properties->>'to' IN (${qualifiedList})
        AND je.occurred_at >= ${previousFrom} AND je.occurred_at < ${to} AND ${leadIdInScope(scope)}
        AND NOT EXISTS (
          SELECT 1 FROM journey_events AS p
          WHERE p.lead_id = je.lead_id AND p.event_type = 'status_change' AND p.properties->>'to' IN (${qualifiedList}) AND p.occurred_at < ${previousFrom})
      GROUP BY je.lead_id
      UNION ALL
      SELECT lead_id, at FROM (
        SELECT l.id AS lead_id, l.created_at AS at FROM leads AS l
        WHERE l.status IN (${qualifiedList}) AND l.created_at >= ${previousFrom} AND l.created_at < ${to}
          AND NOT EXISTS (SELECT 1 FROM journey_events AS e WHERE e.lead_id = l.id AND e.event_type = 'status_change')
      ) AS created
      WHERE ${leadIdInScope(scope)}
    )
    SELECT count(*) FILTER (WHERE at >= ${from}) AS current, count(*) FILTER (WHERE at < ${from}) AS previous FROM reached`.execute(tx);
  return rows[0]!;
}

const SUMMARY = ['l.id', 'l.first_name', 'l.last_name', 'l.company', 'l.status', 'l.current_score', 'l.assigned_to'] as const;

/**
 * Open leads with a high score, ranked by score plus what they gained in the last week
 * (against their last score before `since`, or their first score when they are newer).
 * Only the 200 best-scored open leads are considered, read from the score index.
 */
export async function hotLeads(tx: Tx, scope: LeadScope, since: Date, limit: number) {
  return tx
    .selectFrom((db) =>
      db.selectFrom('leads').selectAll().where(scopeCondition(scope)).where('status', 'in', [...OPEN_STATUSES]).where('current_score', '>', 0)
        .orderBy('current_score', 'desc').orderBy('id', 'desc').limit(200).as('l'),
    )
    .leftJoinLateral(
      (db) => db.selectFrom('lead_scores as s').select('s.score').whereRef('s.lead_id', '=', 'l.id')
        .orderBy(sql`s.created_at <= ${since}`, 'desc')
        .orderBy(sql`CASE WHEN s.created_at <= ${since} THEN s.created_at END`, (ob) => ob.desc().nullsLast())
        .orderBy('s.created_at', 'asc')
        .limit(1).as('before'),
      (join) => join.onTrue(),
    )
    .select(SUMMARY)
    .select(sql<number>`l.current_score - coalesce(before.score, l.current_score)`.as('score_change'))
    .orderBy(sql`l.current_score + greatest(0, l.current_score - coalesce(before.score, l.current_score))`, 'desc')
    .orderBy('l.id')
    .limit(limit)
    .execute();
}

/** Open leads assigned to the user with a follow-up before `until`, soonest first. */
export async function followUps(tx: Tx, userId: string, from: Date | null, until: Date, limit: number) {
  let base = tx
    .selectFrom('leads as l')
    .where('l.assigned_to', '=', userId)
    .where('l.status', 'in', [...OPEN_STATUSES])
    .where('l.next_follow_up_at', '<', until);
  if (from) base = base.where('l.next_follow_up_at', '>=', from);
  const [rows, count] = await Promise.all([
    base.select(SUMMARY).select('l.next_follow_up_at').orderBy('l.next_follow_up_at').orderBy('l.id').limit(limit).execute(),
    base.select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map((r) => ({ ...r, next_follow_up_at: r.next_follow_up_at! })), count: Number(count.n) };
}

/** Start of today and of tomorrow in a time zone, as instants. */
export async function dayBounds(tx: Tx, timeZone: string) {
  return sql<{ start: Date; end: Date }>`
    SELECT (date_trunc('day', now() AT TIME ZONE ${timeZone}) AT TIME ZONE ${timeZone}) AS start,
           ((date_trunc('day', now() AT TIME ZONE ${timeZone}) + interval '1 day') AT TIME ZONE ${timeZone}) AS end`
    .execute(tx)
    .then((r) => r.rows[0]!);
}

/** Count and value per status. Value: the deal value, else the predicted one. */
export async function pipelineColumns(tx: Tx, scope: LeadScope, filter: { assignedTo?: string; teamId?: string }) {
  let query = tx.selectFrom('leads').where(scopeCondition(scope));
  if (filter.assignedTo) query = query.where('assigned_to', '=', filter.assignedTo);
  if (filter.teamId) query = query.where('team_id', '=', filter.teamId);
  const value = sql`coalesce(deal_value, predicted_value, 0)`;
  const probability = sql`CASE status WHEN 'closed_won' THEN 1 WHEN 'closed_lost' THEN 0 WHEN 'unqualified' THEN 0 ELSE coalesce(conversion_probability, current_score / 100.0) END`;
  return query
    .select('status')
    .select([
      sql<string>`count(*)`.as('count'),
      sql<string>`sum(${value})`.as('total_value'),
      sql<string>`sum(${value} * ${probability})`.as('weighted_value'),
    ])
    .groupBy('status')
    .execute();
}
