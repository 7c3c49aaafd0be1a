import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UserRole } from '../src/db/schema.ts';
import { normalizeIp, truncateIp } from '../src/modules/tracking/tracking.service.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

const { url, app } = useServer();

interface Org {
  admin: Client;
  organizationId: string;
  key: string;
  keyId: string;
}
let A: Org;
let B: Org;
const users = new Map<UserRole, Client>();

async function newOrg(name: string): Promise<Org> {
  const { client, organizationId } = await Client.signup(url, name);
  const key = await client.post('/api/v1/tracking/keys', { name: 'Website' });
  expect(key.status).toBe(201);
  return { admin: client, organizationId, key: key.body.write_key, keyId: key.body.id };
}

beforeAll(async () => {
  A = await newOrg('Trackers');
  B = await newOrg('Other Co');
  const team = (await A.admin.post('/api/v1/teams', { name: 'Field' })).body.id as string;
  for (const role of ['viewer', 'marketing', 'sales_rep', 'manager'] as const) {
    const inv = await A.admin.post('/api/v1/invitations', { email: `${role}-${randomUUID().slice(0, 6)}@trackers.example`, role, team_id: team });
    const c = new Client(url);
    const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: role, password: 'correct horse battery' });
    c.csrf = r.body.csrf_token;
    users.set(role, c);
  }
});

async function track(body: unknown, options: { contentType?: string; headers?: Record<string, string>; raw?: boolean } = {}) {
  const res = await fetch(url('/api/v1/track'), {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? 'application/json', 'user-agent': 'TrackTest/1.0', ...options.headers },
    body: options.raw ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function ev(anonymousId: string, overrides: Record<string, unknown> = {}) {
  return { id: randomUUID(), type: 'page_view', anonymous_id: anonymousId, session_id: 's1', url: 'https://www.example.com/pricing?x=1', title: 'Pricing', ...overrides };
}

async function leadIdByEmail(organizationId: string, email: string): Promise<string> {
  const lead = await app().database.db.selectFrom('leads').select('id').where('organization_id', '=', organizationId).where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirstOrThrow();
  return lead.id;
}

async function eventCount(organizationId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM journey_events WHERE organization_id = ${organizationId}`.execute(app().database.db);
  return rows[0]!.n;
}

async function eventsOf(organizationId: string, anonymousId: string) {
  return app()
    .database.db.selectFrom('journey_events')
    .select(['lead_id', 'event_type', 'session_id', 'ip_address', 'user_agent', 'client_event_id', 'properties'])
    .where('organization_id', '=', organizationId)
    .where('anonymous_id', '=', anonymousId)
    .execute();
}

describe(`tracking: write keys (${MODE})`, () => {
  it('admins create, rotate and revoke keys; marketing reads them; other roles may not', async () => {
    const created = await A.admin.post('/api/v1/tracking/keys', { name: 'Landing pages' });
    expect(created.status).toBe(201);
    expect(created.body.write_key).toMatch(/^lwk_[\w-]{30,}$/);
    const listed = await users.get('marketing')!.get('/api/v1/tracking/keys');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);
    for (const role of ['viewer', 'sales_rep', 'manager'] as const) {
      expect((await users.get(role)!.get('/api/v1/tracking/keys')).status, role).toBe(403);
    }
    for (const role of ['viewer', 'marketing', 'sales_rep', 'manager'] as const) {
      const c = users.get(role)!;
      expect((await c.post('/api/v1/tracking/keys', { name: 'x' })).status, role).toBe(403);
      expect((await c.post(`/api/v1/tracking/keys/${created.body.id}/rotate`)).status, role).toBe(403);
      expect((await c.delete(`/api/v1/tracking/keys/${created.body.id}`)).status, role).toBe(403);
    }

    const anon = randomUUID();
    expect((await track({ write_key: created.body.write_key, events: [ev(anon)] })).status).toBe(200);
    const rotated = await A.admin.post(`/api/v1/tracking/keys/${created.body.id}/rotate`);
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ name: 'Landing pages', replaces_id: created.body.id });
    expect(rotated.body.write_key).not.toBe(created.body.write_key);
    const before = await eventCount(A.organizationId);
    const old = await track({ write_key: created.body.write_key, events: [ev(anon)] });
    expect(old.status).toBe(401);
    expect(old.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await eventCount(A.organizationId)).toBe(before);
    expect((await track({ write_key: rotated.body.write_key, events: [ev(anon)] })).status).toBe(200);

    expect((await A.admin.delete(`/api/v1/tracking/keys/${rotated.body.id}`)).status).toBe(204);
    expect((await A.admin.delete(`/api/v1/tracking/keys/${rotated.body.id}`)).status).toBe(404);
    const revoked = await track({ write_key: rotated.body.write_key, events: [ev(anon)] });
    expect(revoked.status).toBe(401);
    expect(await eventCount(A.organizationId)).toBe(before + 1);
    // Another organization's key id is not found.
    expect((await B.admin.delete(`/api/v1/tracking/keys/${A.keyId}`)).status).toBe(404);
  });
});

describe(`tracking: ingest (${MODE})`, () => {
  it('authenticates by the write key only: missing, wrong or mismatched keys are 401 problem+json and store nothing', async () => {
    const before = await eventCount(A.organizationId);
    const anon = randomUUID();
    for (const r of [
      await track({ events: [ev(anon)] }),
      await track({ write_key: 'lwk_not-a-real-key-000000000000000000', events: [ev(anon)] }),
      await track({ write_key: A.key.slice(0, -1) + 'x', events: [ev(anon)] }),
      await track({ write_key: A.key, events: [ev(anon)] }, { headers: { 'x-leadai-write-key': B.key } }),
      // A session API key is not a write key, and a write key is no API key.
      await track({ events: [ev(anon)] }, { headers: { 'x-leadai-write-key': 'lak_whatever' } }),
    ]) {
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.type).toBe('https://leadai.dev/problems/unauthenticated');
    }
    expect((await Client.withKey(url, A.key).get('/api/v1/leads')).status).toBe(401);
    expect(await eventCount(A.organizationId)).toBe(before);
    const viaHeader = await track({ events: [ev(anon)] }, { headers: { 'x-leadai-write-key': A.key } });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toMatchObject({ received: 1, inserted: 1 });
  });

  it('answers any origin (CORS) and accepts text/plain bodies as sendBeacon sends them', async () => {
    const pre = await fetch(url('/api/v1/track'), { method: 'OPTIONS', headers: { origin: 'https://customer.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/x-leadai-write-key/);
    const anon = randomUUID();
    const r = await track(JSON.stringify({ write_key: A.key, events: [ev(anon), ev(anon, { type: 'custom', name: 'Watched demo', properties: { seconds: 42 } })] }), { contentType: 'text/plain;charset=UTF-8', headers: { origin: 'https://customer.example' }, raw: true });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.body).toMatchObject({ received: 2, inserted: 2 });
    const rows = await eventsOf(A.organizationId, anon);
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.lead_id === null && row.user_agent === 'TrackTest/1.0' && row.ip_address === '127.0.0.1')).toBe(true);
    expect(rows.find((row) => row.event_type === 'custom')!.properties).toEqual({ seconds: 42, url: 'https://www.example.com/pricing?x=1', title: 'Pricing' });
    const bad = await track({ events: [] }, { headers: { origin: 'https://customer.example' } });
    expect(bad.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('rejects oversized and malformed batches with problem+json, storing nothing', async () => {
    const before = await eventCount(A.organizationId);
    const anon = randomUUID();
    const good = () => ev(anon);
    const cases: [string, Promise<Awaited<ReturnType<typeof track>>>, number][] = [
      ['501 events', track({ write_key: A.key, events: Array.from({ length: 501 }, good) }), 400],
      ['no events', track({ write_key: A.key, events: [] }), 400],
      ['unknown type', track({ write_key: A.key, events: [good(), ev(anon, { type: 'purchase' })] }), 400],
      ['timestamp not a date', track({ write_key: A.key, events: [good(), ev(anon, { timestamp: 'yesterday' })] }), 400],
      ['timestamp without zone', track({ write_key: A.key, events: [ev(anon, { timestamp: '2026-11-25 10:00' })] }), 400],
      ['timestamp too old', track({ write_key: A.key, events: [good(), ev(anon, { timestamp: '2001-01-01T00:00:00Z' })] }), 422],
      ['timestamp in the future', track({ write_key: A.key, events: [good(), ev(anon, { timestamp: new Date(Date.now() + 86400_000).toISOString() })] }), 422],
      ['identify without email', track({ write_key: A.key, events: [good(), ev(anon, { type: 'identify' })] }), 400],
      ['custom without name', track({ write_key: A.key, events: [ev(anon, { type: 'custom' })] }), 400],
      ['unknown field', track({ write_key: A.key, events: [ev(anon, { lead_id: randomUUID() })] }), 400],
      ['missing anonymous id', track({ write_key: A.key, events: [{ id: 'x1', type: 'page_view' }] }), 400],
      ['not JSON', track('{"write_key": "' + A.key + '", "events": [', { raw: true }), 422],
      ['not JSON, text/plain', track('hello', { raw: true, contentType: 'text/plain' }), 422],
      ['body too big', track({ write_key: A.key, events: [ev(anon, { properties: { blob: 'x'.repeat(1_100_000) } })] }), 413],
      ['other media type', track('a=b', { raw: true, contentType: 'application/x-www-form-urlencoded' }), 415],
    ];
    for (const [name, pending, status] of cases) {
      const r = await pending;
      expect(r.status, name).toBe(status);
      expect(r.headers.get('content-type'), name).toMatch(/application\/problem\+json/);
      expect(typeof r.body.detail, name).toBe('string');
    }
    const tooMany = await track({ write_key: A.key, events: Array.from({ length: 501 }, good) });
    expect(JSON.stringify(tooMany.body)).toMatch(/at most 500 events/);
    expect(await eventCount(A.organizationId)).toBe(before);
  });

  it('is idempotent by client event id: the same batch twice stores it once', async () => {
    const anon = randomUUID();
    const batch = { write_key: A.key, events: Array.from({ length: 50 }, (_, i) => ev(anon, { session_id: `s${i % 3}` })) };
    const before = await eventCount(A.organizationId);
    const first = await track(batch);
    expect(first.body).toMatchObject({ received: 50, inserted: 50 });
    const again = await track(batch);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ received: 50, inserted: 0 });
    // A batch that repeats an event id inside itself stores it once too.
    const dup = ev(anon);
    expect((await track({ write_key: A.key, events: [dup, dup, ev(anon)] })).body).toMatchObject({ inserted: 2 });
    expect(await eventCount(A.organizationId)).toBe(before + 52);
    // Event ids are per organization: B may use the same ids.
    expect((await track({ ...batch, write_key: B.key })).body).toMatchObject({ inserted: 50 });
  });

  it('truncates IP addresses at ingest when the organization asks for it', async () => {
    const anon = randomUUID();
    expect((await track({ write_key: A.key, events: [ev(anon)] })).status).toBe(200);
    expect((await A.admin.patch('/api/v1/organization', { settings: { tracking: { truncate_ip: true } } })).status).toBe(200);
    expect((await track({ write_key: A.key, events: [ev(anon)] })).status).toBe(200);
    const ips = (await eventsOf(A.organizationId, anon)).map((r) => r.ip_address).sort();
    expect(ips).toEqual(['127.0.0.0', '127.0.0.1']);
    // Only A asked.
    const other = randomUUID();
    await track({ write_key: B.key, events: [ev(other)] });
    expect((await eventsOf(B.organizationId, other))[0]!.ip_address).toBe('127.0.0.1');
    expect((await A.admin.patch('/api/v1/organization', { settings: { tracking: { truncate_ip: false } } })).status).toBe(200);
  });

  it('truncates IPv4 to /24 and IPv6 to /48', () => {
    expect(truncateIp('203.0.113.77')).toBe('203.0.113.0');
    expect(truncateIp('2001:db8:85a3:1234:5678:8a2e:370:7334')).toBe('2001:db8:85a3::');
    expect(truncateIp('2001:db8::1')).toBe('2001:db8:0::');
    expect(truncateIp('::1')).toBe('0:0:0::');
    expect(truncateIp('nonsense')).toBeNull();
    expect(normalizeIp('::ffff:198.51.100.9')).toBe('198.51.100.9');
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeIp('garbage')).toBeNull();
  });

  it('corrects event times by the client clock (sent_at)', async () => {
    const anon = randomUUID();
    const clientNow = Date.now() + 3600_000; // a client clock one hour fast
    const r = await track({ write_key: A.key, sent_at: new Date(clientNow).toISOString(), events: [ev(anon, { timestamp: new Date(clientNow - 60_000).toISOString() })] });
    expect(r.status).toBe(200);
    const [row] = await app().database.db.selectFrom('journey_events').select('occurred_at').where('organization_id', '=', A.organizationId).where('anonymous_id', '=', anon).execute();
    expect(Math.abs(row!.occurred_at.getTime() - (Date.now() - 60_000))).toBeLessThan(10_000);
  });
});

describe(`tracking: identification and stitching (${MODE})`, () => {
  it('attaches a visitor’s anonymous events from earlier sessions on identify, and later events go straight to the lead', async () => {
    const anon = randomUUID();
    const stranger = randomUUID();
    const hour = 3600_000;
    const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
    // Session 1, two days ago; session 2, yesterday; another visitor meanwhile.
    await track({ write_key: A.key, events: [ev(anon, { session_id: 'one', timestamp: at(48 * hour) }), ev(anon, { session_id: 'one', url: 'https://www.example.com/features', title: 'Features', timestamp: at(48 * hour - 60_000) })] });
    await track({ write_key: A.key, events: [ev(anon, { session_id: 'two', timestamp: at(24 * hour) }), ev(anon, { session_id: 'two', type: 'form_submit', name: 'newsletter', properties: { fields: { topic: 'AI' } }, timestamp: at(24 * hour - 60_000) })] });
    await track({ write_key: A.key, events: [ev(stranger, { session_id: 'x' })] });
    expect((await eventsOf(A.organizationId, anon)).every((r) => r.lead_id === null)).toBe(true);

    const email = `visitor-${randomUUID().slice(0, 8)}@prospect.example`;
    const identified = await track({ write_key: A.key, events: [ev(anon, { session_id: 'three' }), ev(anon, { type: 'identify', session_id: 'three', email: email.toUpperCase(), traits: { name: 'Grace Brewster Hopper', company: 'Navy' } })] });
    expect(identified.status).toBe(200);
    // The public answer says nothing about leads: the write key is in every page.
    expect(identified.body).toEqual({ received: 2, inserted: 2 });
    const leadId = await leadIdByEmail(A.organizationId, email);

    const lead = await A.admin.get(`/api/v1/leads/${leadId}`);
    expect(lead.body).toMatchObject({ email, first_name: 'Grace', last_name: 'Brewster Hopper', company: 'Navy', source: 'website' });
    const rows = await eventsOf(A.organizationId, anon);
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.lead_id === leadId)).toBe(true);
    expect(new Set(rows.map((r) => r.session_id))).toEqual(new Set(['one', 'two', 'three']));
    // The identify event keeps traits, not the email.
    expect(JSON.stringify(rows.find((r) => r.event_type === 'identify')!.properties)).not.toContain('@');
    expect((await eventsOf(A.organizationId, stranger)).every((r) => r.lead_id === null)).toBe(true);

    // Later events of that visitor go straight to the lead.
    await track({ write_key: A.key, events: [ev(anon, { session_id: 'four', url: 'https://www.example.com/contact', title: 'Contact' })] });
    const later = await eventsOf(A.organizationId, anon);
    expect(later).toHaveLength(7);
    expect(later.every((r) => r.lead_id === leadId)).toBe(true);

    // The journey: by type, by time range, keyset pages.
    const all = await A.admin.get(`/api/v1/leads/${leadId}/journey?limit=200`);
    expect(all.status).toBe(200);
    expect(all.body.data).toHaveLength(7);
    const times = all.body.data.map((e: { occurred_at: string }) => Date.parse(e.occurred_at));
    expect(times).toEqual([...times].sort((x, y) => y - x));
    const views = await A.admin.get(`/api/v1/leads/${leadId}/journey?type=page_view`);
    expect(views.body.data).toHaveLength(5);
    expect(views.body.data.every((e: { event_type: string }) => e.event_type === 'page_view')).toBe(true);
    const both = await A.admin.get(`/api/v1/leads/${leadId}/journey?type=page_view,form_submit`);
    expect(both.body.data).toHaveLength(6);
    const window = await A.admin.get(`/api/v1/leads/${leadId}/journey?from=${encodeURIComponent(at(30 * hour))}&to=${encodeURIComponent(at(12 * hour))}`);
    expect(window.body.data.map((e: { session_id: string }) => e.session_id)).toEqual(['two', 'two']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await A.admin.get(`/api/v1/leads/${leadId}/journey?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body as { data: { id: string }[]; next_cursor: string | null };
      seen.push(...page.data.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.body.data.map((e: { id: string }) => e.id));
    expect((await A.admin.get(`/api/v1/leads/${leadId}/journey?cursor=nonsense`)).status).toBe(400);
    expect((await A.admin.get(`/api/v1/leads/${leadId}/journey?type=Page%20View`)).status).toBe(400);
  });

  it('identifies into an existing lead by email (case-insensitive) instead of creating one', async () => {
    const email = `known-${randomUUID().slice(0, 8)}@prospect.example`;
    const created = await A.admin.post('/api/v1/leads', { first_name: 'Known', last_name: 'Person', email });
    expect(created.status).toBe(201);
    const anon = randomUUID();
    await track({ write_key: A.key, events: [ev(anon)] });
    const r = await track({ write_key: A.key, events: [ev(anon, { type: 'identify', email: email.toUpperCase(), traits: { first_name: 'Other' } })] });
    expect(r.body).toEqual({ received: 1, inserted: 1 });
    expect(await leadIdByEmail(A.organizationId, email)).toBe(created.body.id);
    expect((await A.admin.get(`/api/v1/leads/${created.body.id}`)).body.first_name).toBe('Known');
    expect((await A.admin.get(`/api/v1/leads/${created.body.id}/journey`)).body.data).toHaveLength(2);
  });

  it('after a merge, the visitor’s later events go to the surviving lead', async () => {
    const anon = randomUUID();
    const email = `dup-${randomUUID().slice(0, 8)}@prospect.example`;
    await track({ write_key: A.key, events: [ev(anon), ev(anon, { type: 'identify', email })] });
    const source = await leadIdByEmail(A.organizationId, email);
    const target = (await A.admin.post('/api/v1/leads', { first_name: 'Surviving', last_name: 'Lead' })).body.id as string;
    const merged = await A.admin.post(`/api/v1/leads/${target}/merge`, { source_id: source });
    expect(merged.status).toBe(200);
    expect(merged.body.moved).toMatchObject({ journey_events: 2, tracking_identities: 1 });
    await track({ write_key: A.key, events: [ev(anon)] });
    const rows = await eventsOf(A.organizationId, anon);
    expect(rows).toHaveLength(3);
    expect(rows.every((e) => e.lead_id === target)).toBe(true);
  });

  it('concurrent batches agree: one lead per email, and no event of an identifying visitor is left anonymous', async () => {
    const email = `race-${randomUUID().slice(0, 8)}@prospect.example`;
    const visitors = Array.from({ length: 4 }, () => randomUUID());
    const requests: Promise<unknown>[] = [];
    for (let round = 0; round < 5; round++) {
      for (const anon of visitors) {
        requests.push(track({ write_key: A.key, events: Array.from({ length: 5 }, () => ev(anon, { session_id: `r${round}` })) }));
        if (round === 2) requests.push(track({ write_key: A.key, events: [ev(anon, { type: 'identify', email })] }));
      }
    }
    const results = (await Promise.all(requests)) as { status: number }[];
    expect(results.every((r) => r.status === 200)).toBe(true);
    const leads = await app().database.db.selectFrom('leads').select('id').where('organization_id', '=', A.organizationId).where(sql<string>`lower(email)`, '=', email).execute();
    expect(leads).toHaveLength(1);
    for (const anon of visitors) {
      const rows = await eventsOf(A.organizationId, anon);
      expect(rows).toHaveLength(26);
      expect(rows.every((r) => r.lead_id === leads[0]!.id), anon).toBe(true);
    }
  });
});

describe(`tracking: organizations and roles (${MODE})`, () => {
  it('a write key only ever writes into its own organization', async () => {
    const email = `shared-${randomUUID().slice(0, 8)}@prospect.example`;
    const leadA = await A.admin.post('/api/v1/leads', { first_name: 'In', last_name: 'A', email });
    const anon = randomUUID();
    const beforeA = await eventCount(A.organizationId);
    const r = await track({ write_key: B.key, events: [ev(anon), ev(anon, { type: 'identify', email })] });
    expect(r.status).toBe(200);
    const leadB = await leadIdByEmail(B.organizationId, email);
    expect(leadB).not.toBe(leadA.body.id);
    expect(await eventCount(A.organizationId)).toBe(beforeA);
    expect((await A.admin.get(`/api/v1/leads/${leadA.body.id}/journey`)).body.data).toHaveLength(0);
    // The same anonymous id in A stays A's own, unrelated visitor.
    await track({ write_key: A.key, events: [ev(anon)] });
    expect((await eventsOf(A.organizationId, anon)).every((row) => row.lead_id === null)).toBe(true);
    // Journeys across organizations: 404, whoever asks.
    const cross = await A.admin.get(`/api/v1/leads/${leadB}/journey`);
    expect(cross.status).toBe(404);
    expect(cross.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await B.admin.get(`/api/v1/leads/${leadB}/journey`)).body.data).toHaveLength(2);
    expect((await B.admin.post(`/api/v1/leads/${leadA.body.id}/journey`, { events: [{ type: 'email_open' }] })).status).toBe(404);
  });

  it('journeys follow the lead read scope: a sales rep reads only their leads', async () => {
    const anon = randomUUID();
    const email = `scope-${randomUUID().slice(0, 8)}@prospect.example`;
    await track({ write_key: A.key, events: [ev(anon), ev(anon, { type: 'identify', email })] });
    const leadId = await leadIdByEmail(A.organizationId, email);
    expect((await users.get('sales_rep')!.get(`/api/v1/leads/${leadId}/journey`)).status).toBe(404);
    for (const role of ['viewer', 'marketing', 'manager'] as const) {
      expect((await users.get(role)!.get(`/api/v1/leads/${leadId}/journey`)).status, role).toBe(200);
    }
    const own = await users.get('sales_rep')!.post('/api/v1/leads', { first_name: 'Rep', last_name: 'Lead' });
    expect((await users.get('sales_rep')!.get(`/api/v1/leads/${own.body.id}/journey`)).status).toBe(200);
  });

  it('marketing and admins record journey events of a lead; other roles may not', async () => {
    const lead = await A.admin.post('/api/v1/leads', { first_name: 'Mail', last_name: 'Reader' });
    const id = randomUUID();
    const body = { events: [{ id, type: 'email_open', name: 'November newsletter', properties: { campaign: 'nov' } }, { type: 'email_click', url: 'https://www.example.com/offer' }] };
    const first = await users.get('marketing')!.post(`/api/v1/leads/${lead.body.id}/journey`, body);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ received: 2, inserted: 2 });
    expect((await users.get('marketing')!.post(`/api/v1/leads/${lead.body.id}/journey`, { events: [body.events[0]] })).body).toEqual({ received: 1, inserted: 0 });
    for (const role of ['viewer', 'sales_rep', 'manager'] as const) {
      expect((await users.get(role)!.post(`/api/v1/leads/${lead.body.id}/journey`, body)).status, role).toBe(403);
    }
    const journey = await A.admin.get(`/api/v1/leads/${lead.body.id}/journey?type=email_open,email_click`);
    expect(journey.body.data.map((e: { event_name: string }) => e.event_name).sort()).toEqual(['Email link clicked', 'November newsletter']);
  });
});

describe(`tracking: the snippet and the API description (${MODE})`, () => {
  it('documents the tracking routes in the OpenAPI document', async () => {
    const res = await fetch(url('/api/openapi.json'));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/track', '/api/v1/tracking/keys', '/api/v1/tracking/keys/{id}/rotate', '/api/v1/leads/{id}/journey']));
    expect(doc.paths['/api/v1/track']!.post).toMatchObject({ security: [] });
  });

  it('is served as JavaScript with a cache header, and is small', async () => {
    const res = await fetch(url('/t.js'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const text = await res.text();
    expect(text.length).toBeLessThan(10_000);
    expect(text).toContain('sendBeacon');
    const again = await fetch(url('/t.js'), { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });
});
