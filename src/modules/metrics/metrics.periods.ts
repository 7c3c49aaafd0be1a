import type { MetricsPeriod } from '../../db/schema.ts';

/**
 * Calendar periods as local dates ('YYYY-MM-DD', no time, no zone): the rollup buckets
 * instants by the organization's time zone in SQL, and everything after that is date
 * arithmetic. Weeks are ISO weeks (Monday to Sunday), as PostgreSQL's date_trunc('week').
 */

const DAY = 86_400_000;

function parse(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

function format(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The first day of the period that contains `date`. */
export function periodStart(date: string, period: MetricsPeriod): string {
  const d = parse(date);
  switch (period) {
    case 'day':
      return date;
    case 'week':
      // getUTCDay: Sunday 0 … Saturday 6; Monday starts the week.
      return format(new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY));
    case 'month':
      return format(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)));
    case 'quarter':
      return format(new Date(Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1)));
  }
}

/** The start of the period `n` periods after (or, negative, before) the one starting at `start`. */
export function addPeriods(start: string, period: MetricsPeriod, n: number): string {
  const d = parse(start);
  switch (period) {
    case 'day':
      return format(new Date(d.getTime() + n * DAY));
    case 'week':
      return format(new Date(d.getTime() + 7 * n * DAY));
    case 'month':
      return format(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)));
    case 'quarter':
      return format(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 3 * n, 1)));
  }
}

/** The last day of the period starting at `start` (inclusive, as period_end is stored). */
export function periodEnd(start: string, period: MetricsPeriod): string {
  return format(new Date(parse(addPeriods(start, period, 1)).getTime() - DAY));
}

/**
 * How many periods run from the one starting at `from` to the one starting at `to` (both
 * included; 0 when from is after to), by arithmetic: a bound is checked before any list is built.
 */
export function periodCount(from: string, to: string, period: MetricsPeriod): number {
  const a = parse(from);
  const b = parse(to);
  const months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
  const days = Math.round((b.getTime() - a.getTime()) / DAY);
  const steps = period === 'day' ? days : period === 'week' ? Math.floor(days / 7) : period === 'month' ? months : Math.floor(months / 3);
  return Math.max(0, steps + 1);
}

/** The starts of every period from the one containing `from` to the one containing `to`. */
export function periodStarts(from: string, to: string, period: MetricsPeriod): string[] {
  const starts: string[] = [];
  const last = periodStart(to, period);
  for (let s = periodStart(from, period); s <= last; s = addPeriods(s, period, 1)) starts.push(s);
  return starts;
}

/** Today's date in a time zone. */
export function today(timeZone: string, now = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** An IANA zone name Intl knows (PostgreSQL shares the tz database), else null. */
export function validTimeZone(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return null;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return name;
  } catch {
    return null;
  }
}
