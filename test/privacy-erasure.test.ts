import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Logger } from '../src/shared/logger.ts';
import { Client } from './helpers/api.ts';
import { createTestDatabase, MODE } from './helpers/db.ts';

/**
 * The issue's proof: one person seeded through the product's own paths (import, tracking with
 * an anonymous visitor stitched to them, activities, a conversation of ANOTHER lead naming
 * them, notifications, scores and insights from the workers, a CSV export, a privacy export),
 * erased, and then every text, varchar, char, json(b), text[] and bytea column of every
 * table found in the catalogue scanned by this test's own SQL (not the product's patterns):
 * no e-mail, name or phone of theirs remains in the organization. The server's log, captured
 * throughout, names none of it either.
 */
const logLines: string[] = [];
let app: App;
let base = '';
const url = (path: string) => base + path;

const FIRST = 'Zephyrine';
const LAST = 'Quillfeather';
const EMAIL = 'zephyrine.quillfeather@wonderhaus.example';
const PHONE = '+1 (415) 555-0134';
const NEEDLES = [FIRST, LAST, EMAIL, 'zephyrine.quillfeather%40wonderhaus.example', '4155550134', '415-555-0134', '415 555 0134', '(415) 555-0134', '415.555.0134'];

beforeAll(async () => {
  const config = loadConfig({ LEADAI_DEMO: 'off', LEADAI_WORKERS: 'true', LOG_LEVEL: 'debug', LEADAI_CHECK_RESPONSES: 'true' });
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logLines.push(chunk.toString()); done(); } });
  const logger = pino({ level: 'debug' }, sink) as unknown as Logger;
  app = await createApp(config, logger, { database: await createTestDatabase() });
  base = await app.server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => app?.close());

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function upload(client: Client, csv: string) {
  const form = new FormData();
  form.append('file', new Blob([csv]), 'people.csv');
  const res = await fetch(url('/api/v1/imports'), { method: 'POST', body: form, headers: { cookie: client.cookie, 'x-csrf-token': client.csrf } });
  const body = (await res.json()) as { id: string };
  const start = await client.post(`/api/v1/imports/${body.id}/start`, {});
  expect(start.status, JSON.stringify(start.body)).toBeLessThan(300);
  return until('the import', async () => {
    const r = await client.get(`/api/v1/imports/${body.id}`);
    return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
  });
}

async function track(key: string, events: unknown[]) {
  const res = await fetch(url('/api/v1/track'), { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': `Mozilla/5.0 (${FIRST} laptop)` }, body: JSON.stringify({ write_key: key, events }) });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function request(client: Client, body: Record<string, unknown>) {
  const r = await client.post('/api/v1/privacy/requests', body);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const done = await until('the privacy request', async () => {
    const g = await client.get(`/api/v1/privacy/requests/${r.body.id}`);
    return g.body.status === 'done' || g.body.status === 'failed' ? g.body : undefined;
  });
  expect(done.status, JSON.stringify(done.error)).toBe('done');
  return { created: r.body, done };
}

/** This test's own scan: every text-like column of every table, the organization's rows, plain substring search. */
async function traces(organizationId: string): Promise<string[]> {
  const db = app.database.db;
  const { rows: cols } = await sql<{ table_name: string; column_name: string; data_type: string; udt_name: string; tenant: string | null }>`
    SELECT c.table_name, c.column_name, c.data_type, c.udt_name,
      (SELECT CASE WHEN c.table_name = 'organizations' THEN 'id' ELSE max(o.column_name) END FROM information_schema.columns o
        WHERE o.table_schema = 'public' AND o.table_name = c.table_name AND o.column_name = 'organization_id') AS tenant
    FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
      AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea') OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))`.execute(db);
  expect(cols.length).toBeGreaterThan(100);
  const found: string[] = [];
  for (const c of cols) {
    const value = c.data_type === 'bytea' ? sql`encode(${sql.ref(c.column_name)}, 'escape')` : sql`${sql.ref(c.column_name)}::text`;
    const where = c.tenant ? sql`${sql.ref(c.tenant)} = ${organizationId}::uuid` : sql`true`;
    for (const needle of NEEDLES) {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(c.table_name)} WHERE ${where} AND (${value} ILIKE ${`%${needle}%`} OR regexp_replace(${value}, '[^0-9]', '', 'g') LIKE '%4155550134%' AND ${needle} = '4155550134')`.execute(db);
      if (rows[0]!.n > 0) found.push(`${c.table_name}.${c.column_name}: ${rows[0]!.n} row(s) with "${needle}"`);
    }
  }
  return found;
}

describe(`Erasure leaves no trace (${MODE})`, () => {
  let A: Awaited<ReturnType<typeof Client.signup>>;
  let B: Awaited<ReturnType<typeof Client.signup>>;
  let leadId = '';
  let otherLeadId = '';
  let writeKey = '';
  const visitor = randomUUID();

  it('seeds the person everywhere through the product', async () => {
    A = await Client.signup(url, 'Erasers');
    B = await Client.signup(url, 'Bystanders');
    // The same person held by another organization: erasing them in A must not touch B.
    expect((await B.client.post('/api/v1/leads', { first_name: FIRST, last_name: LAST, email: EMAIL, phone: PHONE })).status).toBe(201);

    const imported = await upload(A.client, `first_name,last_name,email,phone,company,notes\n${FIRST},${LAST},${EMAIL},${PHONE},Wonderhaus,Met ${FIRST} at a fair\nOtto,Normal,otto@normal.example,,Normal Inc,\n`);
    expect(imported.status).toBe('completed');
    const lead = await app.database.db.selectFrom('leads').select(['id']).where('email', '=', EMAIL).where('organization_id', '=', A.organizationId).executeTakeFirstOrThrow();
    leadId = lead.id;
    otherLeadId = (await app.database.db.selectFrom('leads').select('id').where('email', '=', 'otto@normal.example').executeTakeFirstOrThrow()).id;
    // A second lead of the same person (same phone, another e-mail).
    expect((await A.client.post('/api/v1/leads', { first_name: FIRST, last_name: LAST, email: 'zq@wonderhaus-private.example', phone: '415.555.0134' })).status).toBe(201);

    // Tracking: anonymous visits, then identify stitches them.
    const key = await A.client.post('/api/v1/tracking/keys', { name: 'Site' });
    writeKey = key.body.write_key;
    expect((await track(writeKey, [{ id: randomUUID(), type: 'page_view', anonymous_id: visitor, url: `https://wonderhaus.example/welcome?email=zephyrine.quillfeather%40wonderhaus.example`, title: 'Welcome' }])).status).toBe(200);
    expect((await track(writeKey, [{ id: randomUUID(), type: 'identify', anonymous_id: visitor, email: EMAIL, traits: { first_name: FIRST, last_name: LAST, phone: PHONE } }])).status).toBe(200);
    const stitched = await app.database.db.selectFrom('journey_events').select('lead_id').where('anonymous_id', '=', visitor).execute();
    expect(stitched.map((e) => e.lead_id)).toEqual([leadId, leadId]);

    // Their own activity and conversation; another lead's note and conversation naming them.
    expect((await A.client.post(`/api/v1/leads/${leadId}/activities`, { type: 'call', subject: `Call with ${FIRST}`, description: `${FIRST} ${LAST} wants a demo; call back on ${PHONE}` })).status).toBe(201);
    expect((await A.client.post(`/api/v1/leads/${leadId}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Pricing', content: `Hi, this is ${FIRST} ${LAST}. Reach me at ${EMAIL}. We are ready to buy next month.` })).status).toBe(201);
    expect((await A.client.post(`/api/v1/leads/${otherLeadId}/activities`, { type: 'note', description: `Otto said ${FIRST} ${LAST} (${EMAIL}, 415-555-0134) decides the budget.` })).status).toBe(201);
    expect((await A.client.post(`/api/v1/leads/${otherLeadId}/conversations`, { direction: 'inbound', channel: 'email', content: `Please also copy ${LAST} on this: ${EMAIL}.` })).status).toBe(201);
    // A notification naming them (assigned to the admin), a CSV export, custom field mention.
    expect((await A.client.patch(`/api/v1/leads/${leadId}`, { assigned_to: A.userId, custom_fields: { referrer: `${FIRST} ${LAST}` } })).status).toBe(200);
    // A consent record (audited against the lead).
    expect((await A.client.post(`/api/v1/leads/${leadId}/consents`, { purpose: 'marketing', lawful_basis: 'consent', source: 'web_form' })).status).toBe(201);
    const csv = await fetch(url('/api/v1/leads/export?format=csv'), { headers: { cookie: A.client.cookie } });
    expect(await csv.text()).toContain(EMAIL);
    // The workers analyse, score and make insights; wait for them to settle.
    await until('scores', async () => ((await app.database.db.selectFrom('lead_scores').select('id').where('lead_id', '=', leadId).executeTakeFirst()) ? true : undefined));
    await until('the queues', async () => {
      const busy = await app.database.db.selectFrom('jobs').select('id').where('organization_id', '=', A.organizationId).where('status', 'in', ['queued', 'running']).where('run_at', '<=', new Date()).executeTakeFirst();
      return busy ? undefined : true;
    });
    const before = await traces(A.organizationId);
    for (const t of ['leads.', 'activities.', 'conversations.', 'journey_events.', 'notifications.']) expect(before.some((f) => f.startsWith(t)), `${t} seeded: ${before.join('\n')}`).toBe(true);
  });

  it('exports everything once, to the requester, then answers 410', async () => {
    const { created, done } = await request(A.client, { type: 'export', email: EMAIL });
    expect(done.result.leads).toBe(2);
    expect(done.subject).toEqual({ email: null, phone: null, lead_ids: [] });
    expect(done.download.available).toBe(true);
    const wrong = await A.client.get(`/api/v1/privacy/requests/${created.id}/download?token=${'x'.repeat(20)}`);
    expect(wrong.status).toBe(404);
    const got = await A.client.get(`/api/v1/privacy/requests/${created.id}/download?token=${created.download_token}`);
    expect(got.status).toBe(200);
    const data = got.body.document.data;
    expect(data.leads).toHaveLength(2);
    for (const kind of ['activities', 'conversations', 'journey_events', 'lead_scores', 'notifications', 'tracking_identities', 'lead_consents', 'audit_log']) expect(data[kind]?.length, kind).toBeGreaterThan(0);
    expect(data.audit_log.map((e: { action: string }) => e.action)).toContain('consent.record');
    expect(got.body.document.mentions_in_other_records.some((m: { table: string }) => m.table === 'activities')).toBe(true);
    expect(got.body.summary).toContain('lead record(s)');
    const again = await A.client.get(`/api/v1/privacy/requests/${created.id}/download?token=${created.download_token}`);
    expect(again.status).toBe(410);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body.detail).toMatch(/already downloaded/);
    // A second export left undownloaded: the erasure must take it too.
    await request(A.client, { type: 'export', phone: PHONE });
  });

  it('erases them: the catalogue-wide scan finds nothing, other records keep their words, another organization is untouched', async () => {
    const { done } = await request(A.client, { type: 'erasure', lead_id: leadId });
    expect(done.verification.clean, JSON.stringify(done.verification.traces)).toBe(true);
    expect(done.verification.tables_scanned).toBeGreaterThan(30);
    expect(done.result.leads).toBe(2);
    expect(done.result.tombstones).toBeGreaterThanOrEqual(3);
    expect(await traces(A.organizationId)).toEqual([]);
    const note = await A.client.get(`/api/v1/leads/${otherLeadId}/activities`);
    expect(note.body.data[0].description).toBe('Otto said [erased] ([erased], [erased]) decides the budget.');
    // Another organization's copy of the person stays whole.
    expect((await traces(B.organizationId)).length).toBeGreaterThan(0);
    // The audit keeps the fact, with counts only.
    const audit = await app.database.db.selectFrom('audit_log').select(['details']).where('organization_id', '=', A.organizationId).where('action', '=', 'privacy.erase').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ leads: 2 });
  });

  it('the tombstone refuses re-import, re-identification and lead creation', async () => {
    const again = await upload(A.client, `first_name,last_name,email,phone\n${FIRST},${LAST},${EMAIL.toUpperCase()},\nAnna,Else,anna@else.example,${PHONE}\nNew,Person,new@person.example,\n`);
    expect(again.status).toBe('completed');
    expect(again.counts.created).toBe(1);
    expect(again.counts.rejected).toBe(2);
    const errors = await fetch(url(`/api/v1/imports/${again.id}/errors`), { headers: { cookie: A.client.cookie } });
    const errorsCsv = await errors.text();
    expect(errorsCsv).toContain('this person asked to be erased');
    expect(errorsCsv.toLowerCase()).not.toContain(EMAIL);
    const created = await A.client.post('/api/v1/leads', { first_name: 'Z', last_name: 'Q', email: EMAIL });
    expect(created.status).toBe(409);
    expect(created.body.detail).toMatch(/asked to be erased/);
    expect(created.body.field).toBe('email');
    const visitor2 = randomUUID();
    const tracked = await track(writeKey, [{ id: randomUUID(), type: 'page_view', anonymous_id: visitor2, url: 'https://wonderhaus.example/' }, { id: randomUUID(), type: 'identify', anonymous_id: visitor2, email: EMAIL }]);
    expect(tracked.status).toBe(200);
    expect(tracked.body.inserted).toBe(0);
    expect(await app.database.db.selectFrom('tracking_identities').select('lead_id').where('anonymous_id', '=', visitor2).executeTakeFirst()).toBeUndefined();
    expect(await traces(A.organizationId)).toEqual([]);
  });

  it('logged nothing personal', () => {
    expect(logLines.length).toBeGreaterThan(10);
    const log = logLines.join('');
    for (const needle of NEEDLES) expect(log.toLowerCase().includes(needle.toLowerCase()), `log mentions ${needle}`).toBe(false);
  });
});
