/** Local time in IANA zones, with Intl only (no time-zone data of our own). */

const formatters = new Map<string, Intl.DateTimeFormat>();

export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone === '' || zone.length > 64) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: 'numeric', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', minute: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Hour of the week in `zone`: Monday 00:00–00:59 is 0, Sunday 23:00–23:59 is 167. */
export function hourOfWeek(at: Date, zone: string): number {
  const parts = formatter(zone).formatToParts(at);
  const day = WEEKDAYS.indexOf(parts.find((p) => p.type === 'weekday')!.value);
  const hour = Number(parts.find((p) => p.type === 'hour')!.value) % 24;
  return day * 24 + hour;
}

/** The zone's offset from UTC at `at`, in minutes (e.g. −240 for New York in summer). */
export function offsetMinutes(at: Date, zone: string): number {
  const parts = Object.fromEntries(formatter(zone).formatToParts(at).map((p) => [p.type, p.value]));
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute));
  return Math.round((local - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

export function describeHourOfWeek(start: number, hours: number): string {
  const day = WEEKDAY_NAMES[Math.floor(start / 24) % 7]!;
  const h = start % 24;
  const pad = (x: number) => String(x % 24).padStart(2, '0');
  return `${day} ${pad(h)}:00–${pad(h + hours)}:00`;
}
