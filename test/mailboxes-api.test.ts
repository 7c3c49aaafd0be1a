import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSecretBox } from '../src/shared/secret-box.ts';
import { Client } from './helpers/api.ts';
import { createTestDatabase, MODE } from './helpers/db.ts';
import { removeDovecot, runImapTests, startDovecot, type Dovecot } from './helpers/dovecot.ts';
import { addUser } from './helpers/mail.ts';
import { until } from './helpers/wait.ts';

/**
 * The mailbox API: connection test in words (refused login, nobody listening, no such
 * folder), credentials never in a response or a log line (the logger is captured), one
 * mailbox per user, tenant isolation, and who may do what.
 */
const PASSWORD = 'Sup3r-secret-IMAP-pw';
const SECRET_KEY = 'mailbox-test-secret-key-0123456789abcdef';
let app: App;
let base = '';
const url = (path: string) => base + path;
let logs = '';
let dovecot: Dovecot;
let org: Awaited<ReturnType<typeof Client.signup>>;
let other: Awaited<ReturnType<typeof Client.signup>>;
let rep: Awaited<ReturnType<typeof addUser>>;

beforeAll(async () => {
  const config = loadConfig({ LEADAI_DEMO: 'off', LEADAI_WORKERS: 'true', LOG_LEVEL: 'debug', LEADAI_CHECK_RESPONSES: 'true', LEADAI_SECRET_KEY: SECRET_KEY });
  const sink = new Writable({ write(chunk, _enc, done) { logs += chunk.toString(); done(); } });
  // The app's own redaction settings are what is under test: same paths, captured output.
  const logger = pino({ level: 'debug', redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.email', '*.secret', '*.pass', '*.accessToken'], censor: '[redacted]' } }, sink);
  app = await createApp(config, logger, { database: await createTestDatabase() });
  base = await app.server.listen({ port: 0, host: '127.0.0.1' });
  org = await Client.signup(url, 'Mailbox API');
  other = await Client.signup(url, 'Elsewhere');
  rep = await addUser(app, url, org.organizationId, 'sales_rep');
  dovecot = await startDovecot([{ user: rep.email, password: PASSWORD }, { user: 'admin-box', password: PASSWORD }]);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await removeDovecot(dovecot);
});

const settings = (over: Record<string, unknown> = {}) => ({ host: dovecot.host, port: dovecot.port, security: 'none', username: rep.email, auth_kind: 'password', secret: PASSWORD, ...over });

function expectProblem(r: { status: number; headers: Headers; body: Record<string, unknown> }, status: number, detail: RegExp) {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(String(r.body.detail)).toMatch(detail);
}

describe.skipIf(!runImapTests)(`mailbox API (${MODE})`, () => {
  it('refuses a connection that does not work, in words', async () => {
    expectProblem(await rep.client.post('/api/v1/mailboxes', settings({ secret: 'wrong password' })), 422, /^The server refused the login: check the user name and password/);
    expectProblem(await rep.client.post('/api/v1/mailboxes', settings({ auth_kind: 'oauth2', secret: 'expired-token' })), 422, /does not offer OAuth2 login \(XOAUTH2 or OAUTHBEARER\): connect with a password/);
    expectProblem(await rep.client.post('/api/v1/mailboxes', settings({ port: 1 })), 422, new RegExp(`Nothing answers at 127\\.0\\.0\\.1:1`));
    expectProblem(await rep.client.post('/api/v1/mailboxes', settings({ folders: ['INBOX', 'Archive 2019'] })), 422, /no folder named "Archive 2019"/);
    for (const bad of [{ port: 70000 }, { host: 'imap example com' }, { security: 'ssl' }, { secret: '' }, { unknown_sender_to: ['not an address'] }]) {
      const r = await rep.client.post('/api/v1/mailboxes', settings(bad));
      expect(r.status, JSON.stringify(bad)).toBeGreaterThanOrEqual(400);
      expect(r.status, JSON.stringify(bad)).toBeLessThan(500);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await rep.client.get('/api/v1/mailboxes')).body.data).toEqual([]);
  });

  it('stores the credential encrypted and never returns or logs it; one mailbox per user', async () => {
    const created = await rep.client.post('/api/v1/mailboxes', settings());
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ user_id: rep.userId, username: rep.email, auth_kind: 'password', folders: ['INBOX'], create_leads_from_unknown: false });
    expect(created.body).not.toHaveProperty('secret');
    expect(created.body).not.toHaveProperty('secret_sealed');
    const row = await app.database.db.selectFrom('mailboxes').select('secret_sealed').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.secret_sealed).not.toContain(PASSWORD);
    expect(createSecretBox(SECRET_KEY).open(row.secret_sealed)).toBe(PASSWORD);
    expectProblem(await rep.client.post('/api/v1/mailboxes', settings()), 409, /already have a mailbox/);

    const synced = await until('first sync', async () => {
      const m = (await rep.client.get(`/api/v1/mailboxes/${id}`)).body;
      return m.state === 'ok' ? m : null;
    }, 60_000);
    expect(synced.last_synced_at).not.toBeNull();

    // The password changes on the server: the next sync fails in words, and says so.
    await dovecot.setPassword(rep.email, 'changed elsewhere');
    const since = Date.now();
    expect((await rep.client.post(`/api/v1/mailboxes/${id}/sync`)).status).toBe(202);
    const failed = await until('the failed sync', async () => {
      const m = (await rep.client.get(`/api/v1/mailboxes/${id}`)).body;
      return m.state === 'error' && Date.parse(m.last_error_at) >= since ? m : null;
    }, 60_000).catch(async (e: unknown) => {
      console.log(JSON.stringify(await app.database.db.selectFrom('jobs').select(['id', 'queue', 'status', 'dedupe_key', 'result', 'run_at', 'last_error']).where('queue', '=', 'mail.sync').execute()), JSON.stringify(await app.database.db.selectFrom('mailboxes').select(['state', 'last_error', 'last_synced_at', 'sync_started_at']).execute()), await dovecot.log());
      throw e;
    });
    expect(failed.last_error).toBe('The server refused the login: check the user name and password.');
    // A PATCH with the wrong password is refused; the right one fixes it and clears the error.
    expectProblem(await rep.client.patch(`/api/v1/mailboxes/${id}`, { secret: 'still wrong' }), 422, /refused the login/);
    const fixed = await rep.client.patch(`/api/v1/mailboxes/${id}`, { secret: 'changed elsewhere' });
    expect(fixed.status).toBe(200);
    expect(fixed.body.last_error).toBeNull();
    await until('the sync after the fix', async () => ((await rep.client.get(`/api/v1/mailboxes/${id}`)).body.state === 'ok' ? true : null), 60_000);

    const everyResponse = JSON.stringify([(await rep.client.get('/api/v1/mailboxes')).body, (await org.client.get('/api/v1/mailboxes')).body, fixed.body, created.body]);
    const plainAuth = (u: string, p: string) => Buffer.from(`\0${u}\0${p}`).toString('base64');
    for (const s of [PASSWORD, 'changed elsewhere', 'still wrong', 'wrong password', plainAuth(rep.email, PASSWORD), plainAuth(rep.email, 'wrong password')]) {
      expect(everyResponse).not.toContain(s);
      expect(logs).not.toContain(s);
    }
    expect(logs).toContain('mailbox sync failed');
  }, 120_000);

  it('keeps mailboxes to their owner and organization; admins see state, viewers nothing', async () => {
    const mine = (await rep.client.get('/api/v1/mailboxes')).body.data[0];
    const id = mine.id as string;
    // Another organization: nothing, not even that it exists.
    expect((await other.client.get('/api/v1/mailboxes')).body.data).toEqual([]);
    for (const r of [
      await other.client.get(`/api/v1/mailboxes/${id}`),
      await other.client.patch(`/api/v1/mailboxes/${id}`, { folders: ['INBOX'] }),
      await other.client.post(`/api/v1/mailboxes/${id}/sync`),
      await other.client.delete(`/api/v1/mailboxes/${id}`),
    ]) expectProblem(r, 404, /No mailbox with this id/);
    // A teammate: not theirs to see.
    const teammate = await addUser(app, url, org.organizationId, 'sales_rep');
    expectProblem(await teammate.client.get(`/api/v1/mailboxes/${id}`), 404, /No mailbox/);
    expectProblem(await teammate.client.patch(`/api/v1/mailboxes/${id}`, { folders: ['INBOX'] }), 404, /No mailbox/);
    // The admin sees every mailbox's state and may sync it, but not change its connection.
    const listed = (await org.client.get('/api/v1/mailboxes')).body.data;
    expect(listed.map((m: { id: string }) => m.id)).toEqual([id]);
    expect(listed[0].user_email).toBe(rep.email);
    expect((await org.client.get(`/api/v1/mailboxes/${id}`)).status).toBe(200);
    expect((await org.client.post(`/api/v1/mailboxes/${id}/sync`)).status).toBe(202);
    expectProblem(await org.client.patch(`/api/v1/mailboxes/${id}`, { host: 'evil.example' }), 403, /Only the mailbox's owner/);
    // Viewers have no mailbox; marketing has one but may not create leads from it.
    const viewer = await addUser(app, url, org.organizationId, 'viewer');
    expectProblem(await viewer.client.get('/api/v1/mailboxes'), 403, /viewer\) may not manage their own mailbox connections/);
    expectProblem(await viewer.client.post('/api/v1/mailboxes', settings({ username: 'admin-box' })), 403, /may not/);
    expectProblem(await viewer.client.get(`/api/v1/mailboxes/${id}`), 403, /may not/);
    const marketing = await addUser(app, url, org.organizationId, 'marketing');
    expectProblem(await marketing.client.post('/api/v1/mailboxes', settings({ username: 'admin-box', create_leads_from_unknown: true })), 403, /may not create leads/);
    // Disconnecting: gone, and its jobs find nothing to do.
    expect((await rep.client.delete(`/api/v1/mailboxes/${id}`)).status).toBe(204);
    expectProblem(await rep.client.get(`/api/v1/mailboxes/${id}`), 404, /No mailbox/);
  }, 60_000);
});
