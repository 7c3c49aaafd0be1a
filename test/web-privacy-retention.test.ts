import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

describe.skipIf(!hasChromium)(`web app: Settings → Retention in Chromium (${MODE})`, { timeout: 180_000 }, () => {
  // Workers on: "Run retention now" goes through the job queue.
  const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Retention Co');
    // Three web visits from two years ago: due under any journey window up to 24 months.
    const old = new Date(Date.now() - 730 * 86_400_000);
    await app().database.db.insertInto('journey_events').values([0, 1, 2].map((i) => ({ organization_id: owner.organizationId, event_type: 'page_view', event_name: '/', occurred_at: new Date(old.getTime() - i * 60_000) }))).execute();
  });
  afterAll(async () => browser?.close());

  it('an admin sets policies (the server names what is wrong), previews and runs, at 1440 and 390 px', async () => {
    const web = await openWebPage(browser, { width: 1440 });
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/settings/retention'));
    await page.getByRole('heading', { name: 'Retention policies' }).waitFor();
    expect(await page.getByText('Not saved yet').isVisible()).toBe(true);
    await expect.poll(() => page.getByLabel('Journey events').inputValue()).toBe('13');

    // Too short an audit window: the server's message beside the field, nothing saved.
    await page.getByLabel('Audit log').fill('6');
    await page.getByRole('button', { name: 'Save policies' }).click();
    await page.getByText(/audit_log_months must be a whole number of months from 12 to 1200/).first().waitFor();
    expect((await owner.client.get('/api/v1/privacy/retention')).body.configured).toBe(false);

    await page.getByLabel('Audit log').fill('72');
    await page.getByRole('button', { name: 'Save policies' }).click();
    await page.getByText('Retention policies saved').waitFor();
    await page.getByText('Enforced nightly').waitFor();
    expect((await owner.client.get('/api/v1/privacy/retention')).body).toMatchObject({ configured: true, policies: { journey_events_months: 13, audit_log_months: 72 } });

    await page.getByRole('button', { name: 'Preview (dry run)' }).click();
    const table = page.getByRole('table', { name: 'Retention preview' });
    const journey = table.getByRole('row', { name: /Journey events/ });
    await journey.waitFor();
    expect(await journey.getByRole('cell').nth(3).textContent()).toBe('3');
    await web.screenshot('settings-retention-1440');

    await page.getByRole('button', { name: 'Run retention now' }).click();
    await page.getByText('Delete 3 rows now? This cannot be undone.').waitFor();
    await page.getByRole('button', { name: 'Delete now' }).click();
    await page.getByText(/Last run: 3 rows deleted/).waitFor();
    const left = await app().database.db.selectFrom('journey_events').select('id').where('organization_id', '=', owner.organizationId).execute();
    expect(left).toEqual([]);
    // The preview was refreshed after the run: nothing is due any more.
    await expect.poll(async () => table.getByRole('row', { name: /Journey events/ }).getByRole('cell').nth(3).textContent()).toBe('0');
    // Only the refused save (422, shown beside the field) may appear in the console.
    expect(web.problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await web.close();

    const phone = await openWebPage(browser, { width: 390 });
    await signIn(phone, url(''), owner.email);
    await phone.page.goto(url('/settings/retention'));
    await phone.page.getByRole('button', { name: 'Preview (dry run)' }).click();
    await phone.page.getByRole('table', { name: 'Retention preview' }).waitFor();
    const overflow = await phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot('settings-retention-390');
    await phone.close();
  });

  it('is not offered to a manager', async () => {
    const manager = await inviteUser(owner.client, url, 'manager', 'Mia Manager');
    const web = await openWebPage(browser);
    await signIn(web, url(''), manager.email);
    await web.page.goto(url('/settings'));
    const sections = web.page.getByRole('navigation', { name: 'Settings sections' });
    await sections.getByRole('link', { name: 'Organization' }).waitFor();
    expect(await sections.getByRole('link', { name: 'Retention' }).count()).toBe(0);
    await web.page.goto(url('/settings/retention'));
    await web.page.getByText('Retention policies are set by admins').waitFor();
    await web.close();
  });
});
