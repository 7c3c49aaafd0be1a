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
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

function slotOk(kind: CursorKind, v: unknown): boolean {
  if (typeof kind !== 'string') return typeof v === 'string' && kind.includes(v);
  switch (kind) {
    case 'number': return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 2 ** 31;
    case 'timestamp': return typeof v === 'string' && (v === 'infinity' || (CURSOR_TIME.test(v) && !Number.isNaN(Date.parse(v))));
    case 'string': return typeof v === 'string' && v.length <= 1000 && textProblem(v) === null;
    case 'uuid': return typeof v === 'string' && isUuid(v);
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
  const ok = s === sort && values.length === kinds.length && values.every((value, i) => slotOk(kinds[i]!, value));
  if (!ok) throw new DomainError('bad_request', CURSOR_NOT_ISSUED, { field: 'cursor' });
  return values as CursorValue[];
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
