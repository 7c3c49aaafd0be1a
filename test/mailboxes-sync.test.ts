import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useServer, Client } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { removeDovecot, runImapTests, startDovecot, type Dovecot } from './helpers/dovecot.ts';
import { addUser, appendMail, rawMail } from './helpers/mail.ts';
import { until } from './helpers/wait.ts';
import { tombstoneHashes } from '../src/modules/privacy/privacy.tombstones.ts';

/**
 * IMAP sync against a real Dovecot on loopback, filled over APPEND: threading, direction,
 * dedupe (re-sync, a new UIDVALIDITY, two teammates holding the same message), HTML-only and
 * quoted text, attachments, unknown senders with and without the rule, personal mail and an
 * erased person never stored, a do-not-contact lead's mail recorded.
 */
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
const PASSWORD = 'imap secret 1';
let dovecot: Dovecot;
let org: Awaited<ReturnType<typeof Client.signup>>;
let rep1: Awaited<ReturnType<typeof addUser>>;
let rep2: Awaited<ReturnType<typeof addUser>>;
const LEAD = 'lena@customer.example';
const DNC = 'dana@customer.example';
const ERASED = 'erased@gone.example';
const CAMPAIGN = 'spring@corp.example';

const m1 = (to: string) => rawMail({ from: `Lena Lead <${LEAD}>`, to, subject: 'Pricing question', id: '<m1@customer.example>', date: 'Mon, 07 Dec 2026 09:00:00 +0000' },
  'Hi, what does the Pro plan cost for 20 seats? We need it before Friday.\n\nBest regards,\nLena Lead\nCustomer GmbH');

async function mailbox(client: Client, id: string) {
  return (await client.get(`/api/v1/mailboxes/${id}`)).body;
}

async function syncedAfter(client: Client, id: string, since: number) {
  return until(`mailbox ${id} synced`, async () => {
    const m = await mailbox(client, id);
    const at = m.state === 'ok' ? Date.parse(m.last_synced_at) : m.state === 'error' ? Date.parse(m.last_error_at) : 0;
    return at >= since && m.state !== 'syncing' ? m : null;
  }, 60_000);
}

async function emailsOf(leadId: string) {
  return app().database.db.selectFrom('conversations').selectAll().where('lead_id', '=', leadId).where('channel', '=', 'email').orderBy('created_at').execute();
}

beforeAll(async () => {
  org = await Client.signup(url, 'Mail Sync');
  rep1 = await addUser(app(), url, org.organizationId, 'sales_rep');
  rep2 = await addUser(app(), url, org.organizationId, 'sales_rep');
  dovecot = await startDovecot([{ user: rep1.email, password: PASSWORD }, { user: rep2.email, password: PASSWORD }]);
}, 60_000);
afterAll(async () => removeDovecot(dovecot));

describe.skipIf(!runImapTests)(`IMAP sync (${MODE})`, () => {
  it('turns a seeded mailbox into threaded conversations of leads, and nothing else', async () => {
    const db = app().database.db;
    const lead = (await org.client.post('/api/v1/leads', { first_name: 'Lena', last_name: 'Lead', email: LEAD })).body;
    const dnc = (await org.client.post('/api/v1/leads', { first_name: 'Dana', last_name: 'Nope', email: DNC })).body;
    await db.updateTable('leads').set({ do_not_contact: true }).where('id', '=', dnc.id).execute();
    for (const t of tombstoneHashes({ email: ERASED })) await db.insertInto('privacy_tombstones').values({ organization_id: org.organizationId, kind: t.kind, hash: t.hash }).execute();

    const html = '<html><body><p>Thanks! <b>Attached</b> is our <a href="https://x.example/track">signed</a> quote.</p><img src="cid:logo"></body></html>';
    const boundary = 'b0undary';
    const withAttachment = [
      `--${boundary}`, 'Content-Type: text/html; charset=utf-8', '', html,
      `--${boundary}`, 'Content-Type: application/pdf; name="quote.pdf"', 'Content-Disposition: attachment; filename="quote.pdf"', 'Content-Transfer-Encoding: base64', '',
      Buffer.alloc(3000, 7).toString('base64').replace(/.{76}/g, '$&\n'),
      `--${boundary}--`, '',
    ].join('\n');
    await appendMail(dovecot, rep1.email, PASSWORD, 'INBOX', [
      m1(rep1.email),
      rawMail({ from: `Lena Lead <${LEAD}>`, to: rep1.email, subject: 'Re: Pricing question', id: '<m3@customer.example>', inReplyTo: '<m2@corp.example>', references: '<m1@customer.example> <m2@corp.example>', date: 'Mon, 07 Dec 2026 11:00:00 +0000' },
        withAttachment, `multipart/mixed; boundary="${boundary}"`),
      rawMail({ from: 'Sam Friend <sam@personal.example>', to: rep1.email, subject: 'Dinner on Saturday', id: '<p1@personal.example>' }, 'Shall we meet at eight?'),
      rawMail({ from: `Erased <${ERASED}>`, to: rep1.email, cc: LEAD, subject: 'About my data', id: '<e1@gone.example>' }, 'Please call me.'),
      rawMail({ from: 'Una Known <una@prospect.example>', to: CAMPAIGN, cc: rep1.email, subject: 'Interested in the spring offer', id: '<u1@prospect.example>' }, 'Tell me more.'),
      rawMail({ from: `Dana Nope <${DNC}>`, to: rep1.email, subject: 'Stop e-mailing me', id: '<d1@customer.example>' }, 'Please remove me from your list.'),
    ]);
    await appendMail(dovecot, rep1.email, PASSWORD, 'Sent', [
      rawMail({ from: rep1.email, to: `Lena Lead <${LEAD}>`, subject: 'Re: Pricing question', id: '<m2@corp.example>', inReplyTo: '<m1@customer.example>', references: '<m1@customer.example>', date: 'Mon, 07 Dec 2026 10:00:00 +0000' },
        'It is 20 EUR per seat and month.\n\nOn Mon, 7 Dec 2026 at 09:00, Lena Lead <lena@customer.example> wrote:\n> Hi, what does the Pro plan cost for 20 seats?\n> We need it before Friday.'),
    ]);

    const since = Date.now();
    const created = await rep1.client.post('/api/v1/mailboxes', { host: dovecot.host, port: dovecot.port, security: 'none', username: rep1.email, auth_kind: 'password', secret: PASSWORD, folders: ['INBOX', 'Sent'] });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(PASSWORD);
    const box = await syncedAfter(rep1.client, created.body.id, since);
    expect(box.state).toBe('ok');
    expect(box.last_error).toBeNull();

    const mails = await emailsOf(lead.id);
    expect(mails.map((m) => m.external_id)).toEqual(['<m1@customer.example>', '<m2@corp.example>', '<m3@customer.example>']);
    // One thread, rooted at the first message; direction from the mailbox owner's side.
    expect(new Set(mails.map((m) => m.thread_id))).toEqual(new Set(['<m1@customer.example>']));
    expect(mails.map((m) => m.direction)).toEqual(['inbound', 'outbound', 'inbound']);
    // Quoted history located by the analysis's own splitter; the reply itself kept whole.
    const reply = mails[1]!;
    const quoted = (reply.metadata as { quoted: { start: number; end: number }[] }).quoted;
    expect(quoted.length).toBeGreaterThan(0);
    expect(reply.content.slice(quoted[0]!.start)).toContain('> Hi, what does the Pro plan cost');
    expect(reply.content.slice(0, quoted[0]!.start)).toContain('20 EUR per seat');
    expect((mails[0]!.metadata as { signature: unknown }).signature).not.toBeNull();
    // HTML-only: text without tags or tracking URLs; the attachment by name and size only.
    const htmlMail = mails[2]!;
    expect(htmlMail.content).toContain('Thanks! Attached is our signed quote.');
    expect(htmlMail.content).not.toMatch(/<b>|https:\/\/x\.example/);
    expect((htmlMail.metadata as { attachments: unknown[] }).attachments).toEqual([{ name: 'quote.pdf', size: 3000, content_type: 'application/pdf' }]);
    expect(JSON.stringify(htmlMail)).not.toContain(Buffer.alloc(60, 7).toString('base64'));
    expect(mails[0]!.created_at.toISOString()).toBe('2026-12-07T09:00:00.000Z');

    // The do-not-contact lead's own words are recorded.
    expect((await emailsOf(dnc.id)).map((m) => m.subject)).toEqual(['Stop e-mailing me']);
    // Personal mail, the erased person (even copying a lead) and an unknown sender without the rule: nothing stored, no lead.
    const everything = JSON.stringify(await db.selectFrom('conversations').selectAll().where('organization_id', '=', org.organizationId).execute());
    for (const absent of ['Dinner on Saturday', 'sam@personal.example', 'About my data', ERASED, 'una@prospect.example', 'Interested in the spring offer']) expect(everything).not.toContain(absent);
    const leadEmails = (await db.selectFrom('leads').select('email').where('organization_id', '=', org.organizationId).execute()).map((l) => l.email);
    expect(leadEmails.sort()).toEqual([DNC, LEAD]);
    expect(box.messages_stored).toBe(4);

    // Analysed and rescored like any conversation.
    await until('the synced mail analysed', async () => (await emailsOf(lead.id)).every((m) => m.analyzed_at !== null), 60_000);

    // Re-sync from scratch (a new UIDVALIDITY): everything read again, nothing stored twice.
    await db.updateTable('mailboxes').set({ folder_state: JSON.stringify({ INBOX: { uidvalidity: '1', last_uid: 999 }, Sent: { uidvalidity: '1', last_uid: 999 } }) }).where('id', '=', box.id).execute();
    const again = Date.now();
    expect((await rep1.client.post(`/api/v1/mailboxes/${box.id}/sync`)).status).toBe(202);
    const resynced = await syncedAfter(rep1.client, box.id, again);
    expect(resynced.state).toBe('ok');
    expect((await emailsOf(lead.id)).length).toBe(3);
    const state = (await db.selectFrom('mailboxes').select('folder_state').where('id', '=', box.id).executeTakeFirstOrThrow()).folder_state as Record<string, { uidvalidity: string; last_uid: number }>;
    expect(state.INBOX!.uidvalidity).not.toBe('1');
    expect(state.INBOX!.last_uid).toBe(6);

    // A teammate's mailbox holding the same message: still one conversation for the lead.
    await appendMail(dovecot, rep2.email, PASSWORD, 'INBOX', [m1(`${rep1.email}, ${rep2.email}`)]);
    const second = Date.now();
    const other = await rep2.client.post('/api/v1/mailboxes', { host: dovecot.host, port: dovecot.port, security: 'none', username: rep2.email, auth_kind: 'password', secret: PASSWORD });
    expect(other.status).toBe(201);
    expect((await syncedAfter(rep2.client, other.body.id, second)).state).toBe('ok');
    expect((await emailsOf(lead.id)).filter((m) => m.external_id === '<m1@customer.example>')).toHaveLength(1);
    // The API refuses to record the same e-mail for the lead again, in words (the unique key, not a 500).
    const dup = await org.client.post(`/api/v1/leads/${lead.id}/conversations`, { direction: 'inbound', channel: 'email', content: 'again', external_id: '<m1@customer.example>' });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toMatch(/already has an e-mail with this external_id/);
  }, 120_000);

  it('creates a lead from an unknown sender only when the rule is on and the mail went to the campaign address', async () => {
    const db = app().database.db;
    const box = (await rep1.client.get('/api/v1/mailboxes')).body.data[0];
    const on = await rep1.client.patch(`/api/v1/mailboxes/${box.id}`, { create_leads_from_unknown: true, unknown_sender_to: [CAMPAIGN.toUpperCase()] });
    expect(on.status).toBe(200);
    expect(on.body.unknown_sender_to).toEqual([CAMPAIGN]);
    await appendMail(dovecot, rep1.email, PASSWORD, 'INBOX', [
      rawMail({ from: 'Victor Vale <victor@prospect.example>', to: CAMPAIGN, subject: 'Spring offer: yes please', id: '<v1@prospect.example>' }, 'We would like a demo next week.'),
      rawMail({ from: 'Wendy Walk <wendy@elsewhere.example>', to: rep1.email, subject: 'Random hello', id: '<w1@elsewhere.example>' }, 'Hello there.'),
      rawMail({ from: `Erased <${ERASED}>`, to: CAMPAIGN, subject: 'Back again', id: '<e2@gone.example>' }, 'Hi again.'),
    ]);
    const since = Date.now();
    await rep1.client.post(`/api/v1/mailboxes/${box.id}/sync`);
    await syncedAfter(rep1.client, box.id, since);
    const victor = await until('the lead from the campaign reply', () => db.selectFrom('leads').selectAll().where('organization_id', '=', org.organizationId).where('email', '=', 'victor@prospect.example').executeTakeFirst(), 60_000);
    expect([victor.first_name, victor.last_name, victor.source]).toEqual(['Victor', 'Vale', 'email']);
    expect((await emailsOf(victor.id)).map((m) => [m.subject, m.direction])).toEqual([['Spring offer: yes please', 'inbound']]);
    const emails = (await db.selectFrom('leads').select('email').where('organization_id', '=', org.organizationId).execute()).map((l) => l.email);
    expect(emails).not.toContain('wendy@elsewhere.example');
    expect(emails).not.toContain(ERASED);
    const everything = JSON.stringify(await db.selectFrom('conversations').selectAll().where('organization_id', '=', org.organizationId).execute());
    expect(everything).not.toContain('Random hello');
    expect(everything).not.toContain('Back again');
    // The lead page's timeline shows the synced thread.
    const timeline = await org.client.get(`/api/v1/leads/${victor.id}/timeline`);
    expect(timeline.status).toBe(200);
    expect(JSON.stringify(timeline.body)).toContain('Spring offer: yes please');
  }, 90_000);
});
