import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { SUGGESTS_CONTACT } from '../src/ai/insights/types.ts';
import { isContactable, isTrackable } from '../src/modules/consent/contactability.ts';
import { createInsightsService } from '../src/modules/insights/insights.service.ts';
import { createNotificationsService } from '../src/modules/notifications/notifications.service.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

const { url, app } = useServer();
const db = () => app().database.db;

let A: Awaited<ReturnType<typeof Client.signup>>;
let B: Awaited<ReturnType<typeof Client.signup>>;
let writeKey: string;
let viewer: Client;
let marketing: Client;

async function invite(role: 'viewer' | 'marketing') {
  const inv = await A.client.post('/api/v1/invitations', { email: `${role}-${randomUUID().slice(0, 6)}@consent.example`, role });
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: role, password: 'correct horse battery' });
  c.csrf = r.body.csrf_token;
  return c;
}

async function newLead(client: Client, body: Record<string, unknown> = {}) {
  const tag = randomUUID().slice(0, 8);
  const r = await client.post('/api/v1/leads', { first_name: 'Pat', last_name: `Person ${tag}`, email: `pat-${tag}@people.example`, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; email: string };
}

async function track(events: Record<string, unknown>[], headers: Record<string, string> = {}) {
  const res = await fetch(url('/api/v1/track'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ write_key: writeKey, events }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { received: number; inserted: number };
}
const pageView = (anonymousId: string) => ({ id: randomUUID(), type: 'page_view', anonymous_id: anonymousId, url: 'https://www.consent.example/pricing' });
const identify = (anonymousId: string, email: string) => ({ id: randomUUID(), type: 'identify', anonymous_id: anonymousId, email });

async function eventsOf(filter: { leadId?: string; anonymousId?: string }) {
  let q = db().selectFrom('journey_events').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', A.organizationId);
  if (filter.leadId) q = q.where('lead_id', '=', filter.leadId);
  if (filter.anonymousId) q = q.where('anonymous_id', '=', filter.anonymousId);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

beforeAll(async () => {
  A = await Client.signup(url, 'Consenting');
  B = await Client.signup(url, 'Other Consent');
  writeKey = (await A.client.post('/api/v1/tracking/keys', { name: 'Site' })).body.write_key;
  viewer = await invite('viewer');
  marketing = await invite('marketing');
});

describe(`consent and do-not-contact (${MODE})`, () => {
  it('isContactable / isTrackable: the flags, and withdrawn purposes', () => {
    const lead = { do_not_contact: false, unsubscribed: false, consent_withdrawn: [] as string[] };
    expect(isContactable(lead)).toBe(true);
    expect(isContactable({ ...lead, do_not_contact: true })).toBe(false);
    expect(isContactable({ ...lead, unsubscribed: true }, 'sales_contact')).toBe(false);
    expect(isContactable({ ...lead, consent_withdrawn: ['marketing'] }, 'sales_contact')).toBe(true);
    expect(isContactable({ ...lead, consent_withdrawn: ['marketing'] }, 'marketing')).toBe(false);
    expect(isContactable({ ...lead, consent_withdrawn: ['marketing'] })).toBe(false);
    expect(isTrackable({ ...lead, consent_withdrawn: ['marketing'] })).toBe(true);
    expect(isTrackable({ ...lead, consent_withdrawn: ['tracking'] })).toBe(false);
  });

  it('records, lists and withdraws consents; audited; status per purpose', async () => {
    const lead = await newLead(A.client);
    const given = await marketing.post(`/api/v1/leads/${lead.id}/consents`, { purpose: 'marketing', lawful_basis: 'consent', source: 'web_form' });
    expect(given.status, JSON.stringify(given.body)).toBe(201);
    expect(given.body).toMatchObject({ purpose: 'marketing', lawful_basis: 'consent', source: 'web_form', withdrawn_at: null });
    let overview = await A.client.get(`/api/v1/leads/${lead.id}/consents`);
    expect(overview.body.status).toEqual({ marketing: 'granted', sales_contact: 'unknown', tracking: 'unknown', profiling: 'unknown' });
    expect(overview.body).toMatchObject({ contactable: true, trackable: true, do_not_contact: false });

    const withdrawn = await A.client.post(`/api/v1/leads/${lead.id}/consents/withdraw`, { purpose: 'marketing' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.status.marketing).toBe('withdrawn');
    expect(withdrawn.body.data[0].withdrawn_at).not.toBeNull();
    // An objection without an earlier grant is recorded too.
    overview = await A.client.post(`/api/v1/leads/${lead.id}/consents/withdraw`, { purpose: 'sales_contact' });
    expect(overview.body.status.sales_contact).toBe('withdrawn');
    expect(overview.body.contactable).toBe(false);
    expect((await A.client.get(`/api/v1/leads/${lead.id}`)).body.consent_withdrawn).toEqual(['marketing', 'sales_contact']);
    // Granting again reopens the purpose.
    await A.client.post(`/api/v1/leads/${lead.id}/consents`, { purpose: 'sales_contact', lawful_basis: 'legitimate_interests' });
    expect((await A.client.get(`/api/v1/leads/${lead.id}`)).body.consent_withdrawn).toEqual(['marketing']);

    const audit = await db().selectFrom('audit_log').select(['action', 'details', 'entity_id']).where('organization_id', '=', A.organizationId).where('entity_id', '=', lead.id).orderBy('id').execute();
    expect(audit.map((e) => e.action)).toEqual(['consent.record', 'consent.withdraw', 'consent.withdraw', 'consent.record']);
    expect(audit[1]!.details).toMatchObject({ purpose: 'marketing', grants_closed: 1 });
  });

  it('consent routes: bad input is problem+json naming the field; roles and other organizations are refused', async () => {
    const lead = await newLead(A.client);
    const bad = await A.client.post(`/api/v1/leads/${lead.id}/consents`, { purpose: 'telepathy' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    expect(JSON.stringify(bad.body)).toContain('purpose');
    const future = await A.client.post(`/api/v1/leads/${lead.id}/consents`, { purpose: 'tracking', granted_at: new Date(Date.now() + 86400_000).toISOString() });
    expect(future.status).toBe(422);
    expect(future.body.field).toBe('granted_at');
    expect((await viewer.post(`/api/v1/leads/${lead.id}/consents`, { purpose: 'tracking' })).status).toBe(403);
    expect((await viewer.get(`/api/v1/leads/${lead.id}/consents`)).status).toBe(200);
    for (const r of [
      await B.client.get(`/api/v1/leads/${lead.id}/consents`),
      await B.client.post(`/api/v1/leads/${lead.id}/consents`, { purpose: 'tracking' }),
      await B.client.post(`/api/v1/leads/${lead.id}/consents/withdraw`, { purpose: 'tracking' }),
    ]) expect(r.status).toBe(404);
    expect(await db().selectFrom('lead_consents').select('id').where('lead_id', '=', lead.id).execute()).toEqual([]);
  });

  it('PATCH sets do-not-contact and unsubscribed with who and when, audited', async () => {
    const lead = await newLead(A.client);
    const r = await A.client.patch(`/api/v1/leads/${lead.id}`, { do_not_contact: true });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ do_not_contact: true, do_not_contact_by: A.userId, unsubscribed: false, unsubscribed_at: null });
    expect(r.body.do_not_contact_at).not.toBeNull();
    const unsub = await A.client.patch(`/api/v1/leads/${lead.id}`, { unsubscribed: true, do_not_contact: true });
    expect(unsub.body.do_not_contact_at).toBe(r.body.do_not_contact_at);
    const actions = await db().selectFrom('audit_log').select(['action', 'details']).where('entity_id', '=', lead.id).where('action', 'like', 'lead.%').orderBy('id').execute();
    expect(actions).toEqual([{ action: 'lead.do_not_contact', details: { value: true } }, { action: 'lead.unsubscribed', details: { value: true } }]);
    expect((await viewer.patch(`/api/v1/leads/${lead.id}`, { do_not_contact: false })).status).toBe(403);
    expect((await B.client.patch(`/api/v1/leads/${lead.id}`, { do_not_contact: false })).status).toBe(404);
  });

  it('tracking stops for do-not-contact and withdrawn tracking consent (identify and later page views), and resumes after a new grant', async () => {
    const lead = await newLead(A.client);
    const visitor = randomUUID();
    expect((await track([pageView(visitor)])).inserted).toBe(1);
    await A.client.patch(`/api/v1/leads/${lead.id}`, { do_not_contact: true });
    // Identification: the anonymous visit is theirs, and goes; the identify and later views are not stored.
    const identified = await track([identify(visitor, lead.email), pageView(visitor)]);
    expect(identified).toEqual({ received: 2, inserted: 0 });
    expect((await track([pageView(visitor)])).inserted).toBe(0);
    expect(await eventsOf({ anonymousId: visitor })).toBe(0);
    expect(await eventsOf({ leadId: lead.id })).toBe(0);
    // Recorded for the lead through the API: skipped as well.
    const api = await A.client.post(`/api/v1/leads/${lead.id}/journey`, { events: [{ type: 'page_view', url: 'https://www.consent.example/x' }] });
    expect(api.body).toEqual({ received: 1, inserted: 0 });

    // Another person: tracked until they withdraw tracking consent, and again after granting it.
    const other = await newLead(A.client);
    const theirs = randomUUID();
    expect((await track([identify(theirs, other.email), pageView(theirs)])).inserted).toBe(2);
    await A.client.post(`/api/v1/leads/${other.id}/consents/withdraw`, { purpose: 'tracking' });
    expect((await track([pageView(theirs)])).inserted).toBe(0);
    await A.client.post(`/api/v1/leads/${other.id}/consents`, { purpose: 'tracking' });
    expect((await track([pageView(theirs)])).inserted).toBe(1);
    expect(await eventsOf({ leadId: other.id })).toBe(3);
  });

  it('honours Do-Not-Track and Global Privacy Control per the organization setting (real headers)', async () => {
    const visitor = randomUUID();
    // Defaults: GPC honoured, DNT not.
    expect((await track([pageView(visitor)], { 'sec-gpc': '1' })).inserted).toBe(0);
    expect((await track([pageView(visitor)], { dnt: '1' })).inserted).toBe(1);
    expect((await A.client.patch('/api/v1/organization', { settings: { tracking: { truncate_ip: true } } })).status).toBe(200);
    expect((await A.client.patch('/api/v1/organization', { settings: { tracking: { honor_dnt: true, honor_gpc: false } } })).status).toBe(200);
    // Settings merge within tracking: truncate_ip stays.
    expect((await A.client.get('/api/v1/organization')).body.settings.tracking).toEqual({ truncate_ip: true, honor_dnt: true, honor_gpc: false });
    expect((await track([pageView(visitor)], { dnt: '1' })).inserted).toBe(0);
    expect((await track([pageView(visitor)], { 'sec-gpc': '1' })).inserted).toBe(1);
    // An identification under DNT creates no lead.
    const email = `dnt-${randomUUID().slice(0, 6)}@people.example`;
    expect((await track([identify(randomUUID(), email)], { dnt: '1' })).inserted).toBe(0);
    expect(await db().selectFrom('leads').select('id').where('email', '=', email).execute()).toEqual([]);
    expect(await eventsOf({ anonymousId: visitor })).toBe(2);
    const bad = await A.client.patch('/api/v1/organization', { settings: { tracking: { honor_dnt: 'yes' } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('honor_dnt');
  });

  it('the insights engine raises no contact suggestions for do-not-contact leads, and setting it ends open ones', async () => {
    const pricing = (hoursAgo: number) => ({ type: 'page_view', url: 'https://www.consent.example/pricing', title: 'Pricing', timestamp: new Date(Date.now() - hoursAgo * 3600_000).toISOString() });
    const twin = async () => {
      const lead = await newLead(A.client, { status: 'qualified', assigned_to: A.userId });
      expect((await A.client.post(`/api/v1/leads/${lead.id}/journey`, { events: [pricing(5), pricing(3), pricing(1)] })).status).toBe(201);
      await A.client.post(`/api/v1/leads/${lead.id}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Next steps', content: 'We are ready to move forward, please send the contract for 40 seats.' });
      return lead.id;
    };
    const yes = await twin();
    const no = await twin();
    expect((await A.client.patch(`/api/v1/leads/${no}`, { do_not_contact: true })).status).toBe(200);
    await createInsightsService(db()).evaluateLeads(A.organizationId, [yes, no]);
    const open = async (id: string) => (await A.client.get(`/api/v1/leads/${id}/insights?status=open&limit=200`)).body.data as { insight_type: 'next_best_action' }[];
    const contacting = (xs: { insight_type: 'next_best_action' }[]) => xs.filter((x) => SUGGESTS_CONTACT.has(x.insight_type));
    expect(contacting(await open(yes)).length).toBeGreaterThan(0);
    expect(contacting(await open(no))).toEqual([]);
    // The contactable one is marked do-not-contact: its open suggestions end in that transaction.
    expect((await A.client.patch(`/api/v1/leads/${yes}`, { do_not_contact: true })).status).toBe(200);
    expect(contacting(await open(yes))).toEqual([]);
  });

  it('the follow-up reminders skip leads that may not be contacted', async () => {
    const soon = new Date(Date.now() + 5 * 60_000).toISOString();
    const ok = await newLead(A.client, { assigned_to: A.userId, next_follow_up_at: soon });
    const no = await newLead(A.client, { assigned_to: A.userId, next_follow_up_at: soon, unsubscribed: true });
    await createNotificationsService(db()).sweepFollowUps({ schedule: false });
    const { rows } = await sql<{ lead_id: string }>`SELECT lead_id FROM notifications WHERE kind = 'follow_up_due' AND lead_id IN (${ok.id}, ${no.id})`.execute(db());
    expect(rows.map((r) => r.lead_id)).toEqual([ok.id]);
  });

  it('exports leave out leads that may not be contacted unless asked, and the audit entry says which', async () => {
    const ids = (text: string) => text.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    const all = (await (await fetch(url('/api/v1/leads/export?format=ndjson&include_do_not_contact=true'), { headers: { cookie: A.client.cookie } })).text());
    const some = (await (await fetch(url('/api/v1/leads/export?format=ndjson'), { headers: { cookie: A.client.cookie } })).text());
    const flagged = (await db().selectFrom('leads').select('id').where('organization_id', '=', A.organizationId).where(sql<boolean>`do_not_contact OR unsubscribed OR consent_withdrawn && ARRAY['marketing','sales_contact']`).execute()).map((r) => r.id);
    expect(flagged.length).toBeGreaterThan(2);
    expect(ids(all)).toEqual(expect.arrayContaining(flagged));
    expect(ids(some).filter((id) => flagged.includes(id))).toEqual([]);
    expect(ids(some).length).toBe(ids(all).length - flagged.length);
    const audit = await db().selectFrom('audit_log').select('details').where('organization_id', '=', A.organizationId).where('action', '=', 'leads.export').orderBy('id').execute();
    expect(audit.map((a) => a.details.include_do_not_contact)).toEqual([true, false]);
  });
});
