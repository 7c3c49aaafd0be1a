import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

describe.skipIf(!hasChromium)(`web app: consent, do-not-contact and the audit log in Chromium (${MODE})`, () => {
  const { url } = useServer();
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let leadId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Consent Web');
    leadId = (await owner.client.post('/api/v1/leads', { first_name: 'Dana', last_name: 'Private', email: 'dana@private.example', company: 'Hushco' })).body.id;
  });
  afterAll(async () => browser?.close());

  it.each([1440, 390])('lead page consent block, tracking privacy and the audit tab at %i px', async (width) => {
    const web = await openWebPage(browser, { width, height: 900 });
    const { page } = web;
    await signIn(web, url(''), owner.email);

    // The lead page: do-not-contact on, tracking consent recorded, then withdrawn.
    await page.goto(url(`/leads/${leadId}`));
    const block = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Consent and contact' }) });
    await block.waitFor();
    const dnc = block.getByLabel('Do not contact');
    if (width === 1440) {
      // click, not check(): the switch follows the saved lead (optimistically, a moment later).
      await dnc.click();
      await until('do-not-contact saved', async () => (await owner.client.get(`/api/v1/leads/${leadId}`)).body.do_not_contact === true);
      await block.getByText('Not to be contacted').waitFor();
      const purposes = block.getByRole('list', { name: 'Consent by purpose' });
      await purposes.getByRole('listitem').filter({ hasText: 'Website tracking' }).getByRole('button', { name: 'Record consent' }).click();
      await purposes.getByRole('listitem').filter({ hasText: 'Website tracking' }).getByText('Granted').waitFor();
      await purposes.getByRole('listitem').filter({ hasText: 'Marketing' }).getByRole('button', { name: 'Record consent' }).click();
      await purposes.getByRole('listitem').filter({ hasText: 'Marketing' }).getByRole('button', { name: 'Withdraw' }).click();
      await purposes.getByRole('listitem').filter({ hasText: 'Marketing' }).getByText('Withdrawn', { exact: true }).waitFor();
      const overview = (await owner.client.get(`/api/v1/leads/${leadId}/consents`)).body;
      expect(overview.status).toMatchObject({ tracking: 'granted', marketing: 'withdrawn' });
      expect(overview.trackable).toBe(false); // do-not-contact wins over the grant
    }
    await until('the saved switch', () => dnc.isChecked());
    await block.screenshot({ path: `test-results/screenshots/lead-consent-${width}.png` });

    // Settings → Tracking: the privacy switches save at once.
    await page.goto(url('/settings/tracking'));
    const dnt = page.getByLabel('Honour Do-Not-Track');
    if (width === 1440) {
      await expect(page.getByLabel('Honour Global Privacy Control').isChecked()).resolves.toBe(true);
      await dnt.click();
      await until('honor_dnt saved', async () => (await owner.client.get('/api/v1/organization')).body.settings.tracking?.honor_dnt === true);
    }
    await until('the saved switch', () => dnt.isChecked());

    // Settings → Audit log: the changes above, filtered by action.
    await page.goto(url('/settings/audit'));
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Audit log' }).waitFor();
    const table = page.getByRole('table');
    await table.getByText('Signed in').first().waitFor();
    await page.getByLabel('Action').selectOption('lead.do_not_contact');
    await table.getByText('Do-not-contact changed').waitFor();
    await until('only the filtered action', async () => (await table.locator('tbody tr').count()) === 1);
    await expect(table.getByText('value: true').count()).resolves.toBe(1);
    await page.getByLabel('Action').selectOption('');
    await table.getByText('Consent withdrawn').first().waitFor();
    await web.screenshot(`settings-audit-${width}`);
    expect(web.problems).toEqual([]);
    await web.close();
  }, 120_000);

  it('hides the audit log from non-admins', async () => {
    const manager = await inviteUser(owner.client, url, 'manager', 'Mona Manager');
    const web = await openWebPage(browser);
    await signIn(web, url(''), manager.email);
    await web.page.goto(url('/settings'));
    const sections = web.page.getByRole('navigation', { name: 'Settings sections' });
    await sections.getByRole('link', { name: 'Tracking' }).waitFor();
    await expect(sections.getByRole('link', { name: 'Audit log' }).count()).resolves.toBe(0);
    await web.page.goto(url('/settings/audit'));
    await web.page.getByText('The audit log is for admins').waitFor();
    await web.close();
  }, 60_000);
});
