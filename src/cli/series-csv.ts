import { parse } from 'csv-parse/sync';
import type { Frequency } from '../ai/forecasting/series.ts';
import { detectDelimiter } from '../modules/imports/csv-sniff.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * Reading one regular time series from a CSV file for `leadai forecast series`: a date
 * column (YYYY-MM, YYYY-MM-DD or an ISO date-time; found by its header or by its values)
 * and a numeric value column. Every refusal names what is wrong and how to fix it.
 */
export interface SeriesFile {
  dateColumn: string;
  valueColumn: string;
  frequency: Frequency;
  /** Period starts, YYYY-MM-DD, ascending, one per value. */
  periods: string[];
  values: number[];
  /** Most decimals written in the values (for printing forecasts the way the data is written). */
  decimals: number;
}

/** Fewest periods the command forecasts from. */
export const MIN_PERIODS = 8;

const DATE_HEADER = /^(date|day|week|month|period|time|timestamp|ds|datetime|period[ _]?start|week[ _]?start|month[ _]?start)$/i;
const DAY_MS = 86_400_000;

const fail = (message: string): never => {
  throw new DomainError('validation', message);
};

/** A date cell as days since 1970-01-01 (UTC), with whether it named only a month; null if not a date. */
export function parseDateCell(raw: string): { day: number; monthOnly: boolean } | null {
  const s = raw.trim();
  let m = /^(\d{4})-(\d{2})$/.exec(s);
  if (m) {
    const [y, mo] = [Number(m[1]), Number(m[2])];
    if (mo < 1 || mo > 12) return null;
    return { day: Date.UTC(y, mo - 1, 1) / DAY_MS, monthOnly: true };
  }
  m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$)/.exec(s);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  // Date.UTC rolls 2026-02-30 over to March: a real date reads back the same.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59)) return null;
  return { day: t / DAY_MS, monthOnly: false };
}

/** A number as people write it in a CSV: 1234.5, -3, 1e3, 1,234.50 (thousands commas). */
export function parseNumberCell(raw: string): number | null {
  let s = raw.trim().replace(/[\s_]/g, '');
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const monthIndex = (day: number) => {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
};
const monthLabel = (index: number) => `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;

export function readSeriesCsv(text: string, fileName: string): SeriesFile {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') fail(`${fileName} is empty. Give a header line, then one line per period with a date and a value, e.g. "month,value" and "2026-01,120".`);
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(body, {
      delimiter: detectDelimiter(body),
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n', '\r'],
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    return fail(`${fileName} is not a readable CSV file: ${(error as Error).message}`);
  }
  const records = rows.map((r) => ({ line: r.info.lines, cells: r.record.map((c) => c.trim()) }));
  // A header is a first line with no date in it; without one, columns are called by number.
  const hasHeader = !records[0]!.cells.some((c) => parseDateCell(c) !== null);
  const width = Math.max(...records.map((r) => r.cells.length));
  const headers = hasHeader ? records[0]!.cells : Array.from({ length: width }, (_, i) => `column ${i + 1}`);
  const data = hasHeader ? records.slice(1) : records;
  if (data.length === 0) fail(`${fileName} has a header but no data lines. Add one line per period with a date and a value.`);

  const columnValues = (i: number) => data.map((r) => r.cells[i] ?? '');
  const dateShare = (i: number) => columnValues(i).filter((c) => parseDateCell(c) !== null).length / data.length;
  let dateCol = headers.findIndex((h, i) => DATE_HEADER.test(h) && dateShare(i) > 0);
  if (dateCol < 0) {
    let best = -1;
    headers.forEach((_, i) => {
      const share = dateShare(i);
      if (share >= 0.5 && (best < 0 || share > dateShare(best))) best = i;
    });
    dateCol = best;
  }
  if (dateCol < 0) {
    fail(`${fileName} has no date column (columns: ${headers.map((h) => JSON.stringify(h)).join(', ')}). Add a column of dates written as YYYY-MM (months), YYYY-MM-DD (days or week starts) or an ISO date-time.`);
  }
  const valueCol = headers.findIndex((_, i) => i !== dateCol && columnValues(i).some((c) => parseNumberCell(c) !== null));
  if (valueCol < 0) {
    fail(`${fileName} has no column of numbers next to the dates "${headers[dateCol]}". Add a column with one numeric value per period.`);
  }
  const dateName = headers[dateCol]!;
  const valueName = headers[valueCol]!;

  const points: { line: number; day: number; raw: string; value: number }[] = [];
  let monthOnly = true;
  let decimals = 0;
  for (const r of data) {
    const rawDate = r.cells[dateCol] ?? '';
    const date = parseDateCell(rawDate);
    if (!date) {
      fail(`line ${r.line}: ${rawDate === '' ? 'no date' : `"${rawDate}" is not a date`} in column "${dateName}". Write dates as YYYY-MM, YYYY-MM-DD or an ISO date-time like 2026-01-31T00:00:00Z.`);
    }
    const rawValue = r.cells[valueCol] ?? '';
    const value = parseNumberCell(rawValue);
    if (value === null) {
      fail(rawValue === ''
        ? `line ${r.line}: no value in column "${valueName}". Give every period a number (0 if nothing happened).`
        : `line ${r.line}: "${rawValue}" in column "${valueName}" is not a number. Write plain numbers such as 1234.5.`);
    }
    monthOnly &&= date!.monthOnly;
    decimals = Math.max(decimals, /\.(\d+)/.exec(rawValue)?.[1]?.length ?? 0);
    points.push({ line: r.line, day: date!.day, raw: rawDate, value: value! });
  }
  points.sort((a, b) => a.day - b.day || a.line - b.line);
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1]!, points[i]!];
    const sameMonth = monthOnly && monthIndex(a.day) === monthIndex(b.day);
    if (a.day === b.day || sameMonth) {
      fail(`line ${Math.max(a.line, b.line)}: the period ${b.raw} appears twice (also on line ${Math.min(a.line, b.line)}). Give one value per period: add the two up or remove one.`);
    }
  }
  if (points.length < MIN_PERIODS) {
    fail(`${fileName} has ${points.length} period${points.length === 1 ? '' : 's'}; at least ${MIN_PERIODS} are needed to forecast (and two years — 24 months, 104 weeks — or 14 days for seasonality).`);
  }

  const frequency = detectFrequency(points.map((p) => p.day), monthOnly, fileName);
  checkGaps(points, frequency);
  return {
    dateColumn: dateName,
    valueColumn: valueName,
    frequency,
    periods: points.map((p) => isoDay(frequency === 'monthly' ? Date.UTC(Math.floor(monthIndex(p.day) / 12), monthIndex(p.day) % 12, 1) / DAY_MS : p.day)),
    values: points.map((p) => p.value),
    decimals: Math.min(decimals, 4),
  };
}

/** Daily, weekly or monthly from the smallest step between dates; anything else is refused. */
function detectFrequency(days: readonly number[], monthOnly: boolean, fileName: string): Frequency {
  if (monthOnly) return 'monthly';
  let step = Infinity;
  for (let i = 1; i < days.length; i++) step = Math.min(step, days[i]! - days[i - 1]!);
  if (step === 1) return 'daily';
  if (step === 7) return 'weekly';
  if (step >= 28 && step <= 31) return 'monthly';
  return fail(`${fileName}: dates ${step} days apart are not a frequency this command knows. Use one line per day, per week (dates 7 days apart) or per month.`);
}

/** Every period between the first and the last must be present: name the first missing one. */
function checkGaps(points: readonly { line: number; day: number; raw: string }[], frequency: Frequency): void {
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1]!, points[i]!];
    if (frequency === 'monthly') {
      const gap = monthIndex(b.day) - monthIndex(a.day);
      if (gap === 0) fail(`line ${b.line}: ${b.raw} is in the same month as ${a.raw} (line ${a.line}). Give one value per month: add the two up or remove one.`);
      if (gap > 1) fail(`the month ${monthLabel(monthIndex(a.day) + 1)} is missing (between ${a.raw} on line ${a.line} and ${b.raw} on line ${b.line}). Add a line for every month (0 if nothing happened).`);
      continue;
    }
    const step = frequency === 'daily' ? 1 : 7;
    const gap = b.day - a.day;
    if (gap % step !== 0) {
      fail(`line ${b.line}: ${b.raw} is not a whole number of weeks after ${a.raw} (line ${a.line}). Weekly data needs every date on the same weekday.`);
    }
    if (gap > step) {
      fail(`the ${frequency === 'daily' ? 'day' : 'week starting'} ${isoDay(a.day + step)} is missing (between ${a.raw} on line ${a.line} and ${b.raw} on line ${b.line}). Add a line for every ${frequency === 'daily' ? 'day' : 'week'} (0 if nothing happened).`);
    }
  }
}
