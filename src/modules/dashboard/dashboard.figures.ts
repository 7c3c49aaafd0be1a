import { sql, type RawBuilder } from 'kysely';
import type { LeadStatus } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';
import type { LeadScope } from '../auth/permissions.ts';
import { scopeCondition } from '../leads/leads.queries.ts';
import { outcomeMoves, wonAt } from './outcomes.ts';

/**
 * The dashboard's figures, each defined once, here. The KPI cards and the funnel both read
 * these numbers, so "Won" above the funnel and the funnel's "Closed won" are one figure and
 * cannot disagree (they did when the funnel followed the leads created in the period and the
 * cards counted what happened in it: "Won 58" above "Closed won 0").
 *
 * Every figure counts what HAPPENED in the period [from, to), whenever the lead was created:
 *
 * - New (step `new`): leads created in the period.
 * - Reached step S (contacted … negotiation): leads that got to S, or to a later step of the
 *   deal path, for the first time in the period. "Got to" is a status change to such a step
 *   (journey event), or being created at such a step (imported history), or being won (a
 *   won deal passed every step). A lead that went back and returns is counted once, the
 *   first time; a lead moved straight from contacted to proposal reached qualified then.
 * - Won (step `closed_won`): leads now closed won whose close date is in the period.
 * - Revenue won: the deal values of those same won leads.
 * - Lost: leads now closed lost (by close date) or unqualified (by the date of that change)
 *   in the period.
 *
 * A lead reaches a later step no earlier than an earlier one, but the period's counts need
 * not shrink step by step: a lead created two months ago can be won this week.
 */

/** The forward path of a deal; other statuses (lost, nurturing, unqualified) sit beside it. */
export const FUNNEL: readonly LeadStatus[] = ['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'closed_won'];

const funnelArray = sql`ARRAY[${sql.join(FUNNEL.map((s) => sql.lit(s)))}]::text[]`;
/** A status's place on the deal path, in SQL: new = 1 … closed_won = 6; 0 for the statuses beside it. */
export const funnelPosition = (status: RawBuilder<unknown>) => sql`coalesce(array_position(${funnelArray}, ${status}::text), 0)`;
const position = funnelPosition;

/**
 * Over one lead's status-change journey events (`je`): its first move to step p or a later
 * one (`at`), and its first move away from such a step (`left`), as aggregates.
 */
export function stepMoves(p: number, je = 'je') {
  return {
    at: sql`min(${sql.ref(`${je}.occurred_at`)}) FILTER (WHERE ${position(sql`${sql.ref(`${je}.properties`)}->>'to'`)} >= ${sql.lit(p)})`,
    left: sql`min(${sql.ref(`${je}.occurred_at`)}) FILTER (WHERE ${position(sql`${sql.ref(`${je}.properties`)}->>'from'`)} >= ${sql.lit(p)})`,
  };
}

/**
 * When a lead first reached step p (a middle step, contacted … negotiation): the rule of
 * "reached step" above, for every figure that counts it (these cards and funnel, the team
 * metrics' leads qualified). `at`/`left` are stepMoves' aggregates, `moves` its number of
 * status changes; `status`, `createdAt`, `wonAt` its row (wonAt from outcomes.ts).
 */
export function reachedAt(p: number, x: { at: RawBuilder<unknown>; left: RawBuilder<unknown>; moves: RawBuilder<unknown>; status: RawBuilder<unknown>; createdAt: RawBuilder<unknown>; wonAt: RawBuilder<unknown> }) {
  // Created at step p or later (imported history): it left such a step before any move to one,
  // or it never moved and is at one now.
  const createdAtOrLater = sql`(${x.left} <= coalesce(${x.at}, 'infinity') OR (coalesce(${x.moves}, 0) = 0 AND ${position(x.status)} >= ${sql.lit(p)}))`;
  return sql<Date | null>`least(${x.at}, CASE WHEN ${createdAtOrLater} THEN ${x.createdAt} END, ${x.wonAt})`;
}
/** Positions 1-based as in SQL: new = 1 … closed_won = 6. The steps in between come from events. */
const MIDDLE = FUNNEL.map((_, i) => i + 1).filter((p) => p > 1 && p < FUNNEL.length);

export interface PeriodFigures {
  /** Per funnel step, in FUNNEL order. */
  reached: { current: number[]; previous: number[] };
  lost: { current: number; previous: number };
  revenueWon: { current: number; previous: number };
}

/** Every figure for [from, to) and for the period of the same length before it (inside a transaction). */
export async function periodFigures(tx: Tx, scope: LeadScope, previousFrom: Date, from: Date, to: Date): Promise<PeriodFigures> {
  // When each lead reached each step (null: not yet, or not in a way that counts).
  const arrivals = [
    sql`l.created_at`,
    ...MIDDLE.map((p) => reachedAt(p, { at: sql.ref(`ev.at${p}`), left: sql.ref(`ev.left${p}`), moves: sql`ev.moves`, status: sql`l.status`, createdAt: sql`l.created_at`, wonAt: sql`l.won_at` })),
    sql`l.won_at`,
  ];
  const inCurrent = (at: RawBuilder<unknown>) => sql`${at} >= ${from} AND ${at} < ${to}`;
  const inPrevious = (at: RawBuilder<unknown>) => sql`${at} >= ${previousFrom} AND ${at} < ${from}`;
  // Won (the last step), lost and revenue are outcome moves (outcomes.ts): net of reversals.
  const won = arrivals.length - 1;
  const moved = (what: string, within: (at: RawBuilder<unknown>) => RawBuilder<unknown>) => sql`(SELECT sum(${sql.ref(`m.${what}`)}) FROM m WHERE ${within(sql`m.at`)})`;
  const counts = arrivals.slice(0, won).flatMap((at, k) => [
    sql`count(*) FILTER (WHERE ${inCurrent(at)}) AS ${sql.ref(`c${k}`)}`,
    sql`count(*) FILTER (WHERE ${inPrevious(at)}) AS ${sql.ref(`p${k}`)}`,
  ]);
  // The per-lead lookups inflate the cost estimate past jit_above_cost, and compiling took
  // ~200 ms at 20,000 leads, more than the statement then saved. SET LOCAL: `tx` must be a
  // transaction (withTenant), so the setting ends with it.
  await sql`SET LOCAL jit = off`.execute(tx);
  const { rows } = await sql<Record<string, string | null>>`
    WITH l AS (
      -- Only a lead created, moved or closed since previousFrom can have a figure in either period
      -- (every status change moves status_changed_at forward).
      SELECT id, organization_id, status, created_at, closed_at, status_changed_at, deal_value, assigned_to, team_id,
             ${wonAt('leads')} AS won_at
      FROM leads
      WHERE ${scopeCondition(scope)} AND (created_at >= ${previousFrom} OR status_changed_at >= ${previousFrom} OR closed_at >= ${previousFrom})
    ), m AS MATERIALIZED ${outcomeMoves('l')}
    SELECT ${sql.join(counts)},
      ${moved('won', inCurrent)} AS ${sql.ref(`c${won}`)}, ${moved('won', inPrevious)} AS ${sql.ref(`p${won}`)},
      ${moved('lost', inCurrent)} AS lost_c,
      ${moved('lost', inPrevious)} AS lost_p,
      ${moved('revenue', inCurrent)} AS revenue_c,
      ${moved('revenue', inPrevious)} AS revenue_p
    FROM l
    LEFT JOIN LATERAL (
      -- Per step, its first move to that step or a later one, and its first move away from one.
      SELECT count(*) AS moves,
             ${sql.join(MIDDLE.flatMap((p) => [sql`${stepMoves(p).at} AS ${sql.ref(`at${p}`)}`, sql`${stepMoves(p).left} AS ${sql.ref(`left${p}`)}`]))}
      FROM journey_events AS je
      -- (organization, lead, type) leads journey_events_lead_type_idx straight to the status changes.
      WHERE je.organization_id = l.organization_id AND je.lead_id = l.id AND je.event_type = 'status_change'
    ) AS ev ON true`.execute(tx);
  const r = rows[0]!;
  const n = (v: string | null | undefined) => (v == null ? 0 : Number(v));
  return {
    reached: { current: arrivals.map((_, k) => n(r[`c${k}`])), previous: arrivals.map((_, k) => n(r[`p${k}`])) },
    lost: { current: n(r.lost_c), previous: n(r.lost_p) },
    revenueWon: { current: n(r.revenue_c), previous: n(r.revenue_p) },
  };
}
