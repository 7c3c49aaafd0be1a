import { CompiledQuery, sql, type Kysely } from 'kysely';
import { arrayLiteral } from '../../db/array-literal.ts';
import { createIndexes, dropIndexes, secondaryIndexes, type IndexDefinition, type RunStatement } from '../../db/secondary-indexes.ts';
import type { DB } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';

/**
 * The SQL of the bulk-load path: what the decision needs to know about the database, and
 * the statements of the one bulk transaction (lock, drop and rebuild the secondary indexes
 * of leads, switch between the owner and the application role).
 */

const engines = new WeakMap<Kysely<DB>, Promise<'embedded' | 'server'>>();

/**
 * PGlite or a PostgreSQL server. The runner receives a Kysely handle, not the Database
 * object, and PGlite names itself in version(); cached per handle.
 */
export function databaseEngine(db: Kysely<DB>): Promise<'embedded' | 'server'> {
  let engine = engines.get(db);
  if (!engine) {
    engine = sql<{ v: string }>`SELECT version() AS v`.execute(db).then(({ rows }) => (/PGlite|emscripten/i.test(rows[0]?.v ?? '') ? 'embedded' : 'server'));
    // A failed probe (the database was unreachable) is asked again next time.
    engine.catch(() => engines.delete(db));
    engines.set(db, engine);
  }
  return engine;
}

/** Whether the connecting role may drop and create indexes on leads (owns it, or inherits its owner's rights). */
export async function sessionOwnsLeads(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ owns: boolean }>`
    SELECT pg_has_role(session_user, c.relowner, 'USAGE') AS owns FROM pg_class AS c WHERE c.oid = 'leads'::regclass`.execute(db);
  return rows[0]?.owns === true;
}

/**
 * Rows of leads in all organizations: the planner's estimate, or a count when the table
 * has never been analysed (reltuples is -1 then). As the owner: Row Level Security lets
 * the owner's maintenance policy see every row.
 */
export async function leadsTableRows(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'leads'::regclass`.execute(db);
  const estimate = Number(rows[0]?.n ?? -1);
  if (estimate >= 0) return estimate;
  const counted = await sql<{ n: number }>`SELECT count(*)::int8 AS n FROM leads`.execute(db);
  return Number(counted.rows[0]?.n ?? 0);
}

/** SQLSTATE of a lock not granted within lock_timeout. */
export const LOCK_NOT_AVAILABLE = '55P03';

/**
 * ACCESS EXCLUSIVE on leads, or error 55P03 after `timeoutMs`: nobody may read leads
 * while its indexes are missing (a query would scan a million rows), and a writer that
 * got in between would not be in the in-memory key index. The timeout then goes back to
 * the session's, so the rest of the transaction waits for other tables' locks as usual.
 */
export async function lockLeads(tx: Tx, timeoutMs: number) {
  await sql.raw(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`).execute(tx);
  await sql`LOCK TABLE leads IN ACCESS EXCLUSIVE MODE`.execute(tx);
  await sql`SET LOCAL lock_timeout TO DEFAULT`.execute(tx);
}

/** The statement runner the shared index helpers (db/secondary-indexes.ts) take, on this transaction. */
export function statementsOn(tx: Tx): RunStatement {
  return (text, values = []) => tx.executeQuery(CompiledQuery.raw(text, values));
}

/** The indexes of leads that a bulk import drops and rebuilds. */
export function secondaryLeadIndexes(tx: Tx): Promise<IndexDefinition[]> {
  return secondaryIndexes(statementsOn(tx), ['leads']);
}

export function dropLeadIndexes(tx: Tx, indexes: readonly IndexDefinition[]) {
  return dropIndexes(statementsOn(tx), indexes);
}

/** Embedded PGlite keeps its defaults: no worker processes, a bounded WASM heap. */
export function rebuildLeadIndexes(tx: Tx, indexes: readonly IndexDefinition[], engine: 'embedded' | 'server') {
  if (engine === 'embedded') return createIndexes(statementsOn(tx), indexes);
  return createIndexes(statementsOn(tx), indexes, { maintenanceWorkMem: '1GB', parallelWorkers: 2 });
}

/**
 * The rescoring queue during a bulk load. Per batch, the insert trigger on leads queued the
 * new leads through app.mark_for_rescoring (aggregate, DISTINCT, ON CONFLICT): 11 s of a
 * million rows' 52 s load, measured. The load switches that trigger off and queues each
 * batch's new leads itself with a plain insert — their ids are new, nothing can conflict —
 * then asks for the scoring job once. ALTER TABLE … DISABLE TRIGGER is transactional and
 * the load holds leads exclusively: nobody else inserts while it is off, a rollback
 * switches it back on, and the load switches it on before it commits. The other triggers
 * stay on (search words; the update trigger, which queues an upsert's updated leads).
 */
export async function setRescoreOnInsert(tx: Tx, enabled: boolean) {
  await sql.raw(`ALTER TABLE leads ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER leads_rescore_insert`).execute(tx);
}

/** Queues leads this load has just inserted (as the tenant, under RLS). */
export async function queueNewLeads(tx: Tx, organizationId: string, ids: readonly string[]) {
  if (ids.length === 0) return;
  await sql`INSERT INTO lead_score_queue (organization_id, lead_id) SELECT ${organizationId}::uuid, unnest(${arrayLiteral(ids)}::uuid[])`.execute(tx);
}

/** The organization's leads by their import keys (lower-cased email, as the unique index compares). */
export async function leadKeys(tx: Tx) {
  const { rows } = await sql<{ id: string; email: string | null; external_id: string | null }>`
    SELECT id, lower(email)::text AS email, external_id::text AS external_id FROM leads
    WHERE email IS NOT NULL OR external_id IS NOT NULL`.execute(tx);
  return rows;
}

/**
 * Progress of a bulk import, from a connection outside its transaction: only bytes_done
 * moves; the counts and the checkpoint are written by the transaction when it commits.
 */
export async function recordBulkProgress(tx: Tx, importId: string, bytes: number) {
  await sql`UPDATE imports SET bytes_done = greatest(bytes_done, ${bytes}), updated_at = now() WHERE id = ${importId} AND status = 'running'`.execute(tx);
}

export async function restoreProgress(tx: Tx, importId: string, bytes: number) {
  await sql`UPDATE imports SET bytes_done = ${bytes}, updated_at = now() WHERE id = ${importId} AND status = 'running'`.execute(tx);
}

/**
 * The end of a bulk import, in its transaction: the counts, the batches' line ranges and
 * the checkpoint as the normal path would have left them, completed. False when the row
 * is not this run's to finish (another runner completed it meanwhile).
 */
export async function completeBulkImport(
  tx: Tx,
  importId: string,
  done: { rows: number; created: number; updated: number; rejected: number; batches: number; checkpointLine: number; ranges: [number, number][]; bytes: number },
): Promise<boolean> {
  const r = await sql`
    UPDATE imports SET
      status = 'completed', finished_at = now(), updated_at = now(), last_error = NULL,
      bytes_done = ${done.bytes}, batches = ${done.batches},
      checkpoint_line = greatest(checkpoint_line, ${done.checkpointLine}),
      committed_ranges = committed_ranges || ${JSON.stringify(done.ranges)}::jsonb,
      rows_processed = ${done.rows}, created_count = ${done.created}, updated_count = ${done.updated}, rejected_count = ${done.rejected}
    WHERE id = ${importId} AND status <> 'completed'`.execute(tx);
  return Number(r.numAffectedRows ?? 0) === 1;
}
