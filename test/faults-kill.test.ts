import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../src/db/schema.ts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { createKillableServer, type KillableServer } from './helpers/killable-server.ts';
import { SseStream } from './helpers/sse.ts';
import { until } from './helpers/wait.ts';
import { startReceiver } from './helpers/webhook-receiver.ts';

/**
 * SIGKILL in the middle of the work (issue 25, faults): `leadai serve` runs as a real child
 * process over data that outlives it; each test drives one kind of work over HTTP, kills the
 * process once the work is seen to be under way (from the API, the stream or the receiver,
 * never after a fixed sleep), looks at the database as the crash left it, starts the server
 * again on the same data and checks what the restart made of it.
 *
 * The tests share one organization and run in order: each leaves the server stopped.
 */
// A dead worker's job is retried after this (the default is 5 minutes).
const LEASE_MS = 6000;
// `npm run faults` runs this file with FAULTS_HEAVY=1: larger files and bursts (minutes, not seconds).
const HEAVY = process.env.FAULTS_HEAVY === '1';
const WAIT = 240_000;
const TEST_MS = 600_000;
// Three import batches at least: the kill lands after the first and before the last.
const IMPORT_BATCH = HEAVY ? 5000 : 1000;
const IMPORT_ROWS = HEAVY ? 30_000 : 3000;
// More than two rescoring batches (5,000 leads; two in flight at once), so a kill finds one committed, one in flight and one waiting.
const SCORE_ROWS = HEAVY ? 24_000 : 11_000;
const TRACK_BATCHES = HEAVY ? 400 : 100;
const STREAM_LEADS = HEAVY ? 200 : 60;
const DAY = 86_400_000;
let srv: KillableServer;
let admin: Client;
let organizationId: string;
const url = (path: string) => srv.url(path);

/** Polls `probe` until it says the work is under way, then SIGKILLs the server. */
async function killWhen<T>(what: string, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const seen = await until(what, probe, WAIT);
  await srv.kill();
  step(`killed at: ${what}`);
  return seen;
}

const started = Date.now();
/** Where a test is, with the time since the file began (these tests are slow on a busy machine: this says where). */
function step(what: string) {
  if (process.env.FAULTS_VERBOSE) console.log(`[faults-kill ${MODE} +${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
}

async function restart() {
  step('starting the server');
  await srv.start();
  step(`server up at ${srv.url('')}`);
}

function csv(prefix: string, n: number): string {
  const now = Date.now();
  const lines = ['Email,First Name,Last Name,Company,Status,Created Date'];
  for (let i = 0; i < n; i++) {
    // Two years of history, a fifth of it decided: forecasts have past periods to backtest.
    const created = new Date(now - ((i * 7919) % 730) * DAY - DAY).toISOString().slice(0, 10);
    const status = i % 10 === 0 ? 'closed_won' : i % 10 === 1 ? 'closed_lost' : 'new';
    lines.push(`${prefix}${i}@kill.example,Ann${i},${prefix}-${i},Company ${i % 97},${status},${created}`);
  }
  return lines.join('\n') + '\n';
}

async function upload(name: string, body: string) {
  const form = new FormData();
  form.append('file', new Blob([body], { type: 'text/csv' }), name);
  const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } });
  const json = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json.id;
}

async function job(id: number) {
  const r = await admin.get(`/api/v1/jobs/${id}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

async function count(db: Kysely<DB>, query: RawBuilder<unknown>): Promise<number> {
  return Number(((await query.execute(db)).rows[0] as { n: number }).n);
}

beforeAll(async () => {
  srv = await createKillableServer('faults-kill', { LEADAI_JOB_LEASE_MS: String(LEASE_MS), LEADAI_IMPORT_BATCH_SIZE: String(IMPORT_BATCH) });
  await srv.start();
  const signed = await Client.signup(url, 'Kill Nine');
  admin = signed.client;
  organizationId = signed.organizationId;
}, WAIT);
afterAll(async () => srv?.dispose());
// Each test starts with the server down (as the one before left it, or stopped here after a failure).
beforeEach(async () => {
  if (srv.running()) await srv.stop();
});

describe(`SIGKILL mid-way (${MODE})`, () => {
  // Embedded: API reads and the stream wait for long background work (seen: GET /imports/{id}
  // answered 70 s later, the import completed; no lead.scored event and no job progress within
  // 240 s of rescoring and of a forecast run), so nothing over HTTP can tell the work is
  // mid-way. A finding of its own (the one PGlite connection is not shared fairly between
  // requests and jobs); until it is fixed these three faults run on the server only.
  it.skipIf(MODE === 'embedded')('import: a killed import keeps its committed batches, resumes after restart, and ends with every row once', async () => {
    await restart();
    const id = await upload('kill.csv', csv('imp', IMPORT_ROWS));
    expect((await admin.post(`/api/v1/imports/${id}/start`, { bulk: 'off' })).status).toBe(202);
    const seen = await killWhen('the first committed batch', async () => {
      const imp = (await admin.get(`/api/v1/imports/${id}`)).body;
      step(`import ${imp.status}, ${imp.progress.batches} batches`);
      if (imp.status === 'completed' || imp.status === 'failed') throw new Error(`the import ended (${imp.status}) before it was seen under way: not mid-way`);
      return imp.status === 'running' && imp.progress.batches >= 1 ? imp : null;
    });

    // As the crash left it: whole batches only, each with its checkpoint.
    step('inspecting the crash');
    const crash = await srv.inspect(async (db) => {
      const imp = await db.selectFrom('imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const leads = await count(db, sql`SELECT count(*)::int AS n FROM leads WHERE email LIKE 'imp%@kill.example'`);
      return { imp, leads };
    });
    expect(crash.imp.status, 'the kill came after the import had finished: not mid-way').toBe('running');
    expect(crash.imp.batches).toBeGreaterThanOrEqual(seen.progress.batches);
    expect(crash.imp.batches).toBeLessThan(Math.ceil(IMPORT_ROWS / IMPORT_BATCH));
    expect(crash.leads).toBe(crash.imp.created_count);
    expect(crash.leads).toBe(crash.imp.batches * IMPORT_BATCH);

    await restart();
    const done = await until('the import finishing after the restart', async () => {
      const imp = (await admin.get(`/api/v1/imports/${id}`)).body;
      return imp.status === 'completed' || imp.status === 'failed' ? imp : null;
    }, WAIT);
    expect(done.status, done.last_error).toBe('completed');
    expect(done.counts).toEqual({ rows: IMPORT_ROWS, created: IMPORT_ROWS, updated: 0, rejected: 0 });
    // The import row is marked completed inside the handler; the job row only once the handler
    // has returned: wait for the job to end rather than read it in between.
    const j = await until('the import job ending', async () => {
      const row = await job(crash.imp.job_id!);
      return row.status === 'succeeded' || row.status === 'failed' ? row : null;
    }, WAIT);
    expect(j.status, j.last_error).toBe('succeeded');
    expect(j.attempts).toBe(2);
    expect(j.last_error).toMatch(/Lock expired/);
    step('recovered; stopping to inspect');
    await srv.stop();
    const after = await srv.inspect(async (db) => ({
      leads: await count(db, sql`SELECT count(*)::int AS n FROM leads WHERE email LIKE 'imp%@kill.example'`),
      distinct: await count(db, sql`SELECT count(DISTINCT lower(email))::int AS n FROM leads WHERE email LIKE 'imp%@kill.example'`),
    }));
    expect(after).toEqual({ leads: IMPORT_ROWS, distinct: IMPORT_ROWS });
  }, TEST_MS);

  it.skipIf(MODE === 'embedded')('batch rescoring: the killed job is retried once its lease expires; every lead ends scored, no batch half-written', async () => {
    // Leads loaded from the command line while the server is down: the server starts with them all waiting for a score.
    const file = join(srv.dir, 'score.csv');
    writeFileSync(file, csv('score', SCORE_ROWS));
    const imported = await srv.cli(['import', file, '--org', organizationId]);
    expect(imported.code, imported.stderr).toBe(0);
    const waiting = await srv.inspect((db) => count(db, sql`SELECT count(*)::int AS n FROM lead_score_queue`));
    expect(waiting).toBeGreaterThanOrEqual(SCORE_ROWS);

    await restart();
    const stream = await SseStream.open(url('/api/v1/stream'), { cookie: admin.cookie });
    expect(stream.status).toBe(200);
    // A batch is committed when its lead.scored event is out: the job is under way.
    await killWhen('the first scored batch', async () => stream.events.some((e) => e.event === 'lead.scored'));
    stream.close();

    const unscoredOrHalf = sql<{ n: number }>`SELECT count(*)::int AS n FROM leads l
      WHERE (l.conversion_probability IS NOT NULL) <> EXISTS (SELECT 1 FROM lead_scores s WHERE s.lead_id = l.id)`;
    step('inspecting the crash');
    const crash = await srv.inspect(async (db) => ({
      half: await count(db, unscoredOrHalf),
      scored: await count(db, sql`SELECT count(*)::int AS n FROM leads WHERE conversion_probability IS NOT NULL`),
      leads: await count(db, sql`SELECT count(*)::int AS n FROM leads`),
      job: await db.selectFrom('jobs').select(['id', 'status']).where('queue', '=', 'scoring.rescore').where('status', '=', 'running').executeTakeFirst(),
    }));
    expect(crash.half, 'a lead scored without its history row, or the reverse').toBe(0);
    expect(crash.job, 'no rescoring job was running at the kill').toBeDefined();
    expect(crash.scored).toBeLessThan(crash.leads);

    await restart();
    const j = await until('the rescoring job retried to the end', async () => {
      const r = await job(crash.job!.id);
      return r.status === 'succeeded' || r.status === 'failed' ? r : null;
    }, WAIT);
    expect(j.status, j.last_error).toBe('succeeded');
    expect(j.attempts).toBeGreaterThanOrEqual(2);
    step('recovered; stopping to inspect');
    await srv.stop();
    const after = await srv.inspect(async (db) => ({
      half: await count(db, unscoredOrHalf),
      unscored: await count(db, sql`SELECT count(*)::int AS n FROM leads WHERE conversion_probability IS NULL`),
      queued: await count(db, sql`SELECT count(*)::int AS n FROM lead_score_queue`),
    }));
    expect(after).toEqual({ half: 0, unscored: 0, queued: 0 });
  }, TEST_MS);

  it.skipIf(MODE === 'embedded')('forecast run: the killed run leaves no rows, the retry writes one whole run', async () => {
    await restart();
    const requested = await admin.post('/api/v1/forecasts', {});
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    const jobId = requested.body.job_id as number;
    // Past the forecast itself, into the backtests: every row is computed, none written yet.
    await killWhen('the run backtesting', async () => {
      const r = await job(jobId);
      return r.status === 'running' && (r.progress?.done ?? 0) >= 2;
    });
    step('inspecting the crash');
    const crash = await srv.inspect(async (db) => ({
      rows: await count(db, sql`SELECT count(*)::int AS n FROM forecasts`),
      job: await db.selectFrom('jobs').select(['status']).where('id', '=', jobId).executeTakeFirstOrThrow(),
    }));
    expect(crash.job.status, 'the run had finished before the kill: not mid-way').toBe('running');
    expect(crash.rows).toBe(0);

    await restart();
    const j = await until('the forecast retried to the end', async () => {
      const r = await job(jobId);
      return r.status === 'succeeded' || r.status === 'failed' ? r : null;
    }, WAIT);
    expect(j.status, j.last_error).toBe('succeeded');
    expect(j.attempts).toBe(2);
    await srv.stop();
    const runs = await srv.inspect(async (db) => (await sql<{ run_id: string; n: number }>`SELECT run_id, count(*)::int AS n FROM forecasts GROUP BY run_id`.execute(db)).rows);
    expect(runs).toEqual([{ run_id: j.result.run_id, n: j.result.rows }]);
  }, TEST_MS);

  it('tracking burst: every acknowledged event is stored once; retried batches add nothing', async () => {
    await restart();
    const key = await admin.post('/api/v1/tracking/keys', { name: 'Kill site' });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    const writeKey = key.body.write_key as string;
    const BATCHES = TRACK_BATCHES;
    const PER = 50;
    const batch = (b: number) => ({
      write_key: writeKey,
      events: Array.from({ length: PER }, (_, i) => ({ id: `kill-${b}-${i}`, type: 'page_view', anonymous_id: `visitor-${b % 40}`, url: `https://site.example/p/${i}` })),
    });
    const acked = new Set<number>();
    const send = async (b: number) => {
      const res = await fetch(url('/api/v1/track'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch(b)) });
      const body = (await res.json()) as { inserted: number };
      if (res.status !== 200) throw new Error(`track: ${res.status} ${JSON.stringify(body)}`);
      return body;
    };
    // Four senders, one batch after another, until the server goes away under them.
    let next = 0;
    const senders = Array.from({ length: 4 }, async () => {
      while (next < BATCHES) {
        const b = next++;
        try {
          await send(b);
          acked.add(b);
        } catch {
          return;
        }
      }
    });
    await killWhen('a quarter of the burst acknowledged', async () => acked.size >= BATCHES / 8);
    await Promise.all(senders);
    expect(acked.size).toBeLessThan(BATCHES);

    const stored = async () => srv.inspect(async (db) => new Map((await sql<{ id: string; n: number }>`
      SELECT client_event_id AS id, count(*)::int AS n FROM journey_events WHERE client_event_id LIKE 'kill-%' GROUP BY 1`.execute(db)).rows.map((r) => [r.id, Number(r.n)])));
    const crash = await stored();
    for (const b of acked) for (let i = 0; i < PER; i++) expect(crash.get(`kill-${b}-${i}`), `acknowledged event kill-${b}-${i}`).toBe(1);
    expect([...crash.values()].every((n) => n === 1)).toBe(true);

    // The client retries everything it sent (acknowledged or not, as a beacon after a timeout would), then the rest.
    await restart();
    let inserted = 0;
    for (let b = 0; b < BATCHES; b++) inserted += (await send(b)).inserted;
    expect(inserted).toBe(BATCHES * PER - crash.size);
    step('recovered; stopping to inspect');
    await srv.stop();
    const after = await stored();
    expect(after.size).toBe(BATCHES * PER);
    expect([...after.values()].every((n) => n === 1)).toBe(true);
  }, TEST_MS);

  it('webhook delivery: killed while the receiver holds it open, it is retried with the same webhook-id, in order per lead, nothing stuck', async () => {
    const receiver = await startReceiver();
    try {
      await restart();
      expect((await admin.put('/api/v1/webhooks/settings', { allow_private_targets: true })).status).toBe(200);
      // The first request is held open (never answered); every later one is answered 200.
      receiver.script('/kill', [0, 200]);
      const hook = await admin.post('/api/v1/webhooks', { url: `http://127.0.0.1:${receiver.port}/kill`, event_types: ['lead.created', 'lead.updated'] });
      expect(hook.status, JSON.stringify(hook.body)).toBe(201);
      const held = (await admin.post('/api/v1/leads', { first_name: 'Held', last_name: 'Open', email: 'held@kill.example' })).body.id as string;
      await until('the held delivery', async () => receiver.at('/kill').length >= 1, WAIT);
      for (const title of ['First', 'Second']) expect((await admin.patch(`/api/v1/leads/${held}`, { job_title: title })).status).toBe(200);
      const other = (await admin.post('/api/v1/leads', { first_name: 'Other', last_name: 'Lead', email: 'other@kill.example' })).body.id as string;
      // The other lead's delivery is not held up by the first; the first's updates wait for it.
      await killWhen('the other lead delivered', async () => receiver.at('/kill').some((r) => r.body.includes(other)));

      step('inspecting the crash');
      // Only these two leads' deliveries: background work (scoring, insights) has events of its own.
      const crash = await srv.inspect(async (db) => db.selectFrom('webhook_deliveries').select(['lead_id', 'status', 'attempts', 'event_seq', 'message_id']).where('lead_id', 'in', [held, other]).orderBy('event_seq').execute());
      // The other lead's delivery may have reached the receiver a moment before its success was recorded.
      expect(crash.map((d) => [d.lead_id, d.status, d.attempts])).toEqual([
        [held, 'queued', 0], [held, 'queued', 0], [held, 'queued', 0], crash[3]!.status === 'succeeded' ? [other, 'succeeded', 1] : [other, 'queued', 0],
      ]);
      const inFlight = new Set(receiver.at('/kill').map((r) => String(r.headers['webhook-id'])).filter((id) => crash.some((d) => d.message_id === id && d.status === 'queued')));

      await restart();
      const log = await until('every delivery done', async () => {
        const r = (await admin.get(`/api/v1/webhooks/${hook.body.id}/deliveries?limit=100`)).body.data as { status: string; message_id: string; lead_id: string | null }[];
        const ours = r.filter((d) => d.lead_id === held || d.lead_id === other);
        return ours.length === 4 && ours.every((d) => d.status === 'succeeded') ? ours : null;
      }, WAIT);
      const ours = new Set(log.map((d) => d.message_id));
      const got = receiver.at('/kill').filter((r) => ours.has(String(r.headers['webhook-id'])));
      const ids = got.map((r) => String(r.headers['webhook-id']));
      const heldId = ids[0]!;
      // What was in flight at the kill went again with its webhook-id; nothing else twice.
      expect(inFlight.has(heldId)).toBe(true);
      expect(ids.filter((i) => i === heldId)).toHaveLength(2);
      for (const id of new Set(ids)) expect(ids.filter((i) => i === id).length, id).toBe(inFlight.has(id) ? 2 : 1);
      expect(new Set(ids).size).toBe(4);
      expect(new Set(ids)).toEqual(ours);
      const heldTypes = got.filter((r) => r.answered === 200 && r.body.includes(held)).map((r) => (JSON.parse(r.body) as { type: string; data: { lead: { job_title: string | null } } }));
      // In order per lead. A lead event carries the lead as it is when the event is fanned out
      // (docs/webhooks.md), so an earlier event may already show a later title: only the last is fixed.
      expect(heldTypes.map((e) => e.type)).toEqual(['lead.created', 'lead.updated', 'lead.updated']);
      expect(heldTypes.at(-1)!.data.lead.job_title).toBe('Second');
    } finally {
      await receiver.close();
    }
  }, TEST_MS);

  it('stream: a client resuming with Last-Event-ID after the restart gets every acknowledged event once', async () => {
    await restart();
    const first = await SseStream.open(url('/api/v1/stream'), { cookie: admin.cookie });
    expect(first.status).toBe(200);
    await first.waitFor((events) => events.some((e) => e.event === 'ready'), 30_000, 'ready');
    const acked: string[] = [];
    const writer = (async () => {
      for (let i = 0; i < STREAM_LEADS; i++) {
        try {
          const r = await admin.post('/api/v1/leads', { first_name: 'Stream', last_name: `Burst ${i}`, email: `stream${i}@kill.example` });
          if (r.status === 201) acked.push(r.body.id as string);
        } catch {
          return;
        }
      }
    })();
    await killWhen('a stream under way', async () => first.changes.filter((e) => e.event === 'lead.created').length >= 10);
    await writer;
    const resumeFrom = first.lastEventId;
    first.close();
    expect(resumeFrom).toBeDefined();

    await restart();
    const second = await SseStream.open(url('/api/v1/stream'), { cookie: admin.cookie, 'last-event-id': resumeFrom! });
    expect(second.status).toBe(200);
    const created = () => [...first.changes, ...second.changes].filter((e) => e.event === 'lead.created');
    await second.waitFor(() => acked.every((id) => created().some((e) => e.json.entity_id === id)), 60_000, 'every acknowledged lead.created');
    await second.settle();
    second.close();
    const seqs = [...first.changes, ...second.changes].map((e) => Number(e.id));
    expect(new Set(seqs).size, 'an event delivered twice').toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(second.events.some((e) => e.event === 'reset')).toBe(false);
    await srv.stop();
  }, TEST_MS);

  it('nothing is stuck: no job left running, no import half done, nothing waiting for a score', async () => {
    // A killed process's jobs stay 'running' until a live worker takes them back once their lease
    // has run out (by design): the last test may have ended sooner. Give one live server that long,
    // then stop it cleanly (which waits for its own jobs) and look.
    await srv.start();
    await new Promise((r) => setTimeout(r, 2 * LEASE_MS + 2000));
    await srv.stop();
    const state = await srv.inspect(async (db) => ({
      running: await count(db, sql`SELECT count(*)::int AS n FROM jobs WHERE status = 'running'`),
      imports: await count(db, sql`SELECT count(*)::int AS n FROM imports WHERE status NOT IN ('completed', 'pending')`),
      failed: (await sql<{ queue: string; last_error: string }>`SELECT queue, last_error FROM jobs WHERE status = 'failed'`.execute(db)).rows,
    }));
    expect(state).toEqual({ running: 0, imports: 0, failed: [] });
  }, TEST_MS);
});
