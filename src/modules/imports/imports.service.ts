import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { Kysely } from 'kysely';
import type { DB, Job, JsonValue } from '../../db/schema.ts';
import { withTenant, withTenantRead, type TenantContext, type Tx } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import type { JobContext } from '../../jobs/worker.ts';
import { DomainError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { notifyImportOutcome } from '../notifications/notifications.service.ts';
import { emitEvent } from '../events/events.service.ts';
import { detectFormat, FileScanner, notCsvReason } from './csv-sniff.ts';
import { applyOverride, MappingError, parseOverride, proposeMapping, type ImportMapping, type MappingOverride } from './header-mapping.ts';
import {
  DEFAULT_BATCH_SIZE, prepareMapper, runImport, type ByteSource, type ImportCounts, type ImportModeReport, type RunOptions, type StoredFormat,
} from './import-runner.ts';
import { HEAD_BYTES, readHead, records, sampleHead, type Sample } from './csv-records.ts';
import { parseBulkRequest, type BulkRequest } from './bulk-mode.ts';
import * as q from './imports.queries.ts';
import { mergeDuplicates, type PreparedLead, type RowError } from './row-mapping.ts';
import { summarizeValues } from './value-summary.ts';
import { columnNotes, type ColumnNote } from './column-notes.ts';
import { findDuplicates } from './in-file-duplicates.ts';
import { summarizeOwners } from './owner-directory.ts';
import { OPERATOR_SCOPE, ownerColumnNotes, type ImportScope } from './import-scope.ts';

export const IMPORT_QUEUE = 'imports';
const CHUNK_BYTES = 1024 * 1024;
const PREVIEW_ROWS = 20;
/** Rows in error listed in a preview (all of them are counted). */
const PREVIEW_ERRORS = 100;

type ImportRow = NonNullable<Awaited<ReturnType<typeof q.getImport>>>;

export interface ImportsServiceOptions {
  /** Largest upload accepted, in bytes (the route enforces it while streaming). */
  maxUploadBytes: number;
  batchSize?: number;
  /** Batches written at once (see RunOptions.writers). */
  writers?: number;
  /** Parse on a worker thread (see RunOptions.parseWorker): 'auto' by default. */
  parseWorker?: RunOptions['parseWorker'];
  /** Called after an import is queued, so an in-process worker can start at once. */
  onEnqueued?: () => void;
  /** Where background imports log their mode (bulk or not, and why). */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export function toView(imp: ImportRow) {
  const total = imp.file_size;
  return {
    id: imp.id,
    status: imp.status,
    source: imp.source,
    file_name: imp.file_name,
    file_size: imp.file_size,
    format: imp.format as unknown as StoredFormat,
    mapping: imp.mapping as unknown as ImportMapping,
    counts: { rows: imp.rows_processed, created: imp.created_count, updated: imp.updated_count, rejected: imp.rejected_count },
    progress: {
      bytes_done: imp.bytes_done,
      bytes_total: total,
      percent: total > 0 ? Math.min(100, Math.round((imp.bytes_done / total) * 1000) / 10) : 0,
      batches: imp.batches,
      checkpoint_line: imp.checkpoint_line,
    },
    job_id: imp.job_id,
    last_error: imp.last_error,
    created_at: imp.created_at,
    started_at: imp.started_at,
    finished_at: imp.finished_at,
  };
}

/**
 * Maps the whole sample through the mapping: the first rows as they will be stored; every
 * row in error (errors first: a person fixes those before starting); rows that are the same
 * lead (in-file duplicates, and which one wins); notes on columns whose values do not fit
 * what their header says; owner and team values with the users and teams they match; and
 * the distinct values of value-mapped columns (to build value maps from).
 */
async function buildPreview(db: Kysely<DB>, ctx: TenantContext, format: StoredFormat, requested: ImportMapping, sample: Sample, scope: ImportScope) {
  const { mapRow, custom, owners, everyone, mapping } = await prepareMapper(db, ctx, format, requested, sample, scope);
  // Owner and team columns this importer may not apply: one note each says why.
  const withheld = ownerColumnNotes(requested, scope);
  const rows: { line: number; lead: PreparedLead }[] = [];
  const errors: { line: number; reason: string }[] = [];
  const leads: PreparedLead[] = [];
  for (const r of sample.rows) {
    const mapped = mapRow(r.cells, r.line);
    if (mapped === null) continue;
    if ('reason' in mapped) errors.push({ line: mapped.line, reason: mapped.reason });
    else {
      leads.push(mapped);
      if (rows.length < PREVIEW_ROWS) rows.push({ line: r.line, lead: mapped });
    }
  }
  const { duplicates, groups } = findDuplicates(leads);
  // The rows the import will refuse when it merges duplicates (an email and an external id
  // that point at two different earlier rows), on copies: the preview shows rows as read.
  const refused = mergeDuplicates(leads.map((l) => ({ ...l, custom_fields: { ...l.custom_fields } }))).errors;
  errors.push(...refused);
  errors.sort((a, b) => a.line - b.line);
  const customFields = [...custom.fields.values()].map((f) => ({ key: f.key, label: f.label, type: f.type }));
  const cells = sample.rows.map((r) => r.cells);
  return {
    rows,
    errors: errors.slice(0, PREVIEW_ERRORS),
    error_rows: errors.length,
    custom_fields: customFields,
    sample_rows: sample.rows.length,
    values: summarizeValues(format.headers, mapping, cells),
    columns: [...columnNotes(format.headers, mapping, cells).filter((n) => !withheld.some((w) => w.column === n.column)), ...withheld],
    owners: summarizeOwners(format.headers, mapping.columns, cells, owners, everyone),
    duplicates,
    duplicate_groups: groups,
  };
}

function toDomain(error: unknown): never {
  if (error instanceof MappingError) throw new DomainError('validation', error.message, { field: error.field });
  throw error;
}

export function createImportsService(db: Kysely<DB>, options: ImportsServiceOptions) {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;

  async function load(ctx: TenantContext, id: string) {
    const imp = await withTenantRead(db, ctx, (tx) => q.getImport(tx, id));
    if (!imp) throw new DomainError('not_found', 'No import with this id in your organization.');
    return imp;
  }

  const chunks = (ctx: TenantContext, importId: string): ByteSource =>
    Object.assign(
      async function* (reader?: Kysely<DB>) {
        for (let seq = 0; ; seq++) {
          const data = reader ? await q.readChunk(reader, importId, seq) : await withTenantRead(db, ctx, (tx) => q.readChunk(tx, importId, seq));
          if (!data) return;
          yield data;
        }
      },
      { readsDatabase: true },
    );

  async function withPreview(ctx: AuthContext, imp: ImportRow) {
    const format = imp.format as unknown as StoredFormat;
    const source = chunks(ctx, imp.id);
    const sample = await sampleHead(await readHead(source, HEAD_BYTES), format, imp.file_size <= HEAD_BYTES);
    return { ...toView(imp), preview: await buildPreview(db, ctx, format, imp.mapping as unknown as ImportMapping, sample, ctx) };
  }

  return {
    maxUploadBytes: options.maxUploadBytes,

    /**
     * Stores an uploaded file (in 1 MiB chunks, in the database) and analyses it: format,
     * proposed mapping, preview. Nothing is imported until `start`. A failed upload leaves
     * nothing behind.
     */
    async upload(ctx: AuthContext, file: { fileName: string; stream: AsyncIterable<Uint8Array> }) {
      authorize(ctx, 'imports:write');
      const imp = await withTenant(db, ctx, (tx) =>
        q.insertImport(tx, { organization_id: ctx.organizationId, created_by: ctx.userId, source: 'upload', file_name: file.fileName.slice(0, 255) || 'upload.csv', file_size: 0, file_sha256: '' }),
      );
      try {
        const scanner = new FileScanner(HEAD_BYTES);
        let pending: Uint8Array[] = [];
        let pendingBytes = 0;
        let seq = 0;
        const flush = async () => {
          if (pendingBytes === 0) return;
          const data = Buffer.concat(pending);
          pending = [];
          pendingBytes = 0;
          const n = seq++;
          await withTenant(db, ctx, (tx) => q.insertChunk(tx, { organizationId: ctx.organizationId, importId: imp.id, seq: n, data }));
        };
        for await (const chunk of file.stream) {
          scanner.push(chunk);
          pending.push(chunk);
          pendingBytes += chunk.byteLength;
          if (pendingBytes >= CHUNK_BYTES) await flush();
        }
        await flush();
        const scanned = scanner.finish();
        const notCsv = notCsvReason(scanned.head);
        if (notCsv) throw new DomainError('validation', notCsv, { field: 'file' });
        const detected = detectFormat(scanned.head, scanned.validUtf8);
        const sample = await sampleHead(scanned.head, detected, scanned.size <= HEAD_BYTES);
        if (sample.rows.length === 0) throw new DomainError('validation', 'The file has a header row but no data rows.', { field: 'file' });
        const format: StoredFormat = { ...detected, headers: sample.headers };
        const mapping = proposeMapping(sample.headers, sample.rows.map((r) => r.cells));
        const updated = await withTenant(db, ctx, (tx) =>
          q.updateImport(tx, imp.id, { file_size: scanned.size, file_sha256: scanned.sha256, format: JSON.stringify(format), mapping: JSON.stringify(mapping) }),
        );
        return { ...toView(updated!), preview: await buildPreview(db, ctx, format, mapping, sample, ctx) };
      } catch (error) {
        await withTenant(db, ctx, (tx) => q.deleteImport(tx, imp.id)).catch(() => {});
        throw error;
      }
    },

    async get(ctx: AuthContext, id: string) {
      authorize(ctx, 'imports:write');
      return toView(await load(ctx, id));
    },

    async list(ctx: AuthContext) {
      authorize(ctx, 'imports:write');
      return { data: (await withTenantRead(db, ctx, (tx) => q.listImports(tx, 100))).map(toView) };
    },

    /** The mapping with a client's changes, and the preview under it; only before the import starts. */
    async updateMapping(ctx: AuthContext, id: string, override: MappingOverride) {
      authorize(ctx, 'imports:write');
      const imp = await load(ctx, id);
      if (imp.status !== 'pending') throw new DomainError('conflict', `The import has already been started (${imp.status}); its mapping can no longer change.`);
      const format = imp.format as unknown as StoredFormat;
      let mapping: ImportMapping;
      try {
        mapping = applyOverride(imp.mapping as unknown as ImportMapping, format.headers, parseOverride(override));
      } catch (error) {
        toDomain(error);
      }
      const updated = await withTenant(db, ctx, (tx) => q.updateImport(tx, id, { mapping: JSON.stringify(mapping) }));
      return withPreview(ctx, updated!);
    },

    async preview(ctx: AuthContext, id: string) {
      authorize(ctx, 'imports:write');
      return withPreview(ctx, await load(ctx, id));
    },

    /**
     * Queues the import as a background job. `bulk` (default 'auto') may force or forbid
     * the bulk path (see bulk-mode.ts); it travels in the job's payload.
     */
    async start(ctx: AuthContext, id: string, startOptions: { bulk?: BulkRequest } = {}) {
      authorize(ctx, 'imports:write');
      const bulk = startOptions.bulk ?? 'auto';
      const result = await withTenant(db, ctx, async (tx) => {
        const imp = await q.getImport(tx, id);
        if (!imp) throw new DomainError('not_found', 'No import with this id in your organization.');
        if (imp.status !== 'pending') throw new DomainError('conflict', `The import has already been started (${imp.status}).`);
        // The importer's rules travel with the job: an API key has no user row to look them up by.
        const scope = { role: ctx.role, user_id: ctx.userId, team_id: ctx.teamId };
        const job = await enqueue(tx, { organizationId: ctx.organizationId, queue: IMPORT_QUEUE, payload: { import_id: id, bulk, scope }, maxAttempts: 3, createdBy: ctx.userId ?? undefined });
        return q.updateImport(tx, id, { status: 'queued', job_id: job.id });
      });
      options.onEnqueued?.();
      return toView(result!);
    },

    /** Rejected rows as CSV: the original columns, then line and reason. */
    async errorsCsv(ctx: AuthContext, id: string) {
      authorize(ctx, 'imports:write');
      return errorsCsv(db, ctx, await load(ctx, id));
    },

    async customFields(ctx: AuthContext) {
      authorize(ctx, 'leads:read');
      return { data: await withTenantRead(db, ctx, (tx) => q.listCustomFields(tx)) };
    },

    /** The `imports` queue's handler: runs or resumes an uploaded file's import. */
    async handleJob(job: Job, jobCtx: JobContext): Promise<JsonValue> {
      const payload = job.payload as { import_id?: string; bulk?: unknown; scope?: unknown };
      const importId = payload.import_id;
      if (!importId || job.organization_id === null) throw new Error(`import job ${job.id} has no import_id`);
      let mode: ImportModeReport | undefined;
      const ctx: TenantContext = { organizationId: job.organization_id };
      const imp = await withTenant(db, ctx, (tx) => q.getImport(tx, importId));
      if (!imp) return { skipped: 'import deleted' };
      if (imp.status === 'completed') return { skipped: 'already completed' };
      const scope = await jobScope(db, ctx, payload.scope, imp.created_by);
      try {
        const counts = await runImport(db, imp, chunks(ctx, importId), {
          batchSize,
          writers: options.writers ?? 1,
          ...(options.parseWorker ? { parseWorker: options.parseWorker } : {}),
          signal: jobCtx.signal,
          onProgress: (done, total, rows) => jobCtx.progress(done, total, `${rows} rows`),
          bulk: parseBulkRequest(payload.bulk),
          onMode: (report) => (mode = report),
          scope,
          ...(options.logger ? { logger: options.logger } : {}),
        });
        return { ...counts, ...(mode ? { mode: mode.mode, mode_reason: mode.reason } : {}) };
      } catch (error) {
        if (jobCtx.signal.aborted) throw error;
        const permanent = error instanceof DomainError && error.code === 'validation';
        const last = permanent || job.attempts >= job.max_attempts;
        await withTenant(db, ctx, async (tx) => {
          await q.updateImport(tx, importId, { status: last ? 'failed' : 'queued', last_error: (error as Error).message, ...(last ? { finished_at: new Date() } : {}) });
          if (last) await notifyImportOutcome(tx, { organizationId: ctx.organizationId, actor: { id: imp.created_by } }, { importId, userId: imp.created_by, fileName: imp.file_name, error: (error as Error).message });
          // The error text stays on the import (it may quote the file): the event says only that it failed.
          if (last) await emitImportFailed(tx, imp);
        });
        if (permanent) return { failed: (error as Error).message };
        throw error;
      }
    },
  };
}

export type ImportsService = ReturnType<typeof createImportsService>;

/** import.failed with the committed progress (read back: batches may have committed meanwhile). */
async function emitImportFailed(tx: Tx, imp: Pick<ImportRow, 'id' | 'organization_id' | 'created_by' | 'file_size'>) {
  const now = await q.getImport(tx, imp.id);
  await emitEvent(tx, { organizationId: imp.organization_id, actor: { id: imp.created_by } }, {
    type: 'import.failed', entityType: 'import', entityId: imp.id,
    payload: { done: now?.bytes_done ?? 0, total: imp.file_size, rows: now?.rows_processed ?? 0, created: now?.created_count ?? 0, updated: now?.updated_count ?? 0, rejected: now?.rejected_count ?? 0 },
  });
}

const ROLES: readonly string[] = ['viewer', 'marketing', 'sales_rep', 'manager', 'admin'];

/**
 * The rules a queued import runs under: those its job carries. A job queued before jobs
 * carried them falls back to its creator's current role and team, and (an API key's, with
 * no user) to marketing's: no assigning, never more than was possible.
 */
async function jobScope(db: Kysely<DB>, ctx: TenantContext, carried: unknown, createdBy: string | null): Promise<ImportScope> {
  const c = carried as { role?: unknown; user_id?: unknown; team_id?: unknown } | undefined;
  if (c && typeof c.role === 'string' && ROLES.includes(c.role)) {
    return { role: c.role as ImportScope['role'], userId: typeof c.user_id === 'string' ? c.user_id : null, teamId: typeof c.team_id === 'string' ? c.team_id : null };
  }
  const user = createdBy ? await withTenantRead(db, ctx, (tx) => tx.selectFrom('users').select(['role', 'team_id']).where('id', '=', createdBy).executeTakeFirst()) : undefined;
  return user ? { role: user.role, userId: createdBy, teamId: user.team_id } : { role: 'marketing', userId: null, teamId: null };
}

/** Rejected rows as CSV: the original columns (as read), then line and reason. */
export async function errorsCsv(db: Kysely<DB>, ctx: TenantContext, imp: Pick<ImportRow, 'id' | 'format' | 'file_name'>) {
  const errors = await withTenantRead(db, ctx, (tx) => q.listErrors(tx, imp.id));
  const headers = (imp.format as unknown as Partial<StoredFormat>).headers ?? [];
  const rows = errors.map((e) => {
    const raw = Array.isArray(e.raw) ? e.raw.map(String) : [];
    const cells = headers.map((_, i) => raw[i] ?? '');
    return [...cells, ...raw.slice(headers.length), String(e.line), e.reason];
  });
  return { fileName: `${imp.file_name.replace(/\.[^.]*$/, '')}-errors.csv`, csv: stringify([[...headers, 'line', 'reason'], ...rows]), count: errors.length };
}

/** The CLI's error file for an import it ran. */
export async function localErrorsCsv(db: Kysely<DB>, organizationId: string, importId: string) {
  const ctx: TenantContext = { organizationId };
  const imp = await withTenantRead(db, ctx, (tx) => q.getImport(tx, importId));
  if (!imp) throw new DomainError('not_found', 'No such import.');
  return errorsCsv(db, ctx, imp);
}

// The CLI: a local file, imported in-process through the same engine ----------------------

export interface LocalImportOptions {
  organizationId: string;
  path: string;
  override?: unknown;
  dryRun?: boolean;
  batchSize?: number;
  writers?: number;
  /** Bulk mode (see bulk-mode.ts): 'auto' by default. */
  bulk?: BulkRequest;
  lockTimeoutMs?: number;
  /** Parse on a worker thread (see RunOptions.parseWorker): 'auto' by default. */
  parseWorker?: RunOptions['parseWorker'];
  logger?: Pick<Logger, 'info' | 'warn'>;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface LocalImportResult {
  import_id: string | null;
  dry_run: boolean;
  resumed: boolean;
  file: { name: string; size: number; encoding: string; bom: boolean; delimiter: string };
  mapping: ImportMapping;
  /** Why columns were mapped as they are, where values and headers disagree (the preview's column notes). */
  notes: ColumnNote[];
  counts: ImportCounts;
  /** Which mode the import ran in and why (absent for a dry run). */
  mode?: ImportModeReport;
  preview?: { line: number; lead: PreparedLead }[];
  errors?: { line: number; reason: string }[];
}

async function scanLocalFile(path: string) {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new DomainError('not_found', `There is no file at ${path}.`);
  const scanner = new FileScanner(HEAD_BYTES);
  for await (const chunk of createReadStream(path)) scanner.push(chunk as Buffer);
  const scanned = scanner.finish();
  const notCsv = notCsvReason(scanned.head);
  if (notCsv) throw new DomainError('validation', `${path}: ${notCsv}`);
  return scanned;
}

export async function importLocalFile(db: Kysely<DB>, options: LocalImportOptions): Promise<LocalImportResult> {
  const ctx: TenantContext = { organizationId: options.organizationId };
  const scanned = await scanLocalFile(options.path);
  const detected = detectFormat(scanned.head, scanned.validUtf8);
  const sample = await sampleHead(scanned.head, detected, scanned.size <= HEAD_BYTES);
  if (sample.rows.length === 0) throw new DomainError('validation', `${options.path}: the file has a header row but no data rows (is it a CSV file?).`);
  const format: StoredFormat = { ...detected, headers: sample.headers };
  let mapping = proposeMapping(sample.headers, sample.rows.map((r) => r.cells));
  if (options.override !== undefined) {
    try {
      mapping = applyOverride(mapping, sample.headers, parseOverride(options.override));
    } catch (error) {
      toDomain(error);
    }
  }
  const source: ByteSource = () => createReadStream(options.path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>;
  const file = { name: options.path.split(/[\\/]/).pop()!, size: scanned.size, encoding: format.encoding, bom: format.bom, delimiter: format.delimiter };
  const notes = columnNotes(sample.headers, mapping, sample.rows.map((r) => r.cells));
  if (options.dryRun) return { import_id: null, dry_run: true, resumed: false, file, mapping, notes, ...(await dryRun(db, ctx, format, mapping, sample, source, options.batchSize ?? DEFAULT_BATCH_SIZE)) };

  const mappingJson = JSON.stringify(mapping);
  const existing = await withTenant(db, ctx, (tx) => q.findResumableCliImport(tx, scanned.sha256, mappingJson));
  const imp =
    existing ??
    (await withTenant(db, ctx, (tx) =>
      q.insertImport(tx, {
        organization_id: options.organizationId, created_by: null, source: 'cli', file_name: file.name.slice(0, 255), file_size: scanned.size,
        file_sha256: scanned.sha256, format: JSON.stringify(format), mapping: mappingJson, status: 'running',
      }),
    ));
  try {
    let mode: ImportModeReport | undefined;
    const counts = await runImport(db, imp, source, {
      batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
      writers: options.writers ?? 1,
      onProgress: (done, total) => options.onProgress?.(done, total),
      bulk: options.bulk ?? 'auto',
      ...(options.parseWorker ? { parseWorker: options.parseWorker } : {}),
      onMode: (report) => (mode = report),
      scope: OPERATOR_SCOPE,
      ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    return { import_id: imp.id, dry_run: false, resumed: existing !== undefined, file, mapping, notes, counts, ...(mode ? { mode } : {}) };
  } catch (error) {
    await withTenant(db, ctx, async (tx) => {
      await q.updateImport(tx, imp.id, { status: 'failed', last_error: (error as Error).message });
      await emitImportFailed(tx, imp);
    }).catch(() => {});
    throw error;
  }
}

/**
 * Reads and checks the whole file without writing: how many rows would be created,
 * updated or rejected (and why), and the first rows as they would be stored.
 */
async function dryRun(db: Kysely<DB>, ctx: TenantContext, format: StoredFormat, mapping: ImportMapping, sample: Sample, source: ByteSource, batchSize: number) {
  const { mapRow } = await prepareMapper(db, ctx, format, mapping, sample, OPERATOR_SCOPE);
  const counts: ImportCounts = { rows: 0, created: 0, updated: 0, rejected: 0 };
  const preview: { line: number; lead: PreparedLead }[] = [];
  const errors: { line: number; reason: string }[] = [];
  const seenEmails = new Set<string>();
  const seenExt = new Set<string>();
  let batch: PreparedLead[] = [];
  const check = async () => {
    const merged = mergeDuplicates(batch);
    batch = [];
    counts.updated += merged.merged;
    counts.rejected += merged.errors.length;
    errors.push(...merged.errors);
    const emails = merged.rows.flatMap((r) => (r.email ? [r.email] : []));
    const exts = merged.rows.flatMap((r) => (r.external_id ? [r.external_id] : []));
    const matches = await withTenantRead(db, ctx, (tx) => q.matchLeads(tx, emails, exts));
    const known = new Set(matches.flatMap((m) => [m.email ? `e:${m.email}` : '', m.external_id ? `x:${m.external_id}` : '']));
    for (const r of merged.rows) {
      const keys = [r.email ? `e:${r.email}` : '', r.external_id ? `x:${r.external_id}` : ''].filter(Boolean);
      const exists = keys.some((k) => known.has(k)) || (r.email !== null && seenEmails.has(r.email)) || (r.external_id !== null && seenExt.has(r.external_id));
      if (exists) counts.updated++;
      else counts.created++;
      if (r.email) seenEmails.add(r.email);
      if (r.external_id) seenExt.add(r.external_id);
    }
  };
  for await (const record of records(source, format)) {
    const mapped = mapRow(record.cells, record.line);
    if (mapped === null) continue;
    counts.rows++;
    if ('reason' in mapped) {
      counts.rejected++;
      errors.push({ line: mapped.line, reason: (mapped as RowError).reason });
      continue;
    }
    if (preview.length < PREVIEW_ROWS) preview.push({ line: mapped.line, lead: mapped });
    batch.push(mapped);
    if (batch.length >= batchSize) await check();
  }
  await check();
  errors.sort((a, b) => a.line - b.line);
  return { counts, preview, errors };
}
