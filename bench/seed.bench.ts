/**
 * npm run bench:seed [-- --leads N] — demo generation into a fresh database on the
 * PostgreSQL server (DATABASE_URL, default the local server), with the rate per table.
 * Target (issue 2): 1,000,000 leads with their related rows in under 5 minutes.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { seedDemo } from '../src/modules/demo/demo.service.ts';
import { createProgress } from '../src/cli/output.ts';
import { printReport } from './report.ts';

const { values } = parseArgs({ options: { leads: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '42' } } });
const leads = Number(values.leads);
const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `leadai_bench_seed_${Date.now()}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const database = await openDatabase({ kind: 'server', url: url.toString(), poolSize: 8 });
try {
  await migrate(database.db);
  const progress = createProgress(`Seeding ${leads.toLocaleString('en-US')} leads`, true);
  const started = performance.now();
  let statusAt = 0;
  const result = await seedDemo(database, {
    leads,
    seed: Number(values.seed),
    anchor: new Date('2026-11-25T00:00:00Z'),
    onProgress: progress.update,
    onStatus: (message) => {
      statusAt = performance.now();
      process.stderr.write(`\n${message}…\n`);
    },
  });
  progress.stop();
  const seconds = (performance.now() - started) / 1000;
  const rows = result.counts.leads + result.counts.activities + result.counts.conversations + result.counts.journeyEvents;
  printReport('bench:seed', [
    { metric: 'leads', value: result.counts.leads },
    { metric: 'activities', value: result.counts.activities },
    { metric: 'conversations', value: result.counts.conversations },
    { metric: 'journey events', value: result.counts.journeyEvents },
    { metric: 'total rows', value: rows },
    { metric: 'seconds (total)', value: Math.round(seconds * 10) / 10 },
    { metric: 'seconds (index build + analyze)', value: statusAt ? Math.round((performance.now() - statusAt) / 100) / 10 : 0 },
    { metric: 'leads per second', value: Math.round(result.counts.leads / seconds) },
    { metric: 'rows per second', value: Math.round(rows / seconds) },
    { metric: 'target: seconds for 1M leads', value: 300 },
    { metric: 'meets target', value: leads >= 1_000_000 ? String(seconds < 300) : 'n/a (fewer than 1M leads)' },
  ]);
} finally {
  await database.close();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
