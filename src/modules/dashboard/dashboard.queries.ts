import { sql } from 'kysely';
import type { LeadStatus } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';
import type { LeadScope } from '../auth/permissions.ts';
import { scopeCondition } from '../leads/leads.queries.ts';
import { expectedValue } from './expected-value.ts';

/**
 * Read-model aggregates for the dashboard and the pipeline board (the period's figures, KPI
 * cards and funnel, are defined in dashboard.figures.ts). Every statement is cut to the
 * caller's lead scope (and to the organization by Row Level Security).
 */

export const OPEN_STATUSES: readonly LeadStatus[] = ['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'nurturing'];

// The email too: a lead may have only an email to be called by (web/src/lib/lead-name.ts).
const SUMMARY = ['l.id', 'l.first_name', 'l.last_name', 'l.email', 'l.company', 'l.status', 'l.current_score', 'l.assigned_to'] as const;

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

/**
 * Count and value per status. A decided lead (won, lost, unqualified) counts with its deal
 * value only: a prediction says nothing about a decided deal, and the dashboard's revenue won
 * counts deal values alone. An open lead counts with its deal value, else its predicted value
 * as an expected value (expectedValue: the stored median × the model's mean factor); that
 * predicted part is also summed alone, so the board can say how much of a total is predicted.
 * The weighted forecast is value × probability over the same values. `no_value_count`: the
 * leads that add nothing for want of a value (decided without a deal value, open without either).
 */
export async function pipelineColumns(tx: Tx, scope: LeadScope, filter: { assignedTo?: string; teamId?: string }) {
  let query = tx.selectFrom('leads').where(scopeCondition(scope));
  if (filter.assignedTo) query = query.where('assigned_to', '=', filter.assignedTo);
  if (filter.teamId) query = query.where('team_id', '=', filter.teamId);
  const decided = sql`status IN ('closed_won', 'closed_lost', 'unqualified')`;
  const predicted = sql`CASE WHEN NOT ${decided} AND deal_value IS NULL THEN ${expectedValue()} END`;
  const value = sql`coalesce(deal_value, ${predicted})`;
  const probability = sql`CASE status WHEN 'closed_won' THEN 1 WHEN 'closed_lost' THEN 0 WHEN 'unqualified' THEN 0 ELSE coalesce(conversion_probability, current_score / 100.0) END`;
  return query
    .select('status')
    .select([
      sql<string>`count(*)`.as('count'),
      sql<string>`coalesce(sum(${value}), 0)`.as('total_value'),
      sql<string>`coalesce(sum(${value} * ${probability}), 0)`.as('weighted_value'),
      sql<string>`coalesce(sum(${predicted}), 0)`.as('predicted_value'),
      sql<string>`count(${predicted})`.as('predicted_count'),
      sql<string>`count(*) FILTER (WHERE ${value} IS NULL)`.as('no_value_count'),
    ])
    .groupBy('status')
    .execute();
}
