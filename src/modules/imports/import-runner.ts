import { availableParallelism } from 'node:os';
import type { Kysely } from 'kysely';
import type { DB, JsonObject } from '../../db/schema.ts';
import { withTenant, type TenantContext, type Tx } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { emitEvent } from '../events/events.service.ts';
import { notifyImportOutcome } from '../notifications/notifications.service.ts';
import type { CsvFormat } from './csv-sniff.ts';
import { HEAD_BYTES, readHead, sampleHead, type Sample } from './csv-records.ts';
import type { ImportMapping } from './header-mapping.ts';
import * as q from './imports.queries.ts';
import { runBulkImport, type BulkTimings } from './bulk-import.ts';
import { decideBulk, type BulkDecision, type BulkRequest } from './bulk-mode.ts';
import { tombstonedAmong } from '../privacy/privacy.tombstones.ts';
import { applyBatch, planBatch, type Batch, type CustomFieldChange } from './batch-plan.ts';
import { threadBatches, workerBatches, type BatchSourceSetup, type Bytes, type MappedBatch } from './batch-source.ts';
import { assignableOwners, OPERATOR_SCOPE, restrictPlan, scopedMapping, writeScope, type ImportScope } from './import-scope.ts';
import { buildDirectory } from './owner-directory.ts';
import { createRowMapper, customFieldsOf, CustomFields, planColumns } from './row-mapping.ts';

/**
 * The import engine, shared by the background job (an uploaded file, read back from the
 * database) and the CLI (a local file, in-process): parse, map, and write in batches, each
 * batch in one transaction with its checkpoint, so a killed run resumes after the last
 * committed batch and never writes a row twice.
 */
export type ByteSource = ((reader?: Kysely<DB>) => AsyncIterable<Uint8Array>) & {
  /**
   * The bytes are read from the database (an uploaded file's chunks). The bulk path then
   * passes its own transaction's connection as `reader`: another connection could be
   * unavailable while leads is locked (on PGlite there is no other; on a server the pool
   * may be taken by requests waiting for the lock).
   */
  readsDatabase?: boolean;
};

export interface StoredFormat extends CsvFormat {
  headers: string[];
}

export interface RunOptions {
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (bytesDone: number, bytesTotal: number, rows: number) => Promise<void> | void;
  /**
   * Batches written at once, each in its own transaction (server mode only: PGlite has
   * one connection). Index maintenance on leads is CPU-bound in PostgreSQL, so this helps
   * with spare cores; on a 2-core machine shared with the importer it gained ~4 %.
   */
  writers?: number;
  /**
   * After each committed batch (tests use it to interrupt a run). In bulk mode, after each
   * batch written in the one transaction.
   */
  onBatch?: (batch: number) => unknown;
  /** Load in bulk (see bulk-mode.ts): 'auto' (the default) decides by database, file and table size. */
  bulk?: BulkRequest;
  /** Bulk mode: how long to wait for the exclusive lock on leads before falling back. */
  lockTimeoutMs?: number;
  /** Which mode ran and why (and, in bulk mode, the time of each phase). */
  onMode?: (report: ImportModeReport) => void;
  /**
   * Parse and map on a worker thread (batch-source.ts): 'auto' (the default) does for
   * files of WORKER_MIN_BYTES or more (a worker takes about half a second to start) on a
   * machine with WORKER_MIN_CORES or more. On two cores it gained nothing, measured: the
   * load is bound by the CPU of the whole machine (PostgreSQL's inserts take one core,
   * parsing and mapping the other), and a third busy thread only moves work around
   * (docs/benchmarks-history.md, bench:import, 2026-12-05).
   */
  parseWorker?: 'auto' | 'on' | 'off';
  /** Where the choice of mode, a fallback and the bulk phases are logged. */
  logger?: Pick<Logger, 'info' | 'warn'>;
  /**
   * Whose rules the import follows (import-scope.ts): the person or API key that started
   * it. Without one, the operator's (`leadai import` on the server: the whole organization).
   */
  scope?: ImportScope;
}

export interface ImportModeReport {
  mode: 'bulk' | 'normal';
  reason: string;
  /** Bulk only: seconds per phase, and how many indexes were dropped and rebuilt. */
  seconds?: BulkTimings;
  indexes?: number;
}

export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  rejected: number;
}

export const DEFAULT_BATCH_SIZE = 5000;
export const WORKER_MIN_BYTES = 8 * 1024 * 1024;
export const WORKER_MIN_CORES = 4;

type ImportRow = NonNullable<Awaited<ReturnType<typeof q.getImport>>>;

/**
 * The row mapper for an import, under its importer's rules: the mapping they may apply
 * (owner and team columns only with the assign permission) and the owners they may name;
 * `everyone` is the whole organization's directory, for the preview to say why a name
 * that exists is not assignable.
 */
export async function prepareMapper(db: Kysely<DB>, ctx: TenantContext, format: StoredFormat, requested: ImportMapping, sample: Sample, scope: ImportScope) {
  const mapping = scopedMapping(requested, scope);
  const plan = planColumns(format.headers, mapping);
  const [catalogue, people] = await withTenant(db, ctx, async (tx) => [await q.listCustomFields(tx), await q.listOwners(tx)] as const);
  const allowed = assignableOwners(people, scope);
  const owners = buildDirectory(allowed.users, allowed.teams);
  const everyone = allowed === people ? owners : buildDirectory(people.users, people.teams);
  const customPlan = customFieldsOf(plan);
  const indexOf = new Map(customPlan.map((c) => [c.key, c.index]));
  const custom = CustomFields.from(customPlan, sample.rows.map((r) => r.cells), indexOf, new Map(catalogue.map((c) => [c.key, { type: c.type, categories: c.categories }])));
  custom.decimalComma = format.delimiter === ';';
  return { mapRow: createRowMapper(plan, mapping, custom, owners), custom, owners, everyone, mapping };
}

/**
 * Runs (or resumes) an import to the end. Returns the import's cumulative counts.
 */
export async function runImport(db: Kysely<DB>, imp: ImportRow, source: ByteSource, options: RunOptions = {}): Promise<ImportCounts> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const writers = Math.max(1, Math.floor(options.writers ?? 1));
  const ctx: TenantContext = { organizationId: imp.organization_id, userId: imp.created_by };
  const actor = { organizationId: imp.organization_id, actor: { id: imp.created_by } };
  const format = imp.format as unknown as StoredFormat;
  const scope = options.scope ?? OPERATOR_SCOPE;
  const sample = await sampleHead(await readHead(source), format, imp.file_size <= HEAD_BYTES);
  const { custom, owners, mapping } = await prepareMapper(db, ctx, format, imp.mapping as unknown as ImportMapping, sample, scope);

  await withTenant(db, ctx, async (tx) => {
    await q.updateImport(tx, imp.id, { status: 'running', started_at: imp.started_at ?? new Date(), last_error: null });
    // done / total of import events are bytes of the file: the only total known before the end.
    await emitEvent(tx, actor, { type: 'import.started', entityType: 'import', entityId: imp.id, payload: { done: imp.bytes_done, total: imp.file_size, rows: imp.rows_processed } });
  });
  const setup: BatchSourceSetup = {
    format, headers: format.headers, mapping, custom, owners, batchSize,
    checkpoint: imp.checkpoint_line, ranges: (imp.committed_ranges as unknown as [number, number][]) ?? [],
  };
  const inWorker = options.parseWorker === 'on'
    || ((options.parseWorker ?? 'auto') === 'auto' && imp.file_size >= WORKER_MIN_BYTES && availableParallelism() >= WORKER_MIN_CORES);
  const batches = (bytes: Bytes) => (inWorker ? workerBatches : threadBatches)(bytes, setup);
  let batchNo = imp.batches;
  const totals: ImportCounts = { rows: imp.rows_processed, created: imp.created_count, updated: imp.updated_count, rejected: imp.rejected_count };
  // The bulk path matches leads against an in-memory key index that knows no teams: an
  // importer limited to a team imports in batches, where each update is checked.
  const decision: BulkDecision = writeScope(scope).kind === 'all'
    ? await decideBulk(db, options.bulk ?? 'auto', { bytes: imp.file_size, bytesPerRow: sample.bytesPerRow })
    : { bulk: false, reason: 'the importer may change only their own team\'s leads: bulk mode loads for the whole organization', engine: 'server' };
  if (decision.bulk) {
    const outcome = await runBulkImport(db, source, {
      imp, ctx, engine: decision.engine, batches, totals: { ...totals },
    }, options);
    if (outcome.done) {
      const report: ImportModeReport = { mode: 'bulk', reason: decision.reason, seconds: outcome.seconds, indexes: outcome.indexes };
      options.logger?.info({ import_id: imp.id, ...report, counts: outcome.counts }, 'import loaded in bulk');
      options.onMode?.(report);
      await options.onProgress?.(imp.file_size, imp.file_size, outcome.counts.rows);
      return outcome.counts;
    }
    options.logger?.warn({ import_id: imp.id, reason: outcome.reason }, 'bulk import not possible, importing in batches');
    options.onMode?.({ mode: 'normal', reason: `bulk mode fell back: ${outcome.reason}` });
  } else {
    if (options.bulk === 'on') options.logger?.warn({ import_id: imp.id, reason: decision.reason }, 'bulk import not possible, importing in batches');
    options.onMode?.({ mode: 'normal', reason: decision.reason });
  }

  // The organization's size when the planner last saw it (the table may be large and its
  // statistics fresh while this organization is new to it).
  let statsRows = await withTenant(db, ctx, (tx) => q.countLeads(tx));
  let insertedSinceStats = 0;

  const inflight = new Map<Promise<void>, Set<string>>();
  let failure: unknown;
  let lastDone: Promise<void> = Promise.resolve();

  const write = async (batch: Batch, customChanges: CustomFieldChange[], before: Promise<void>) => {
    let result: Awaited<ReturnType<typeof writeBatch>>;
    try {
      result = await withTenant(db, ctx, (tx) => writeBatch(tx, imp, batch, customChanges, scope));
    } catch (error) {
      // Two writers met on a lock (deadlock) or the same new key: once the earlier batch
      // has committed, this one sees its rows and goes through.
      if (!isRetryable(error)) throw error;
      await before.catch(() => {});
      result = await withTenant(db, ctx, (tx) => writeBatch(tx, imp, batch, customChanges, scope));
    }
    batchNo++;
    totals.rows += batch.rows;
    totals.created += result.created;
    totals.updated += result.updated;
    totals.rejected += result.rejected;
    insertedSinceStats += result.created;
    // When the organization has doubled since the planner last looked (always, early in a
    // first large import), refresh the statistics: cheap, and logarithmic in the import's size.
    if (insertedSinceStats >= Math.max(batchSize, statsRows)) {
      statsRows += insertedSinceStats;
      insertedSinceStats = 0;
      await q.analyzeLeads(db);
    }
    await options.onProgress?.(batch.bytes, imp.file_size, totals.rows);
    await options.onBatch?.(batchNo);
  };

  // Writing overlaps parsing; with several writers, batches also overlap each other.
  const flush = async ({ batch: current, customChanges }: MappedBatch) => {
    // Batches that share an email or external id with one in flight wait for it, so two
    // writers never insert the same lead.
    const keys = batchKeys(current);
    while (inflight.size >= writers || [...inflight.values()].some((k) => intersects(k, keys))) {
      await Promise.race(inflight.keys()).catch(() => {});
    }
    if (failure) throw failure;
    if (options.signal?.aborted) {
      await Promise.allSettled(inflight.keys());
      throw options.signal.reason ?? new Error('aborted');
    }
    const p = write(current, customChanges, lastDone);
    lastDone = p.catch(() => {});
    inflight.set(p, keys);
    p.then(
      () => inflight.delete(p),
      (error: unknown) => {
        inflight.delete(p);
        failure ??= error;
      },
    );
  };

  try {
    for await (const mapped of batches(source)) await flush(mapped);
  } finally {
    await Promise.allSettled(inflight.keys());
  }
  if (failure) throw failure;

  await withTenant(db, ctx, async (tx) => {
    await q.updateImport(tx, imp.id, { status: 'completed', finished_at: new Date(), bytes_done: imp.file_size });
    await q.deleteChunks(tx, imp.id);
    await emitEvent(tx, actor, { type: 'import.completed', entityType: 'import', entityId: imp.id, payload: { done: imp.file_size, total: imp.file_size, ...totals } });
    await notifyImportOutcome(tx, actor, { importId: imp.id, userId: imp.created_by, fileName: imp.file_name, counts: totals });
  });
  await options.onProgress?.(imp.file_size, imp.file_size, totals.rows);
  return totals;
}

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '40P01' || code === '40001' || code === '23505';
}

function batchKeys(batch: Batch): Set<string> {
  const keys = new Set<string>();
  for (const l of batch.leads) {
    if (l.email) keys.add(`e:${l.email}`);
    if (l.external_id) keys.add(`x:${l.external_id}`);
  }
  return keys;
}

function intersects(a: Set<string>, b: Set<string>): boolean {
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const k of small) if (large.has(k)) return true;
  return false;
}

async function writeBatch(tx: Tx, imp: ImportRow, batch: Batch, customChanges: CustomFieldChange[], scope: ImportScope) {
  const plan = await planBatch(batch, (emails, externalIds) => q.matchLeads(tx, emails, externalIds), (people) => tombstonedAmong(tx, imp.organization_id, people));
  await restrictPlan(tx, plan, scope, batch.raw);
  const { created, updated, rejected } = await applyBatch(tx, { organizationId: imp.organization_id, importId: imp.id, userId: imp.created_by }, plan, customChanges);
  const advanced = await q.recordBatch(tx, imp.id, {
    after: batch.after, lastLine: batch.lastLine, bytes: batch.bytes, rows: batch.rows, created, updated, rejected,
  });
  if (!advanced) throw new DomainError('conflict', 'This import is being run by another process; this run stops without writing.');
  // One event per batch with its counts, not one per lead: subscribers refresh lists, not rows.
  const payload: JsonObject = { done: batch.bytes, total: imp.file_size, rows: batch.rows, created, updated, rejected, through_line: batch.lastLine };
  await emitEvent(tx, { organizationId: imp.organization_id, actor: { id: imp.created_by } }, { type: 'import.progress', entityType: 'import', entityId: imp.id, payload });
  return { created, updated, rejected };
}
