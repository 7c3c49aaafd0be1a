import { connect } from 'node:net';
import { sql } from 'kysely';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pruneOutbox } from '../src/realtime/retention.ts';
import { Client, useServer } from './helpers/api.ts';
import { startServer, type RunningServer } from './helpers/cli.ts';
import { MODE, type TestDatabase } from './helpers/db.ts';
import { SseStream } from './helpers/sse.ts';

/**
 * GET /api/v1/stream over real HTTP: what each role, owner and organization receives, replay
 * after a reconnect without gap or duplicate, the reset past retention, the caps, a slow
 * client cut off with bounded memory, and (server mode) the LISTEN connection dropped and
 * restored.
 */
const { url, app } = useServer(() => ({ LEADAI_STREAMS_PER_USER: '3', LEADAI_STREAM_SLOW_CLIENT_MS: '1500', LEADAI_STREAM_HEARTBEAT_MS: '400' }));

let admin: Client;
let repA: Client;
let repB: Client;
let viewer: Client;
let other: Client;
let repAId: string;
let repBId: string;
let teamId: string;
const open: SseStream[] = [];

async function invite(role: string, name: string, team?: string): Promise<{ client: Client; id: string }> {
  const inv = await admin.post('/api/v1/invitations', { email: `${name}@stream.example`, role, ...(team ? { team_id: team } : {}) });
  expect(inv.status, JSON.stringify(inv.body)).toBe(201);
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: name, password: 'correct horse battery' });
  c.csrf = r.body.csrf_token;
  return { client: c, id: r.body.user_id ?? (await c.get('/api/v1/auth/me')).body.user?.id ?? (await c.get('/api/v1/auth/me')).body.id };
}

function stream(c: Client, headers: Record<string, string> = {}, query = ''): Promise<SseStream> {
  const h: Record<string, string> = { ...headers };
  if (c.cookie) h.cookie = c.cookie;
  if (c.bearer) h.authorization = `Bearer ${c.bearer}`;
  return SseStream.open(url(`/api/v1/stream${query}`), h).then((s) => {
    open.push(s);
    return s;
  });
}

const about = (leadId: string) => (e: { json: Record<string, any> }) => e.json.entity_id === leadId || e.json.payload?.lead_id === leadId || (e.json.payload?.lead_ids ?? []).includes(leadId); // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  ({ client: admin } = await Client.signup(url, 'Streamers'));
  teamId = (await admin.post('/api/v1/teams', { name: 'East' })).body.id;
  ({ client: repA, id: repAId } = await invite('sales_rep', 'rep-a', teamId));
  ({ client: repB, id: repBId } = await invite('sales_rep', 'rep-b'));
  ({ client: viewer } = await invite('viewer', 'viewer'));
  ({ client: other } = await Client.signup(url, 'Elsewhere'));
});

// Streams count against the per-user cap: each test leaves none behind, pass or fail.
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await new Promise((r) => setTimeout(r, 100));
});

describe('the live stream', () => {
  it('refuses a caller who is not signed in, and a malformed Last-Event-ID, with problem+json', async () => {
    const anonymous = await SseStream.open(url('/api/v1/stream'));
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body).detail).toMatch(/Sign in/);
    const bad = await stream(admin, { 'last-event-id': 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.parse(bad.body).detail).toContain('Last-Event-ID');
    const badQuery = await stream(admin, {}, '?last_event_id=-3');
    expect(badQuery.status).toBe(400);
    expect(JSON.stringify(JSON.parse(badQuery.body))).toContain('last_event_id');
  });

  it('delivers each change to exactly those who may read it: by role, ownership and organization', async () => {
    const streams = { admin: await stream(admin), repA: await stream(repA), repB: await stream(repB), viewer: await stream(viewer), other: await stream(other) };
    for (const s of Object.values(streams)) {
      expect(s.status).toBe(200);
      expect(s.headers.get('content-type')).toContain('text/event-stream');
      await s.waitFor((events) => events.some((e) => e.event === 'ready'), 5000, 'ready');
    }
    const mine = await admin.post('/api/v1/leads', { first_name: 'Ada', last_name: 'Owned', email: 'ada@owned.example', assigned_to: repAId });
    const nobody = await admin.post('/api/v1/leads', { first_name: 'Bob', last_name: 'Unassigned', email: 'bob@free.example' });
    expect(mine.status).toBe(201);
    expect(nobody.status).toBe(201);
    await admin.patch(`/api/v1/leads/${mine.body.id}`, { job_title: 'CTO' });
    await admin.patch(`/api/v1/leads/${nobody.body.id}`, { job_title: 'CFO' });

    for (const s of [streams.admin, streams.viewer]) {
      await s.waitFor((events) => events.filter(about(mine.body.id)).length >= 2 && events.filter(about(nobody.body.id)).length >= 2, 10_000, 'both leads');
    }
    await streams.repA.waitFor((events) => events.filter(about(mine.body.id)).length >= 2, 10_000, "rep A's lead");
    await streams.admin.settle();
    expect(streams.repA.changes.filter(about(nobody.body.id))).toEqual([]);
    expect(streams.repB.changes).toEqual([]);
    expect(streams.other.changes).toEqual([]);
    // Ids only: no name, e-mail or title in what went down the wire.
    const wire = streams.admin.changes.map((e) => e.data).join('\n');
    for (const secret of ['Ada', 'ada@owned.example', 'CTO', 'Unassigned']) expect(wire).not.toContain(secret);
    // Ids are the organization's sequence: strictly increasing (holes are events for others,
    // such as rep A's notification that the lead was assigned to them).
    const ids = streams.admin.changes.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    expect(streams.repA.changes.some((e) => e.event === 'notification.created')).toBe(true);
    expect(streams.admin.changes.some((e) => e.event === 'notification.created')).toBe(false);

    // Reassigned from rep A to rep B mid-stream: A is told it left, then hears nothing more of it.
    const before = streams.repA.changes.length;
    const aboutBefore = streams.repA.changes.filter(about(mine.body.id)).length;
    expect((await admin.patch(`/api/v1/leads/${mine.body.id}`, { assigned_to: repBId })).status).toBe(200);
    await streams.repB.waitFor((events) => events.some(about(mine.body.id)), 10_000, "rep B's new lead");
    await streams.repA.waitFor((events) => events.filter(about(mine.body.id)).length > aboutBefore, 10_000, 'the lead leaving rep A');
    await admin.patch(`/api/v1/leads/${mine.body.id}`, { job_title: 'CEO' });
    await streams.repB.waitFor((events) => events.some((e) => about(mine.body.id)(e) && e.event === 'lead.updated' && e.json.payload.fields?.includes('job_title')), 10_000, 'the later change for rep B');
    await streams.admin.settle();
    const told = streams.repA.changes.slice(before);
    expect(told.map((e) => e.event)).toEqual(['lead.assigned']);
    expect(told[0]!.json.payload).toMatchObject({ lead_id: mine.body.id, to: repBId, previous_assigned_to: repAId });
    for (const s of Object.values(streams)) s.close();
  });

  it('serves an API key (bearer) the same way, within its role; a revoked key opens no new stream (open ones end at the next credential check, within a minute)', async () => {
    const created = await admin.post('/api/v1/api-keys', { name: 'Stream sync', role: 'sales_rep' });
    expect(created.status).toBe(201);
    const key = Client.withKey(url, created.body.key);
    const s = await stream(key);
    expect(s.status).toBe(200);
    await s.waitFor((e) => e.some((x) => x.event === 'ready'), 5000, 'ready');
    // A sales-rep key without a user reads no lead (as in REST); org-wide events it does get.
    const lead = await admin.post('/api/v1/leads', { first_name: 'Key', last_name: 'Holder', assigned_to: repAId });
    const team = await admin.post('/api/v1/teams', { name: `Keyed ${Date.now()}` });
    await s.waitFor((e) => e.some((x) => x.event === 'team.created' && x.json.entity_id === team.body.id), 10_000, 'team.created');
    expect(s.changes.filter(about(lead.body.id))).toEqual([]);
    expect((await admin.delete(`/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    // Checked again on the next periodic check (at most a minute); the revoked key opens nothing new.
    const refused = await stream(key);
    expect(refused.status).toBe(401);
  });

  it('replays everything after Last-Event-ID after a reconnection, with no gap and no duplicate', async () => {
    const first = await stream(admin);
    await first.waitFor((e) => e.some((x) => x.event === 'ready'), 5000, 'ready');
    const lead = await admin.post('/api/v1/leads', { first_name: 'Replay', last_name: 'One' });
    await first.waitFor((e) => e.some(about(lead.body.id)), 10_000, 'the first event');
    const last = Number(first.lastId);
    first.close();
    // While away: five changes.
    for (let i = 0; i < 5; i++) await admin.patch(`/api/v1/leads/${lead.body.id}`, { job_title: `Title ${i}` });
    const again = await stream(admin, { 'last-event-id': String(last) });
    await again.waitFor((e) => e.filter(about(lead.body.id)).length >= 5, 10_000, 'the five missed events');
    // And live from there on the same connection.
    await admin.patch(`/api/v1/leads/${lead.body.id}`, { job_title: 'Live' });
    await again.waitFor((e) => e.filter(about(lead.body.id)).length >= 6, 10_000, 'the live event');
    await again.settle();
    const ids = again.changes.map((e) => Number(e.id));
    expect(ids[0]).toBe(last + 1);
    expect(ids).toEqual(ids.map((_, i) => last + 1 + i));
    expect(new Set(ids).size).toBe(ids.length);
    // The query parameter works the same (for clients that cannot set headers).
    const viaQuery = await stream(admin, {}, `?last_event_id=${last}`);
    await viaQuery.waitFor((e) => e.filter(about(lead.body.id)).length >= 6, 10_000, 'replay via the query');
    again.close();
    viaQuery.close();
  });

  it('answers a position older than retention with one reset, then goes on live', async () => {
    const s = await stream(admin);
    await s.waitFor((e) => e.some((x) => x.event === 'ready'), 5000, 'ready');
    const lead = await admin.post('/api/v1/leads', { first_name: 'Old', last_name: 'News' });
    await s.waitFor((e) => e.some(about(lead.body.id)), 10_000, 'an event');
    const old = Number(s.lastId);
    s.close();
    await admin.patch(`/api/v1/leads/${lead.body.id}`, { job_title: 'Later' });
    await app().hub.sequenceNow();
    // Everything older than "now + 1 day" goes: the client's position is past the horizon.
    const deleted = await pruneOutbox(app().database.db, 1, undefined, () => new Date(Date.now() + 86_400_000));
    expect(deleted).toBeGreaterThan(0);
    const back = await stream(admin, { 'last-event-id': String(old - 1) });
    await back.waitFor((e) => e.some((x) => x.event === 'reset'), 5000, 'reset');
    expect(back.events.filter((e) => e.event === 'reset')).toHaveLength(1);
    expect(back.events.find((e) => e.event === 'reset')!.json.reason).toMatch(/reload/);
    await admin.patch(`/api/v1/leads/${lead.body.id}`, { job_title: 'After reset' });
    await back.waitFor((e) => e.some(about(lead.body.id)), 10_000, 'live after reset');
    // A position this organization never reached (e.g. another server's) is a reset too.
    const future = await stream(admin, { 'last-event-id': '999999999' });
    await future.waitFor((e) => e.some((x) => x.event === 'reset'), 5000, 'reset for a future id');
    back.close();
    future.close();
  });

  it("moves a reader's resume position past events it may not see (an id-only line), without sending them", async () => {
    const rep = await stream(repB);
    await rep.waitFor((e) => e.some((x) => x.event === 'ready'), 5000, 'ready');
    const start = Number(rep.events.find((e) => e.event === 'ready')!.json.seq);
    // Not rep B's: unassigned, no team.
    const lead = await admin.post('/api/v1/leads', { first_name: 'Not', last_name: 'Yours' });
    await admin.patch(`/api/v1/leads/${lead.body.id}`, { job_title: 'Elsewhere' });
    await rep.waitFor(() => Number(rep.lastEventId ?? 0) >= start + 2, 5000, 'an id-only line');
    expect(rep.changes.filter(about(lead.body.id))).toEqual([]);
  });

  it("applies a change of the user's role to their open stream at once, and ends it when they are deactivated", async () => {
    const { client: temp, id: tempId } = await invite('sales_rep', `temp-${Date.now()}`);
    const s = await stream(temp);
    await s.waitFor((e) => e.some((x) => x.event === 'ready'), 5000, 'ready');
    const before = await admin.post('/api/v1/leads', { first_name: 'Before', last_name: 'Promotion' });
    expect((await admin.patch(`/api/v1/users/${tempId}`, { role: 'viewer' })).status).toBe(200);
    const after = await admin.post('/api/v1/leads', { first_name: 'After', last_name: 'Promotion' });
    // As a rep it did not see the first; as a viewer (from the user.updated event on) it sees the second.
    await s.waitFor((e) => e.some(about(after.body.id)), 10_000, 'the lead created after the role change');
    expect(s.changes.filter(about(before.body.id))).toEqual([]);
    expect((await admin.patch(`/api/v1/users/${tempId}`, { is_active: false })).status).toBe(200);
    await s.waitFor(() => s.ended, 10_000, 'the stream to end');
  });

  it('caps the streams one user holds, with a problem+json that says what to do', async () => {
    const held = [await stream(viewer), await stream(viewer), await stream(viewer)];
    for (const s of held) expect(s.status).toBe(200);
    const refused = await stream(viewer);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.parse(refused.body).detail).toMatch(/limit is 3.*close some LeadAI tabs/);
    // Another user is not affected, and closing a tab frees a place.
    const someoneElse = await stream(repB);
    expect(someoneElse.status).toBe(200);
    someoneElse.close();
    held[0]!.close();
    await new Promise((r) => setTimeout(r, 200));
    const again = await stream(viewer);
    expect(again.status).toBe(200);
    for (const s of [...held, again]) s.close();
  });

  it('cuts off a client that stops reading, holding no more than a bounded buffer for it', { timeout: 120_000 }, async () => {
    const target = new URL(url('/api/v1/stream'));
    const socket = connect(Number(target.port), target.hostname);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET /api/v1/stream HTTP/1.1\r\nHost: ${target.host}\r\nCookie: ${admin.cookie}\r\nAccept: text/event-stream\r\n\r\n`);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.once('data', () => socket.pause()); // read the headers, then never again
    await new Promise((r) => setTimeout(r, 300));
    const { organizationId } = await admin.get('/api/v1/organization').then((r) => ({ organizationId: r.body.id as string }));
    // ~30 MB of events: more than the kernel's socket buffers on both sides can hold.
    const padding = 'x'.repeat(8000);
    for (let batch = 0; batch < 4; batch++) {
      await sql`
        WITH e AS (
          INSERT INTO outbox_events (organization_id, event_type, entity_type, payload)
          SELECT ${organizationId}, 'test.padding', 'test', jsonb_build_object('pad', ${padding}::text, 'i', g) FROM generate_series(1, 1000) g
          RETURNING id)
        SELECT pg_notify('leadai_outbox', max(id)::text) FROM e`.execute(app().database.db);
    }
    // Cut off by the server (its buffer for the client full for 1.5 s) …
    const cutBefore = Date.now();
    while (app().hub.stats().slowClientsCut === 0 && Date.now() - cutBefore < 60_000) await new Promise((r) => setTimeout(r, 100));
    // … which the client sees as the end of the connection once it reads again.
    socket.resume();
    await closed;
    const stats = app().hub.stats();
    expect(stats.slowClientsCut).toBeGreaterThanOrEqual(1);
    // 64 KB before the pump waits, plus at most one frame of ~8 KB.
    expect(stats.maxBufferedBytes).toBeLessThan(64 * 1024 + 16 * 1024);
    // A normal client is unaffected and can resume: the stream is still there for it.
    const fine = await stream(admin);
    await fine.waitFor((e) => e.some((x) => x.event === 'ready'), 5000, 'ready');
    fine.close();
  });

  if (MODE === 'server') {
    it('delivers every event committed through either of two `leadai serve` processes to the clients of both', { timeout: 180_000 }, async () => {
      const dbUrl = (app().database as TestDatabase).url!;
      const env = { ...process.env, DATABASE_URL: dbUrl, LEADAI_DEMO: 'off', LEADAI_WORKERS: 'false', LOG_LEVEL: 'warn' };
      const servers = await Promise.all([startServer(env), startServer(env)]);
      try {
        const [one, two] = servers.map((srv) => {
          const c = new Client((path) => srv.url + path);
          c.cookie = admin.cookie;
          c.csrf = admin.csrf;
          return c;
        }) as [Client, Client];
        const listen = async (srv: RunningServer, c: Client) => {
          const s = await SseStream.open(`${srv.url}/api/v1/stream`, { cookie: c.cookie });
          open.push(s);
          expect(s.status).toBe(200);
          await s.waitFor((e) => e.some((x) => x.event === 'ready'), 10_000, 'ready');
          return s;
        };
        const onOne = await listen(servers[0]!, one);
        const onTwo = await listen(servers[1]!, two);
        const viaOne = await one.post('/api/v1/leads', { first_name: 'Via', last_name: 'One' });
        const viaTwo = await two.post('/api/v1/leads', { first_name: 'Via', last_name: 'Two' });
        await two.patch(`/api/v1/leads/${viaOne.body.id}`, { job_title: 'Crossed' });
        await one.patch(`/api/v1/leads/${viaTwo.body.id}`, { job_title: 'Crossed too' });
        for (const s of [onOne, onTwo]) {
          await s.waitFor((e) => e.filter(about(viaOne.body.id)).length >= 2 && e.filter(about(viaTwo.body.id)).length >= 2, 15_000, 'all four events');
        }
        await onOne.settle();
        // The same events, in the same order, with the same ids, on both processes.
        const seen = (s: SseStream) => s.changes.map((e) => `${e.id} ${e.event} ${e.json.entity_id}`);
        expect(seen(onOne)).toEqual(seen(onTwo));
        expect(seen(onOne)).toHaveLength(4);
      } finally {
        await Promise.all(servers.map((srv) => srv.stop()));
      }
    });

    it('catches up from the outbox after its LISTEN connection was dropped and restored', async () => {
      const s = await stream(admin);
      await s.waitFor((e) => e.some((x) => x.event === 'ready'), 5000, 'ready');
      const before = app().hub.stats().listenerConnections;
      const killed = await sql<{ n: number }>`
        SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE application_name = 'leadai-listen' AND datname = current_database()`.execute(app().database.db);
      expect(killed.rows[0]!.n).toBe(1);
      // Written while the listener is away: nobody is notified of these.
      const lead = await admin.post('/api/v1/leads', { first_name: 'During', last_name: 'Outage' });
      await admin.patch(`/api/v1/leads/${lead.body.id}`, { job_title: 'Still during' });
      await s.waitFor((e) => e.filter(about(lead.body.id)).length >= 2, 15_000, 'events written while LISTEN was down');
      expect(app().hub.stats().listenerConnections).toBeGreaterThan(before);
      s.close();
    });
  }
});
