/**
 * npm run bench:realtime [-- --clients 1000 --duration 300 --rate 30 | --quick] — the live
 * stream end to end on the PostgreSQL server (issue 21): N concurrent SSE clients over
 * loopback, spread across TWO real `leadai serve` processes, while writes go through the API
 * at a steady rate (half PATCH a lead's job title, half POST an activity; alternately to each
 * server). Prints:
 * - latency from each write to its event's receipt by EVERY client that should receive it:
 *   from the write's HTTP response (the commit happened before it, so this is at most the
 *   true commit-to-receipt time) and from the request's start (at least it);
 * - events delivered per second;
 * - lost, duplicated and unexpected events per client, counted against an expectation the
 *   benchmark computes itself (admins, managers and viewers get everything; sales reps only
 *   events about leads assigned to them or their team; addressed events only their recipient);
 * - each server process's RSS (and CPU) every 5 s, with a least-squares slope in MB/min;
 * - a floor measured in the same run: the write requests' own latency and a NOTIFY round
 *   trip on a bare pg connection; and the client processes' own CPU and event-loop delay.
 * The database is a throwaway one created on DATABASE_URL's server (default 127.0.0.1:5432)
 * and dropped at the end (--keep keeps it). Targets: p95 < 100 ms, RSS flat, 0 lost/duplicated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { hashSecret, newSecret } from '../src/modules/auth/tokens.ts';
import { serverUrl } from './db.ts';
import { startServer, type RunningServer } from './load-procs.ts';
import { printReport } from './report.ts';
import { Histogram, monotonicMs, slope, type BenchViewer, type ClientSpec, type ClientsResult, type FromClients, type RunEvent, type ToClients, type WriteTiming } from './realtime-shared.ts';

const { values } = parseArgs({
  allowNegative: true,
  options: {
    clients: { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string', default: '30' },
    quick: { type: 'boolean', default: false },
    leads: { type: 'string', default: '2000' },
    'streams-per-user': { type: 'string', default: '4' },
    'client-processes': { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    'trace-gc': { type: 'boolean', default: true },
  },
});
const CLIENTS = Number(values.clients ?? (values.quick ? 100 : 1000));
const DURATION_S = Number(values.duration ?? (values.quick ? 30 : 300));
const RATE = Number(values.rate);
const LEADS = Number(values.leads);
const STREAMS_PER_USER = Number(values['streams-per-user']);
const CLIENT_PROCESSES = Number(values['client-processes']);
const TEAMS = 10;
const SAMPLE_MS = 5000;
// The heap flag `leadai` relaunches itself with (bin/young-generation.js), given up front so
// that the spawned process IS the server (its RSS is what is sampled) and nothing relaunches.
const NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=64`.trim();

const load = loadavg();
console.log(`bench:realtime: ${CLIENTS} clients, ${DURATION_S} s, ${RATE} writes/s; load average before: ${load.map((x) => x.toFixed(2)).join(' ')}`);

// --- a throwaway database on the server --------------------------------------------------
const dbName = `leadai_bench_realtime_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
await admin.end();
const dbUrl = new URL(serverUrl);
dbUrl.pathname = `/${dbName}`;
const database = await openDatabase({ kind: 'server', url: dbUrl.toString(), poolSize: 4 });
// Plain SQL across tables for the benchmark's own bookkeeping (owner role).
const pool = new pg.Pool({ connectionString: dbUrl.toString(), max: 2 });
const servers: RunningServer[] = [];
const clientProcesses: ChildProcess[] = [];
let exitCode = 0;
try {
  await migrate(database.db);
  await run();
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  for (const child of clientProcesses) child.kill();
  await Promise.all(servers.map((s) => s.stop()));
  await pool.end();
  await database.close();
  if (!values.keep) {
    const drop = new pg.Client({ connectionString: serverUrl });
    await drop.connect();
    await drop.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await drop.end();
  } else console.log(`kept database ${dbName}`);
}
process.exit(exitCode);

async function run(): Promise<void> {
  const db = database.db;
  // --- one organization: teams, users of every role, leads owned by reps and teams ----------
  const organizationId = randomUUID();
  await db.insertInto('organizations').values({ id: organizationId, name: 'Realtime bench' }).execute();
  const teamIds = Array.from({ length: TEAMS }, () => randomUUID());
  await db.insertInto('teams').values(teamIds.map((id, i) => ({ id, organization_id: organizationId, name: `Team ${i + 1}` }))).execute();
  const userCount = Math.ceil(CLIENTS / STREAMS_PER_USER);
  const roles = ['admin', 'manager', 'viewer', 'sales_rep', 'sales_rep', 'sales_rep', 'sales_rep', 'sales_rep', 'sales_rep', 'sales_rep'] as const;
  const users = Array.from({ length: userCount }, (_, i): BenchViewer & { token: string } => {
    const role = roles[i % roles.length]!;
    // One rep in five has no team: they read only the leads assigned to them.
    const teamId = role === 'manager' || (role === 'sales_rep' && i % 5 !== 4) ? teamIds[i % TEAMS]! : null;
    return { userId: randomUUID(), role, teamId, token: newSecret('las_') };
  });
  await db.insertInto('users').values(users.map((u, i) => ({ id: u.userId, organization_id: organizationId, email: `user${i}@realtime-bench.example`, full_name: `Bench User ${i}`, role: u.role, team_id: u.teamId }))).execute();
  // Sessions written the way sign-in writes them (only the token's hash is stored): no password hashing for 250 users.
  const expires = new Date(Date.now() + 86_400_000);
  await db.insertInto('sessions').values(users.map((u) => ({ organization_id: organizationId, user_id: u.userId, token_hash: hashSecret(u.token), csrf_token_hash: hashSecret(newSecret()), expires_at: expires }))).execute();
  const writerKey = newSecret('lak_');
  await db.insertInto('api_keys').values({ organization_id: organizationId, name: 'bench writer', prefix: writerKey.slice(0, 10), key_hash: hashSecret(writerKey), role: 'admin', created_by: users[0]!.userId }).execute();
  const reps = users.filter((u) => u.role === 'sales_rep');
  const leadIds: string[] = [];
  for (let from = 0; from < LEADS; from += 500) {
    const rows = [];
    for (let j = from; j < Math.min(LEADS, from + 500); j++) {
      const id = randomUUID();
      leadIds.push(id);
      // One lead in ten is the team's, unassigned; the rest belong to a rep (and the rep's team, if any).
      const rep = reps[j % reps.length]!;
      const owner = j % 10 === 9 ? { assigned_to: null, team_id: teamIds[j % TEAMS]! } : { assigned_to: rep.userId, team_id: rep.teamId };
      rows.push({ id, organization_id: organizationId, first_name: 'Lead', last_name: String(j), email: `lead${j}@realtime-bench.example`, company: `Company ${j % 97}`, ...owner });
    }
    await db.insertInto('leads').values(rows).execute();
  }
  console.log(`seeded ${users.length} users (${reps.length} sales reps, ${TEAMS} teams) and ${LEADS} leads in ${dbName}`);

  // --- two real server processes ------------------------------------------------------------
  // --trace-gc: the servers log each collection, and the report shows the heap left after each
  // full (mark-compact) one, which tells retained memory from a heap that has not been collected yet.
  const env = { ...process.env, DATABASE_URL: dbUrl.toString(), LEADAI_DEMO: 'off', LOG_LEVEL: 'warn', LEADAI_STREAMS_PER_USER: String(Math.max(10, STREAMS_PER_USER)) };
  const nodeArgs = ['--max-semi-space-size=64', ...(values['trace-gc'] ? ['--trace-gc'] : [])];
  servers.push(...(await Promise.all([startServer(env, nodeArgs), startServer(env, nodeArgs)])));
  console.log(`servers: ${servers.map((s) => `${s.url} (pid ${s.child.pid})`).join(', ')}`);
  // The workers score the new leads first; the run starts once that has settled.
  await quiesce(organizationId, 120_000);

  // --- the clients, in their own processes ----------------------------------------------------
  const specs: ClientSpec[][] = Array.from({ length: CLIENT_PROCESSES }, () => []);
  for (let i = 0; i < CLIENTS; i++) {
    const user = users[i % users.length]!;
    // A user's streams (their tabs) land on both servers, as behind a load balancer.
    const server = servers[Math.floor(i / users.length) % servers.length]!;
    specs[i % CLIENT_PROCESSES]!.push({ url: `${server.url}/api/v1/stream`, headers: { cookie: `leadai_session=${user.token}` }, viewer: { userId: user.userId, role: user.role, teamId: user.teamId } });
  }
  const channels = specs.map((batch) => {
    const child = spawn(process.execPath, [new URL('../bin/run-ts.js', import.meta.url).pathname, new URL('./realtime-clients.ts', import.meta.url).pathname], { env: { ...process.env, NODE_OPTIONS }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    clientProcesses.push(child);
    return { child, batch, inbox: inbox(child) };
  });
  const connectStart = monotonicMs();
  const opened = await Promise.all(channels.map((c) => c.inbox.ask({ type: 'open', clients: c.batch, concurrency: 25 }, 'opened')));
  const failures = opened.flatMap((o) => (o.type === 'opened' ? o.failures : []));
  if (failures.length > 0) throw new Error(`streams failed to open:\n${failures.join('\n')}`);
  console.log(`${CLIENTS} streams open in ${((monotonicMs() - connectStart) / 1000).toFixed(1)} s`);
  await Promise.all(channels.map((c) => c.inbox.ask({ type: 'mark' }, 'marked')));

  // --- samplers: RSS and CPU of each process every 5 s; a bare NOTIFY round trip ------------
  const pids = { 'server 1': servers[0]!.child.pid!, 'server 2': servers[1]!.child.pid!, ...Object.fromEntries(channels.map((c, i) => [`clients ${i + 1}`, c.child.pid!])), bench: process.pid };
  const runStart = monotonicMs();
  // --trace-gc stamps each collection with ms since the process started: where the run began on that scale.
  const runStartInServer = servers.map((s) => processAgeMs(s.child.pid!));
  const rss: Record<string, [number, number][]> = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
  const cpuAtStart = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const machineAtStart = machineCpu();
  const postgresAtStart = postgresCpuSeconds();
  const sample = () => {
    const minutes = (monotonicMs() - runStart) / 60_000;
    for (const [k, pid] of Object.entries(pids)) rss[k]!.push([minutes, rssMb(pid)]);
  };
  sample();
  const sampler = setInterval(sample, SAMPLE_MS);
  const probe = await notifyProbe(dbUrl.toString());

  // --- the writes: open loop at RATE/s, never two at once on one lead ----------------------
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  type Write = { kind: 'patch' | 'activity'; leadId: string; startMs: number; endMs: number; status: number; activityId?: string };
  const writes: Write[] = [];
  const inFlight = new Set<string>();
  const pending = new Set<Promise<void>>();
  let cursor = 0;
  const endAt = runStart + DURATION_S * 1000;
  for (let k = 0; ; k++) {
    const due = runStart + (k * 1000) / RATE;
    if (due >= endAt) break;
    const wait = due - monotonicMs();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let leadId = leadIds[(cursor++ * 7919) % leadIds.length]!;
    while (inFlight.has(leadId)) leadId = leadIds[(cursor++ * 7919) % leadIds.length]!;
    const server = servers[Math.floor(k / 2) % servers.length]!;
    const kind = k % 2 === 0 ? 'patch' : 'activity';
    inFlight.add(leadId);
    const write: Write = { kind, leadId, startMs: monotonicMs(), endMs: 0, status: 0 };
    writes.push(write);
    const p = (kind === 'patch'
      ? call(agent, writerKey, 'PATCH', `${server.url}/api/v1/leads/${leadId}`, { job_title: `Bench title ${k}` })
      : call(agent, writerKey, 'POST', `${server.url}/api/v1/leads/${leadId}/activities`, { type: 'call', outcome: 'bench' })
    ).then(({ status, body }) => {
      write.endMs = monotonicMs();
      write.status = status;
      if (kind === 'activity' && status === 201) write.activityId = (JSON.parse(body) as { id: string }).id;
      inFlight.delete(leadId);
      pending.delete(p);
    });
    pending.add(p);
  }
  await Promise.all(pending);
  const writeEnd = monotonicMs();
  clearInterval(sampler);
  sample();
  const cpuAtEnd = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const machineAtEnd = machineCpu();
  const postgresCpu = (postgresCpuSeconds() - postgresAtStart) / ((writeEnd - runStart) / 1000);
  const probeSamples = await probe.stop();

  // --- what was committed, and who should have received it --------------------------------
  const endSeq = await sequencedHead(organizationId, 30_000);
  const readyMin = Math.min(...opened.map((o) => (o.type === 'opened' ? o.readySeqMin : 0)));
  const rows = await db
    .selectFrom('outbox_events')
    .select(['seq', 'event_type', 'entity_type', 'entity_id', 'payload'])
    .where('organization_id', '=', organizationId)
    .where('seq', '>', readyMin)
    .where('seq', '<=', endSeq)
    .orderBy('seq')
    .execute();
  const events: RunEvent[] = rows.map((r) => {
    const payload = r.payload as Record<string, unknown>;
    const leads: string[] = [];
    if (r.entity_type === 'lead' && r.entity_id !== null && payload.lead_id === undefined) leads.push(r.entity_id);
    if (typeof payload.lead_id === 'string') leads.push(payload.lead_id);
    if (Array.isArray(payload.lead_ids)) for (const id of payload.lead_ids) if (typeof id === 'string') leads.push(id);
    const hasPrevious = 'previous_assigned_to' in payload || 'previous_team_id' in payload;
    return {
      seq: Number(r.seq),
      leads,
      recipient: typeof payload.recipient_id === 'string' ? payload.recipient_id : null,
      previous: hasPrevious ? [(payload.previous_assigned_to as string | null) ?? null, (payload.previous_team_id as string | null) ?? null] : null,
    };
  });
  const byType = new Map<string, number>();
  for (const r of rows) byType.set(r.event_type, (byType.get(r.event_type) ?? 0) + 1);
  // Each write's own event: activity.created names the activity; a lead's job_title PATCHes
  // are never concurrent, so its lead.updated events come in the order of its writes.
  const activitySeq = new Map<string, number>();
  const patchSeqs = new Map<string, number[]>();
  for (const r of rows) {
    if (r.event_type === 'activity.created' && r.entity_id) activitySeq.set(r.entity_id, Number(r.seq));
    const fields = (r.payload as { fields?: unknown }).fields;
    if (r.event_type === 'lead.updated' && r.entity_id && Array.isArray(fields) && fields.includes('job_title')) {
      patchSeqs.set(r.entity_id, [...(patchSeqs.get(r.entity_id) ?? []), Number(r.seq)]);
    }
  }
  const timings: WriteTiming[] = [];
  let unmatched = 0;
  for (const w of writes) {
    const seq = w.kind === 'activity' ? (w.activityId ? activitySeq.get(w.activityId) : undefined) : patchSeqs.get(w.leadId)?.shift();
    if (seq === undefined) unmatched += 1;
    else timings.push({ seq, startMs: w.startMs, endMs: w.endMs });
  }
  const access = Object.fromEntries((await db.selectFrom('leads').select(['id', 'assigned_to', 'team_id']).where('organization_id', '=', organizationId).execute()).map((l) => [l.id, [l.assigned_to, l.team_id] as [string | null, string | null]]));
  const results = (await Promise.all(channels.map((c) => c.inbox.ask({ type: 'finish', events, endSeq, writes: timings, access, graceMs: 15_000 }, 'result')))) as ClientsResult[];

  // --- the report ---------------------------------------------------------------------------
  const sum = (f: (r: ClientsResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const fromResponse = new Histogram();
  const fromStart = new Histogram();
  for (const r of results) {
    fromResponse.merge(r.fromResponse);
    fromStart.merge(r.fromStart);
  }
  const writeLatency = new Histogram();
  for (const w of writes) writeLatency.add(w.endMs - w.startMs);
  const probeHistogram = new Histogram();
  for (const s of probeSamples) probeHistogram.add(s);
  const failedWrites = writes.filter((w) => w.status < 200 || w.status >= 300).length;
  const round = (x: number) => Math.round(x * 10) / 10;
  const p = (h: Histogram) => `${round(h.percentile(50))} / ${round(h.percentile(95))} / ${round(h.percentile(99))} (max ${round(h.max)})`;
  const seconds = (writeEnd - runStart) / 1000;
  const framesPerS = sum((r) => r.framesSinceMark) / sum((r) => r.secondsSinceMark / results.length);
  const machineBusy = (machineAtEnd.busy - machineAtStart.busy) / (machineAtEnd.total - machineAtStart.total);
  const out: { metric: string; value: string | number }[] = [
    { metric: 'clients (streams) / users / server processes / client processes', value: `${CLIENTS} / ${users.length} / ${servers.length} / ${CLIENT_PROCESSES}` },
    { metric: 'roles of the streams (admin, manager, viewer, sales_rep)', value: ['admin', 'manager', 'viewer', 'sales_rep'].map((role) => specs.flat().filter((s) => s.viewer.role === role).length).join(', ') },
    { metric: 'load average before the run (1, 5, 15 min)', value: load.map((x) => x.toFixed(2)).join(' ') },
    { metric: 'run: seconds / writes / writes per s / failed writes', value: `${round(seconds)} / ${writes.length} / ${round(writes.length / seconds)} / ${failedWrites}` },
    { metric: 'events committed in the run (by type)', value: `${rows.length}: ${[...byType].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(', ')}` },
    { metric: 'write → receipt, from the write\'s response: p50 / p95 / p99 ms', value: p(fromResponse) },
    { metric: 'write → receipt, from the request start (conservative): p50 / p95 / p99 ms', value: p(fromStart) },
    { metric: '(write, client) deliveries measured / writes without their event', value: `${fromResponse.count} / ${unmatched}` },
    { metric: 'events delivered per s (all clients)', value: Math.round(framesPerS) },
    { metric: 'expected / received (up to the last event of the run)', value: `${sum((r) => r.expected)} / ${sum((r) => r.received)}` },
    { metric: 'lost / duplicated / unexpected events; clients with any', value: `${sum((r) => r.lost)} / ${sum((r) => r.duplicated)} / ${sum((r) => r.unexpected)}; ${sum((r) => r.clientsWrong)}` },
    { metric: 'resets / reconnects (slow-client cuts or drops)', value: `${sum((r) => r.resets)} / ${sum((r) => r.reconnects)}` },
    { metric: 'floor: the write request itself p50 / p95 / p99 ms', value: p(writeLatency) },
    { metric: 'floor: NOTIFY round trip on a bare pg connection p50 / p95 / p99 ms', value: `${p(probeHistogram)}, ${probeSamples.length} samples` },
    { metric: 'machine CPU busy during the run (2 cores = 100 %)', value: `${Math.round(machineBusy * 100)} %` },
    { metric: 'PostgreSQL CPU, every backend incl. other users of the server (% of one core)', value: `${Math.round(postgresCpu * 100)} %` },
  ];
  const memory: Record<string, { first_mb: number; last_mb: number; max_mb: number; slope_mb_per_min: number; slope_after_first_minute_mb_per_min: number; cpu_pct_of_core: number }> = {};
  for (const [k, points] of Object.entries(rss)) {
    const cpu = (cpuAtEnd[k]! - cpuAtStart[k]!) / seconds;
    const mbs = points.map((x) => x[1]);
    // The first minute includes the heap settling (V8 commits its young generation as it is
    // first used), so the slope after it is given too.
    const settled = points.filter((x) => x[0] >= 1);
    memory[k] = { first_mb: round(mbs[0]!), last_mb: round(mbs[mbs.length - 1]!), max_mb: round(Math.max(...mbs)), slope_mb_per_min: Math.round(slope(points) * 100) / 100, slope_after_first_minute_mb_per_min: Math.round(slope(settled) * 100) / 100, cpu_pct_of_core: Math.round(cpu * 100) };
    out.push({
      metric: `${k}: CPU (% of one core) / RSS first → last, max MB / slope MB/min (whole run; after the 1st minute)`,
      value: `${memory[k].cpu_pct_of_core} % / ${memory[k].first_mb} → ${memory[k].last_mb}, ${memory[k].max_mb} / ${memory[k].slope_mb_per_min}; ${memory[k].slope_after_first_minute_mb_per_min}`,
    });
  }
  // RSS is a sawtooth (it climbs until V8 runs a full collection); what a full collection
  // leaves is what is retained, and a leak shows as that rising from one to the next.
  const retained: Record<string, { heap_after_full_gc_mb: number[]; slope_mb_per_min: number; fits: boolean }> = {};
  if (values['trace-gc']) {
    for (const [i, server] of servers.entries()) {
      // Minutes since the run started, and the heap a full collection left.
      const points = [...server.output().matchAll(/ (\d+) ms: Mark-Compact[^\n]*?-> ([\d.]+) \(/g)]
        .map((m): [number, number] => [(Number(m[1]) - runStartInServer[i]!) / 60_000, Number(m[2])])
        .filter((x) => x[0] >= 0);
      const inRun = points.filter((x) => x[0] >= 1);
      retained[`server ${i + 1}`] = { heap_after_full_gc_mb: points.map((x) => Math.round(x[1])), slope_mb_per_min: Math.round(slope(inRun) * 100) / 100, fits: inRun.length >= 3 };
      out.push({ metric: `server ${i + 1}: heap MB after each full GC in the run (slope MB/min after the 1st minute)`, value: `${points.map((x) => Math.round(x[1])).join(' ') || 'none'} (${inRun.length >= 3 ? retained[`server ${i + 1}`]!.slope_mb_per_min : 'too few to fit'})` });
    }
  }
  for (const [i, r] of results.entries()) {
    out.push({ metric: `clients ${i + 1}: event-loop delay p99 / max ms; MB received`, value: `${round(r.loopDelayP99Ms)} / ${round(r.loopDelayMaxMs)}; ${round(r.bytesSinceMark / 1048576)}` });
  }
  const examples = results.flatMap((r) => r.examples);
  if (examples.length > 0) out.push({ metric: 'examples of wrong deliveries', value: examples.slice(0, 5).join('; ') });
  out.push({ metric: 'RSS samples (MB, every 5 s)', value: Object.entries(rss).filter(([k]) => k.startsWith('server')).map(([k, pts]) => `${k}: ${pts.map((x) => Math.round(x[1])).join(' ')}`).join(' | ') });
  // The verdicts, against the issue's targets. Growth: over 1 MB/min after the first minute,
  // in RSS and (when measured) in what full collections leave.
  const exact = sum((r) => r.lost) === 0 && sum((r) => r.duplicated) === 0 && sum((r) => r.unexpected) === 0 && sum((r) => r.expected) === sum((r) => r.received);
  const growing = Object.entries(memory)
    .filter(([k, m]) => k.startsWith('server') && m.slope_after_first_minute_mb_per_min > 1 && !(retained[k] && retained[k].fits && retained[k].slope_mb_per_min <= 1))
    .map(([k]) => k);
  out.push(
    { metric: 'target p95 < 100 ms (from the response; from the request start)', value: `${fromResponse.percentile(95) < 100 ? 'met' : 'MISSED'}; ${fromStart.percentile(95) < 100 ? 'met' : 'MISSED'}` },
    { metric: 'target: zero lost or duplicated (and nothing unexpected)', value: exact ? 'met' : 'MISSED' },
    { metric: 'target: server memory flat (≤ 1 MB/min after the 1st minute: RSS, or the heap after full GCs)', value: DURATION_S < 120 ? 'run too short to judge (< 2 min)' : growing.length === 0 ? 'met' : `MISSED (${growing.join(', ')})` },
  );
  printReport('bench:realtime', out);
  console.log(`JSON ${JSON.stringify({
    bench: 'bench:realtime',
    detail: {
      clients: CLIENTS, users: users.length, duration_s: round(seconds), writes: writes.length, failed_writes: failedWrites, events: rows.length,
      from_response_ms: { p50: round(fromResponse.percentile(50)), p95: round(fromResponse.percentile(95)), p99: round(fromResponse.percentile(99)), max: round(fromResponse.max) },
      from_start_ms: { p50: round(fromStart.percentile(50)), p95: round(fromStart.percentile(95)), p99: round(fromStart.percentile(99)), max: round(fromStart.max) },
      write_ms: { p50: round(writeLatency.percentile(50)), p95: round(writeLatency.percentile(95)), p99: round(writeLatency.percentile(99)) },
      notify_ms: { p50: round(probeHistogram.percentile(50)), p95: round(probeHistogram.percentile(95)), p99: round(probeHistogram.percentile(99)) },
      events_per_s: Math.round(framesPerS), expected: sum((r) => r.expected), received: sum((r) => r.received),
      lost: sum((r) => r.lost), duplicated: sum((r) => r.duplicated), unexpected: sum((r) => r.unexpected), resets: sum((r) => r.resets), reconnects: sum((r) => r.reconnects),
      machine_cpu_busy_pct: Math.round(machineBusy * 100), postgres_cpu_pct_of_core: Math.round(postgresCpu * 100), load_before: load, processes: memory, retained,
    },
  })}`);
}

// --- helpers -------------------------------------------------------------------------------

/** Messages from a client process, awaited by type. */
function inbox(child: ChildProcess) {
  const waiting = new Map<string, (m: FromClients) => void>();
  const early = new Map<string, FromClients>();
  child.on('message', (m: FromClients) => {
    const w = waiting.get(m.type);
    if (w) {
      waiting.delete(m.type);
      w(m);
    } else early.set(m.type, m);
  });
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`a client process exited (${code})`))));
  exited.catch(() => {});
  return {
    ask(message: ToClients, answer: FromClients['type']): Promise<FromClients> {
      const got = new Promise<FromClients>((resolve) => {
        const e = early.get(answer);
        if (e) {
          early.delete(answer);
          resolve(e);
        } else waiting.set(answer, resolve);
      });
      child.send(message);
      return Promise.race([got, exited]);
    },
  };
}

function call(agent: http.Agent, key: string, method: string, url: string, body: unknown): Promise<{ status: number; body: string }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Waits until the workers are idle (scheduled jobs due later aside) and every event is numbered, for 3 s. */
async function quiesce(organizationId: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ state: string }>(
      `SELECT concat_ws(',', (SELECT count(*) FROM lead_score_queue), (SELECT count(*) FROM lead_insight_queue),
         (SELECT count(*) FROM jobs WHERE status = 'running' OR (status = 'queued' AND run_at <= now())), (SELECT count(*) FROM outbox_events WHERE seq IS NULL),
         (SELECT last_seq FROM outbox_sequences WHERE organization_id = $1)) AS state`,
      [organizationId],
    );
    const state = rows[0]!.state;
    if (state !== last) {
      last = state;
      stableSince = Date.now();
    } else if (/^0,0,0,0/.test(state) && Date.now() - stableSince >= 3000) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the servers' background work did not settle within ${timeoutMs / 1000} s (${last})`);
}

/** The organization's last seq once every event of the run has been numbered. */
async function sequencedHead(organizationId: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ pending: string; last: string | null }>(
      'SELECT (SELECT count(*) FROM outbox_events WHERE organization_id = $1 AND seq IS NULL) AS pending, (SELECT last_seq FROM outbox_sequences WHERE organization_id = $1) AS last',
      [organizationId],
    );
    if (Number(rows[0]!.pending) === 0) return Number(rows[0]!.last ?? 0);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('events of the run were still unnumbered 30 s after the last write');
}

/** A NOTIFY sent on one bare connection and received on another, 4 times a second. */
async function notifyProbe(url: string) {
  const listener = new pg.Client({ connectionString: url });
  const notifier = new pg.Client({ connectionString: url });
  await Promise.all([listener.connect(), notifier.connect()]);
  await listener.query('LISTEN bench_probe');
  const sent = new Map<string, number>();
  const samples: number[] = [];
  listener.on('notification', (n) => {
    const at = sent.get(n.payload ?? '');
    if (at !== undefined) samples.push(monotonicMs() - at);
  });
  let k = 0;
  const timer = setInterval(() => {
    const id = String(k++);
    sent.set(id, monotonicMs());
    notifier.query(`NOTIFY bench_probe, '${id}'`).catch(() => {});
  }, 250);
  return {
    async stop(): Promise<number[]> {
      clearInterval(timer);
      await new Promise((r) => setTimeout(r, 300));
      await Promise.all([listener.end(), notifier.end()]);
      return samples;
    },
  };
}

/** How long ago the process started, in ms (/proc: start time in clock ticks since boot). */
function processAgeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return uptime * 1000 - startTicks * 10;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** User + system CPU seconds of a process (clock ticks are 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of every PostgreSQL process on the machine (the server runs here; other databases' work included). */
function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith('postgres')) total += cpuSeconds(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3]! + (fields[4] ?? 0);
  return { busy: total - idle, total };
}
