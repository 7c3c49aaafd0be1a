import { sql, type RawBuilder } from 'kysely';

/**
 * A timestamp as cursor text with its microseconds. PostgreSQL keeps microseconds; a
 * JavaScript Date keeps milliseconds, so a cursor made from the Date would skip the rows
 * that share the last row's millisecond but not its microsecond (found when paging 4,500
 * leads created by one statement). Lists select this next to the row and page on it.
 */
export function cursorTime(column: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`CASE WHEN isfinite(${column}) THEN to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') ELSE 'infinity' END`;
}
