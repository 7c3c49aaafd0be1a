import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthContext } from '../src/modules/auth/auth.context.ts';
import { openDatabase } from '../src/db/connect.ts';
import { withTenant, withTenantRead } from '../src/db/tenant.ts';
import { decideBulk, estimateRows } from '../src/modules/imports/bulk-mode.ts';
import { runImport, type ImportModeReport, type RunOptions } from '../src/modules/imports/import-runner.ts';
import * as q from '../src/modules/imports/imports.queries.ts';
import { createImportsService, errorsCsv, importLocalFile } from '../src/modules/imports/imports.service.ts';
import { createOrganization } from '../src/modules/organizations/organizations.service.ts';
import { DomainError } from '../src/shared/errors.ts';
import { Client, useServer } from './helpers/api.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'imports');
const FIXTURE_FILES = ['hubspot-contacts.csv', 'salesforce-leads-report.csv', 'pipedrive-persons.csv', 'spreadsheet.tsv', 'utf8-bom.csv', 'windows-1252.csv'];

let database: TestDatabase;
const db = () => database.db;
const dir = mkdtempSync(join(tmpdir(), 'leadai-bulk-'));

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

let orgNo = 0;
async function newOrg(name: string) {
  const { organization } = await createOrganization(db(), { name: `${name} ${++orgNo}`, adminEmail: `admin${orgNo}-${Date.now()}@bulk.example`, adminPassword: 'correct horse battery' });
  return organization.id;
}

function writeCsv(name: string, lines: string[]) {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const FIRST = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Dennis', 'Barbara'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov'];
const COMPANY = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'];

/**
 * A file with what an import must get right across batches: duplicates by email and by
 * external id far apart, rows refused for bad values and for conflicting keys, typed and
 * categorical custom fields, closed statuses.
 */
function mainFile() {
  const lines = ['Record ID,First Name,Last Name,Email,Company,Lead Status,Deal Value,Plan,Seats,Create Date'];
  for (let i = 1; i <= 240; i++) {
    const status = ['New', 'Open', 'Qualified', 'Closed Won', 'Closed Lost'][i % 5]!;
    lines.push([`R${i}`, FIRST[i % 8], `${LAST[(i * 3) % 8]}`, `person${i}@${COMPANY[i % 5]!.toLowerCase()}.example`, `${COMPANY[i % 5]} ${i % 7}`, status, String(i * 100), ['Free', 'Pro', 'Enterprise'][i % 3], String(i % 40), `2024-0${1 + (i % 9)}-1${i % 10}`].join(','));
  }
  // In-file duplicates: the same email (another case) and the same external id, batches apart.
  lines.push('R5,Ada,Lovelace-Again,PERSON5@hooli.example,Hooli 5,Qualified,999,Pro,7,2024-01-01');
  lines.push('R500,Grace,Later,person17@initech.example,Initech 3,Open,,Free,3,');
  lines.push('R20,,,,,,1234,,,');
  // Refused: bad email, no key at all, email of one lead with the id of another, a bad date.
  lines.push('R600,Bad,Email,not-an-email,Nowhere,New,,,,');
  lines.push(',No,Key,,Keyless Inc,New,,,,');
  lines.push('R30,Crossed,Keys,person31@hooli.example,Hooli,New,,,,');
  lines.push('R601,Bad,Date,bad.date@acme.example,Acme,New,,,,not a date');
  for (let i = 241; i <= 300; i++) lines.push([`R${i}`, FIRST[i % 8], LAST[i % 8], `person${i}@late.example`, `Late ${i % 3}`, 'New', '', 'Pro', '1', ''].join(','));
  return writeCsv('main.csv', lines);
}

/** Updates of leads the main file created: by email, by external id, and a key changed mid-file then used. */
function updateFile() {
  const lines = ['Record ID,First Name,Email,Company,Lead Status,Plan'];
  lines.push(',Ada-by-email,person1@globex.example,Globex New,Qualified,Enterprise'); // email match, no id
  lines.push('R2,Grace-by-id,,Initech New,,'); // id match, no email
  lines.push('R3,NewMail,renamed3@new.example,,,'); // id match with a new email: the lead's email changes
  for (let i = 0; i < 40; i++) lines.push(`N${i},Filler,filler${i}@new.example,New Co,New,Free`);
  lines.push(',UsesNewMail,renamed3@new.example,,Closed Won,'); // the email set above, batches later: an update
  lines.push('R4,OldMailOfR3,person3@umbrella.example,,,'); // R3's former email is free again: R4's lead takes it
  lines.push('R999,Other,person6@globex.example,,,'); // email of a lead that has another external id: refused
  lines.push('R7,Mixed,person8@umbrella.example,,,'); // id of one lead, email of another: refused
  lines.push('N5,FillerAgain,filler5@new.example,,,Pro'); // a row of this file again, by id
  return writeCsv('update.csv', lines);
}

const LEAD_COLUMNS = ['email', 'external_id', 'first_name', 'last_name', 'phone', 'company', 'job_title', 'status', 'stage', 'source', 'campaign', 'tags', 'deal_value', 'address', 'custom_fields'] as const;

/** What an import writes for an organization, without what differs between any two runs (ids, times). */
async function snapshot(organizationId: string) {
  return withTenant(db(), { organizationId }, async (tx) => {
    const leads = await tx.selectFrom('leads').select([...LEAD_COLUMNS, sql<boolean>`closed_at IS NOT NULL`.as('closed'), sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`.as('created')]).orderBy('email').orderBy('external_id').execute();
    const today = new Date().toISOString().slice(0, 10);
    const imports = await tx.selectFrom('imports').select(['id', 'status', 'rows_processed', 'created_count', 'updated_count', 'rejected_count', 'checkpoint_line', 'committed_ranges', 'batches', 'bytes_done', 'file_size', 'format', 'file_name']).orderBy('created_at').execute();
    const errors = [];
    for (const imp of imports) errors.push({ list: await q.listErrors(tx, imp.id) });
    const words = (await tx.selectFrom('lead_search_words').select('word').orderBy('word').execute()).map((w) => w.word);
    const queued = await sql<{ email: string | null; external_id: string | null }>`
      SELECT l.email, l.external_id FROM lead_score_queue AS s JOIN leads AS l ON l.id = s.lead_id ORDER BY 1, 2`.execute(tx);
    const fields = await tx.selectFrom('custom_field_definitions').select(['key', 'label', 'type', 'categories']).orderBy('key').execute();
    const jobs = await tx.selectFrom('jobs').select(['queue', 'status']).where('queue', '=', 'scoring.rescore').execute();
    return {
      imported: imports,
      // A lead created without a date in the file is dated by the import: today, either way.
      leads: leads.map((l) => ({ ...l, created: l.created === today ? 'today' : l.created })),
      imports: imports.map(({ id: _id, ...rest }) => rest),
      errors,
      words,
      queued: queued.rows,
      fields,
      jobs,
    };
  });
}

/** The snapshot with the downloadable error files (read outside the transaction: PGlite has one connection). */
async function fullSnapshot(organizationId: string) {
  const { imported, ...rest } = await snapshot(organizationId);
  const files = [];
  for (const imp of imported) files.push((await errorsCsv(db(), { organizationId }, imp)).csv);
  return { ...rest, files };
}

/** The triggers of leads and whether each fires ('O'), which a bulk load switches off and on again. */
async function leadTriggers() {
  const { rows } = await sql<{ tgname: string; tgenabled: string }>`SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'leads'::regclass AND NOT tgisinternal ORDER BY tgname`.execute(db());
  return rows;
}

async function leadIndexes() {
  const { rows } = await sql<{ indexname: string; indexdef: string }>`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'leads' ORDER BY indexname`.execute(db());
  return rows;
}

/**
 * A file uploaded by the organization's admin and started in bulk through the service (as
 * POST /imports and /imports/{id}/start do); the import job it queued, to run in-process.
 */
async function uploadInBulk(organizationId: string, body: Buffer, options: { maxUploadBytes: number; batchSize: number; parseWorker?: 'on' | 'off' }) {
  const admin = await db().selectFrom('users').select('id').where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
  const ctx: AuthContext = { organizationId, userId: admin.id, role: 'admin', teamId: null, actor: { type: 'user', id: admin.id }, via: 'session', sessionId: null, csrfHash: null };
  const service = createImportsService(db(), options);
  const uploaded = await service.upload(ctx, { fileName: 'rows.csv', stream: (async function* () { yield body; })() });
  await service.start(ctx, uploaded.id, { bulk: 'on' });
  const job = await db().selectFrom('jobs').selectAll().where('queue', '=', 'imports').where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
  return { ctx, service, uploaded, job };
}

async function leadCount(organizationId: string) {
  return withTenant(db(), { organizationId }, (tx) => q.countLeads(tx));
}

async function importFile(organizationId: string, path: string, bulk: 'on' | 'off', extra: { batchSize?: number; lockTimeoutMs?: number; parseWorker?: 'on' | 'off' } = {}) {
  const result = await importLocalFile(db(), {
    organizationId, path, batchSize: extra.batchSize ?? 37, bulk, parseWorker: extra.parseWorker ?? 'off', ...(extra.lockTimeoutMs ? { lockTimeoutMs: extra.lockTimeoutMs } : {}),
  });
  return result;
}

/** An import row for runImport (as an upload creates it), from a local file. */
async function importRow(organizationId: string, path: string) {
  const headers = readFileSync(path, 'utf8').split('\n')[0]!.split(',');
  return withTenant(db(), { organizationId }, (tx) =>
    q.insertImport(tx, {
      organization_id: organizationId, created_by: null, source: 'cli', file_name: 'rows.csv', file_size: readFileSync(path).length, file_sha256: `sha-${Math.random()}`,
      format: JSON.stringify({ encoding: 'utf-8', bom: false, delimiter: ',', headers }),
      mapping: JSON.stringify({ columns: { Email: 'email', 'First Name': 'first_name', 'Last Name': 'last_name', Score: 'custom' }, values: {} }),
    }),
  );
}

function rowsFile(n: number) {
  const lines = ['Email,First Name,Last Name,Score'];
  for (let i = 1; i <= n; i++) lines.push(`lead${i}@example.com,Lead,Number ${i},${i}`);
  lines.push('lead7@example.com,Lead,Seven Again,7');
  return writeCsv(`rows-${n}.csv`, lines);
}

/** The file in small chunks, so that the bytes read move with the records. */
const fileSource = (path: string) => () =>
  (async function* () {
    const bytes = readFileSync(path);
    for (let i = 0; i < bytes.length; i += 256) yield bytes.subarray(i, i + 256);
  })();

describe(`Bulk import (${MODE})`, () => {
  it('forced on, gives exactly the leads, errors, custom fields, search words and queue rows of a normal import, and every index back as it was', async () => {
    const before = await leadIndexes();
    const triggers = await leadTriggers();
    expect(triggers.map((t) => t.tgenabled)).toEqual(triggers.map(() => 'O'));
    const normalOrg = await newOrg('Normal');
    const bulkOrg = await newOrg('Bulk');
    // The same bulk load with the file parsed and mapped on a worker thread.
    const workerOrg = await newOrg('Bulk, parsed on a worker');
    const files = [mainFile(), ...FIXTURE_FILES.map((f) => join(FIXTURES, f))];
    for (const path of files) {
      const normal = await importFile(normalOrg, path, 'off');
      const bulk = await importFile(bulkOrg, path, 'on');
      const worker = await importFile(workerOrg, path, 'on', { parseWorker: 'on' });
      expect(normal.mode?.mode, path).toBe('normal');
      expect(bulk.mode, path).toMatchObject({ mode: 'bulk', reason: 'bulk mode requested', indexes: before.length - 2 });
      expect(worker.mode?.mode, path).toBe('bulk');
      expect(bulk.counts, path).toEqual(normal.counts);
      expect(worker.counts, path).toEqual(normal.counts);
    }
    const a = await fullSnapshot(normalOrg);
    const b = await fullSnapshot(bulkOrg);
    expect(a.leads.length).toBeGreaterThan(300);
    expect(a.errors.some((e) => e.list.length >= 4)).toBe(true);
    expect(a.fields.map((f) => f.key)).toEqual(expect.arrayContaining(['plan', 'seats']));
    expect(a.queued.length).toBe(a.leads.length);
    expect(a.jobs).toEqual([{ queue: 'scoring.rescore', status: 'queued' }]);
    expect(b).toEqual(a);
    expect(await fullSnapshot(workerOrg)).toEqual(a);

    // Every index is back, with its definition, and does its job: the unique keys refuse a
    // duplicate, search finds by name, company and prefix.
    expect(await leadIndexes()).toEqual(before);
    expect(await leadTriggers()).toEqual(triggers);
    const search = (term: string) =>
      withTenant(db(), { organizationId: bulkOrg }, async (tx) => (await sql<{ lead_id: string }>`SELECT lead_id FROM app.search_leads(${term}, to_tsquery('english', ${term + ':*'}), 50)`.execute(tx)).rows);
    expect((await search('lovelace')).length).toBeGreaterThan(0);
    expect((await search('initech')).length).toBeGreaterThan(0);
    expect((await search('lovelace')).length).toBe((await withTenant(db(), { organizationId: normalOrg }, async (tx) => (await sql`SELECT lead_id FROM app.search_leads('lovelace', to_tsquery('english', 'lovelace:*'), 50)`.execute(tx)).rows)).length);
    await expect(withTenant(db(), { organizationId: bulkOrg }, (tx) => tx.insertInto('leads').values({ organization_id: bulkOrg, first_name: 'Dup', last_name: 'Licate', email: 'person1@globex.example' }).execute())).rejects.toThrow(/unique|duplicate/i);
  });

  it('upserts against leads that existed before (by email, by external id, keys changed mid-file) as the normal path does', async () => {
    const normalOrg = await newOrg('Upsert normal');
    const bulkOrg = await newOrg('Upsert bulk');
    const base = mainFile();
    for (const org of [normalOrg, bulkOrg]) await importFile(org, base, 'off');
    const path = updateFile();
    const normal = await importFile(normalOrg, path, 'off', { batchSize: 7 });
    const bulk = await importFile(bulkOrg, path, 'on', { batchSize: 7 });
    expect(bulk.mode?.mode).toBe('bulk');
    expect(bulk.counts).toEqual(normal.counts);
    expect(normal.counts).toMatchObject({ created: 40, rejected: 2 });
    const a = await fullSnapshot(normalOrg);
    expect(await fullSnapshot(bulkOrg)).toEqual(a);
    const byEmail = new Map(a.leads.map((l) => [l.email, l]));
    expect(byEmail.get('renamed3@new.example')).toMatchObject({ external_id: 'R3', status: 'closed_won' });
    expect(byEmail.get('person3@umbrella.example')).toMatchObject({ external_id: 'R4' });
    expect(byEmail.get('person1@globex.example')).toMatchObject({ external_id: 'R1', company: 'Globex New', status: 'qualified' });
    expect(a.errors.at(-1)!.list.map((e) => e.reason)).toEqual([expect.stringMatching(/another external id \(R6\)/), expect.stringMatching(/belongs to one existing lead and external id R7 to another/)]);
  });

  it('an import aborted mid-way or failing in a batch leaves no lead and every index; run again, it imports every row once', async () => {
    const before = await leadIndexes();
    const triggers = await leadTriggers();
    const organizationId = await newOrg('Abort');
    const path = rowsFile(95);
    const imp = await importRow(organizationId, path);
    const abort = new AbortController();
    let progressed = 0;
    const options: RunOptions = { batchSize: 10, bulk: 'on', signal: abort.signal, onProgress: () => void progressed++ };
    await expect(runImport(db(), imp, fileSource(path), { ...options, onBatch: (n) => n === 3 && abort.abort(new Error('killed')) })).rejects.toThrow(/killed/);
    expect(await leadCount(organizationId)).toBe(0);
    expect(await leadIndexes()).toEqual(before);
    expect(await leadTriggers()).toEqual(triggers);
    await expect(runImport(db(), imp, fileSource(path), { batchSize: 10, bulk: 'on', onBatch: (n) => {
      if (n === 5) throw new Error('batch 5 failed');
    } })).rejects.toThrow(/batch 5 failed/);
    expect(await leadCount(organizationId)).toBe(0);
    expect(await leadIndexes()).toEqual(before);
    const left = await withTenant(db(), { organizationId }, (tx) => q.getImport(tx, imp.id));
    // Nothing of the aborted runs was committed: no counts, no checkpoint, no bytes shown as done.
    expect(left).toMatchObject({ status: 'running', rows_processed: 0, created_count: 0, batches: 0, checkpoint_line: 0, bytes_done: 0 });
    expect(await withTenant(db(), { organizationId }, (tx) => q.listErrors(tx, imp.id))).toEqual([]);

    let mode = undefined as ImportModeReport | undefined;
    const counts = await runImport(db(), left!, fileSource(path), { batchSize: 10, bulk: 'on', onMode: (m) => (mode = m) });
    expect(mode?.mode).toBe('bulk');
    expect(counts).toEqual({ rows: 96, created: 95, updated: 1, rejected: 0 });
    expect(await leadCount(organizationId)).toBe(95);
    const done = await withTenant(db(), { organizationId }, (tx) => q.getImport(tx, imp.id));
    expect(done).toMatchObject({ status: 'completed', checkpoint_line: 97, rows_processed: 96, created_count: 95, updated_count: 1, batches: 10, bytes_done: imp.file_size });
    expect(await leadIndexes()).toEqual(before);
    // Progress is reported from outside the transaction on the server; PGlite's one
    // connection is held by it, so there the caller hears only the end.
    if (MODE === 'server') expect(progressed).toBeGreaterThan(0);
    else expect(progressed).toBe(0);
  });

  it('a killed bulk run (its connection gone mid-way) rolls back whole; the import runs again', async () => {
    const before = await leadIndexes();
    const organizationId = await newOrg('Killed');
    const path = rowsFile(60);
    const imp = await importRow(organizationId, path);
    if (MODE === 'server') {
      // The server ends the importing session, as when the process dies: the transaction is rolled back.
      const killer = new pg.Client({ connectionString: database.url });
      await killer.connect();
      const kill = async (n: number) => {
        if (n !== 3) return;
        await killer.query(`SELECT pg_terminate_backend(l.pid) FROM pg_locks AS l WHERE l.relation = 'leads'::regclass AND l.mode = 'AccessExclusiveLock' AND l.granted`);
      };
      await expect(runImport(db(), imp, fileSource(path), { batchSize: 10, bulk: 'on', onBatch: kill })).rejects.toThrow();
      await killer.end();
    } else {
      // Embedded: the process is the database; an exception in the middle of the transaction stands in for it.
      await expect(runImport(db(), imp, fileSource(path), { batchSize: 10, bulk: 'on', onBatch: (n) => {
        if (n === 3) throw new Error('process gone');
      } })).rejects.toThrow(/process gone/);
    }
    expect(await leadCount(organizationId)).toBe(0);
    expect(await leadIndexes()).toEqual(before);
    const again = await withTenant(db(), { organizationId }, (tx) => q.getImport(tx, imp.id));
    expect(await runImport(db(), again!, fileSource(path), { batchSize: 10, bulk: 'on' })).toEqual({ rows: 61, created: 60, updated: 1, rejected: 0 });
    expect(await leadCount(organizationId)).toBe(60);
  });

  it("'auto' chooses batches for a small file and on embedded PGlite; bulk for a large first import on the server only", async () => {
    const organizationId = await newOrg('Auto');
    const small = await importLocalFile(db(), { organizationId, path: rowsFile(30), batchSize: 10 });
    expect(small.mode?.mode).toBe('normal');
    expect(small.mode?.reason).toMatch(MODE === 'server' ? /about 3\d rows, fewer than the 100,000/ : /embedded database/);

    expect(estimateRows(160_000_000, 160)).toBe(1_000_000);
    const large = await decideBulk(db(), 'auto', { bytes: 50_000_000, bytesPerRow: 100 });
    const forced = await decideBulk(db(), 'on', { bytes: 1000, bytesPerRow: 100 });
    const off = await decideBulk(db(), 'off', { bytes: 50_000_000, bytesPerRow: 100 });
    expect(forced).toMatchObject({ bulk: true, engine: MODE });
    expect(off).toMatchObject({ bulk: false, reason: /off/ });
    if (MODE === 'server') {
      expect(large).toMatchObject({ bulk: true, engine: 'server' });
      // A leads table already holding half the file's rows is in use: no bulk.
      await sql`UPDATE pg_class SET reltuples = 250000 WHERE oid = 'leads'::regclass`.execute(db());
      expect(await decideBulk(db(), 'auto', { bytes: 50_000_000, bytesPerRow: 100 })).toMatchObject({ bulk: false, reason: /already holds about 250,000 rows/ });
      await sql`ANALYZE leads`.execute(db());
    } else {
      expect(large).toMatchObject({ bulk: false, engine: 'embedded', reason: /embedded database/ });
    }
  });

  it('falls back to batches when leads cannot be locked in time (server), and reports the mode', async () => {
    const organizationId = await newOrg('Locked');
    const path = rowsFile(40);
    if (MODE === 'server') {
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      await holder.query('BEGIN');
      // A long report reading leads: the import must not wait behind it for more than its timeout.
      await holder.query('LOCK TABLE leads IN ACCESS SHARE MODE');
      const started = performance.now();
      const result = await importLocalFile(db(), { organizationId, path, batchSize: 10, bulk: 'on', lockTimeoutMs: 300 });
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(result.mode).toMatchObject({ mode: 'normal', reason: /fell back: leads is in use by another transaction \(no exclusive lock within 300 ms\)/ });
      expect(result.counts).toEqual({ rows: 41, created: 40, updated: 1, rejected: 0 });
      await holder.query('ROLLBACK');
      await holder.end();
    } else {
      // One connection, nothing to wait for: the lock is always granted.
      const result = await importLocalFile(db(), { organizationId, path, batchSize: 10, bulk: 'on', lockTimeoutMs: 300 });
      expect(result.mode?.mode).toBe('bulk');
      expect(result.counts).toEqual({ rows: 41, created: 40, updated: 1, rejected: 0 });
    }
    expect(await leadCount(organizationId)).toBe(40);
  });

  it('imports in batches, and says why, when the connecting role does not own leads (it could not drop its indexes)', async () => {
    const organizationId = await newOrg('Not owner');
    const path = rowsFile(20);
    const role = `leadai_t_importer_${Math.random().toString(36).slice(2, 8)}`;
    await sql.raw(`CREATE ROLE ${role} LOGIN; GRANT leadai_app TO ${role}`).execute(db());
    try {
      const asImporter = async <T>(fn: (importerDb: typeof database.db) => Promise<T>): Promise<T> => {
        if (MODE === 'server') {
          const url = new URL(database.url!);
          url.username = role;
          const other = await openDatabase({ kind: 'server', url: url.toString(), poolSize: 2 });
          try {
            return await fn(other.db);
          } finally {
            await other.close();
          }
        }
        // PGlite has one session: it becomes the other role for the duration.
        await sql.raw(`SET SESSION AUTHORIZATION ${role}`).execute(db());
        try {
          return await fn(db());
        } finally {
          // (PGlite's RESET SESSION AUTHORIZATION leaves the role in place; naming postgres works.)
          await sql.raw('SET SESSION AUTHORIZATION postgres').execute(db());
        }
      };
      const result = await asImporter((importerDb) => importLocalFile(importerDb, { organizationId, path, batchSize: 10, bulk: 'on' }));
      expect(result.mode).toEqual({ mode: 'normal', reason: 'the database role does not own the leads table, so it cannot drop and rebuild its indexes' });
      expect(result.counts).toEqual({ rows: 21, created: 20, updated: 1, rejected: 0 });
      expect(await leadCount(organizationId)).toBe(20);
    } finally {
      await sql.raw(`DROP OWNED BY ${role}; DROP ROLE ${role}`).execute(db());
    }
  });

  it('shows progress while the bulk transaction runs (server), without committed counts', async () => {
    const organizationId = await newOrg('Progress');
    // Large enough that the parser's read-ahead is a small part of it.
    const path = rowsFile(3000);
    const imp = await importRow(organizationId, path);
    const seen: { bytes: number; created: number }[] = [];
    const onBatch = async (n: number) => {
      if (MODE !== 'server' || n !== 5) return;
      // Another connection sees the import's row move while its leads are not committed.
      for (let i = 0; i < 100; i++) {
        const row = await q.getImport(db(), imp.id);
        if (row!.bytes_done > 0) {
          seen.push({ bytes: row!.bytes_done, created: row!.created_count });
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await runImport(db(), imp, fileSource(path), { batchSize: 200, bulk: 'on', onBatch });
    if (MODE === 'server') {
      expect(seen).toHaveLength(1);
      expect(seen[0]!.bytes).toBeGreaterThan(0);
      expect(seen[0]!.bytes).toBeLessThan(imp.file_size);
      expect(seen[0]!.created).toBe(0);
    } else {
      expect(seen).toEqual([]);
    }
    expect(await q.getImport(db(), imp.id)).toMatchObject({ status: 'completed', bytes_done: imp.file_size, created_count: 3000 });
  });

  it('a busy application does not stall a bulk import: requests waiting for leads hold every pooled connection, the import reads its chunks through its own transaction', async () => {
    const organizationId = await newOrg('Busy');
    // Over 1 MiB: the chunks after the first are read while the requests below wait.
    const body = readFileSync(rowsFile(40_000));
    expect(body.length).toBeGreaterThan(1 << 20);
    const { service, job } = await uploadInBulk(organizationId, body, { maxUploadBytes: 8 << 20, batchSize: 1000 });
    const waiting: Promise<number>[] = [];
    // The job's first progress report comes while the bulk transaction runs (server): then
    // more requests than both pools hold (5 connections each in tests) start waiting for leads.
    const progress = async () => {
      if (waiting.length > 0 || MODE !== 'server') return;
      for (let i = 0; i < 12; i++) {
        waiting.push(i % 2 ? withTenantRead(db(), { organizationId }, (tx) => q.countLeads(tx)) : withTenant(db(), { organizationId }, (tx) => q.countLeads(tx)));
      }
    };
    const result = await service.handleJob({ ...job, attempts: 1 }, { progress, signal: new AbortController().signal });
    expect(result).toMatchObject({ rows: 40_001, created: 40_000, updated: 1, rejected: 0, mode: 'bulk' });
    expect(waiting.length).toBe(MODE === 'server' ? 12 : 0);
    // The requests went on once the import committed, and saw all of it.
    expect(await Promise.all(waiting)).toEqual(Array(waiting.length).fill(40_000));
    expect(await leadCount(organizationId)).toBe(40_000);
  });

  it('an uploaded file imported in bulk by the background job (its chunks are read from the database)', async () => {
    const organizationId = await newOrg('Upload');
    const { ctx, service, uploaded, job } = await uploadInBulk(organizationId, readFileSync(rowsFile(50)), { maxUploadBytes: 1 << 20, batchSize: 10 });
    expect(job.payload).toEqual({ import_id: uploaded.id, bulk: 'on', scope: { role: 'admin', user_id: expect.any(String), team_id: null } });
    const result = await service.handleJob({ ...job, attempts: 1 }, { progress: async () => {}, signal: new AbortController().signal });
    expect(result).toMatchObject({ rows: 51, created: 50, updated: 1, rejected: 0, mode: 'bulk' });
    expect(await leadCount(organizationId)).toBe(50);
    expect(await service.get(ctx, uploaded.id)).toMatchObject({ status: 'completed', progress: { percent: 100 } });
  });

  it('parsed on a worker thread: an upload read from the database, an abort mid-way, a broken file, all as on the main thread', async () => {
    const before = await leadIndexes();
    // An upload in many small chunks, read back through the bulk transaction and handed to the worker.
    const uploadOrg = await newOrg('Worker upload');
    const { service, job } = await uploadInBulk(uploadOrg, readFileSync(rowsFile(300)), { maxUploadBytes: 1 << 20, batchSize: 25, parseWorker: 'on' });
    const result = await service.handleJob({ ...job, attempts: 1 }, { progress: async () => {}, signal: new AbortController().signal });
    expect(result).toMatchObject({ rows: 301, created: 300, updated: 1, rejected: 0, mode: 'bulk' });
    expect(await leadCount(uploadOrg)).toBe(300);

    // Aborted after three batches, on both paths: nothing (bulk) or three batches (normal) stay; run again, every row once.
    for (const bulk of ['on', 'off'] as const) {
      const organizationId = await newOrg(`Worker abort ${bulk}`);
      const path = rowsFile(95);
      const imp = await importRow(organizationId, path);
      const abort = new AbortController();
      const options: RunOptions = { batchSize: 10, bulk, parseWorker: 'on', signal: abort.signal, onBatch: (n) => n === 3 && abort.abort(new Error('killed')) };
      await expect(runImport(db(), imp, fileSource(path), options)).rejects.toThrow(/killed/);
      expect(await leadCount(organizationId), bulk).toBe(bulk === 'on' ? 0 : 30);
      const left = await withTenant(db(), { organizationId }, (tx) => q.getImport(tx, imp.id));
      expect(await runImport(db(), left!, fileSource(path), { batchSize: 10, bulk, parseWorker: 'on' })).toEqual({ rows: 96, created: 95, updated: 1, rejected: 0 });
      expect(await leadCount(organizationId), bulk).toBe(95);
    }
    expect(await leadIndexes()).toEqual(before);

    // A quote that never closes: the same error, from either thread, and nothing written.
    const broken = writeCsv('broken.csv', ['Email,First Name,Last Name,Score', 'a@example.com,Ada,Lovelace,1', 'b@example.com,"Grace,Hopper,2', 'c@example.com,Alan,Turing,3']);
    const messages = [];
    for (const parseWorker of ['off', 'on'] as const) {
      const organizationId = await newOrg(`Worker broken ${parseWorker}`);
      const imp = await importRow(organizationId, broken);
      const error = await runImport(db(), imp, fileSource(broken), { batchSize: 10, bulk: 'on', parseWorker }).catch((e: unknown) => e as Error);
      expect(error, parseWorker).toBeInstanceOf(DomainError);
      messages.push((error as Error).message);
      expect(await leadCount(organizationId)).toBe(0);
    }
    expect(messages[0]).toMatch(/could not be read as CSV/);
    expect(messages[1]).toBe(messages[0]);
  });
});

describe(`Bulk import over the API (${MODE})`, () => {
  const { app, url } = useServer();

  it('POST /imports/{id}/start takes {bulk}, refuses a value it does not know, and the job runs in that mode', async () => {
    const { client, organizationId } = await Client.signup(url, 'Bulk API');
    const form = new FormData();
    form.append('file', new Blob([readFileSync(rowsFile(25))]), 'rows.csv');
    const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: client.cookie, 'x-csrf-token': client.csrf } });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: string }).id;

    const bad = await client.post(`/api/v1/imports/${id}/start`, { bulk: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(bad.body)).toMatch(/bulk/);
    expect((await client.get(`/api/v1/imports/${id}`)).body.status).toBe('pending');

    const started = await client.post(`/api/v1/imports/${id}/start`, { bulk: 'on' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const appDb = app().database.db;
    const job = await appDb.selectFrom('jobs').selectAll().where('queue', '=', 'imports').where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
    expect(job.payload).toEqual({ import_id: id, bulk: 'on', scope: { role: 'admin', user_id: expect.any(String), team_id: null } });
    const service = createImportsService(appDb, { maxUploadBytes: 1 << 20, batchSize: 10 });
    const result = await service.handleJob({ ...job, attempts: 1 }, { progress: async () => {}, signal: new AbortController().signal });
    expect(result).toMatchObject({ rows: 26, created: 25, updated: 1, rejected: 0, mode: 'bulk', mode_reason: 'bulk mode requested' });
    expect((await client.get(`/api/v1/imports/${id}`)).body).toMatchObject({ status: 'completed', counts: { created: 25 }, progress: { percent: 100 } });
    expect((await client.get('/api/v1/leads?q=lead1&limit=50')).body.data!.length).toBeGreaterThan(0);
  });
});
