/**
 * npm run bench:import [-- --rows 1000000] [--skip-floor] — CSV import on the PostgreSQL server: a
 * realistic CRM export of N rows is generated into a temp dir, imported through the same
 * code path as `leadai import` (parse, map, batches of upserts in transactions), and timed
 * next to a raw COPY of the same file into a scratch table of text columns, in the same run.
 * Targets (import issue): 1,000,000 rows in under 60 s, within 3× of COPY. A third figure,
 * one set-based INSERT … SELECT of the same rows into an empty leads table, is the floor
 * that the leads table's own indexes and trigger put under any import when they are
 * maintained row by row. The import's mode is printed: `--bulk auto` (default; bulk here,
 * since the database is fresh and the file large), `--bulk on`, `--bulk off` (the normal
 * batches); in bulk mode with the time of each phase (load with the indexes dropped, rebuild).
 * `--parse-worker auto|on|off`: parse and map the CSV on a worker thread (auto: files ≥ 8 MB).
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createProgress } from '../src/cli/output.ts';
import { parseBulkRequest } from '../src/modules/imports/bulk-mode.ts';
import { importLocalFile } from '../src/modules/imports/imports.service.ts';
import { createOrganization } from '../src/modules/organizations/organizations.service.ts';
import { openBenchDatabase, serverUrl } from './db.ts';
import { printReport } from './report.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, 'batch-size': { type: 'string', default: '5000' }, writers: { type: 'string', default: '1' }, bulk: { type: 'string', default: 'auto' }, 'parse-worker': { type: 'string', default: 'auto' }, 'skip-floor': { type: 'boolean', default: false } } });
const rows = Number(values.rows);
const bulk = parseBulkRequest(values.bulk);
const parseWorker = values['parse-worker'];
if (parseWorker !== 'auto' && parseWorker !== 'on' && parseWorker !== 'off') throw new Error(`--parse-worker must be auto, on or off (got ${parseWorker})`);
const name = 'leadai_bench_import';

// A HubSpot-like export: quoted fields, a few commas and newlines inside quotes, mixed case emails.
const dir = mkdtempSync(join(tmpdir(), 'leadai-bench-import-'));
const file = join(dir, 'contacts.csv');
const HEADERS = ['Record ID', 'First Name', 'Last Name', 'Email', 'Phone Number', 'Company Name', 'Job Title', 'Lead Status', 'Original Source', 'Create Date', 'Annual Revenue', 'Number of Employees', 'Industry', 'Notes'];
const FIRST = ['Ada', 'Grace', 'Alan', 'Katherine', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Tim', 'Radia', 'José', 'Zoë', 'François', 'Bjørn', 'Chloé', 'Vint'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Johnson', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Berners-Lee', 'Perlman', 'Núñez', 'Müller', 'Lefèvre', 'Ødegård', 'Cerf', 'Kahn'];
const COMPANY = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Tyrell', 'Cyberdyne', 'Soylent'];
const TITLES = ['CTO', 'VP Sales', 'Head of Marketing', 'Engineer', 'CEO', 'Operations Manager', 'Analyst'];
const STATUS = ['New', 'Open', 'In Progress', 'Connected', 'Unqualified', 'Open Deal'];
const SOURCES = ['Organic Search', 'Paid Search', 'Referrals', 'Direct Traffic', 'Social Media', 'Email Marketing'];
const INDUSTRY = ['Software', 'Retail', 'Finance', 'Healthcare', 'Manufacturing', 'Education'];
const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
{
  const out = createWriteStream(file);
  const lines: string[] = [HEADERS.map(q).join(',')];
  for (let i = 1; i <= rows; i++) {
    const f = FIRST[i % 16]!;
    const l = LAST[(i * 7) % 16]!;
    const company = `${COMPANY[(i * 3) % 10]} ${i % 1000}${i % 5 === 0 ? ', Inc.' : ''}`;
    const day = new Date(Date.UTC(2023, 0, 1) + (i % 700) * 86_400_000).toISOString().slice(0, 10);
    const notes = i % 10 === 0 ? `Met at the fair.\nFollow up in Q${(i % 4) + 1}` : '';
    lines.push([String(100000 + i), f, l, `${f.toLowerCase()}.${l.toLowerCase()}.${i}@example.com`.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace('ø', 'o').replace('Ø', 'O'), `+1 555 ${String(i).padStart(7, '0')}`, company, TITLES[i % 7]!, STATUS[i % 6]!, SOURCES[i % 6]!, `${day} ${String(i % 24).padStart(2, '0')}:15`, `${(i % 97) * 125000}`, String((i % 50) * 10 + 1), INDUSTRY[i % 6]!, notes].map(q).join(','));
    if (lines.length >= 10_000) {
      if (!out.write(lines.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
      lines.length = 0;
    }
  }
  out.end(lines.join('\n') + (lines.length ? '\n' : ''));
  await new Promise<void>((r) => out.on('finish', () => r()));
}
const bytes = statSync(file).size;

const { database, url: dbUrl } = await openBenchDatabase(name, { fresh: true, poolSize: 10 });
const { organization } = await createOrganization(database.db, { name: 'Bench Imports', adminEmail: `bench-${Date.now()}@bench.example`, adminPassword: 'correct horse battery' });

// The floor: COPY of the same file into a table of text columns.
const client = new pg.Client({ connectionString: dbUrl.toString() });
await client.connect();
await client.query(`CREATE TABLE scratch_copy (${HEADERS.map((_, i) => `c${i} text`).join(', ')})`);
let t = performance.now();
await pipeline(createReadStream(file), client.query(copyFrom(`COPY scratch_copy FROM STDIN WITH (FORMAT csv, HEADER true)`)));
const copySeconds = (performance.now() - t) / 1000;
await client.query('DROP TABLE scratch_copy');

const progress = createProgress(`Importing ${rows.toLocaleString('en-US')} rows`, true);
t = performance.now();
const first = await importLocalFile(database.db, { organizationId: organization.id, path: file, batchSize: Number(values['batch-size']), writers: Number(values.writers), bulk, parseWorker, onProgress: progress.update });
const importSeconds = (performance.now() - t) / 1000;
progress.stop();
const leads = Number((await client.query('SELECT count(*) AS n FROM leads WHERE organization_id = $1', [organization.id])).rows[0].n);
await client.end();
await database.close();

// The floor for any import into leads as it is (its indexes and search-word trigger): the
// same rows, COPY'd into a scratch table, then one set-based INSERT … SELECT into an empty
// leads table of a fresh database.
async function measureFloor(): Promise<number> {
  const floorName = `${name}_floor`;
  const { database: floorDb, url: floorUrl } = await openBenchDatabase(floorName, { fresh: true, poolSize: 2 });
  const floorOrg = await createOrganization(floorDb.db, { name: 'Floor', adminEmail: `floor-${Date.now()}@bench.example`, adminPassword: 'correct horse battery' });
  await floorDb.close();
  const floor = new pg.Client({ connectionString: floorUrl.toString() });
  await floor.connect();
  await floor.query(`CREATE TABLE scratch_copy (${HEADERS.map((_, i) => `c${i} text`).join(', ')})`);
  await pipeline(createReadStream(file), floor.query(copyFrom(`COPY scratch_copy FROM STDIN WITH (FORMAT csv, HEADER true)`)));
  const started = performance.now();
  await floor.query(
    `INSERT INTO leads (organization_id, external_id, first_name, last_name, email, phone, company, job_title, status, source, created_at, custom_fields)
     SELECT $1, c0, c1, c2, lower(c3), c4, c5, c6, 'new', c8, c9::timestamptz,
            jsonb_build_object('annual_revenue', c10::numeric, 'employees', c11::int, 'industry', c12, 'Notes', c13)
     FROM scratch_copy`,
    [floorOrg.organization.id],
  );
  const floorSeconds = (performance.now() - started) / 1000;
  await floor.end();
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${floorName} WITH (FORCE)`);
  await admin.end();
  return floorSeconds;
}
// --skip-floor: the INSERT … SELECT takes two minutes or more; leave it out while iterating.
const floorSeconds = values['skip-floor'] ? undefined : await measureFloor();
rmSync(dir, { recursive: true, force: true });

const round2 = (x: number) => Math.round(x * 100) / 100;
printReport('bench:import', [
  { metric: 'rows in file', value: rows },
  { metric: 'file size (MB)', value: Math.round(bytes / 1e5) / 10 },
  { metric: 'COPY into scratch table (s)', value: Math.round(copySeconds * 100) / 100 },
  { metric: 'mode', value: `${first.mode?.mode ?? '?'} (--bulk ${bulk}: ${first.mode?.reason ?? ''})` },
  { metric: 'parse worker', value: parseWorker },
  { metric: 'import (s)', value: Math.round(importSeconds * 100) / 100 },
  ...(first.mode?.seconds
    ? [
        { metric: 'bulk: lock (s)', value: round2(first.mode.seconds.lock) },
        { metric: 'bulk: load, indexes dropped (s)', value: round2(first.mode.seconds.load) },
        { metric: `bulk: rebuild ${first.mode.indexes} indexes (s)`, value: round2(first.mode.seconds.indexes) },
        { metric: 'bulk: ANALYZE (s)', value: round2(first.mode.seconds.analyze) },
      ]
    : []),
  { metric: 'import rows/s', value: Math.round(rows / importSeconds) },
  { metric: 'import / COPY', value: Math.round((importSeconds / copySeconds) * 100) / 100 },
  ...(floorSeconds === undefined
    ? [{ metric: 'floor: one INSERT … SELECT into leads (s)', value: 'skipped (--skip-floor)' }]
    : [
        { metric: 'floor: one INSERT … SELECT into leads (s)', value: round2(floorSeconds) },
        { metric: 'import / floor', value: round2(importSeconds / floorSeconds) },
      ]),
  { metric: 'created', value: first.counts.created },
  { metric: 'rejected', value: first.counts.rejected },
  { metric: 'leads in organization', value: leads },
  { metric: 'target: < 60 s', value: importSeconds < 60 ? 'met' : 'missed' },
  { metric: 'target: within 3x of COPY', value: importSeconds <= 3 * copySeconds ? 'met' : 'missed' },
]);
