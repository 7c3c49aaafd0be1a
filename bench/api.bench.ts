/**
 * npm run bench:api [-- --leads 1000000 --fresh] — the API on the PostgreSQL server with N
 * leads in one organization: latency (p50/p95/p99, one client) and throughput (16
 * connections) for get-by-id, a filtered list and full-text search, next to the same
 * queries sent straight to PostgreSQL in the same run, and to a bare node:http server that runs
 * that SQL (what HTTP itself costs). `--skip-export` leaves out the export of every lead.
 * Targets (issue 3): p95 < 20 ms each at one client; API ≤ 1.5× direct SQL; ≥ 3,000 req/s
 * for get-by-id. Then the CSV export of every lead: time, and the server's memory (flat).
 * The seeded database (leadai_bench_api) is kept for the next run; --fresh rebuilds it.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { PREPARED } from '../src/db/prepared.ts';
import { withTenantRead } from '../src/db/tenant.ts';
import { LEAD_COLUMNS } from '../src/modules/leads/leads.queries.ts';
import { createAuthService } from '../src/modules/auth/auth.service.ts';
import { seedDemo } from '../src/modules/demo/demo.service.ts';
import { createProgress } from '../src/cli/output.ts';
import { createLogger } from '../src/shared/logger.ts';
import { openBenchDatabase } from './db.ts';
import { printReport } from './report.ts';

const { values } = parseArgs({ options: { leads: { type: 'string', default: '1000000' }, fresh: { type: 'boolean', default: false }, samples: { type: 'string', default: '2000' }, duration: { type: 'string', default: '10' }, 'skip-export': { type: 'boolean', default: false } } });
const leads = Number(values.leads);
const samples = Number(values.samples);
const name = 'leadai_bench_api';
const { database, url: dbUrl } = await openBenchDatabase(name, { fresh: values.fresh, poolSize: 20 });
let org = await database.db.selectFrom('organizations').select(['id']).where('name', 'like', 'Northwind Analytics (demo%').executeTakeFirst();
const have = org ? Number((await database.db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n) : 0;
if (!org || have < leads) {
  if (org) throw new Error(`${name} has ${have} leads, fewer than ${leads}: run with --fresh`);
  const progress = createProgress(`Seeding ${leads.toLocaleString('en-US')} leads (once; kept in ${name})`, true);
  const result = await seedDemo(database, { leads, anchor: new Date('2026-11-25T00:00:00Z'), onProgress: progress.update });
  progress.stop();
  org = { id: result.organizationId };
}
await sql`ANALYZE`.execute(database.db);
const organizationId = org.id;
const adminUser = await database.db.selectFrom('users').select(['id', 'team_id']).where('organization_id', '=', organizationId).where('role', '=', 'admin').executeTakeFirstOrThrow();
const ctx = { organizationId, userId: adminUser.id, role: 'admin' as const, teamId: null, actor: { type: 'user' as const, id: adminUser.id }, via: 'session' as const, sessionId: null, csrfHash: null };
const key = (await createAuthService(database.db).createApiKey(ctx, { name: `bench ${Date.now()}`, role: 'admin' })).key;

// Samples: random lead ids, and search words that real users type (company words).
const ids = (await sql<{ id: string }>`SELECT id FROM leads TABLESAMPLE SYSTEM (1) LIMIT ${samples}`.execute(database.db)).rows.map((r) => r.id);
const words = (await sql<{ w: string }>`SELECT DISTINCT lower(split_part(company, ' ', 1)) AS w FROM leads TABLESAMPLE SYSTEM (0.2) WHERE company ~ '^[A-Za-z]{4,}' LIMIT 300`.execute(database.db)).rows.map((r) => r.w.replace(/[^a-z]/g, '')).filter((w) => w.length >= 4);

const config = loadConfig({ DATABASE_URL: dbUrl.toString(), DATABASE_POOL_SIZE: '20', LEADAI_WORKERS: 'false', LEADAI_DEMO: 'off', LOG_LEVEL: 'silent' });
const app = await createApp(config, createLogger(config));
const base = await app.server.listen({ port: 0, host: '127.0.0.1' });
const headers = { authorization: `Bearer ${key}` };

// The columns the API returns (not the search vector), so both sides move the same bytes.
const columns = sql.raw(LEAD_COLUMNS.join(', '));
const searchColumns = sql.raw(LEAD_COLUMNS.map((c) => `l.${c}`).join(', '));
type Workload = { name: string; path: (i: number) => string; direct: (i: number) => Promise<unknown>; prepared?: (i: number) => Promise<unknown> };
const pick = <T>(xs: T[], i: number) => xs[i % xs.length]!;
const workloads: Workload[] = [
  {
    name: 'get lead by id',
    path: (i) => `/api/v1/leads/${pick(ids, i)}`,
    direct: (i) => withTenantRead(database.db, ctx, (tx) => sql`SELECT ${columns} FROM leads WHERE id = ${pick(ids, i)}`.execute(tx)),
    // The API keeps this statement prepared (db/prepared.ts); the same, sent the same way.
    prepared: (i) => withTenantRead(database.db, ctx, (tx) => sql`${PREPARED}SELECT ${columns} FROM leads WHERE id = ${pick(ids, i)} AND true`.execute(tx)),
  },
  {
    name: 'filtered list (status, by score)',
    path: (i) => `/api/v1/leads?status=${pick(['qualified', 'proposal', 'negotiation', 'contacted'], i)}&limit=50`,
    direct: (i) => withTenantRead(database.db, ctx, (tx) => sql`SELECT ${columns} FROM leads WHERE status = ${pick(['qualified', 'proposal', 'negotiation', 'contacted'], i)} ORDER BY current_score DESC, id DESC LIMIT 51`.execute(tx)),
  },
  {
    name: 'full-text search (ranked)',
    path: (i) => `/api/v1/leads?q=${pick(words, i)}&limit=20`,
    direct: (i) => withTenantRead(database.db, ctx, (tx) => sql`SELECT ${searchColumns} FROM app.search_leads(${pick(words, i)}, to_tsquery('english', ${pick(words, i) + ':*'}), 100) s JOIN leads l ON l.id = s.lead_id ORDER BY s.rank, s.similarity DESC LIMIT 20`.execute(tx)),
  },
];

// One client, one kept-alive connection, no fetch machinery: the time measured is the
// server's plus the loopback, as close to the floor as an HTTP client gets.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent, headers }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}
const run = promisify(execFile);

// The floor of any HTTP API over this query: a bare node:http server in this process that
// runs the workload's direct SQL (same tenant read path) and answers its rows with
// JSON.stringify — no framework, no auth, no validation. It shows how much of API ÷ SQL is
// the HTTP round trip itself (a second loopback hop per request) rather than the product.
const floorServer = http.createServer((req, res) => {
  const [, workload, i] = (req.url ?? '').split('/');
  workloads[Number(workload)]!.direct(Number(i)).then((r) => {
    const body = JSON.stringify((r as { rows: unknown[] }).rows);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }, (error: unknown) => res.writeHead(500).end(String(error)));
});
await new Promise<void>((resolve) => floorServer.listen(0, '127.0.0.1', resolve));
const floorBase = `http://127.0.0.1:${(floorServer.address() as { port: number }).port}`;

const percentile = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const round = (x: number) => Math.round(x * 100) / 100;
const rows: { metric: string; value: string | number }[] = [{ metric: 'leads in the organization', value: have || leads }];
const results: Record<string, unknown>[] = [];
for (const [wi, w] of workloads.entries()) {
  const n = 400;
  for (let i = 0; i < 50; i++) await get(base + w.path(i));
  const api: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const status = await get(base + w.path(i));
    if (status !== 200) throw new Error(`${w.name}: HTTP ${status}`);
    api.push(performance.now() - t);
  }
  for (let i = 0; i < 50; i++) await w.direct(i);
  const direct: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await w.direct(i);
    direct.push(performance.now() - t);
  }
  const prepared: number[] = [];
  if (w.prepared) {
    for (let i = 0; i < 50; i++) await w.prepared(i);
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await w.prepared(i);
      prepared.push(performance.now() - t);
    }
  }
  for (let i = 0; i < 50; i++) await get(`${floorBase}/${wi}/${i}`);
  const floor: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await get(`${floorBase}/${wi}/${i}`);
    floor.push(performance.now() - t);
  }
  // Throughput from a separate process (the load generator must not share the server's
  // event loop); it still shares the machine's two cores, as wrk would.
  const spec = { url: base, headers, paths: Array.from({ length: 2000 }, (_, i) => w.path(i)), connections: 16, duration: Number(values.duration) };
  const { stdout } = await run(process.execPath, [new URL('../bin/run-ts.js', import.meta.url).pathname, new URL('./load-generator.ts', import.meta.url).pathname, JSON.stringify(spec)], { maxBuffer: 1 << 24 });
  const load = JSON.parse(stdout.trim().split('\n').pop()!) as { rps: number; non2xx: number; errors: number };
  const r = {
    workload: w.name,
    api_p50_ms: round(percentile(api, 50)), api_p95_ms: round(percentile(api, 95)), api_p99_ms: round(percentile(api, 99)),
    sql_p50_ms: round(percentile(direct, 50)), sql_p95_ms: round(percentile(direct, 95)),
    api_over_sql_p50: round(percentile(api, 50) / percentile(direct, 50)),
    sql_prepared_p50_ms: prepared.length ? round(percentile(prepared, 50)) : null,
    api_over_prepared_sql_p50: prepared.length ? round(percentile(api, 50) / percentile(prepared, 50)) : null,
    floor_p50_ms: round(percentile(floor, 50)),
    floor_over_sql_p50: round(percentile(floor, 50) / percentile(direct, 50)),
    api_minus_floor_p50_ms: round(percentile(api, 50) - percentile(floor, 50)),
    throughput_rps: Math.round(load.rps), non_2xx: load.non2xx, errors: load.errors,
  };
  results.push(r);
  rows.push(
    { metric: `${w.name}: API p50 / p95 / p99 ms`, value: `${r.api_p50_ms} / ${r.api_p95_ms} / ${r.api_p99_ms}` },
    { metric: `${w.name}: direct SQL p50 / p95 ms`, value: `${r.sql_p50_ms} / ${r.sql_p95_ms}` },
    { metric: `${w.name}: API ÷ SQL (p50)`, value: r.api_over_sql_p50 },
    ...(prepared.length ? [{ metric: `${w.name}: direct SQL prepared, as the API sends it: p50 ms (API ÷ it)`, value: `${r.sql_prepared_p50_ms} (${r.api_over_prepared_sql_p50})` }] : []),
    { metric: `${w.name}: bare HTTP + same SQL p50 ms (÷ SQL)`, value: `${r.floor_p50_ms} (${r.floor_over_sql_p50})` },
    { metric: `${w.name}: API − bare HTTP p50 ms (the product's own cost)`, value: r.api_minus_floor_p50_ms },
    { metric: `${w.name}: throughput, 16 connections (req/s)`, value: `${r.throughput_rps} (${r.non_2xx} non-2xx, ${r.errors} errors)` },
  );
}
// Export: every lead of the organization as CSV, streamed; memory should stay flat.
if (!values['skip-export']) {
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 100);
  const started = performance.now();
  const { lines, bytes } = await new Promise<{ lines: number; bytes: number }>((resolve, reject) => {
    let n = 0;
    let size = 0;
    http.get(`${base}/api/v1/leads/export?format=csv`, { headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`export: HTTP ${res.statusCode}`));
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) n++;
      });
      res.on('end', () => resolve({ lines: n, bytes: size }));
    }).on('error', reject);
  });
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const mb = (x: number) => Math.round(x / 1048576);
  results.push({ workload: 'export csv (all leads)', lines, bytes, seconds: round(seconds), rows_per_s: Math.round(lines / seconds), rss_before_mb: mb(rssBefore), rss_peak_mb: mb(peak) });
  rows.push(
    { metric: 'export CSV of every lead: lines (incl. header; quoted newlines count)', value: lines.toLocaleString('en-US') },
    { metric: 'export CSV: seconds / rows per s / MB', value: `${round(seconds)} / ${Math.round(lines / seconds).toLocaleString('en-US')} / ${mb(bytes)}` },
    { metric: 'export CSV: server process RSS before → peak (MB)', value: `${mb(rssBefore)} → ${mb(peak)}` },
  );
}

printReport('bench:api', rows);
console.log(`JSON ${JSON.stringify({ bench: 'bench:api', detail: results })}`);
floorServer.close();
await app.close();
process.exit(0);
