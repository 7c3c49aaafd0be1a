import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { removeDovecot, runImapTests, startDovecot, type Dovecot } from './helpers/dovecot.ts';
import { appendMail, rawMail } from './helpers/mail.ts';
import { until } from './helpers/wait.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

describe.skipIf(!hasChromium || !runImapTests)(`web app: Settings › Mailbox and synced e-mail on the lead page in Chromium (${MODE})`, () => {
  const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  const PASSWORD = 'web imap pw';
  let browser: Browser;
  let dovecot: Dovecot;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let rep: Awaited<ReturnType<typeof inviteUser>>;
  let leadId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Mailbox Web');
    rep = await inviteUser(owner.client, url, 'sales_rep', 'Rita Rep');
    leadId = (await owner.client.post('/api/v1/leads', { first_name: 'Lena', last_name: 'Lead', email: 'lena@customer.example', company: 'Customer GmbH', assigned_to: rep.userId })).body.id;
    dovecot = await startDovecot([{ user: rep.email, password: PASSWORD }]);
    const b = 'xyz';
    await appendMail(dovecot, rep.email, PASSWORD, 'INBOX', [
      rawMail({ from: 'Lena Lead <lena@customer.example>', to: rep.email, subject: 'Signed quote attached', id: '<q1@customer.example>', references: '<q0@corp.example>' },
        [`--${b}`, 'Content-Type: text/plain; charset=utf-8', '', 'Here is the signed quote. When can we start?', `--${b}`,
          'Content-Type: application/pdf; name="signed-quote.pdf"', 'Content-Disposition: attachment; filename="signed-quote.pdf"', 'Content-Transfer-Encoding: base64', '',
          Buffer.alloc(2048, 1).toString('base64').replace(/.{76}/g, '$&\n'), `--${b}--`, ''].join('\n'), `multipart/mixed; boundary="${b}"`),
      rawMail({ from: 'A Friend <friend@personal.example>', to: rep.email, subject: 'Weekend plans', id: '<f1@personal.example>' }, 'Hiking?'),
    ]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await removeDovecot(dovecot);
  });

  it.each([1440, 390])('connects, shows the sync state and the synced thread at %i px', async (width) => {
    const web = await openWebPage(browser, { width, height: 900 });
    const { page } = web;
    await signIn(web, url(''), rep.email);
    await page.goto(url('/settings/mailbox'));
    const form = page.getByRole('form', { name: 'Connect a mailbox' });
    await form.waitFor();
    await page.getByText('No mailbox connected').waitFor();
    await web.screenshot(`settings-mailbox-empty-${width}`);
    await form.getByLabel('IMAP server').fill(dovecot.host);
    await form.getByLabel('Security').selectOption('none');
    await form.getByLabel('Port').fill(String(dovecot.port));
    await form.getByLabel('User name').fill(rep.email);
    // A wrong password: refused in words, nothing saved.
    await form.getByLabel('Password').fill('not the password');
    await form.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('alert').filter({ hasText: 'The server refused the login: check the user name and password.' }).waitFor();
    await web.screenshot(`settings-mailbox-refused-${width}`);
    await form.getByLabel('Password').fill(PASSWORD);
    await form.getByRole('button', { name: 'Connect' }).click();
    const status = page.getByRole('status').filter({ hasText: /^Synced / });
    await status.waitFor({ timeout: 60_000 });
    await page.getByText('Connected', { exact: true }).waitFor();
    // One e-mail recorded: the lead's, not the friend's; at the second width it is already stored (dedupe), so none.
    await expect(page.locator('dd').filter({ hasText: width === 1440 ? /^1$/ : /^0$/ }).count()).resolves.toBe(1);

    // The unknown-sender rule.
    const rule = page.getByRole('form', { name: 'Unknown senders' });
    await rule.getByLabel('Create leads from unknown senders').check();
    await rule.getByLabel('Only for mail sent to').fill('spring@corp.example');
    await rule.getByRole('button', { name: 'Save rule' }).click();
    await until('the rule saved', async () => {
      const m = (await rep.client.get('/api/v1/mailboxes')).body.data[0];
      return m?.create_leads_from_unknown === true && m.unknown_sender_to[0] === 'spring@corp.example';
    });
    await page.getByRole('button', { name: 'Sync now' }).click();
    await status.waitFor({ timeout: 60_000 });
    await web.screenshot(`settings-mailbox-connected-${width}`);

    // The lead page's timeline: subject, direction, attachment by name.
    await page.goto(url(`/leads/${leadId}`));
    const item = page.locator('.timeline__item[data-kind="conversation"]').filter({ hasText: 'Signed quote attached' });
    await item.waitFor({ timeout: 60_000 });
    await item.getByText(/Inbound email/i).waitFor();
    await item.getByText('Attachment: signed-quote.pdf (2 KB)').waitFor();
    await item.getByText('Reply in thread').waitFor();
    await expect(page.getByText('Weekend plans').count()).resolves.toBe(0);
    await item.scrollIntoViewIfNeeded();
    await web.screenshot(`lead-synced-email-${width}`);

    // Disconnect: the form comes back; the recorded e-mail stays with the lead.
    await page.goto(url('/settings/mailbox'));
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect this mailbox?' });
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('No mailbox connected').waitFor();
    expect((await owner.client.get(`/api/v1/leads/${leadId}/conversations`)).body.data).toHaveLength(1);
    // The refused login above is the one failed request, on purpose.
    expect(web.problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
    expect(web.problems.length).toBeLessThanOrEqual(1);
    await web.close();
  }, 150_000);

  it('tells a viewer why there is no mailbox to connect', async () => {
    const viewer = await inviteUser(owner.client, url, 'viewer', 'Vera Viewer');
    const web = await openWebPage(browser);
    await signIn(web, url(''), viewer.email);
    await web.page.goto(url('/settings/mailbox'));
    await web.page.getByText('Viewers do not connect a mailbox').waitFor();
    await expect(web.page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Mailbox' }).count()).resolves.toBe(0);
    await web.close();
  }, 60_000);
});
