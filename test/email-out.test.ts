import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailService } from '../src/modules/email/email.service.ts';
import { createLeadsService } from '../src/modules/leads/leads.service.ts';
import { createSecretBox } from '../src/shared/secret-box.ts';
import { DEVELOPMENT_SECRET_KEY } from '../src/config.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { startSmtp, type TestSmtp } from './helpers/smtp.ts';
import { until } from './helpers/wait.ts';

const { url, app } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
const db = () => app().database.db;

const RELAY_PASSWORD = 'relay-Secret-0x5eed-pw';
let smtp: TestSmtp;
let A: Awaited<ReturnType<typeof Client.signup>>;
let B: Awaited<ReturnType<typeof Client.signup>>;
const responses: string[] = [];

async function call(client: Client, method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: unknown) {
  const r = method === 'get' || method === 'delete' ? await client[method](path) : await client[method](path, body ?? {});
  responses.push(JSON.stringify(r.body));
  return r;
}

async function invite(role: 'viewer' | 'marketing' | 'sales_rep') {
  const inv = await A.client.post('/api/v1/invitations', { email: `${role}-${randomUUID().slice(0, 6)}@mail.example`, role });
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: `The ${role}`, password: 'correct horse battery' });
  c.csrf = r.body.csrf_token;
  return c;
}

async function newLead(client: Client, body: Record<string, unknown> = {}) {
  const tag = randomUUID().slice(0, 8);
  const r = await client.post('/api/v1/leads', { first_name: 'Grace', last_name: `Hopper ${tag}`, email: `grace-${tag}@navy.example`, company: 'Navy Labs', job_title: 'Rear Admiral', ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as { id: string; email: string; last_name: string };
}

async function sent(id: string) {
  return until(`e-mail ${id} to leave the queue`, async () => {
    const r = await A.client.get(`/api/v1/emails/${id}`);
    return r.body.status !== 'queued' ? r.body : undefined;
  }, 60_000);
}

const receivedFor = (address: string) => smtp.received.filter((m) => m.to.includes(address));
const pathOf = (link: string) => new URL(link).pathname;

beforeAll(async () => {
  smtp = await startSmtp({ refuse: (to) => to.startsWith('bounce-'), users: { relay: RELAY_PASSWORD } });
  A = await Client.signup(url, 'Mailing Co');
  B = await Client.signup(url, 'Other Mailer');
});
afterAll(async () => smtp?.close());

describe(`e-mail out over SMTP (${MODE})`, () => {
  it('saves the organization relay; the password is sealed at rest and never returned', async () => {
    const empty = await call(A.client, 'get', '/api/v1/email/relay');
    expect(empty.body).toMatchObject({ configured: false, password_set: false });
    const saved = await call(A.client, 'put', '/api/v1/email/relay', { host: '127.0.0.1', port: smtp.port, security: 'none', username: 'relay', password: RELAY_PASSWORD, from_name: 'Mailing Co Sales', from_address: 'sales@mailing.example' });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ configured: true, password_set: true, host: '127.0.0.1', from_address: 'sales@mailing.example' });
    // Saving again without a password keeps the saved one.
    const again = await call(A.client, 'put', '/api/v1/email/relay', { host: '127.0.0.1', port: smtp.port, security: 'none', username: 'relay', from_name: 'Mailing Co Sales', from_address: 'sales@mailing.example' });
    expect(again.body.password_set).toBe(true);
    const row = await db().selectFrom('email_smtp_accounts').select('password_sealed').where('organization_id', '=', A.organizationId).executeTakeFirstOrThrow();
    expect(row.password_sealed).toMatch(/^v1\./);
    expect(row.password_sealed).not.toContain(RELAY_PASSWORD);
    // The test e-mail reaches the admin through the relay, logging in with the stored password.
    const test = await call(A.client, 'post', '/api/v1/email/test', { account: 'organization' });
    expect(test.status, JSON.stringify(test.body)).toBe(200);
    expect(receivedFor(A.email)).toHaveLength(1);
    expect(smtp.logins.at(-1)).toEqual({ user: 'relay', pass: RELAY_PASSWORD });
  });

  it('refuses templates with unknown variables, naming the allowed ones; renders a preview for a lead', async () => {
    const bad = await call(A.client, 'post', '/api/v1/email-templates', { name: 'Bad', subject: 'Hi {{firstname}}', body_text: 'x' });
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/unknown variable \{\{firstname\}\}/);
    expect(bad.body.detail).toMatch(/allowed: .*\{\{first_name\}\}/);
    const unescaped = await call(A.client, 'post', '/api/v1/email-templates', { name: 'Raw', subject: 'Hi', body_text: 'x', body_html: '<p>{{{company}}}</p>' });
    expect(unescaped.status).toBe(422);
    expect(unescaped.body.detail).toMatch(/without HTML escaping/);
    const lead = await newLead(A.client, { company: 'Fish & <Chips>' });
    const t = await call(A.client, 'post', '/api/v1/email-templates', { name: 'Intro', subject: 'Hello {{first_name}} from {{owner_name}}', body_text: 'Dear {{first_name}} {{last_name}} of {{company}},\nsee https://docs.mailing.example/start', body_html: '<p>Dear {{first_name}} of <b>{{company}}</b>, <a href="https://docs.mailing.example/start">start here</a></p>' });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    const preview = await call(A.client, 'post', `/api/v1/email-templates/${t.body.id}/preview`, { lead_id: lead.id });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.subject).toBe('Hello Grace from');
    expect(preview.body.body_text).toContain(`Dear Grace ${lead.last_name} of Fish & <Chips>`);
    expect(preview.body.body_html).toContain('<b>Fish &amp; &lt;Chips&gt;</b>');
    // Custom fields (defined by an import) are {{custom.<key>}}.
    await db().insertInto('custom_field_definitions').values({ organization_id: A.organizationId, key: 'plan', label: 'Plan', type: 'text' }).execute();
    const withPlan = await newLead(A.client, { custom_fields: { plan: 'Pro' } });
    const custom = await call(A.client, 'post', '/api/v1/email-templates/preview', { subject: 'Your {{custom.plan}} plan', body_text: 'Plan: {{custom.plan}}{{#job_title}}, {{job_title}}{{/job_title}}', lead_id: withPlan.id });
    expect(custom.body).toMatchObject({ subject: 'Your Pro plan', body_text: 'Plan: Pro, Rear Admiral', problems: [] });
    expect((await call(A.client, 'get', '/api/v1/email-templates/variables')).body.variables).toContain('custom.plan');
    const duplicate = await call(A.client, 'post', '/api/v1/email-templates', { name: 'intro', subject: 'x', body_text: 'x' });
    expect(duplicate.status).toBe(409);
  });

  it('sends a templated e-mail received by the SMTP server, recorded as an outbound conversation and an activity', async () => {
    const lead = await newLead(A.client);
    await A.client.patch(`/api/v1/leads/${lead.id}`, { assigned_to: A.userId });
    const template = (await A.client.get('/api/v1/email-templates')).body.data!.find((t: { name: string; id: string }) => t.name === 'Intro')!;
    const r = await call(A.client, 'post', `/api/v1/leads/${lead.id}/emails`, { template_id: template.id });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.status).toBe('queued');
    const message = await sent(r.body.id as string);
    expect(message.status, JSON.stringify(message)).toBe('sent');
    const [got] = receivedFor(lead.email);
    expect(got).toBeDefined();
    const mail = got!.mail;
    expect(mail.from?.value[0]).toEqual({ name: 'Mailing Co Sales', address: 'sales@mailing.example' });
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]!.address : null).toBe(lead.email);
    expect(mail.subject).toBe('Hello Grace from Mailing Co Admin');
    expect(mail.messageId).toBe(message.message_id);
    expect(mail.text).toContain(`Dear Grace ${lead.last_name} of Navy Labs`);
    expect(mail.html).toContain('<b>Navy Labs</b>');
    // Tracking is off by default: links go straight to their address, no pixel.
    expect(mail.html).toContain('href="https://docs.mailing.example/start"');
    expect(mail.html).not.toContain('/email/open/');
    expect(message.tracked).toBe(false);
    // Unsubscribe: RFC 2369 / 8058 headers and a link in both parts.
    expect(got!.raw).toMatch(/^List-Unsubscribe:\s+<http:\/\/[^>]+\/email\/unsubscribe\/[\w-]+>/m);
    expect(got!.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click/m);
    expect(JSON.stringify(mail.headers.get('list'))).toContain('/email/unsubscribe/');
    expect(mail.text).toMatch(/Unsubscribe: http:\/\/\S+\/email\/unsubscribe\//);
    expect(mail.html).toMatch(/href="http:\/\/[^"]+\/email\/unsubscribe\/[\w-]+">unsubscribe<\/a>/);

    const conversations = await A.client.get(`/api/v1/leads/${lead.id}/conversations`);
    const conv = conversations.body.data!.find((c: { id: string }) => c.id === message.conversation_id)!;
    expect(conv).toMatchObject({ direction: 'outbound', channel: 'email', external_id: message.message_id, thread_id: message.message_id, subject: 'Hello Grace from Mailing Co Admin' });
    const activities = await A.client.get(`/api/v1/leads/${lead.id}/activities`);
    expect(activities.body.data!.some((a: { type: string; subject: string }) => a.type === 'email' && a.subject === 'Hello Grace from Mailing Co Admin')).toBe(true);
  });

  it('threads a reply: In-Reply-To and References of the conversation answered, same thread', async () => {
    const lead = await newLead(A.client);
    const inbound = await A.client.post(`/api/v1/leads/${lead.id}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Pricing question', content: 'How much is it?', external_id: '<q-1@navy.example>', thread_id: '<root-0@navy.example>', metadata: { references: ['<root-0@navy.example>'] } });
    expect(inbound.status, JSON.stringify(inbound.body)).toBe(201);
    const r = await call(A.client, 'post', `/api/v1/leads/${lead.id}/emails`, { body: 'It is 10 a month, {{first_name}}.', reply_to_conversation_id: inbound.body.id });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const message = await sent(r.body.id as string);
    expect(message.status).toBe('sent');
    const mail = receivedFor(lead.email)[0]!.mail;
    expect(mail.subject).toBe('Re: Pricing question');
    expect(mail.inReplyTo).toBe('<q-1@navy.example>');
    expect(mail.references).toEqual(['<root-0@navy.example>', '<q-1@navy.example>']);
    expect(mail.text).toContain('It is 10 a month, Grace.');
    expect(message.thread_id).toBe('<root-0@navy.example>');
    const conv = (await A.client.get(`/api/v1/conversations/${message.conversation_id}`)).body;
    expect(conv.thread_id).toBe('<root-0@navy.example>');
    // Another lead's conversation is not a reply target.
    const other = await newLead(A.client);
    const wrong = await call(A.client, 'post', `/api/v1/leads/${other.id}/emails`, { subject: 'x', body: 'y', reply_to_conversation_id: inbound.body.id });
    expect(wrong.status).toBe(422);
    expect(wrong.body.detail).toMatch(/reply_to_conversation_id/);
  });

  it('refuses do-not-contact, unsubscribed, consent-withdrawn and address-less leads, and sends nothing', async () => {
    const before = smtp.received.length;
    const countBefore = Number((await db().selectFrom('email_messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const dnc = await newLead(A.client, { do_not_contact: true });
    const r1 = await call(A.client, 'post', `/api/v1/leads/${dnc.id}/emails`, { subject: 'Hi', body: 'Hello' });
    expect(r1.status).toBe(409);
    expect(r1.body.detail).toMatch(/do-not-contact/);
    const unsub = await newLead(A.client, { unsubscribed: true });
    const r2 = await call(A.client, 'post', `/api/v1/leads/${unsub.id}/emails`, { subject: 'Hi', body: 'Hello' });
    expect(r2.status).toBe(409);
    expect(r2.body.detail).toMatch(/unsubscribed/);
    const withdrawn = await newLead(A.client);
    await A.client.post(`/api/v1/leads/${withdrawn.id}/consents/withdraw`, { purpose: 'sales_contact' });
    const r3 = await call(A.client, 'post', `/api/v1/leads/${withdrawn.id}/emails`, { subject: 'Hi', body: 'Hello' });
    expect(r3.status).toBe(409);
    expect(r3.body.detail).toMatch(/consent to sales contact/);
    const noAddress = await newLead(A.client, { email: null });
    const r4 = await call(A.client, 'post', `/api/v1/leads/${noAddress.id}/emails`, { subject: 'Hi', body: 'Hello' });
    expect(r4.status).toBe(422);
    expect(r4.body.detail).toMatch(/no e-mail address/);
    const readiness = await call(A.client, 'get', `/api/v1/leads/${dnc.id}/emails/readiness`);
    expect(readiness.body).toMatchObject({ can_send: false, reasons: ['The lead is marked do-not-contact.'] });
    const missing = await call(A.client, 'post', `/api/v1/leads/${dnc.id}/emails`, { subject: 'Hi' });
    expect(missing.status).toBe(400);
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received.length).toBe(before);
    expect(Number((await db().selectFrom('email_messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(countBefore);
  });

  it('unsubscribe: the page asks, the (one-click) POST unsubscribes through consent, a later send is refused', async () => {
    const lead = await newLead(A.client);
    const r = await call(A.client, 'post', `/api/v1/leads/${lead.id}/emails`, { subject: 'News', body: 'Hello {{first_name}}' });
    await sent(r.body.id as string);
    const mail = receivedFor(lead.email)[0]!;
    const link = /Unsubscribe: (\S+)/.exec(mail.mail.text ?? '')![1]!;
    const page = await fetch(url(pathOf(link)));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Stop receiving e-mails from Mailing Co?');
    expect((await A.client.get(`/api/v1/leads/${lead.id}`)).body.unsubscribed).toBe(false);
    const oneClick = await fetch(url(pathOf(link)), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('You will not receive any more e-mails from Mailing Co');
    const after = (await A.client.get(`/api/v1/leads/${lead.id}`)).body;
    expect(after).toMatchObject({ unsubscribed: true, unsubscribed_by: null });
    const audit = await db().selectFrom('audit_log').select(['action', 'actor_type']).where('entity_id', '=', lead.id).where('action', '=', 'lead.unsubscribed').execute();
    expect(audit).toEqual([{ action: 'lead.unsubscribed', actor_type: 'system' }]);
    const again = await call(A.client, 'post', `/api/v1/leads/${lead.id}/emails`, { subject: 'More news', body: 'Hello' });
    expect(again.status).toBe(409);
    // A repeated one-click, as multipart/form-data (RFC 8058 allows both encodings), is answered the same.
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    expect((await fetch(url(pathOf(link)), { method: 'POST', body: form })).status).toBe(200);
    const unknown = await fetch(url('/email/unsubscribe/not-a-real-token-at-all'), { method: 'POST' });
    expect(unknown.status).toBe(404);
  });

  it('tracks opens and clicks only when the organization enabled it and consent allows; clicks go only to the message\'s links', async () => {
    const marketing = await invite('marketing');
    expect((await call(marketing, 'put', '/api/v1/email/settings', { track_opens: true, track_clicks: true })).status).toBe(403);
    expect((await call(A.client, 'put', '/api/v1/email/settings', { track_opens: true, track_clicks: true })).body).toEqual({ track_opens: true, track_clicks: true });
    const lead = await newLead(A.client);
    const r = await call(A.client, 'post', `/api/v1/leads/${lead.id}/emails`, { subject: 'Docs', body: 'Read https://docs.mailing.example/guide and https://mailing.example/pricing.' });
    const message = await sent(r.body.id as string);
    expect(message.tracked).toBe(true);
    const mail = receivedFor(lead.email)[0]!.mail;
    expect(mail.text).not.toContain('https://docs.mailing.example/guide');
    const clicks = [...(mail.text ?? '').matchAll(/http:\/\/\S+\/email\/click\/[\w-]+\/\d+/g)].map((m) => m[0]);
    expect(clicks).toHaveLength(2);
    const pixel = /src="([^"]+\/email\/open\/[^"]+)"/.exec(String(mail.html))![1]!;
    // A client sending Global Privacy Control is not recorded (honoured by default, as on the website).
    expect((await fetch(url(pathOf(pixel)), { headers: { 'sec-gpc': '1' } })).status).toBe(200);
    const opened = await fetch(url(pathOf(pixel)));
    expect(opened.headers.get('content-type')).toBe('image/gif');
    const click = await fetch(url(pathOf(clicks[1]!)), { redirect: 'manual' });
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://mailing.example/pricing');
    // Only the message's own links: another index is not a redirect anywhere.
    const token = /\/email\/click\/([\w-]+)\//.exec(clicks[0]!)![1]!;
    expect((await fetch(url(`/email/click/${token}/7`), { redirect: 'manual' })).status).toBe(404);
    expect((await fetch(url(`/email/click/${'x'.repeat(32)}/0`), { redirect: 'manual' })).status).toBe(404);
    const events = await db().selectFrom('journey_events').select(['event_type', 'properties']).where('lead_id', '=', lead.id).orderBy('created_at').execute();
    expect(events.map((e) => e.event_type)).toEqual(['email_open', 'email_click']);
    expect(events[1]!.properties).toMatchObject({ url: 'https://mailing.example/pricing', email_message_id: message.id });
    const after = (await A.client.get(`/api/v1/emails/${message.id}`)).body;
    expect(after.opened_at).not.toBeNull();
    expect(after.clicked_at).not.toBeNull();

    // A lead who withdrew consent to tracking gets plain links and no pixel, even with tracking on.
    const private_ = await newLead(A.client);
    await A.client.post(`/api/v1/leads/${private_.id}/consents/withdraw`, { purpose: 'tracking' });
    const r2 = await call(A.client, 'post', `/api/v1/leads/${private_.id}/emails`, { subject: 'Docs', body: 'Read https://docs.mailing.example/guide' });
    const m2 = await sent(r2.body.id as string);
    expect(m2.tracked).toBe(false);
    const mail2 = receivedFor(private_.email)[0]!.mail;
    expect(mail2.text).toContain('https://docs.mailing.example/guide');
    expect(String(mail2.html)).not.toContain('/email/open/');
    await call(A.client, 'put', '/api/v1/email/settings', { track_opens: false, track_clicks: false });
  });

  it('a refused recipient fails at once in words; a server that is down is retried, then failed in words', async () => {
    const bounce = await newLead(A.client, { email: `bounce-${randomUUID().slice(0, 6)}@navy.example` });
    const r = await call(A.client, 'post', `/api/v1/leads/${bounce.id}/emails`, { subject: 'Hi', body: 'Hello' });
    const failed = await sent(r.body.id as string);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/refused the message \(550\).*unavailable/);
    expect(failed.conversation_id).toBeNull();

    // A personal account pointing at a closed port: this user's messages go through it.
    const rep = await invite('sales_rep');
    const closed = await startSmtp();
    const closedPort = closed.port;
    await closed.close();
    const own = await call(rep, 'put', '/api/v1/email/account', { host: '127.0.0.1', port: closedPort, security: 'none', username: 'rep', password: 'rep-Password-123', from_address: 'rep@mailing.example' });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    const lead = await newLead(rep);
    const queued = await call(rep, 'post', `/api/v1/leads/${lead.id}/emails`, { subject: 'Hi', body: 'Hello' });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    // Two attempts instead of five keep the test short (the backoff doubles from 2 s).
    await db().updateTable('jobs').set({ max_attempts: 2 }).where('queue', '=', 'mail.send').where(sql<boolean>`payload->>'message_id' = ${queued.body.id}`).execute();
    const down = await until('the message to fail', async () => {
      const m = (await rep.get(`/api/v1/emails/${queued.body.id}`)).body;
      return m.status === 'failed' ? m : undefined;
    }, 60_000);
    expect(down.attempts).toBe(2);
    expect(down.error).toMatch(/refused the connection.*gave up after 2 attempts/);
    expect(JSON.stringify(await db().selectFrom('jobs').select(['last_error', 'payload', 'result']).where('queue', '=', 'mail.send').execute())).not.toContain('rep-Password-123');
  });

  it('sendTemplate (for workflows): the same checks and path, through the organization relay', async () => {
    // The service as the workflows module receives it; the app's worker sends what it queues.
    const email = createEmailService(db(), createLeadsService(db()), { box: createSecretBox(DEVELOPMENT_SECRET_KEY), publicUrl: 'http://127.0.0.1:3000', onEnqueued: () => app().worker?.wake() });
    const template = (await A.client.get('/api/v1/email-templates')).body.data!.find((t: { name: string; id: string }) => t.name === 'Intro')!;
    const lead = await newLead(A.client);
    const queued = await email.sendTemplate({ organizationId: A.organizationId, leadId: lead.id, templateId: template.id, actor: { type: 'workflow', id: '7a3c1c62-5c0e-4d7e-9d55-3f8e2b1a0c11', name: 'Welcome' } });
    const message = await sent(queued.id);
    expect(message.status).toBe('sent');
    expect(receivedFor(lead.email)[0]!.mail.subject).toBe('Hello Grace from');
    const row = await db().selectFrom('email_messages').select(['actor_type', 'sent_by']).where('id', '=', queued.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ actor_type: 'workflow', sent_by: null });
    const audit = await db().selectFrom('audit_log').select(['actor_type', 'details']).where('action', '=', 'email.queue').where('entity_id', '=', lead.id).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_type: 'system', details: { workflow_id: '7a3c1c62-5c0e-4d7e-9d55-3f8e2b1a0c11', email_message_id: queued.id } });
    const dnc = await newLead(A.client, { do_not_contact: true });
    await expect(email.sendTemplate({ organizationId: A.organizationId, leadId: dnc.id, templateId: template.id, actor: A.userId })).rejects.toThrow(/do-not-contact/);
  });

  it("a workflow's send_email action sends the template through the relay when its trigger fires", async () => {
    const template = (await A.client.get('/api/v1/email-templates')).body.data!.find((t: { name: string; id: string }) => t.name === 'Intro')!;
    const wf = await A.client.post('/api/v1/workflows', { name: 'Qualified intro', trigger: { type: 'status_changed', to: 'qualified' }, actions: [{ type: 'send_email', template_id: template.id }] });
    expect(wf.status, JSON.stringify(wf.body)).toBe(201);
    const lead = await newLead(A.client);
    expect((await A.client.patch(`/api/v1/leads/${lead.id}`, { status: 'qualified' })).status).toBe(200);
    const got = await until('the workflow\'s e-mail at the SMTP server', async () => receivedFor(lead.email)[0], 60_000);
    expect(got.mail.subject).toBe('Hello Grace from');
    const row = await db().selectFrom('email_messages').select(['actor_type', 'status']).where('lead_id', '=', lead.id).executeTakeFirstOrThrow();
    expect(row.actor_type).toBe('workflow');
    await A.client.patch(`/api/v1/workflows/${wf.body.id}`, { enabled: false });
  });

  it('keeps tenants apart and roles to their permissions', async () => {
    const lead = await newLead(A.client);
    const template = (await A.client.get('/api/v1/email-templates')).body.data![0]!;
    const message = (await A.client.get(`/api/v1/leads/${lead.id}/emails`)).body.data;
    expect(message).toEqual([]);
    const anyMessage = await db().selectFrom('email_messages').select('id').where('organization_id', '=', A.organizationId).executeTakeFirstOrThrow();
    for (const [method, path, body] of [
      ['post', `/api/v1/leads/${lead.id}/emails`, { subject: 'x', body: 'y' }],
      ['get', `/api/v1/leads/${lead.id}/emails`],
      ['get', `/api/v1/emails/${anyMessage.id}`],
      ['get', `/api/v1/email-templates/${template.id}`],
      ['patch', `/api/v1/email-templates/${template.id}`, { name: 'Stolen' }],
      ['delete', `/api/v1/email-templates/${template.id}`],
      ['post', `/api/v1/email-templates/${template.id}/preview`, {}],
    ] as const) {
      const r = await call(B.client, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    // B's own template cannot be used by A, and B sees none of A's templates.
    expect((await B.client.get('/api/v1/email-templates')).body.data).toEqual([]);
    const bTemplate = await call(B.client, 'post', '/api/v1/email-templates', { name: 'B only', subject: 'x', body_text: 'y' });
    const cross = await call(A.client, 'post', `/api/v1/leads/${lead.id}/emails`, { template_id: bTemplate.body.id });
    expect(cross.status).toBe(422);
    expect((await call(B.client, 'get', '/api/v1/email/relay')).body).toMatchObject({ configured: false, host: null });
    // A password sealed under another LEADAI_SECRET_KEY (here: altered) is refused in words, not with a 500.
    await call(B.client, 'put', '/api/v1/email/relay', { host: '127.0.0.1', port: smtp.port, security: 'none', username: 'relay', password: 'whatever-password', from_address: 'b@other.example' });
    await db().updateTable('email_smtp_accounts').set({ password_sealed: 'v1.AAAA.BBBB.CCCC' }).where('organization_id', '=', B.organizationId).execute();
    const rotated = await call(B.client, 'post', '/api/v1/email/test', { account: 'organization' });
    expect(rotated.status).toBe(422);
    expect(rotated.body.detail).toMatch(/saved SMTP password for 127.0.0.1 cannot be used: .*enter it again/);
    await call(B.client, 'delete', '/api/v1/email/relay');
    // B has no relay: nothing to send with.
    const bLead = await newLead(B.client);
    expect((await call(B.client, 'post', `/api/v1/leads/${bLead.id}/emails`, { subject: 'x', body: 'y' })).body.detail).toMatch(/No SMTP account/);

    const viewer = await invite('viewer');
    const rep = await invite('sales_rep');
    const marketing = await invite('marketing');
    const forbidden = [
      [viewer, 'post', `/api/v1/leads/${lead.id}/emails`, { subject: 'x', body: 'y' }],
      [viewer, 'get', '/api/v1/email-templates'],
      [viewer, 'get', '/api/v1/email/account'],
      [rep, 'post', '/api/v1/email-templates', { name: 'Rep', subject: 'x', body_text: 'y' }],
      [rep, 'put', '/api/v1/email/relay', { host: 'smtp.example', port: 587, security: 'starttls', from_address: 'x@x.example' }],
      [marketing, 'put', '/api/v1/email/relay', { host: 'smtp.example', port: 587, security: 'starttls', from_address: 'x@x.example' }],
      [marketing, 'post', '/api/v1/email/test', { account: 'organization' }],
    ] as const;
    for (const [client, method, path, body] of forbidden) {
      const r = await call(client, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    // A sales rep reads templates (to send them) and sends to their own leads.
    expect((await call(rep, 'get', '/api/v1/email-templates')).status).toBe(200);
    expect((await call(marketing, 'post', '/api/v1/email-templates', { name: 'Campaign', subject: 'Hi {{first_name}}', body_text: 'y' })).status).toBe(201);
  });

  it('deleting the conversation of a sent message deletes its copy (retention of conversations covers sent e-mails)', async () => {
    const lead = await newLead(A.client);
    const r = await call(A.client, 'post', `/api/v1/leads/${lead.id}/emails`, { subject: 'Short-lived', body: 'Hello' });
    const message = await sent(r.body.id as string);
    expect((await A.client.delete(`/api/v1/conversations/${message.conversation_id}`)).status).toBe(204);
    expect((await A.client.get(`/api/v1/emails/${message.id}`)).status).toBe(404);
  });

  it("a privacy erasure takes the person's messages with their lead, and leaves no trace", async () => {
    const lead = await newLead(A.client);
    const r = await call(A.client, 'post', `/api/v1/leads/${lead.id}/emails`, { subject: 'Hello {{first_name}}', body: 'Dear {{first_name}} {{last_name}}' });
    await sent(r.body.id as string);
    const erase = await A.client.post('/api/v1/privacy/requests', { type: 'erasure', lead_id: lead.id });
    expect(erase.status, JSON.stringify(erase.body)).toBe(202);
    const done = await until('the erasure', async () => {
      const req = (await A.client.get(`/api/v1/privacy/requests/${erase.body.id}`)).body;
      return req.status === 'done' || req.status === 'failed' ? req : undefined;
    }, 60_000);
    expect(done.status, JSON.stringify(done)).toBe('done');
    expect(await db().selectFrom('email_messages').select('id').where('lead_id', '=', lead.id).execute()).toEqual([]);
    expect(done.verification.clean, JSON.stringify(done.verification.traces)).toBe(true);
  });

  it('never returns a password in any response', () => {
    expect(responses.length).toBeGreaterThan(30);
    for (const body of responses) {
      expect(body).not.toContain(RELAY_PASSWORD);
      expect(body).not.toContain('rep-Password-123');
      expect(body).not.toContain('password_sealed');
    }
  });
});
