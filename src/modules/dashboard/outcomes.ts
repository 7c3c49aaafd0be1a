import { sql, type RawBuilder } from 'kysely';

/**
 * When a lead was won or lost, defined once for every figure that counts outcomes: the
 * dashboard's cards and funnel, the team's performance metrics, the forecasts' actuals and
 * their histories. Two screens that disagree on "won this month" lose a sales team's trust.
 *
 * - Won: a lead now closed won, at its close date (else the time of its last status change).
 * - Lost: a lead now closed lost (at its close date, else its last status change), or
 *   unqualified (at that change).
 * - Revenue won: the deal values of the won leads, at their won time.
 * - Win rate (conversion rate) of a period: won ÷ (won + lost) among the leads decided in it.
 *
 * `l` names the leads row in the caller's SQL.
 */
export function wonAt(l = 'l'): RawBuilder<Date | null> {
  return sql<Date | null>`CASE WHEN ${sql.ref(`${l}.status`)} = 'closed_won' THEN coalesce(${sql.ref(`${l}.closed_at`)}, ${sql.ref(`${l}.status_changed_at`)}) END`;
}

export function lostAt(l = 'l'): RawBuilder<Date | null> {
  return sql<Date | null>`CASE ${sql.ref(`${l}.status`)} WHEN 'closed_lost' THEN coalesce(${sql.ref(`${l}.closed_at`)}, ${sql.ref(`${l}.status_changed_at`)}) WHEN 'unqualified' THEN ${sql.ref(`${l}.status_changed_at`)} END`;
}
