import { sql, type RawBuilder } from 'kysely';

/**
 * When a lead was won or lost, defined once for every figure that counts outcomes: the
 * dashboard's cards and funnel, the team's performance metrics, the forecasts' actuals and
 * their histories. Two screens that disagree on "won this month" lose a sales team's trust.
 *
 * The past is what happened then, reconstructed from the status-change journey events, never
 * the lead's status now: a period's figures do not change when a deal is reopened later.
 *
 * - A win counts in the period it happened, for the owner the change recorded (the user who
 *   owned the lead then), with the lead's deal value and its cycle (creation to that win).
 * - A win reverted (reopened, or moved to lost) is taken back in the period of the reversal,
 *   from the owner who was credited: −1 won, −its value, −its cycle. The earlier period keeps
 *   its win (it stood then), and over any span the sums count the wins that stand at its end
 *   once — a lead won, reopened and won again counts once, with its last cycle. As a
 *   commission plan books a clawback: closed periods are never restated.
 * - Lost (closed lost or unqualified) the same way: counted when it happened, taken back when
 *   the lead is reopened.
 * - Win rate (conversion rate) of a period: won ÷ (won + lost) of its net decisions, each
 *   floored at 0 (a period with only a reversal has no rate); none when neither is positive.
 * - A lead without any recorded status change (imported history, events written before
 *   changes were recorded) is decided at its close date (else its last status change), as its
 *   row says; a present status that no recorded change led to, at its last status change.
 * - A cycle (creation to win) is never below zero days; an imported lead's close date may be
 *   before its creation in LeadAI, and its outcome keeps that date.
 *
 * `l` names the leads row in the caller's SQL. wonAt / lostAt are the row's own dates (used
 * for leads without recorded changes, and for "reached a step" in the funnel).
 */
export function wonAt(l = 'l'): RawBuilder<Date | null> {
  return sql<Date | null>`CASE WHEN ${sql.ref(`${l}.status`)} = 'closed_won' THEN coalesce(${sql.ref(`${l}.closed_at`)}, ${sql.ref(`${l}.status_changed_at`)}) END`;
}

export function lostAt(l = 'l'): RawBuilder<Date | null> {
  return sql<Date | null>`CASE ${sql.ref(`${l}.status`)} WHEN 'closed_lost' THEN coalesce(${sql.ref(`${l}.closed_at`)}, ${sql.ref(`${l}.status_changed_at`)}) WHEN 'unqualified' THEN ${sql.ref(`${l}.status_changed_at`)} END`;
}

/** A status's outcome class: 'won', 'lost' or 'open'. */
const outcomeOf = (status: RawBuilder<unknown>) => sql`CASE WHEN ${status} = 'closed_won' THEN 'won' WHEN ${status} IN ('closed_lost', 'unqualified') THEN 'lost' ELSE 'open' END`;

/**
 * One row per outcome move of the leads in `leads` (a relation in the caller's SQL with the
 * leads' columns id, organization_id, status, created_at, closed_at, status_changed_at,
 * deal_value, assigned_to, team_id): columns
 *   lead_id, at, user_id, team_id (whom it counts for),
 *   won, lost (+1 counted, −1 taken back, 0), revenue (won × deal value), cycle_days (the
 *   win's days from creation, negative when taken back), open_delta (−1 into a decision,
 *   +1 out of one), reverted_at (an outcome counted: when it stopped standing, null while it
 *   stands; null on a reversal).
 * Owners: the owner and team a change recorded (leads.queries.ts insertStatusChange; JSON
 * null: none), the lead's current ones when it recorded none; a reversal counts for whoever
 * the reverted outcome counted for.
 */
export function outcomeMoves(leads: string, organizationId?: string): RawBuilder<unknown> {
  const L = sql.table(leads);
  const org = organizationId ? sql`AND e.organization_id = ${organizationId}` : sql``;
  const recorded = (key: string, current: string) =>
    sql`CASE WHEN NOT e.properties ? ${key} THEN l.${sql.ref(current)} ELSE nullif(coalesce(e.properties->>${key}, ''), '')::uuid END`;
  const days = (at: RawBuilder<unknown>) => sql`greatest(extract(epoch FROM ${at} - c.created_at)::float8 / 86400, 0)`;
  return sql`(
    WITH je AS MATERIALIZED (
      SELECT e.lead_id, e.id, e.occurred_at, e.properties->>'from' AS from_status, e.properties->>'to' AS to_status,
             ${recorded('owner_id', 'assigned_to')} AS user_id, ${recorded('team_id', 'team_id')} AS team_id,
             row_number() OVER (PARTITION BY e.lead_id ORDER BY e.occurred_at, e.id) AS k,
             count(*) OVER (PARTITION BY e.lead_id) AS n
      FROM journey_events AS e JOIN ${L} AS l ON l.id = e.lead_id
      WHERE e.event_type = 'status_change' ${org}
    ), steps AS (
      SELECT je.lead_id, je.k, je.occurred_at AS at, je.to_status AS status, je.user_id, je.team_id FROM je
      UNION ALL
      -- Where it started: the status its first change left, from its creation; without any
      -- change, its present status at the row's outcome time.
      SELECT l.id, 0, CASE WHEN f.lead_id IS NULL THEN coalesce(${wonAt('l')}, ${lostAt('l')}, l.created_at) ELSE l.created_at END,
             coalesce(f.from_status, l.status::text), l.assigned_to, l.team_id
      FROM ${L} AS l LEFT JOIN je AS f ON f.lead_id = l.id AND f.k = 1
      UNION ALL
      -- A present status no recorded change led to (changed without its event).
      SELECT l.id, je.n + 1, greatest(l.status_changed_at, je.occurred_at), l.status::text, l.assigned_to, l.team_id
      FROM ${L} AS l JOIN je ON je.lead_id = l.id AND je.k = je.n AND je.to_status IS DISTINCT FROM l.status::text
    ), classed AS (
      SELECT s.*, ${outcomeOf(sql`s.status`)} AS c, lag(${outcomeOf(sql`s.status`)}) OVER (PARTITION BY s.lead_id ORDER BY s.k) AS prev_c
      FROM steps AS s
    ), changes AS MATERIALIZED (
      -- Only the steps that changed the outcome; the one before each is the outcome it ends.
      SELECT x.lead_id, x.at, x.c, x.prev_c, x.user_id, x.team_id,
             lag(x.at) OVER w AS prev_at, lag(x.user_id) OVER w AS prev_user, lag(x.team_id) OVER w AS prev_team, lead(x.at) OVER w AS next_at
      FROM classed AS x WHERE x.c IS DISTINCT FROM x.prev_c
      WINDOW w AS (PARTITION BY x.lead_id ORDER BY x.k)
    )
    SELECT c.lead_id, c.at, c.user_id, c.team_id,
           (c.c = 'won')::int AS won, (c.c = 'lost')::int AS lost,
           CASE WHEN c.c = 'won' THEN coalesce(c.deal_value, 0) ELSE 0 END::numeric AS revenue,
           CASE WHEN c.c = 'won' THEN ${days(sql`c.at`)} ELSE 0 END::float8 AS cycle_days,
           -1 AS open_delta,
           c.next_at AS reverted_at
    FROM (SELECT ch.*, l.created_at, l.deal_value FROM changes AS ch JOIN ${L} AS l ON l.id = ch.lead_id) AS c
    WHERE c.c <> 'open'
    UNION ALL
    SELECT c.lead_id, c.at, c.prev_user, c.prev_team,
           -(c.prev_c = 'won')::int, -(c.prev_c = 'lost')::int,
           CASE WHEN c.prev_c = 'won' THEN -coalesce(c.deal_value, 0) ELSE 0 END::numeric,
           CASE WHEN c.prev_c = 'won' THEN -${days(sql`c.prev_at`)} ELSE 0 END::float8,
           1, NULL::timestamptz
    FROM (SELECT ch.*, l.created_at, l.deal_value FROM changes AS ch JOIN ${L} AS l ON l.id = ch.lead_id) AS c
    WHERE c.prev_c IS NOT NULL AND c.prev_c <> 'open'
  )`;
}
