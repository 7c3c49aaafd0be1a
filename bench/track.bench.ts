/**
 * npm run bench:track [-- --duration 10 --connections 16 --batch 100 --preload 1000000 --fresh]
 * — website event ingest (POST /api/v1/track) on the PostgreSQL server: sustained
 * events/s with N concurrent clients sending batches of B events, and request latency
 * (p50/p95/p99) under that load and at one client. A second phase mixes in identify
 * batches (find-or-create the lead, stitch the visitor's earlier events).
 * Target (tracking issue): ≥ 20,000 events/s in batches of 100.
 * The database (leadai_bench_track, with --preload journey events already in it so index
 * inserts are not into an empty table) is kept for the next run; --fresh rebuilds it.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLeadsService } from '../src/modules/leads/leads.service.ts';
import { createOrganization } from '../src/modules/organizations/organizations.service.ts';
import { createTrackingService } from '../src/modules/tracking/tracking.service.ts';
import { createLogger } from '../src/shared/logger.ts';
import { openBenchDatabase } from './db.ts';
import { printReport } from './report.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    batch: { type: 'string', default: '100' },
    preload: { type: 'string', default: '1000000' },
    fresh: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration) * 1000;
const connections = Number(values.connections);
const batchSize = Number(values.batch);
const preload = Number(values.preload);
const name = 'leadai_bench_track';
const { database, url: dbUrl } = await openBenchDatabase(name, { fresh: values.fresh, poolSize: 4 });
let org = await database.db.selectFrom('organizations').select('id').where('name', '=', 'Tracking bench').executeTakeFirst();
if (!org) {
  const created = await createOrganization(database.db, { name: 'Tracking bench', adminEmail: `bench-${randomUUID().slice(0, 8)}@bench.example`, adminPassword: 'correct horse battery', adminName: 'Bench' });
  org = { id: created.organization.id };
}
const organizationId = org.id;
const have = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM journey_events WHERE organization_id = ${organizationId}`.execute(database.db)).rows[0]!.n);
if (have < preload) {
  console.log(`Preloading ${(preload - have).toLocaleString('en-US')} journey events (once; kept in ${name}) …`);
  await sql`INSERT INTO journey_events (organization_id, anonymous_id, client_event_id, event_type, event_name, properties, session_id, ip_address, user_agent, occurred_at)
    SELECT ${organizationId}::uuid, 'pre-' || (g / 20), 'pre-' || g, 'page_view', 'Pricing', jsonb_build_object('url', 'https://www.example.com/p/' || (g % 500)), 's-' || (g / 10), '203.0.113.7', 'Mozilla/5.0', now() - make_interval(secs => g % 2592000)
    FROM generate_series(${have}::int, ${preload - 1}::int) AS g`.execute(database.db);
  await sql`ANALYZE journey_events`.execute(database.db);
}
const adminUser = await database.db.selectFrom('users').select('id').where('organization_id', '=', organizationId).where('role', '=', 'admin').executeTakeFirstOrThrow();
const ctx = { organizationId, userId: adminUser.id, role: 'admin' as const, teamId: null, actor: { type: 'user' as const, id: adminUser.id }, via: 'session' as const, sessionId: null, csrfHash: null };
const writeKey = (await createTrackingService(database.db, createLeadsService(database.db)).createKey(ctx, { name: `bench ${Date.now()}` })).write_key;
await database.close();

const config = loadConfig({ DATABASE_URL: dbUrl.toString(), DATABASE_POOL_SIZE: '20', LEADAI_WORKERS: 'false', LEADAI_DEMO: 'off', LOG_LEVEL: 'silent' });
const app = await createApp(config, createLogger(config));
const address = new URL(await app.server.listen({ port: 0, host: '127.0.0.1' }));

// Batches as a browser tab sends them: 10 visitors × 10 page views, unique event ids.
const run = randomUUID().slice(0, 8);
let counter = 0;
function body(identify: boolean): string {
  const n = counter++;
  const events: string[] = [];
  const visitors = Math.max(1, Math.floor(batchSize / 10));
  for (let i = 0; i < batchSize; i++) {
    const visitor = `${run}-${n}-${i % visitors}`;
    events.push(`{"id":"${run}-${n}-${i}","type":"page_view","anonymous_id":"${visitor}","session_id":"s-${visitor}","url":"https://www.example.com/pricing?plan=${i % 7}","title":"Pricing – Example","referrer":"https://search.example/?q=lead+management"}`);
  }
  if (identify) events[events.length - 1] = `{"id":"${run}-${n}-id","type":"identify","anonymous_id":"${run}-${n}-0","email":"visitor-${run}-${n}@bench.example","traits":{"name":"Bench Visitor","company":"Example"}}`;
  return `{"write_key":"${writeKey}","events":[${events.join(',')}]}`;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
function post(payload: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: address.hostname, port: address.port, path: '/api/v1/track', method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(payload), 'user-agent': 'Mozilla/5.0 (bench)' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function load(ms: number, clients: number, identifyEvery: number) {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const until = performance.now() + ms;
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const identify = identifyEvery > 0 && sent++ % identifyEvery === 0;
        const r = await post(body(identify));
        latencies.push(r.ms);
        if (r.status === 200) ok++;
        else failed++;
      }
    }),
  );
  return { latencies, ok, failed, seconds: (performance.now() - started) / 1000 };
}

const percentile = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const round = (x: number) => Math.round(x * 100) / 100;
const countRows = async () => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM journey_events`.execute(app.database.db)).rows[0]!.n);

await load(2000, connections, 0); // warm-up
const single = await load(Math.min(duration, 5000), 1, 0);
const before = await countRows();
const main = await load(duration, connections, 0);
const stored = (await countRows()) - before;
const mixed = await load(Math.min(duration, 5000), connections, 20);

const rows = [
  { metric: 'journey events in the table (start of the load phase)', value: before },
  { metric: 'batch size (events per request)', value: batchSize },
  { metric: 'one client: p50 / p95 / p99 ms', value: `${round(percentile(single.latencies, 50))} / ${round(percentile(single.latencies, 95))} / ${round(percentile(single.latencies, 99))}` },
  { metric: `${connections} clients: events/s sustained (${Math.round(main.seconds)} s)`, value: Math.round((main.ok * batchSize) / main.seconds) },
  { metric: `${connections} clients: rows stored/s (counted in the table)`, value: Math.round(stored / main.seconds) },
  { metric: `${connections} clients: requests/s`, value: Math.round(main.ok / main.seconds) },
  { metric: `${connections} clients: p50 / p95 / p99 ms`, value: `${round(percentile(main.latencies, 50))} / ${round(percentile(main.latencies, 95))} / ${round(percentile(main.latencies, 99))}` },
  { metric: `${connections} clients: non-200 responses`, value: main.failed },
  { metric: 'with 1 identify batch in 20: events/s', value: Math.round((mixed.ok * batchSize) / mixed.seconds) },
  { metric: 'with 1 identify batch in 20: p50 / p95 ms', value: `${round(percentile(mixed.latencies, 50))} / ${round(percentile(mixed.latencies, 95))}` },
  { metric: 'with 1 identify batch in 20: non-200 responses', value: mixed.failed },
];
printReport('bench:track', rows);
agent.destroy();
await app.close();
process.exit(0);
