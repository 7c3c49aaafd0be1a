import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { databaseEngine, leadsTableRows, sessionOwnsLeads } from './bulk-load.queries.ts';

/**
 * Whether an import loads in bulk (one transaction, the secondary indexes of leads dropped
 * and rebuilt once, the table locked throughout) or in the normal resumable batches.
 *
 * - `off`: never.
 * - `on`: whenever it can (tests, an operator who knows the table may be locked), in both
 *   database modes.
 * - `auto`: a first large migration only: a PostgreSQL server (on embedded PGlite one
 *   connection serves the whole application, which a long transaction would stall), a file
 *   of at least BULK_MIN_ROWS rows, into a leads table (all organizations) holding fewer
 *   rows than half the file. Then rebuilding every index once is far cheaper than
 *   maintaining them row by row, and locking leads for the import's duration is what a
 *   first migration from another CRM can accept; on a table in daily use it is not.
 *
 * Either way the connecting role must own leads (it drops and creates its indexes). The
 * table lock itself is tried later, when the import starts (see bulk-import.ts).
 */
export type BulkRequest = 'auto' | 'on' | 'off';

export const BULK_REQUESTS: readonly BulkRequest[] = ['auto', 'on', 'off'];

/** The smallest file (estimated rows) 'auto' loads in bulk. */
export const BULK_MIN_ROWS = 100_000;

export interface BulkDecision {
  bulk: boolean;
  /** Why, in words (logged, reported to the CLI and the job result). */
  reason: string;
  engine: 'embedded' | 'server';
}

export function parseBulkRequest(value: unknown): BulkRequest {
  if (value === undefined || value === null) return 'auto';
  if (typeof value === 'string' && (BULK_REQUESTS as readonly string[]).includes(value)) return value as BulkRequest;
  throw new TypeError(`bulk must be one of ${BULK_REQUESTS.join(', ')} (got ${JSON.stringify(value)})`);
}

/** Rows in a file of `fileBytes`, from the mean size of the records sampled at its start. */
export function estimateRows(fileBytes: number, bytesPerRow: number): number {
  if (!(bytesPerRow > 0)) return 0;
  return Math.round(fileBytes / bytesPerRow);
}

export async function decideBulk(db: Kysely<DB>, request: BulkRequest, file: { bytes: number; bytesPerRow: number }): Promise<BulkDecision> {
  const engine = await databaseEngine(db);
  if (request === 'off') return { bulk: false, reason: 'bulk mode is off for this import', engine };
  if (request === 'auto') {
    if (engine === 'embedded') return { bulk: false, reason: 'embedded database (PGlite): a long bulk transaction would stall the application; use --bulk to force it', engine };
    const rows = estimateRows(file.bytes, file.bytesPerRow);
    if (rows < BULK_MIN_ROWS) return { bulk: false, reason: `the file has about ${rows.toLocaleString('en-US')} rows, fewer than the ${BULK_MIN_ROWS.toLocaleString('en-US')} bulk mode is for`, engine };
    const tableRows = await leadsTableRows(db);
    if (tableRows >= rows / 2) {
      return { bulk: false, reason: `leads already holds about ${Math.round(tableRows).toLocaleString('en-US')} rows, not fewer than half of the file's ${rows.toLocaleString('en-US')}: rebuilding its indexes would cost more than it saves, and it is in use`, engine };
    }
  }
  if (!(await sessionOwnsLeads(db))) return { bulk: false, reason: 'the database role does not own the leads table, so it cannot drop and rebuild its indexes', engine };
  return { bulk: true, reason: request === 'on' ? 'bulk mode requested' : 'a large first import into a nearly empty leads table', engine };
}
