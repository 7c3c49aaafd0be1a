import { Writable } from 'node:stream';
import { sql } from 'kysely';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { withTenant } from '../src/db/tenant.ts';
import { emitEvent, systemActor } from '../src/modules/events/events.service.ts';
import { DISABLE_AFTER_MS, MAX_ATTEMPTS, retryDelayMs } from '../src/modules/webhooks/webhooks.service.ts';
import { loadConfig } from '../src/config.ts';
import { Client } from './helpers/api.ts';
import { createTestDatabase, MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { startReceiver } from './helpers/webhook-receiver.ts';

// A real server with workers, a real receiver on 127.0.0.1, and every log line kept: the
// signing secret must never appear in one.
const logLines: string[] = [];
let app: App;
let base = '';
const url = (path: string) => base + path;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let a: Awaited<ReturnType<typeof Client.signup>>;
let b: Awaited<ReturnType<typeof Client.signup>>;
const secrets: string[] = [];
const WAIT = 60_000;

beforeAll(async () => {
  const config = loadConfig({ LEADAI_DEMO: 'off', LEADAI_WORKERS: 'true', LOG_LEVEL: 'debug', LEADAI_CHECK_RESPONSES: 'true' });
  const sink = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } });
  app = await createApp(config, pino({ level: 'debug' }, sink), { database: await createTestDatabase() });
  base = await app.server.listen({ port: 0, host: '127.0.0.1' });
  receiver = await startReceiver();
  a = await Client.signup(url, 'Hooks Alpha');
  b = await Client.signup(url, 'Hooks Beta');
  // The receiver is on loopback: these tests reach it only because the organization allows private targets.
  expect((await a.client.put('/api/v1/webhooks/settings', { allow_private_targets: true })).status).toBe(200);
});
afterAll(async () => {
  await app?.close();
  await receiver?.close();
});

async function endpoint(client: Client, path: string, eventTypes: string[], host = '127.0.0.1') {
  const r = await client.post('/api/v1/webhooks', { url: `http://${host}:${receiver.port}${path}`, description: `receiver ${path}`, event_types: eventTypes });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  secrets.push(r.body.secret);
  return { id: r.body.id as string, secret: r.body.secret as string };
}

async function newLead(client: Client, last: string) {
  const r = await client.post('/api/v1/leads', { first_name: 'Hook', last_name: last, email: `${last.toLowerCase()}@receiver.example` });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

async function deliveries(client: Client, id: string) {
  const r = await client.get(`/api/v1/webhooks/${id}/deliveries?limit=100`);
  expect(r.status).toBe(200);
  return r.body.data as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function verify(secret: string, r: { body: string; headers: Record<string, unknown> }) {
  const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
  return new Webhook(secret).verify(r.body, headers) as { type: string; timestamp: string; data: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe(`webhooks (${MODE})`, () => {
  it('refuses target URLs that are not http(s), carry credentials or are not URLs, and empty or unknown event types, in words', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ url: 'ftp://files.example/in', event_types: ['lead.created'] }, 422, /https:\/\/ or http:\/\//],
      [{ url: 'https://user:pw@hooks.example/in', event_types: ['lead.created'] }, 422, /user name or password/],
      [{ url: 'not a url', event_types: ['lead.created'] }, 422, /not a valid address/],
      [{ url: 'https://hooks.example/in', event_types: [] }, 400, /at least one event type/],
      [{ url: 'https://hooks.example/in', event_types: ['lead.exploded'] }, 400, /event_types/],
    ];
    for (const [body, status, message] of cases) {
      const r = await a.client.post('/api/v1/webhooks', body);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(r.body)).toMatch(message);
    }
  });

  it('signs each delivery so an independent Standard Webhooks receiver verifies it; lead events carry the lead', async () => {
    const hook = await endpoint(a.client, '/signed', ['lead.created']);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const leadId = await newLead(a.client, 'Signed');
    const got = await until('the signed delivery', async () => receiver.at('/signed')[0], WAIT);
    const event = verify(hook.secret, got);
    expect(event.type).toBe('lead.created');
    expect(event.data.lead_id).toBe(leadId);
    expect(event.data.lead.id).toBe(leadId);
    expect(event.data.lead.last_name).toBe('Signed');
    expect(event.data.lead.permissions).toBeUndefined();
    // Altered bytes or another secret fail verification.
    expect(() => verify(hook.secret, { ...got, body: got.body.replace('Signed', 'Forged') })).toThrow();
    expect(() => verify('whsec_' + Buffer.alloc(32, 7).toString('base64'), got)).toThrow();
    const log = await until('the logged success', async () => (await deliveries(a.client, hook.id)).find((d) => d.status === 'succeeded'), WAIT);
    // Finished deliveries older than 30 days leave the log at the next fan-out; pending ones stay.
    await sql`UPDATE webhook_deliveries SET created_at = now() - interval '31 days' WHERE id = ${log.id}`.execute(app.database.db);
    const pending = await sql<{ id: string }>`INSERT INTO webhook_deliveries (organization_id, endpoint_id, event_type, message_id, body, created_at)
      VALUES (${a.organizationId}, ${hook.id}, 'lead.created', 'msg_old_pending', '{}', now() - interval '40 days') RETURNING id`.execute(app.database.db);
    await newLead(a.client, 'Later');
    await until('the old delivery pruned', async () => !(await deliveries(a.client, hook.id)).some((d) => d.id === log.id), WAIT);
    expect((await deliveries(a.client, hook.id)).some((d) => d.id === pending.rows[0]!.id)).toBe(true);
    expect(log).toMatchObject({ event_type: 'lead.created', lead_id: leadId, last_status_code: 200, attempts: 1, message_id: got.headers['webhook-id'] });
    expect(log.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('retries with exponential backoff until the receiver answers 2xx (fails twice, then succeeds), with the same webhook-id', async () => {
    receiver.script('/flaky', [500, 503, 200]);
    const hook = await endpoint(a.client, '/flaky', ['lead.created']);
    await newLead(a.client, 'Flaky');
    const done = await until('the third attempt', async () => (await deliveries(a.client, hook.id)).find((d) => d.status === 'succeeded'), WAIT);
    expect(done.attempts).toBe(3);
    const calls = receiver.at('/flaky');
    expect(calls.map((c) => c.answered)).toEqual([500, 503, 200]);
    expect(new Set(calls.map((c) => c.headers['webhook-id'])).size).toBe(1);
    for (const c of calls) verify(hook.secret, c);
    // Base 2 s, doubling, ±20 % jitter: about 2 s, then about 4 s.
    const gaps = [calls[1]!.at - calls[0]!.at, calls[2]!.at - calls[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(1_500);
    expect(gaps[1]).toBeGreaterThanOrEqual(3_000);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
  });

  it('spaces retries exponentially with jitter, over more than a day in all (so 24 h of failure can be seen)', () => {
    const at = (n: number, r: number) => retryDelayMs(n, 2_000, () => r);
    expect([1, 2, 3, 4].map((n) => at(n, 0.5))).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(at(1, 0)).toBe(1_600);
    expect(at(1, 1)).toBe(2_400);
    expect(at(30, 0.5)).toBe(3 * 3_600_000);
    let shortest = 0;
    for (let n = 1; n < MAX_ATTEMPTS; n++) shortest += at(n, 0);
    expect(shortest).toBeGreaterThan(DISABLE_AFTER_MS);
  });

  it('delivers the events about one lead in order: a later one waits while an earlier one is being retried', async () => {
    receiver.failFirst('/ordered', (body) => body.includes('"type":"lead.created"'));
    const hook = await endpoint(a.client, '/ordered', ['lead.created', 'lead.updated']);
    const leadId = await newLead(a.client, 'Ordered');
    expect((await a.client.patch(`/api/v1/leads/${leadId}`, { job_title: 'Buyer' })).status).toBe(200);
    expect((await a.client.patch(`/api/v1/leads/${leadId}`, { job_title: 'Head buyer' })).status).toBe(200);
    await until('three deliveries done', async () => {
      // Only the events about this one lead (batch events naming several leads have no lead_id).
      const ds = (await deliveries(a.client, hook.id)).filter((d) => d.lead_id === leadId);
      return ds.length === 3 && ds.every((d) => d.status === 'succeeded');
    }, WAIT).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await deliveries(a.client, hook.id))}`);
    });
    const calls = receiver.at('/ordered').map((c) => ({ answered: c.answered, event: verify(hook.secret, c) })).filter((c) => c.event.data.lead_id === leadId);
    expect(calls.map((c) => `${c.answered} ${c.event.type}`)).toEqual(['500 lead.created', '200 lead.created', '200 lead.updated', '200 lead.updated']);
    // The two updates arrive in the order they happened (the event time; the lead in the body is as it was at fan-out).
    const [first, second] = calls.slice(2).map((c) => Date.parse(c.event.timestamp));
    expect(first).toBeLessThan(second!);
    expect(calls[3]!.event.data.lead.job_title).toBe('Head buyer');
  });

  it('sends workflow.fired events, also about a lead deleted since (without holding up the ones after it)', async () => {
    const hook = await endpoint(a.client, '/workflow', ['workflow.fired']);
    const leadId = await newLead(a.client, 'Workflow');
    const gone = '00000000-0000-4000-8000-000000000000';
    // As the workflows module writes it when a workflow's "send a webhook" action runs.
    for (const lead of [gone, leadId]) {
      await withTenant(app.database.db, { organizationId: a.organizationId }, (tx) =>
        emitEvent(tx, systemActor(a.organizationId), { type: 'workflow.fired', entityType: 'workflow', entityId: null, payload: { workflow_id: '11111111-1111-4111-8111-111111111111', workflow_name: 'Hot lead', lead_id: lead } }));
    }
    const got = await until('both workflow events', async () => (receiver.at('/workflow').length >= 2 ? receiver.at('/workflow') : null), WAIT);
    const events = got.map((r) => verify(hook.secret, r));
    expect(events.map((e) => [e.type, e.data.lead_id, e.data.workflow_name])).toEqual([['workflow.fired', gone, 'Hot lead'], ['workflow.fired', leadId, 'Hot lead']]);
    const logged = await deliveries(a.client, hook.id);
    expect(logged.map((d) => d.lead_id).sort()).toEqual([leadId, null].sort());
  });

  it("delivers a workflow's \"send a webhook\" action end to end (workflows module → outbox → endpoint)", async () => {
    const hook = await endpoint(a.client, '/flow', ['workflow.fired']);
    const wf = await a.client.post('/api/v1/workflows', { name: 'Qualified → billing', trigger: { type: 'status_changed', to: 'qualified' }, actions: [{ type: 'webhook' }] });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const leadId = await newLead(a.client, 'Flowing');
    expect((await a.client.patch(`/api/v1/leads/${leadId}`, { status: 'qualified' })).status).toBe(200);
    const got = await until('the workflow.fired delivery', async () => receiver.at('/flow')[0], WAIT);
    const event = verify(hook.secret, got);
    expect(event.type).toBe('workflow.fired');
    expect(event.data).toMatchObject({ workflow_id: wf.body.id, workflow_name: 'Qualified → billing', lead_id: leadId });
  });

  it('sends a test event on request, and replays a delivery by hand (same webhook-id, signed afresh)', async () => {
    const hook = await endpoint(a.client, '/test', ['forecast.generated']);
    const test = await a.client.post(`/api/v1/webhooks/${hook.id}/test`);
    expect(test.status).toBe(202);
    expect(test.body).toMatchObject({ event_type: 'webhook.test', status: 'queued' });
    const first = await until('the test event', async () => receiver.at('/test')[0], WAIT);
    expect(verify(hook.secret, first).type).toBe('webhook.test');
    await until('the test delivery logged', async () => (await deliveries(a.client, hook.id)).find((d) => d.status === 'succeeded'), WAIT);
    const replay = await a.client.post(`/api/v1/webhooks/deliveries/${test.body.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body.replay_of).toBe(test.body.id);
    const second = await until('the replay', async () => receiver.at('/test')[1], WAIT);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    expect(verify(hook.secret, second).type).toBe('webhook.test');
  });

  it('disables an endpoint that has failed for a day and tells the admins', async () => {
    receiver.script('/down', [503]);
    const hook = await endpoint(a.client, '/down', ['lead.created']);
    await a.client.post(`/api/v1/webhooks/${hook.id}/test`);
    const failing = await until('the endpoint failing', async () => {
      const r = await a.client.get(`/api/v1/webhooks/${hook.id}`);
      return r.body.state === 'failing' ? r.body : null;
    }, WAIT);
    expect(failing.enabled).toBe(true);
    // A day passes (in the database), and the next attempt fails too.
    await sql`UPDATE webhook_endpoints SET failing_since = now() - interval '25 hours' WHERE id = ${hook.id}`.execute(app.database.db);
    await a.client.post(`/api/v1/webhooks/${hook.id}/test`);
    const off = await until('the endpoint disabled', async () => {
      const r = await a.client.get(`/api/v1/webhooks/${hook.id}`);
      return r.body.state === 'disabled' ? r.body : null;
    }, WAIT);
    expect(off.disabled_reason).toMatch(/failed for 24 hours.*503/);
    const notes = await a.client.get('/api/v1/notifications');
    const note = (notes.body.data as { title: string; body: string; link: string }[]).find((n) => /webhook endpoint was disabled/.test(n.title));
    expect(note?.link).toBe('/settings/webhooks');
    expect(note?.body).toContain(`/down`);
    // Enabling it again clears the state.
    const on = await a.client.patch(`/api/v1/webhooks/${hook.id}`, { enabled: true });
    expect(on.body).toMatchObject({ state: 'enabled', disabled_reason: null, failing_since: null });
  });

  it("keeps another organization's endpoints and deliveries out of reach (404), and everyone but admins out (403)", async () => {
    const hook = await endpoint(a.client, '/private', ['lead.created']);
    const test = await a.client.post(`/api/v1/webhooks/${hook.id}/test`);
    for (const r of [
      await b.client.get(`/api/v1/webhooks/${hook.id}`),
      await b.client.patch(`/api/v1/webhooks/${hook.id}`, { description: 'mine now' }),
      await b.client.get(`/api/v1/webhooks/${hook.id}/deliveries`),
      await b.client.post(`/api/v1/webhooks/${hook.id}/test`),
      await b.client.post(`/api/v1/webhooks/${hook.id}/rotate-secret`),
      await b.client.post(`/api/v1/webhooks/deliveries/${test.body.id}/replay`),
      await b.client.delete(`/api/v1/webhooks/${hook.id}`),
    ]) {
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect((await b.client.get('/api/v1/webhooks')).body.data).toEqual([]);
    expect((await a.client.get(`/api/v1/webhooks/${hook.id}`)).body.description).toBe('receiver /private');
    for (const role of ['manager', 'sales_rep', 'marketing', 'viewer']) {
      const key = await a.client.post('/api/v1/api-keys', { name: role, role });
      const other = Client.withKey(url, key.body.key);
      for (const r of [
        await other.get('/api/v1/webhooks'),
        await other.post('/api/v1/webhooks', { url: 'https://hooks.example/x', event_types: ['lead.created'] }),
        await other.get(`/api/v1/webhooks/${hook.id}/deliveries`),
        await other.put('/api/v1/webhooks/settings', { allow_private_targets: true }),
        await other.post(`/api/v1/webhooks/deliveries/${test.body.id}/replay`),
      ]) {
        expect(r.status, `${role}: ${JSON.stringify(r.body)}`).toBe(403);
        expect(r.body.detail).toMatch(/may not manage webhooks/);
      }
    }
  });

  it("takes a lead's deliveries (and the copy of the lead in their bodies) with a privacy erasure", async () => {
    const hook = await endpoint(a.client, '/erase', ['lead.created']);
    const leadId = await newLead(a.client, 'Erasable');
    await until('the delivery', async () => (await deliveries(a.client, hook.id)).find((d) => d.lead_id === leadId && d.status === 'succeeded'), WAIT);
    const r = await a.client.post('/api/v1/privacy/requests', { type: 'erasure', lead_id: leadId });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const done = await until('the erasure', async () => {
      const g = await a.client.get(`/api/v1/privacy/requests/${r.body.id}`);
      return g.body.status === 'done' || g.body.status === 'failed' ? g.body : undefined;
    }, WAIT);
    expect(done.status).toBe('done');
    expect((await deliveries(a.client, hook.id)).filter((d) => d.lead_id === leadId)).toEqual([]);
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_deliveries WHERE body::text LIKE '%erasable@receiver.example%'`.execute(app.database.db);
    expect(left.rows[0]!.n).toBe(0);
  });

  it('shows the secret on create and rotate only: never in reads, the delivery log, the database in clear, or the logs', async () => {
    const hook = await endpoint(a.client, '/rotate', ['lead.created']);
    const rotated = await a.client.post(`/api/v1/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(hook.secret);
    secrets.push(rotated.body.secret);
    await a.client.post(`/api/v1/webhooks/${hook.id}/test`);
    const got = await until('a delivery signed with the new secret', async () => receiver.at('/rotate')[0], WAIT);
    verify(rotated.body.secret, got);
    expect(() => verify(hook.secret, got)).toThrow();
    const reads = JSON.stringify([
      (await a.client.get('/api/v1/webhooks')).body,
      (await a.client.get(`/api/v1/webhooks/${hook.id}`)).body,
      await deliveries(a.client, hook.id),
      (await a.client.get('/api/v1/webhooks/settings')).body,
      (await a.client.get('/api/v1/audit?limit=100')).body,
    ]);
    expect(reads).not.toMatch(/secret_sealed/);
    const stored = await sql<{ secret_sealed: string }>`SELECT secret_sealed FROM webhook_endpoints`.execute(app.database.db);
    const jobs = await sql<{ t: string }>`SELECT payload::text || coalesce(result::text, '') || coalesce(last_error, '') AS t FROM jobs`.execute(app.database.db);
    expect(logLines.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      const key = secret.slice('whsec_'.length);
      expect(reads).not.toContain(key);
      expect(stored.rows.map((r) => r.secret_sealed).join()).not.toContain(key);
      expect(jobs.rows.map((r) => r.t).join()).not.toContain(key);
      expect(logLines.join('')).not.toContain(key);
    }
  });
});
