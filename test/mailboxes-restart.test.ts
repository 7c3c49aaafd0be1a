import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer, Client } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { removeDovecot, runImapTests, startDovecot, type Dovecot } from './helpers/dovecot.ts';
import { addUser, appendMail, rawMail } from './helpers/mail.ts';
import { until } from './helpers/wait.ts';

/**
 * The IMAP server goes away in the middle of a sync: the sync fails in words, keeps what it
 * had read, and the next sync after the server is back finishes without losing or doubling
 * anything. Then IDLE: new mail shows up without anyone pressing Sync.
 */
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
const PASSWORD = 'restart pw';
const LEAD = 'rita@customer.example';
const COUNT = 120;
let dovecot: Dovecot;
let org: Awaited<ReturnType<typeof Client.signup>>;
let rep: Awaited<ReturnType<typeof addUser>>;

beforeAll(async () => {
  org = await Client.signup(url, 'Mail Restart');
  rep = await addUser(app(), url, org.organizationId, 'sales_rep');
  dovecot = await startDovecot([{ user: rep.email, password: PASSWORD }]);
}, 60_000);
afterAll(async () => removeDovecot(dovecot));

describe.skipIf(!runImapTests)(`IMAP server restart and IDLE (${MODE})`, () => {
  it('fails in words mid-sync, then recovers without losing or doubling a message', async () => {
    const db = app().database.db;
    const lead = (await org.client.post('/api/v1/leads', { first_name: 'Rita', last_name: 'Restart', email: LEAD })).body;
    const count = async () => Number((await db.selectFrom('conversations').select((eb) => eb.fn.countAll().as('n')).where('lead_id', '=', lead.id).executeTakeFirstOrThrow()).n);
    await appendMail(dovecot, rep.email, PASSWORD, 'INBOX', Array.from({ length: COUNT }, (_, i) =>
      rawMail({ from: `Rita Restart <${LEAD}>`, to: rep.email, subject: `Order question ${i + 1}`, id: `<order-${i + 1}@customer.example>` }, `Question number ${i + 1} about our order.`)));

    const created = await rep.client.post('/api/v1/mailboxes', { host: dovecot.host, port: dovecot.port, security: 'none', username: rep.email, auth_kind: 'password', secret: PASSWORD });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // Some messages are in, not all: the server dies (every process at once, like a crash).
    const partial = await until('the sync under way', async () => {
      const n = await count();
      return n >= 3 ? n : null;
    }, 60_000);
    await dovecot.stop();
    expect(partial).toBeLessThan(COUNT);
    const failed = await until('the sync failing', async () => {
      const m = (await rep.client.get(`/api/v1/mailboxes/${id}`)).body;
      return m.state === 'error' ? m : null;
    }, 60_000);
    expect(failed.last_error).toMatch(/^(The connection to 127\.0\.0\.1:\d+ was lost \(the server may be restarting\)|Nothing answers at 127\.0\.0\.1:\d+)/);
    const kept = await count();
    expect(kept).toBeGreaterThanOrEqual(partial);
    expect(kept).toBeLessThan(COUNT);
    const checkpoint = (await db.selectFrom('mailboxes').select('folder_state').where('id', '=', id).executeTakeFirstOrThrow()).folder_state as Record<string, { last_uid: number }>;
    expect(checkpoint.INBOX?.last_uid ?? 0).toBeLessThanOrEqual(kept);

    // Still down: Sync now says so in words.
    const down = Date.now();
    await rep.client.post(`/api/v1/mailboxes/${id}/sync`);
    const refused = await until('the sync refused', async () => {
      const m = (await rep.client.get(`/api/v1/mailboxes/${id}`)).body;
      return m.state === 'error' && Date.parse(m.last_error_at) >= down ? m : null;
    }, 60_000);
    expect(refused.last_error).toMatch(/^Nothing answers at 127\.0\.0\.1:\d+: check the host and port, or whether the mail server is running\.$/);

    await dovecot.start();
    const back = Date.now();
    await rep.client.post(`/api/v1/mailboxes/${id}/sync`);
    const ok = await until('the sync after the restart', async () => {
      const m = (await rep.client.get(`/api/v1/mailboxes/${id}`)).body;
      return m.state === 'ok' && Date.parse(m.last_synced_at) >= back ? m : null;
    }, 60_000);
    expect(ok.last_error).toBeNull();
    expect(await count()).toBe(COUNT);
    const ids = (await db.selectFrom('conversations').select('external_id').where('lead_id', '=', lead.id).execute()).map((r) => r.external_id);
    expect(new Set(ids).size).toBe(COUNT);
  }, 180_000);

  it('queues a sync when IDLE announces new mail', async () => {
    const db = app().database.db;
    const box = (await rep.client.get('/api/v1/mailboxes')).body.data[0];
    // The watcher reconnects at its next look at the table (every 30 s) after the restart.
    await until('the IDLE connection', async () => {
      await app().mailWatcher!.refresh();
      return app().mailWatcher!.watching().includes(box.id);
    }, 60_000);
    await appendMail(dovecot, rep.email, PASSWORD, 'INBOX', [
      rawMail({ from: `Rita Restart <${LEAD}>`, to: rep.email, subject: 'Urgent: one more thing', id: '<idle-1@customer.example>' }, 'Can we talk today?'),
    ]);
    // No Sync now and the catch-up is minutes away: only IDLE can bring it in.
    const row = await until('the message brought in by IDLE', () => db.selectFrom('conversations').select(['subject', 'direction']).where('external_id', '=', '<idle-1@customer.example>').executeTakeFirst(), 60_000);
    expect(row).toEqual({ subject: 'Urgent: one more thing', direction: 'inbound' });
  }, 120_000);
});
