/**
 * Forecast periods are calendar periods of the organization's own time zone ("this month"
 * in New York starts at midnight in New York). Dates are handled as day numbers: whole days
 * since 1970-01-01 of the LOCAL calendar, so weeks and months are plain arithmetic.
 * Weeks start on Monday (ISO); quarters are calendar quarters.
 */
export type Granularity = 'daily' | 'weekly' | 'monthly' | 'quarterly';
export const GRANULARITIES: readonly Granularity[] = ['daily', 'weekly', 'monthly', 'quarterly'];

const DAY_MS = 86_400_000;

export function dayOf(iso: string): number {
  return Math.round(Date.parse(`${iso.slice(0, 10)}T00:00:00Z`) / DAY_MS);
}

export function isoOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatFor(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, f);
  }
  return f;
}

/** The local calendar day of an instant and how much of that day had passed (0 … 1). */
export function localDay(instant: Date, timeZone: string): { day: number; fraction: number } {
  const parts = Object.fromEntries(formatFor(timeZone).formatToParts(instant).map((p) => [p.type, p.value]));
  const day = dayOf(`${parts.year}-${parts.month}-${parts.day}`);
  const seconds = Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second) + instant.getUTCMilliseconds() / 1000;
  return { day, fraction: Math.min(1, seconds / 86_400) };
}

/** The instant a local day starts (midnight in the time zone). */
export function startOfLocalDay(day: number, timeZone: string): Date {
  let guess = day * DAY_MS;
  // Two rounds settle the zone's offset (also across a DST change).
  for (let i = 0; i < 2; i++) {
    const local = localDay(new Date(guess), timeZone);
    guess -= Math.round((local.day - day + local.fraction) * DAY_MS);
  }
  return new Date(guess);
}

function ymd(day: number): { y: number; m: number; d: number } {
  const date = new Date(day * DAY_MS);
  return { y: date.getUTCFullYear(), m: date.getUTCMonth(), d: date.getUTCDate() };
}

const monthDay = (y: number, m: number) => Math.round(Date.UTC(y, m, 1) / DAY_MS);

/** First day of the period that contains `day`. */
export function periodStart(day: number, g: Granularity): number {
  if (g === 'daily') return day;
  // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
  if (g === 'weekly') return day - (((day + 3) % 7) + 7) % 7;
  const { y, m } = ymd(day);
  return g === 'monthly' ? monthDay(y, m) : monthDay(y, m - (m % 3));
}

/** First day of the next period (the end, exclusive, of the period starting at `start`). */
export function periodEnd(start: number, g: Granularity): number {
  if (g === 'daily') return start + 1;
  if (g === 'weekly') return start + 7;
  const { y, m } = ymd(start);
  return monthDay(y, m + (g === 'monthly' ? 1 : 3));
}

export interface Period {
  start: number;
  /** Exclusive. */
  end: number;
}

/** `count` consecutive periods, the first containing `day`. */
export function periodsFrom(day: number, g: Granularity, count: number): Period[] {
  const out: Period[] = [];
  let start = periodStart(day, g);
  for (let k = 0; k < count; k++) {
    const end = periodEnd(start, g);
    out.push({ start, end });
    start = end;
  }
  return out;
}

/** The `count` periods that end on or before the period containing `day`, oldest first. */
export function periodsBefore(day: number, g: Granularity, count: number): Period[] {
  const out: Period[] = [];
  let end = periodStart(day, g);
  for (let k = 0; k < count; k++) {
    const start = periodStart(end - 1, g);
    out.unshift({ start, end });
    end = start;
  }
  return out;
}

/** A period in words for a sentence: "this month", "in the week of 2026-12-14", "on 2026-12-08". */
export function periodWords(period: Period, g: Granularity, today: number): string {
  const current = period.start <= today && today < period.end;
  const noun = { daily: 'today', weekly: 'this week', monthly: 'this month', quarterly: 'this quarter' }[g];
  if (current) return noun;
  const { y, m } = ymd(period.start);
  const month = new Date(Date.UTC(y, m, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
  if (g === 'monthly') return `in ${month} ${y}`;
  if (g === 'quarterly') return `in Q${Math.floor(m / 3) + 1} ${y}`;
  if (g === 'weekly') return `in the week of ${isoOf(period.start)}`;
  return `on ${isoOf(period.start)}`;
}
