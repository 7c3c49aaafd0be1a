import type { PreparedLead } from './row-mapping.ts';

/**
 * Pure: rows of one file that are the same lead — the same email or the same external id.
 * The import does not keep both: it applies the rows in file order to one lead (a later
 * batch updates what an earlier one created, and rows of one batch are merged the same
 * way, row-mapping.ts mergeDuplicates), so the last row's values win and earlier rows
 * fill only what it leaves empty. The preview says so for each group instead of letting
 * the merge pass unnoticed.
 */
export interface InFileDuplicate {
  key: 'email' | 'external_id';
  value: string;
  /** The rows' line numbers, in file order. */
  lines: number[];
  /** The row whose values win. */
  winner: number;
  reason: string;
}

const MAX_LISTED = 50;

export function findDuplicates(rows: readonly PreparedLead[]): { duplicates: InFileDuplicate[]; groups: number } {
  const groups: InFileDuplicate[] = [];
  for (const key of ['external_id', 'email'] as const) {
    const lines = new Map<string, number[]>();
    for (const r of rows) {
      const v = r[key];
      if (v !== null) lines.set(v, [...(lines.get(v) ?? []), r.line]);
    }
    for (const [value, ls] of lines) {
      if (ls.length < 2) continue;
      const winner = ls[ls.length - 1]!;
      const earlier = ls.slice(0, -1);
      const what = key === 'email' ? `email ${value}` : `external id ${value}`;
      groups.push({
        key, value, lines: ls, winner,
        reason: `Lines ${ls.join(', ')} have the same ${what}: they become one lead, not ${ls.length}. Line ${winner} wins because it comes last in the file (rows are applied in file order); line${earlier.length > 1 ? 's' : ''} ${earlier.join(', ')} only fill${earlier.length > 1 ? '' : 's'} the fields line ${winner} leaves empty.`,
      });
    }
  }
  groups.sort((a, b) => a.lines[0]! - b.lines[0]! || a.key.localeCompare(b.key));
  return { duplicates: groups.slice(0, MAX_LISTED), groups: groups.length };
}
