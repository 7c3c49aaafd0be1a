import { DomainError } from './errors.ts';
import { isUuid } from './ids.ts';
import { textProblem } from './text.ts';

/**
 * Keyset cursors: the sort key of the last row of a page, opaque to clients. Decoding
 * checks the shape, every slot's type and range, and enum slots against their values, so a
 * tampered, stale or made-up cursor is a 400 — never a value PostgreSQL refuses (a 500).
 */
export type CursorValue = string | number;

export function encodeCursor(sort: string, values: CursorValue[]): string {
  return Buffer.from(JSON.stringify({ s: sort, v: values })).toString('base64url');
}

/**
 * What one slot must hold: a number (scores, confidences: well inside a PostgreSQL integer),
 * a timestamp as db/keyset.ts writes it, a string, the final id, or one of the listed values
 * (an enum column: anything else would make PostgreSQL fail on the cast).
 */
export type CursorKind = 'number' | 'timestamp' | 'string' | 'uuid' | readonly string[];

export const CURSOR_NOT_ISSUED = 'cursor is not one this server issued for this list and sort; start from the first page (leave cursor out), then pass next_cursor on.';

// db/keyset.ts writes 'YYYY-MM-DDTHH:MI:SS.USZ' (or 'infinity'); four-digit years only.
const CURSOR_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$/;

/**
 * A cursor timestamp in the one form db/keyset.ts issues, or null when it is no real
 * instant. The shape alone is not enough, and neither is Date.parse: V8 rolls 2026-02-30
 * forward to March 2 and reads year 0000, while PostgreSQL refuses both ("date/time field
 * value out of range", a 500). So every field is checked against the calendar, over the
 * years the server can issue (0001–9999: to_char writes four digits), and the normalised
 * text — not the client's — goes on to the query.
 */
export function cursorTimestamp(v: string): string | null {
  if (v === 'infinity') return v;
  const m = CURSOR_TIME.exec(v);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (year < 1 || days === undefined || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return null;
  return `${v.slice(0, 19)}.${(m[7] ?? '').padEnd(6, '0')}Z`;
}

/** The slot's value as the query should get it, or undefined when it is not one this server issues. */
function slotValue(kind: CursorKind, v: unknown): CursorValue | undefined {
  if (typeof kind !== 'string') return typeof v === 'string' && kind.includes(v) ? v : undefined;
  switch (kind) {
    case 'number': return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 2 ** 31 ? v : undefined;
    case 'timestamp': return typeof v === 'string' ? (cursorTimestamp(v) ?? undefined) : undefined;
    case 'string': return typeof v === 'string' && v.length <= 1000 && textProblem(v) === null ? v : undefined;
    case 'uuid': return typeof v === 'string' && isUuid(v) ? v : undefined;
  }
}

export function decodeCursor(sort: string, cursor: string, kinds: readonly CursorKind[]): CursorValue[] {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // reported below
  }
  const { s, v } = typeof parsed === 'object' && parsed !== null ? (parsed as { s?: unknown; v?: unknown }) : {};
  const values = Array.isArray(v) ? (v as unknown[]) : [];
  const decoded = s === sort && values.length === kinds.length ? values.map((value, i) => slotValue(kinds[i]!, value)) : [];
  if (decoded.length !== kinds.length || decoded.includes(undefined)) throw new DomainError('bad_request', CURSOR_NOT_ISSUED, { field: 'cursor' });
  return decoded as CursorValue[];
}

/** Lists ordered by (created_at DESC, id DESC): the cursor of a page's last row. */
export function decodeTimeCursor(list: string, cursor: string | undefined): [string, string] | null {
  return cursor ? (decodeCursor(list, cursor, ['timestamp', 'uuid']) as [string, string]) : null;
}

/**
 * A page from `limit + 1` rows fetched in (time DESC, id DESC) order: the extra row only
 * says whether there is a next page. Each row carries `cursor_at`, its time with
 * microseconds (see db/keyset.ts), which the page does not show.
 */
export function timePage<T extends { id: string; cursor_at: string }>(list: string, rows: T[], limit: number): { data: Omit<T, 'cursor_at'>[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const data = page.map(({ cursor_at: _, ...row }) => row);
  return { data, next_cursor: rows.length > limit && last ? encodeCursor(list, [last.cursor_at, last.id]) : null };
}
