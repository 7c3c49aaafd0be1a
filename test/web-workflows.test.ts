import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

describe.skipIf(!hasChromium)(`web app: Settings → Workflows in Chromium (${MODE})`, { timeout: 180_000 }, () => {
  const { url } = useServer();
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Workflow Co');
    for (const status of ['qualified', 'qualified', 'new']) {
      const r = await owner.client.post('/api/v1/leads', { first_name: 'Quinn', last_name: `Lead ${Math.random().toString(36).slice(2, 6)}`, status });
      expect(r.status).toBe(201);
    }
  });
  afterAll(async () => browser?.close());

  it('a manager builds a workflow from the form, reorders, pauses, dry-runs and reads the run log, at 1440 and 390 px', async () => {
    const manager = await inviteUser(owner.client, url, 'manager', 'Mona Manager');
    const web = await openWebPage(browser, { width: 1440 });
    const { page } = web;
    await signIn(web, url(''), manager.email);
    await page.goto(url('/settings/workflows'));
    await page.getByText('No workflows yet').waitFor();
    expect(await page.getByText(/when the score reaches 70/).isVisible()).toBe(true);
    await web.screenshot('settings-workflows-empty-1440');

    await page.getByRole('button', { name: 'Create your first workflow' }).click();
    const form = page.getByRole('form', { name: 'Workflow' });
    await form.getByLabel('Name').fill('Qualified → task');
    await form.getByLabel('Trigger').selectOption('status_changed');
    await form.getByLabel('To', { exact: true }).selectOption('qualified');
    await form.getByLabel('Action 1').selectOption('create_task');
    await form.getByLabel('Task').fill('Call within a day');
    await page.getByRole('button', { name: 'Add an action' }).click();
    await form.getByLabel('Action 2').selectOption('add_tag');
    await form.getByLabel('Tag').fill('qualified-lead');
    await web.screenshot('settings-workflows-form-1440');
    await page.getByRole('button', { name: 'Save workflow' }).click();
    await page.getByText('Workflow created').waitFor();
    const table = page.getByRole('table', { name: 'Workflows' });
    await table.getByRole('row', { name: /Qualified → task/ }).waitFor();
    expect(await table.getByRole('row', { name: /Qualified → task/ }).getByText('Status changes to Qualified').isVisible()).toBe(true);

    // A second one (through the API), then reorder it to the top.
    const second = await owner.client.post('/api/v1/workflows', { name: 'Hot score', trigger: { type: 'score_crosses', threshold: 80, direction: 'up' }, actions: [{ type: 'webhook' }] });
    expect(second.status).toBe(201);
    await page.reload();
    await page.getByRole('button', { name: 'Move Hot score up' }).click();
    await expect.poll(async () => (await owner.client.get('/api/v1/workflows')).body.data.map((w: { name: string }) => w.name)).toEqual(['Hot score', 'Qualified → task']);

    const row = table.getByRole('row', { name: /Qualified → task/ });
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.getByText('Paused').waitFor();
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.getByText('Active').waitFor();

    await row.getByRole('button', { name: 'Dry run' }).click();
    const dry = page.getByRole('table', { name: 'Dry run result' });
    await dry.waitFor();
    expect(await dry.getByRole('row').count()).toBe(3);
    expect(await dry.getByText('Would create task "Call within a day", due in 1 day').count()).toBe(2);
    await page.getByText(/holds for 2 of 3 leads now\. Nothing was changed\./).waitFor();
    await web.screenshot('settings-workflows-dry-run-1440');

    await row.getByRole('button', { name: 'Run log' }).click();
    await page.getByRole('table', { name: 'Run log' }).getByText('Dry run').waitFor();
    expect(web.problems).toEqual([]);
    await web.close();

    const phone = await openWebPage(browser, { width: 390 });
    await signIn(phone, url(''), manager.email);
    await phone.page.goto(url('/settings/workflows'));
    await phone.page.getByRole('table', { name: 'Workflows' }).waitFor();
    await phone.screenshot('settings-workflows-390');
    await phone.page.getByRole('button', { name: 'New workflow' }).click();
    await phone.page.getByRole('form', { name: 'Workflow' }).waitFor();
    await phone.screenshot('settings-workflows-form-390');
    await phone.close();
  });

  it('a sales rep is not offered the tab, and its address explains', async () => {
    const rep = await inviteUser(owner.client, url, 'sales_rep', 'Rex Rep');
    const web = await openWebPage(browser);
    await signIn(web, url(''), rep.email);
    await web.page.goto(url('/settings'));
    await web.page.getByRole('navigation', { name: 'Settings sections' }).waitFor();
    expect(await web.page.getByRole('link', { name: 'Workflows' }).count()).toBe(0);
    await web.page.goto(url('/settings/workflows'));
    await web.page.getByText('Workflows are managed by managers and admins').waitFor();
    await web.close();
  });
});
