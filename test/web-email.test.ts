import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { audit } from './helpers/axe.ts';
import { MODE } from './helpers/db.ts';
import { startSmtp, type TestSmtp } from './helpers/smtp.ts';
import { until } from './helpers/wait.ts';
import { openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

describe.skipIf(!hasChromium)(`web app: e-mail settings, templates and sending from the lead page in Chromium (${MODE})`, { timeout: 180_000 }, () => {
  // Workers on: a message goes out through the mail.send job.
  const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;
  let smtp: TestSmtp;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let leadId: string;
  let dncId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    smtp = await startSmtp({ users: { sales: 'smtp-Pass-w0rd-42' } });
    owner = await Client.signup(url, 'Web Mail Co');
    const lead = await owner.client.post('/api/v1/leads', { first_name: 'Katherine', last_name: 'Johnson', email: 'katherine@orbit.example', company: 'Orbit Labs', job_title: 'Mathematician' });
    leadId = lead.body.id;
    const dnc = await owner.client.post('/api/v1/leads', { first_name: 'Dorothy', last_name: 'Vaughan', email: 'dorothy@orbit.example', do_not_contact: true });
    dncId = dnc.body.id;
  });
  afterAll(async () => {
    await browser?.close();
    await smtp?.close();
  });

  it('an admin saves the relay (the password never comes back) and writes a template with a live preview, at 1440 and 390 px', async () => {
    const web = await openWebPage(browser, { width: 1440 });
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/settings/email'));
    const relay = page.getByRole('form', { name: 'Organization relay' });
    await relay.getByText('No relay yet').waitFor();
    await relay.getByLabel('SMTP server').fill('127.0.0.1');
    await relay.getByLabel('Port').fill(String(smtp.port));
    await relay.getByLabel('Security').selectOption('none');
    await relay.getByLabel('User name').fill('sales');
    await relay.getByLabel('Password').fill('smtp-Pass-w0rd-42');
    await relay.getByLabel('Sender name').fill('Web Mail Sales');
    await relay.getByLabel('Sender address').fill('sales@webmail.example');
    await relay.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Organization relay saved').waitFor();
    await relay.getByText('Saved', { exact: true }).waitFor();
    expect(await relay.getByLabel('Password').inputValue()).toBe('');
    expect(await relay.getByLabel('Password').getAttribute('placeholder')).toContain('(saved)');
    expect(await page.content()).not.toContain('smtp-Pass-w0rd-42');
    await relay.getByRole('button', { name: 'Send test e-mail to me' }).click();
    await relay.getByText(`Test e-mail sent to ${owner.email}`).waitFor();
    expect(smtp.received.some((m) => m.to.includes(owner.email))).toBe(true);
    await web.screenshot('settings-email-1440');
    expect(await audit(web, 'Settings › E-mail')).toEqual([]);

    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByText('No templates yet.').waitFor();
    await page.getByRole('button', { name: 'New template' }).click();
    await page.getByLabel('Name').fill('First contact');
    await page.getByLabel('Subject').fill('Hello ');
    await page.getByRole('button', { name: '{{first_name}}' }).click();
    await page.getByLabel('Text').fill('Dear {{first_name}} {{last_name}},\nhow is {{company}}?');
    const preview = page.getByLabel('Preview', { exact: true });
    await expect.poll(() => preview.textContent(), { timeout: 30_000 }).toContain('Dear Katherine Johnson');
    expect(await preview.textContent()).toContain('Hello Katherine');
    expect(await preview.textContent()).toContain('how is Orbit Labs?');
    // An unknown variable: the preview says so, with the allowed names.
    await page.getByLabel('Text').fill('Dear {{nickname}}');
    await page.getByText(/unknown variable \{\{nickname\}\}; allowed:/).first().waitFor();
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByText(/body_text uses unknown variable/).first().waitFor();
    await page.getByLabel('Text').fill('Dear {{first_name}},\nhow is {{company}}?');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByText('Template “First contact” saved').waitFor();
    await page.getByRole('list', { name: 'Templates' }).getByRole('button', { name: 'First contact' }).waitFor();
    await expect.poll(() => preview.textContent(), { timeout: 30_000 }).toContain('how is Orbit Labs?');
    await web.screenshot('settings-templates-1440');
    expect(await audit(web, 'Settings › Templates')).toEqual([]);
    expect(web.problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await web.close();

    const phone = await openWebPage(browser, { width: 390 });
    await signIn(phone, url(''), owner.email);
    for (const [path, name] of [['/settings/templates', 'settings-templates-390'], ['/settings/email', 'settings-email-390']] as const) {
      await phone.page.goto(url(path));
      await phone.page.getByRole('heading', { name: path.endsWith('templates') ? 'Preview' : 'My SMTP account' }).waitFor();
      if (path.endsWith('templates')) await expect.poll(() => phone.page.getByLabel('Preview', { exact: true }).textContent(), { timeout: 30_000 }).toContain('Orbit Labs');
      const overflow = await phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow, path).toBeLessThanOrEqual(0);
      await phone.screenshot(name);
    }
    await phone.close();
  });

  it('sends an e-mail from the lead page, received by the SMTP server; a do-not-contact lead shows why not', async () => {
    const web = await openWebPage(browser, { width: 1440 });
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url(`/leads/${leadId}`));
    await page.getByRole('button', { name: 'Send e-mail' }).click();
    const dialog = page.getByRole('dialog', { name: 'E-mail Katherine Johnson' });
    await dialog.getByText('From sales@webmail.example to katherine@orbit.example').waitFor();
    await dialog.getByLabel('Template').selectOption({ label: 'First contact' });
    expect(await dialog.getByLabel('Subject').inputValue()).toBe('Hello {{first_name}}');
    await expect.poll(() => dialog.getByLabel('Preview', { exact: true }).textContent(), { timeout: 30_000 }).toContain('Dear Katherine');
    await web.screenshot('lead-send-email-1440');
    expect(await audit(web, 'Send e-mail dialog')).toEqual([]);
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.getByText('Sent to katherine@orbit.example.').waitFor();
    const got = await until('the message at the SMTP server', async () => smtp.received.find((m) => m.to.includes('katherine@orbit.example')), 60_000);
    expect(got.mail.subject).toBe('Hello Katherine');
    expect(got.mail.text).toContain('Dear Katherine,\nhow is Orbit Labs?');
    await dialog.getByRole('button', { name: 'Close' }).click();
    // On the lead page: the message with its state, and the e-mail in the timeline.
    const sentList = page.getByRole('list', { name: 'E-mails from LeadAI' });
    await sentList.getByText('Hello Katherine').waitFor();
    await sentList.getByText('Sent', { exact: true }).waitFor();
    await page.getByText('E-mail sent to katherine@orbit.example').first().waitFor();
    expect(web.problems).toEqual([]);
    await web.close();

    const phone = await openWebPage(browser, { width: 390 });
    await signIn(phone, url(''), owner.email);
    await phone.page.goto(url(`/leads/${dncId}`));
    await phone.page.getByRole('button', { name: 'Send e-mail' }).click();
    const refused = phone.page.getByRole('dialog', { name: 'E-mail Dorothy Vaughan' });
    await refused.getByText('Dorothy Vaughan cannot be e-mailed.').waitFor();
    await refused.getByText('The lead is marked do-not-contact.').waitFor();
    expect(await refused.getByRole('button', { name: 'Send' }).count()).toBe(0);
    await phone.screenshot('lead-send-email-refused-390');
    await phone.page.goto(url(`/leads/${leadId}`));
    await phone.page.getByRole('button', { name: 'Send e-mail' }).click();
    await phone.page.getByRole('dialog', { name: 'E-mail Katherine Johnson' }).getByLabel('Subject').waitFor();
    const overflow = await phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot('lead-send-email-390');
    await phone.close();
  });
});
