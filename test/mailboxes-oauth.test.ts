import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSecretBox } from '../src/shared/secret-box.ts';
import { Client } from './helpers/api.ts';
import { createTestDatabase, MODE } from './helpers/db.ts';
import { removeDovecot, runImapTests, startDovecot, type Dovecot } from './helpers/dovecot.ts';
import { addUser, appendMail, rawMail } from './helpers/mail.ts';
import { until } from './helpers/wait.ts';

/**
 * A mailbox connected with an OAuth2 access token, against a real Dovecot whose oauth2 passdb
 * asks a real introspection endpoint (RFC 7662, on loopback) about every token: the product's
 * OAUTHBEARER and XOAUTH2 logins succeed and sync a lead's mail; a wrong token, another
 * person's token and a token that expires later are refused in words; the token is never in a
 * response or a log line (the logger is captured).
 */
const PASSWORD = 'imap fill password 7';
const SECRET_KEY = 'mailbox-oauth-secret-key-0123456789abcdef';
const LEAD = 'olivia@customer.example';
const token = (kind: string) => `ya29.${kind}-${randomUUID()}`;
const GOOD = token('good');
const RENEWED = token('renewed');
const REP2_TOKEN = token('rep2');
const WRONG = token('wrong');
const SOMEONE_ELSES = token('someone-else');
const REFUSED_IN_WORDS = 'The server refused the login: check the user name and the access token (OAuth2 access tokens expire; get a new one).';

let app: App;
let base = '';
const url = (path: string) => base + path;
let logs = '';
let org: Awaited<ReturnType<typeof Client.signup>>;
let rep: Awaited<ReturnType<typeof addUser>>;
let rep2: Awaited<ReturnType<typeof addUser>>;
let dovecot: Dovecot;
let xoauth2Only: Dovecot;
let introspection: Server;
/** Token → whose it is, as the identity provider knows it; absent = never issued or expired. */
const issued = new Map<string, string>();
/** Every token Dovecot asked about, in order: proof the login went through the real passdb. */
const asked: string[] = [];
const responses: unknown[] = [];

async function startIntrospection(): Promise<string> {
  introspection = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      const t = new URLSearchParams(body).get('token') ?? '';
      asked.push(t);
      const user = req.method === 'POST' && req.url === '/introspect' ? issued.get(t) : undefined;
      res.setHeader('content-type', 'application/json');
      // RFC 7662: an unknown or expired token is simply not active.
      res.end(JSON.stringify(user ? { active: true, username: user, scope: 'https://mail.example/imap', token_type: 'Bearer' } : { active: false }));
    });
  });
  await new Promise<void>((resolve) => introspection.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(introspection.address() as { port: number }).port}/introspect`;
}

/** Every response body the test saw, so the token can be looked for in all of them at the end. */
async function seen<T extends { body: unknown }>(r: Promise<T>): Promise<T> {
  const result = await r;
  responses.push(result.body);
  return result;
}

beforeAll(async () => {
  const config = loadConfig({ LEADAI_DEMO: 'off', LEADAI_WORKERS: 'true', LOG_LEVEL: 'debug', LEADAI_CHECK_RESPONSES: 'true', LEADAI_SECRET_KEY: SECRET_KEY });
  const sink = new Writable({ write(chunk, _enc, done) { logs += chunk.toString(); done(); } });
  // The app's own redaction settings (src/shared/logger.ts), captured output.
  const logger = pino({ level: 'debug', redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', '*.password', '*.email', '*.secret', '*.pass', '*.accessToken', 'res.headers["set-cookie"]'], censor: '[redacted]' } }, sink);
  app = await createApp(config, logger, { database: await createTestDatabase() });
  base = await app.server.listen({ port: 0, host: '127.0.0.1' });
  org = await Client.signup(url, 'Mailbox OAuth');
  rep = await addUser(app, url, org.organizationId, 'sales_rep');
  rep2 = await addUser(app, url, org.organizationId, 'sales_rep');
  issued.set(GOOD, rep.email);
  issued.set(REP2_TOKEN, rep2.email);
  issued.set(SOMEONE_ELSES, rep2.email);
  const introspectionUrl = await startIntrospection();
  const users = [{ user: rep.email, password: PASSWORD }, { user: rep2.email, password: PASSWORD }];
  dovecot = await startDovecot(users, { oauth2: { introspectionUrl }, quickRefusals: true });
  xoauth2Only = await startDovecot(users, { oauth2: { introspectionUrl, mechanisms: ['xoauth2'] }, quickRefusals: true });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await removeDovecot(dovecot);
  await removeDovecot(xoauth2Only);
  await new Promise((resolve) => (introspection ? introspection.close(resolve) : resolve(undefined)));
});

const settings = (d: Dovecot, over: Record<string, unknown> = {}) => ({ host: d.host, port: d.port, security: 'none', username: rep.email, auth_kind: 'oauth2', secret: GOOD, ...over });

function expectProblem(r: { status: number; headers: Headers; body: Record<string, unknown> }, status: number, detail: string | RegExp) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  if (typeof detail === 'string') expect(r.body.detail).toBe(detail);
  else expect(String(r.body.detail)).toMatch(detail);
}

async function syncedAfter(client: Client, id: string, since: number) {
  return until(`mailbox ${id} synced`, async () => {
    const m = (await seen(client.get(`/api/v1/mailboxes/${id}`))).body;
    const at = m.state === 'ok' ? Date.parse(m.last_synced_at) : m.state === 'error' ? Date.parse(m.last_error_at) : 0;
    return at >= since && m.state !== 'syncing' ? m : null;
  }, 60_000);
}

async function emailsOf(leadId: string) {
  return app.database.db.selectFrom('conversations').selectAll().where('lead_id', '=', leadId).where('channel', '=', 'email').orderBy('created_at').execute();
}

describe.skipIf(!runImapTests)(`mailbox with an OAuth2 access token (${MODE})`, () => {
  it('refuses a wrong token and another person\'s token, in words, and stores nothing', async () => {
    expectProblem(await seen(rep.client.post('/api/v1/mailboxes', settings(dovecot, { secret: WRONG }))), 422, REFUSED_IN_WORDS);
    // A live token, but issued to someone else: Dovecot requires the introspected name to be the login's.
    expectProblem(await seen(rep.client.post('/api/v1/mailboxes', settings(dovecot, { secret: SOMEONE_ELSES }))), 422, REFUSED_IN_WORDS);
    // Dovecot really asked the identity provider (the refusal is not the "no OAuth2 offered" one).
    expect(asked).toEqual(expect.arrayContaining([WRONG, SOMEONE_ELSES]));
    expect((await seen(rep.client.get('/api/v1/mailboxes'))).body.data).toEqual([]);
  }, 60_000);

  it('logs in with OAUTHBEARER, syncs a lead\'s mail, and says so when the token expires', async () => {
    const lead = (await seen(org.client.post('/api/v1/leads', { first_name: 'Olivia', last_name: 'Oauth', email: LEAD }))).body;
    // Filled the way a mail client would, with the password passdb.
    await appendMail(dovecot, rep.email, PASSWORD, 'INBOX', [
      rawMail({ from: `Olivia Oauth <${LEAD}>`, to: rep.email, subject: 'Demo next week?', id: '<o1@customer.example>', date: 'Mon, 07 Dec 2026 09:30:00 +0000' }, 'Could we see a demo on Tuesday?'),
    ]);

    const since = Date.now();
    const created = await seen(rep.client.post('/api/v1/mailboxes', settings(dovecot)));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ user_id: rep.userId, username: rep.email, auth_kind: 'oauth2', folders: ['INBOX'] });
    expect(created.body).not.toHaveProperty('secret');
    const id = created.body.id as string;
    const row = await app.database.db.selectFrom('mailboxes').select('secret_sealed').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(GOOD);
    expect(createSecretBox(SECRET_KEY).open(row.secret_sealed)).toBe(GOOD);

    const box = await syncedAfter(rep.client, id, since);
    expect(box.state).toBe('ok');
    expect(box.last_error).toBeNull();
    const mails = await emailsOf(lead.id);
    expect(mails.map((m) => [m.external_id, m.subject, m.direction])).toEqual([['<o1@customer.example>', 'Demo next week?', 'inbound']]);
    expect(mails[0]!.content).toContain('Could we see a demo on Tuesday?');
    expect(asked).toContain(GOOD);
    expect(await dovecot.log()).toContain(`Login: user=<${rep.email}>, method=OAUTHBEARER`);

    // The token expires at the identity provider: the next sync fails, in words.
    issued.delete(GOOD);
    const failedSince = Date.now();
    expect((await seen(rep.client.post(`/api/v1/mailboxes/${id}/sync`))).status).toBe(202);
    const failed = await until('the sync with the expired token', async () => {
      const m = (await seen(rep.client.get(`/api/v1/mailboxes/${id}`))).body;
      return m.state === 'error' && Date.parse(m.last_error_at) >= failedSince ? m : null;
    }, 60_000);
    expect(failed.last_error).toBe(REFUSED_IN_WORDS);
    // An expired token is refused on PATCH too; a renewed one fixes the connection and the next mail arrives.
    expectProblem(await seen(rep.client.patch(`/api/v1/mailboxes/${id}`, { secret: GOOD })), 422, REFUSED_IN_WORDS);
    issued.set(RENEWED, rep.email);
    await appendMail(dovecot, rep.email, PASSWORD, 'INBOX', [
      rawMail({ from: `Olivia Oauth <${LEAD}>`, to: rep.email, subject: 'Re: Demo next week?', id: '<o2@customer.example>', inReplyTo: '<o1@customer.example>', references: '<o1@customer.example>' }, 'Tuesday 10:00 works.'),
    ]);
    const fixedSince = Date.now();
    const fixed = await seen(rep.client.patch(`/api/v1/mailboxes/${id}`, { secret: RENEWED }));
    expect(fixed.status).toBe(200);
    expect(fixed.body.last_error).toBeNull();
    expect((await syncedAfter(rep.client, id, fixedSince)).state).toBe('ok');
    await until('the second mail', async () => ((await emailsOf(lead.id)).length === 2 ? true : null), 60_000);
    expect(new Set((await emailsOf(lead.id)).map((m) => m.thread_id))).toEqual(new Set(['<o1@customer.example>']));
  }, 120_000);

  it('logs in with XOAUTH2 where that is all the server offers', async () => {
    const since = Date.now();
    const created = await seen(rep2.client.post('/api/v1/mailboxes', settings(xoauth2Only, { username: rep2.email, secret: REP2_TOKEN })));
    expect(created.status).toBe(201);
    const box = await syncedAfter(rep2.client, created.body.id, since);
    expect(box.state).toBe('ok');
    expect(await xoauth2Only.log()).toContain(`Login: user=<${rep2.email}>, method=XOAUTH2`);
    expect(await xoauth2Only.log()).not.toContain('method=OAUTHBEARER');
  }, 60_000);

  it('never returns or logs a token', async () => {
    responses.push((await rep.client.get('/api/v1/mailboxes')).body, (await org.client.get('/api/v1/mailboxes')).body, (await rep2.client.get('/api/v1/mailboxes')).body);
    const everyResponse = JSON.stringify(responses);
    // Also the SASL payloads that carry them, as imapflow sends them (OAUTHBEARER and XOAUTH2).
    const payloads = [GOOD, RENEWED].map((t) => Buffer.from(`n,a=${rep.email},\x01host=${dovecot.host}\x01port=${dovecot.port}\x01auth=Bearer ${t}\x01\x01`).toString('base64'))
      .concat(Buffer.from(`user=${rep2.email}\x01auth=Bearer ${REP2_TOKEN}\x01\x01`).toString('base64'));
    for (const s of [GOOD, RENEWED, REP2_TOKEN, WRONG, SOMEONE_ELSES, ...payloads]) {
      expect(everyResponse).not.toContain(s);
      expect(logs).not.toContain(s);
    }
    // The log was captured for real: the failed sync is in it.
    expect(logs).toContain('mailbox sync failed');
  });
});
