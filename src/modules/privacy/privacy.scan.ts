import type { Kysely } from 'kysely';
import type { DB, JsonObject } from '../../db/schema.ts';
import { readCatalogue } from './privacy.catalogue.ts';
import type { TracePattern } from './privacy.patterns.ts';
import * as q from './privacy.queries.ts';

/**
 * The proof of an erasure: every text, varchar, char, json(b), text[] and bytea column of
 * every table in the schema (from the catalogue, so tables added later are in it), the
 * organization's rows of it, searched for the person's traces. The report names tables,
 * columns, kinds and counts, never a value.
 */
export interface ScanReport {
  clean: boolean;
  tables_scanned: number;
  columns_scanned: number;
  patterns: number;
  /** Names other leads also carry: not searched alone (their full name still is). */
  shared_names_skipped: number;
  traces: { table: string; column: string; kind: string; what: string; rows: number }[];
  scanned_at: string;
}

export async function scanForTraces(db: Kysely<DB>, organizationId: string, patterns: TracePattern[], sharedNames = 0): Promise<ScanReport> {
  const catalogue = await readCatalogue(db);
  const traces: ScanReport['traces'] = [];
  let columns = 0;
  for (const table of catalogue) {
    columns += table.columns.length;
    const counts = await q.countMatches(db, table, organizationId, patterns.map((p) => p.pg));
    counts.forEach((perPattern, ci) =>
      perPattern.forEach((rows, pi) => {
        if (rows > 0) traces.push({ table: table.name, column: table.columns[ci]!.name, kind: patterns[pi]!.kind, what: patterns[pi]!.label, rows });
      }),
    );
  }
  return { clean: traces.length === 0, tables_scanned: catalogue.length, columns_scanned: columns, patterns: patterns.length, shared_names_skipped: sharedNames, traces, scanned_at: new Date().toISOString() };
}

export function scanAsJson(report: ScanReport): JsonObject {
  return { ...report, traces: report.traces.map((t) => ({ ...t })) };
}
