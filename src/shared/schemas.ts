import { z } from 'zod';
import { canonicalTimeZone } from './time-zone.ts';

/**
 * Zod building blocks for request schemas, shared so every route refuses the same things
 * the same way. Text needs nothing here: NUL and broken characters are refused for every
 * route at the edge (src/http/input-guard.ts), whatever its schema.
 */

/**
 * The dates the product stores and filters by. PostgreSQL itself spans 4713 BC to 294276 AD,
 * but the drivers write years outside 0001–9999 in forms it refuses, and no lead, activity
 * or filter lives before 1900 or after 9999.
 */
export const EARLIEST_DATE = new Date('1900-01-01T00:00:00.000Z');
export const LATEST_DATE = new Date('9999-12-31T23:59:59.999Z');
const DATE_RANGE = 'must be a date between 1900-01-01 and 9999-12-31, like 2026-11-25 or 2026-11-25T14:03:00Z';

// ISO 8601 with a four-digit year: JavaScript's Date also reads "-5000" as the year 5000.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/i;

/** A date or date-time in a body or query (ISO 8601: 2026-11-25, 2026-11-25T14:03:00Z), as a Date. */
export const DateTimeInput = z
  .string({ error: DATE_RANGE })
  .regex(ISO_DATE, { error: DATE_RANGE })
  .pipe(z.coerce.date<string>({ error: DATE_RANGE }).min(EARLIEST_DATE, { error: DATE_RANGE }).max(LATEST_DATE, { error: DATE_RANGE }))
  .meta({ type: 'string', format: 'date-time' });

/** An IANA time zone, stored as Intl spells it ("europe/paris" → "Europe/Paris"). */
export const TimeZoneName = z
  .string()
  .max(64)
  .transform((zone, ctx) => {
    const canonical = canonicalTimeZone(zone);
    if (!canonical) {
      ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as Europe/Paris or America/New_York' });
      return z.NEVER;
    }
    return canonical;
  })
  .meta({ type: 'string', example: 'Europe/Paris' });
