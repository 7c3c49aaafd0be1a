import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, JsonObject } from '../../db/schema.ts';
import { actAsOwner, actAsTenant, withTenant, type TenantContext, type Tx } from '../../db/tenant.ts';
import { emitEvent } from '../events/events.service.ts';
import { notifyImportOutcome } from '../notifications/notifications.service.ts';
import { requestQueuedScoring } from '../scoring/scoring.service.ts';
import { tombstoneChecker } from '../privacy/privacy.tombstones.ts';
import { applyBatch, planBatch, type Batch, type BatchPlan, type CustomFieldChange } from './batch-plan.ts';
import type { Bytes, MappedBatch } from './batch-source.ts';
import {
  completeBulkImport, dropLeadIndexes, leadKeys, lockLeads, LOCK_NOT_AVAILABLE, rebuildLeadIndexes, recordBulkProgress, queueNewLeads, restoreProgress, secondaryLeadIndexes, setRescoreOnInsert,
} from './bulk-load.queries.ts';
import type { ByteSource, ImportCounts, RunOptions } from './import-runner.ts';
import * as q from './imports.queries.ts';
import { LeadKeyIndex } from './lead-keys.ts';

/**
 * The bulk path of an import (see bulk-mode.ts for when): PostgreSQL's advice for
 * populating a table, inside one transaction —
 *
 *   lock leads (ACCESS EXCLUSIVE, or fall back to the normal path after a short wait)
 *   → drop its secondary indexes (the constraint indexes stay: the primary key and the
 *     (organization_id, id) key the child tables' foreign keys point at) and switch off
 *     its rescoring trigger for inserts (bulk-load.queries.ts: the load queues new leads)
 *   → write the batches as the application role under Row Level Security, matching rows
 *     to leads with an in-memory key index instead of the dropped unique indexes
 *   → switch the trigger back on
 *   → rebuild the indexes from their saved definitions, ANALYZE, record the import, COMMIT.
 *
 * DDL is transactional in PostgreSQL: a failed, aborted or killed run rolls back whole —
 * no lead written, no index or trigger lost — and the import can simply run again.
 */

export type ImportRow = NonNullable<Awaited<ReturnType<typeof q.getImport>>>;

export interface BulkSetup {
  imp: ImportRow;
  ctx: TenantContext;
  engine: 'embedded' | 'server';
  /** The file's batches (skipping lines an earlier, normal run committed), mapped. */
  batches: (source: Bytes) => AsyncIterable<MappedBatch>;
  /** The import's counts so far (an earlier run's, if resumed). */
  totals: ImportCounts;
}

/** Seconds spent in each phase of a bulk import. */
export interface BulkTimings {
  lock: number;
  load: number;
  indexes: number;
  analyze: number;
}

export type BulkOutcome = { done: true; counts: ImportCounts; seconds: BulkTimings; indexes: number } | { done: false; reason: string };

/** How long the import waits for the table lock before it falls back to the normal path. */
export const DEFAULT_LOCK_TIMEOUT_MS = 3000;

export async function runBulkImport(db: Kysely<DB>, source: ByteSource, setup: BulkSetup, options: RunOptions): Promise<BulkOutcome> {
  const { imp, ctx, engine } = setup;
  const progress = engine === 'server' ? progressWriter(db, ctx, imp, options) : undefined;
  const seconds: BulkTimings = { lock: 0, load: 0, indexes: 0, analyze: 0 };
  const clock = () => performance.now() / 1000;
  let t = clock();

  return db.connection().execute(async (conn): Promise<BulkOutcome> => {
    // An uploaded file's chunks are read through this transaction (as the tenant, under
    // RLS): on PGlite it holds the only connection, and on a server the pools may be taken
    // by requests waiting for leads, which would wait for this import in turn.
    const input: ByteSource = source.readsDatabase ? () => source(conn) : source;
    // A batch still being written when the run fails finishes before the rollback.
    let settleWrites = async () => {};
    await sql.raw('BEGIN').execute(conn);
    try {
      try {
        await lockLeads(conn, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
      } catch (error) {
        if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
        await sql.raw('ROLLBACK').execute(conn);
        return { done: false, reason: `leads is in use by another transaction (no exclusive lock within ${options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS} ms)` };
      }
      seconds.lock = clock() - t;
      t = clock();
      const indexes = await secondaryLeadIndexes(conn);
      await dropLeadIndexes(conn, indexes);
      await setRescoreOnInsert(conn, false);

      await actAsTenant(conn, ctx);
      const keys = new LeadKeyIndex(await leadKeys(conn));
      // Erased people's hashes, read once: batches are planned while the one before is written.
      const erased = await tombstoneChecker(conn, imp.organization_id);
      const counts = { ...setup.totals };
      const ranges: [number, number][] = [];
      let batchNo = imp.batches;
      let lastLine = imp.checkpoint_line;

      const write = async (current: Batch, plan: BatchPlan, insert: RawBuilder<unknown> | null, customChanges: CustomFieldChange[]) => {
        if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
        const result = await applyBatch(conn, { organizationId: imp.organization_id, importId: imp.id, userId: imp.created_by }, plan, customChanges, insert);
        await queueNewLeads(conn, imp.organization_id, plan.insertIds);
        ranges.push([current.after, current.lastLine]);
        lastLine = Math.max(lastLine, current.lastLine);
        batchNo++;
        counts.rows += current.rows;
        counts.created += result.created;
        counts.updated += result.updated;
        counts.rejected += result.rejected;
        progress?.report(current.bytes, counts.rows);
        await options.onBatch?.(batchNo);
      };
      // Batches are written one after the other, in order, but each is planned and its
      // insert built while the one before is written: the server does not wait for this
      // thread between batches. The key index learns a batch's keys when it is planned
      // (the next plan must see them); were the write to fail, the whole load rolls back.
      let writing: Promise<void> = Promise.resolve();
      const flush = async ({ batch: current, customChanges }: MappedBatch) => {
        const plan = await planBatch(current, (emails, externalIds) => keys.match(emails, externalIds), erased);
        keys.inserted(plan.inserts, plan.insertIds);
        keys.updated(plan.updates, plan.ids);
        const insert = q.insertLeadsStatement(imp.organization_id, plan.inserts, plan.insertIds);
        await writing;
        writing = write(current, plan, insert, customChanges);
        // Awaited by the next flush; marked handled meanwhile, so a failure does not
        // count as unhandled while the next batch is being planned.
        writing.catch(() => {});
      };
      settleWrites = () => writing.catch(() => {});
      for await (const mapped of setup.batches(input)) await flush(mapped);
      await writing;
      // No more progress: a write still in flight either finishes on its own (this
      // transaction then waits a moment for the import's row) or, waiting for a pooled
      // connection, runs after the commit and changes nothing (the import is completed).
      // Waiting for it here could wait for requests that wait for this transaction.
      progress?.stop();
      if (counts.created > setup.totals.created) await requestQueuedScoring(conn, imp.organization_id);

      const run = { created: counts.created - setup.totals.created, updated: counts.updated - setup.totals.updated, rejected: counts.rejected - setup.totals.rejected };
      const actor = { organizationId: imp.organization_id, actor: { id: imp.created_by } };
      const recorded = await completeBulkImport(conn, imp.id, { ...counts, batches: batchNo, checkpointLine: lastLine, ranges, bytes: imp.file_size });
      if (!recorded) throw new Error('This import is being run by another process; the bulk run rolls back.');
      await q.deleteChunks(conn, imp.id);
      // The load commits whole: its batches' progress was told from the progress writer's
      // own transactions (server mode); this run's counts, and the totals, close it.
      const payload: JsonObject = { done: imp.file_size, total: imp.file_size, ...counts, run, bulk: true };
      await emitEvent(conn, actor, { type: 'import.completed', entityType: 'import', entityId: imp.id, payload });
      await notifyImportOutcome(conn, actor, { importId: imp.id, userId: imp.created_by, fileName: imp.file_name, counts });
      seconds.load = clock() - t;

      t = clock();
      await actAsOwner(conn);
      await setRescoreOnInsert(conn, true);
      await rebuildLeadIndexes(conn, indexes, engine);
      seconds.indexes = clock() - t;
      t = clock();
      await sql`ANALYZE leads`.execute(conn);
      seconds.analyze = clock() - t;
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      await sql.raw('COMMIT').execute(conn);
      return { done: true, counts, seconds, indexes: indexes.length };
    } catch (error) {
      await settleWrites();
      await sql.raw('ROLLBACK').execute(conn).catch(() => {});
      await progress?.restore();
      throw error;
    }
  });
}

/**
 * Progress while the bulk transaction runs, which nobody else can see until it commits:
 * bytes_done on the import's row from a second connection (one write in flight at a time,
 * the latest figure wins), and the caller's callback.
 */
function progressWriter(db: Kysely<DB>, ctx: TenantContext, imp: ImportRow, options: RunOptions) {
  let pending: { bytes: number; rows: number } | undefined;
  let running: Promise<void> | undefined;
  const loop = async () => {
    while (pending) {
      const { bytes, rows } = pending;
      pending = undefined;
      // Progress is best effort: a failed write must not fail the import.
      await withTenant(db, ctx, async (tx: Tx) => {
        await recordBulkProgress(tx, imp.id, bytes);
        await emitEvent(tx, { organizationId: imp.organization_id, actor: { id: imp.created_by } }, { type: 'import.progress', entityType: 'import', entityId: imp.id, payload: { done: bytes, total: imp.file_size, rows, bulk: true } });
      }).catch(() => {});
      await Promise.resolve(options.onProgress?.(bytes, imp.file_size, rows)).catch(() => {});
    }
  };
  let stopped = false;
  const start = () => {
    running ??= loop().finally(() => {
      running = undefined;
    });
  };
  return {
    report(bytes: number, rows: number) {
      if (stopped) return;
      pending = { bytes, rows };
      start();
    },
    stop() {
      stopped = true;
      pending = undefined;
    },
    /** After a rollback (which releases leads, so connections come free): the bytes shown go back to what is committed. */
    async restore() {
      this.stop();
      await running;
      await withTenant(db, ctx, (tx: Tx) => restoreProgress(tx, imp.id, imp.bytes_done)).catch(() => {});
    },
  };
}
