import { DomainError } from './errors.ts';
import { isUuid } from './ids.ts';

/**
 * Keyset cursors: the sort key of the last row of a page, opaque to clients. Decoding
 * checks the shape, so a tampered or stale cursor is a clear 422, never a 500.
 */
export type CursorValue = string | number;

export function encodeCursor(sort: string, values: CursorValue[]): string {
  return Buffer.from(JSON.stringify({ s: sort, v: values })).toString('base64url');
}


/** `kinds` says what each value must be: a number, a timestamp, a string, or the final id. */
export function decodeCursor(sort: string, cursor: string, kinds: readonly ('number' | 'timestamp' | 'string' | 'uuid')[]): CursorValue[] {
  let parsed: { s?: unknown; v?: unknown } = {};
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    // reported below
  }
  const values = Array.isArray(parsed.v) ? (parsed.v as unknown[]) : [];
  const ok =
    parsed.s === sort &&
    values.length === kinds.length &&
    values.every((v, i) => {
      switch (kinds[i]) {
        case 'number': return typeof v === 'number' && Number.isFinite(v);
        case 'timestamp': return typeof v === 'string' && (v === 'infinity' || !Number.isNaN(Date.parse(v)));
        case 'string': return typeof v === 'string' && v.length <= 1000;
        case 'uuid': return typeof v === 'string' && isUuid(v);
        default: return false;
      }
    });
  if (!ok) {
    throw new DomainError('validation', 'The cursor is not valid for this list and sort. Use next_cursor from the previous page, with the same sort.', { field: 'cursor' });
  }
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
