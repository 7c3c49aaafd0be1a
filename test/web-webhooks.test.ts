import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { audit } from './helpers/axe.ts';
import { MODE } from './helpers/db.ts';
import { inviteUser, openWebPage, SCREENSHOT_DIR, signIn } from './helpers/web.ts';
import { until } from './helpers/wait.ts';
import { startReceiver } from './helpers/webhook-receiver.ts';

if (!hasChromium) console.warn(skipMessage());

/** What a person sees with a modal dialog open: the viewport (a full-page shot stretches the page under it). */
const viewportShot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });

describe.skipIf(!hasChromium)(`web app: Settings → Webhooks in Chromium (${MODE})`, { timeout: 180_000 }, () => {
  // Workers on: test events and replays are delivered by the job queue to a real receiver.
  const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let owner: Awaited<ReturnType<typeof Client.signup>>;

  beforeAll(async () => {
    browser = await launchBrowser();
    receiver = await startReceiver();
    owner = await Client.signup(url, 'Webhook Co');
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
  });

  it('an admin adds an endpoint (secret shown once), sends a test event, reads the log and replays, at 1440 and 390 px', async () => {
    const web = await openWebPage(browser, { width: 1440 });
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/settings/webhooks'));
    await page.getByText('No webhook endpoints').waitFor();

    // The receiver is on loopback: allowed only once the admin says so.
    await page.getByLabel('Allow endpoints on private networks').check();
    await page.getByText('Private targets allowed').waitFor();

    const form = page.getByRole('form', { name: 'Add a webhook endpoint' });
    await form.getByLabel('URL').fill('ftp://nowhere.example/x');
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText(/must start with https:\/\/ or http:\/\//).first().waitFor();

    await form.getByLabel('URL').fill(`http://127.0.0.1:${receiver.port}/ui`);
    await form.getByLabel('Description').fill('Billing system');
    await form.getByLabel(/Lead updated/).uncheck();
    await form.getByLabel(/Lead status changed/).check();
    await form.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = await page.getByLabel('Signing secret', { exact: true }).textContent();
    expect(secret).toMatch(/^whsec_/);
    const [hook] = (await owner.client.get('/api/v1/webhooks')).body.data as { id: string; event_types: string[] }[];
    expect(hook!.event_types.sort()).toEqual(['lead.created', 'lead.status_changed']);

    const item = page.getByRole('listitem').filter({ hasText: 'Billing system' });
    await item.getByText('Enabled').waitFor();
    await item.getByRole('button', { name: 'Send test event' }).click();
    await item.getByRole('button', { name: 'Deliveries' }).click();
    const log = page.getByRole('table', { name: 'Delivery log' });
    await log.getByRole('row', { name: /webhook\.test.*Delivered.*200/ }).waitFor({ timeout: 60_000 });
    expect(receiver.at('/ui').length).toBe(1);
    await log.getByRole('button', { name: 'Replay webhook.test delivery' }).first().click();
    await log.getByRole('row', { name: /webhook\.test \(replay\).*Delivered/ }).waitFor({ timeout: 60_000 });
    expect(receiver.at('/ui').length).toBe(2);
    await page.getByLabel('Signing secret', { exact: true }).waitFor();
    expect(await audit(web, 'webhooks@1440')).toEqual([]);
    await web.screenshot('settings-webhooks-1440');
    expect(web.problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await web.close();

    // A day of failures later: the state and the reason are shown, and Enable is offered.
    await sql`UPDATE webhook_endpoints SET enabled = false, disabled_at = now(), disabled_reason = 'Disabled automatically: every delivery failed for 24 hours. Last error: The receiver answered 503; only 2xx counts as delivered.' WHERE id = ${hook!.id}`.execute(app().database.db);
    const phone = await openWebPage(browser, { width: 390 });
    await signIn(phone, url(''), owner.email);
    await phone.page.goto(url('/settings/webhooks'));
    const disabled = phone.page.getByRole('listitem').filter({ hasText: 'Billing system' });
    await disabled.getByText(/failed for 24 hours/).waitFor();
    await disabled.getByRole('button', { name: 'Deliveries' }).click();
    await phone.page.getByRole('table', { name: 'Delivery log' }).waitFor();
    const overflow = await phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await audit(phone, 'webhooks@390')).toEqual([]);
    await phone.screenshot('settings-webhooks-390');
    await disabled.getByRole('button', { name: 'Enable' }).click();
    await disabled.getByText('Enabled').waitFor();
    await phone.close();
  });

  it('an admin edits an endpoint (events, description) with the secret kept; refusals are shown beside the field, at 1440 and 390 px', async () => {
    expect((await owner.client.put('/api/v1/webhooks/settings', { allow_private_targets: true })).status).toBe(200);
    const target = `http://127.0.0.1:${receiver.port}/edit`;
    const made = await owner.client.post('/api/v1/webhooks', { url: target, description: 'CRM sync', event_types: ['lead.created'] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const { id, secret } = made.body as { id: string; secret: string };

    const web = await openWebPage(browser, { width: 1440 });
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/settings/webhooks'));
    const item = page.getByRole('listitem').filter({ hasText: 'CRM sync' });
    await item.getByText('Sends: Lead created').waitFor();
    await item.getByRole('button', { name: `Edit webhook ${target}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit endpoint' });
    const form = dialog.getByRole('form', { name: 'Edit webhook endpoint' });
    const urlField = form.getByLabel('URL');
    // The create form's fields, filled with what the endpoint has now.
    expect(await urlField.inputValue()).toBe(target);
    expect(await form.getByLabel('Description').inputValue()).toBe('CRM sync');
    expect(await form.getByLabel(/Lead created/).isChecked()).toBe(true);
    expect(await form.getByLabel(/Lead updated/).isChecked()).toBe(false);

    // Refused by the server: its sentence sits under the URL field and is read with it.
    await urlField.fill(`http://user:pw@127.0.0.1:${receiver.port}/edit`);
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    const urlError = form.getByText(/must not contain a user name or password/);
    await urlError.waitFor();
    expect(await urlField.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await urlField.getAttribute('aria-describedby')) ?? '';
    expect(describedBy.split(' ')).toContain(await urlError.getAttribute('id'));
    await viewportShot(page, 'settings-webhooks-edit-refused-1440');

    // No event type at all: refused, said under the list of events.
    await urlField.fill(target);
    await form.getByLabel(/Lead created/).uncheck();
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText(/choose at least one event type/i).waitFor();
    await viewportShot(page, 'settings-webhooks-edit-no-events-1440');
    expect(await urlError.count()).toBe(0);
    const unchanged = (await owner.client.get(`/api/v1/webhooks/${id}`)).body as { url: string; event_types: string[] };
    expect([unchanged.url, unchanged.event_types]).toEqual([target, ['lead.created']]);

    await form.getByLabel(/Lead created/).check();
    await form.getByLabel(/Lead updated/).check();
    await form.getByLabel('Description').fill('CRM sync, with every change');
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Endpoint saved').waitFor();
    const edited = page.getByRole('listitem').filter({ hasText: 'CRM sync, with every change' });
    await edited.getByText('Sends: Lead created, Lead updated').waitFor();
    await web.screenshot('settings-webhooks-edited-1440');
    expect(web.problems.filter((p) => !/status of (400|422)/.test(p))).toEqual([]);
    await web.close();

    const after = (await owner.client.get(`/api/v1/webhooks/${id}`)).body as { url: string; description: string; event_types: string[]; enabled: boolean };
    expect({ ...after, event_types: [...after.event_types].sort() }).toMatchObject({ url: target, description: 'CRM sync, with every change', event_types: ['lead.created', 'lead.updated'], enabled: true });

    // The newly chosen event arrives, signed with the secret given when it was created.
    const lead = await owner.client.post('/api/v1/leads', { first_name: 'Edit', last_name: 'Hook', email: 'edit.hook@receiver.example' });
    expect(lead.status, JSON.stringify(lead.body)).toBe(201);
    expect((await owner.client.patch(`/api/v1/leads/${lead.body.id as string}`, { job_title: 'Buyer' })).status).toBe(200);
    const got = await until('lead.created and lead.updated at the edited endpoint', async () => {
      const events = receiver.at('/edit').map((r) => {
        const headers = { 'webhook-id': String(r.headers['webhook-id']), 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
        return (new Webhook(secret).verify(r.body, headers) as { type: string; data: { lead_id?: string; fields?: string[] } });
      });
      // Only this lead's own events (the insights pass may send a batch lead.updated with lead_ids too).
      const mine = events.filter((e) => e.data.lead_id === lead.body.id);
      return mine.length >= 2 && mine;
    }, 60_000);
    expect(got.map((e) => e.type)).toEqual(['lead.created', 'lead.updated']);
    expect(got[1]!.data.fields).toContain('job_title');

    // On a phone: the dialog fits, shows the saved values, and saves too.
    const phone = await openWebPage(browser, { width: 390 });
    await signIn(phone, url(''), owner.email);
    await phone.page.goto(url('/settings/webhooks'));
    await phone.page.getByRole('listitem').filter({ hasText: 'CRM sync, with every change' }).getByRole('button', { name: `Edit webhook ${target}` }).click();
    const small = phone.page.getByRole('dialog', { name: 'Edit endpoint' });
    expect(await small.getByLabel(/Lead updated/).isChecked()).toBe(true);
    const box = await small.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    expect(await audit(phone, 'webhooks-edit@390')).toEqual([]);
    await viewportShot(phone.page, 'settings-webhooks-edit-390');
    await small.getByRole('button', { name: 'Save changes' }).scrollIntoViewIfNeeded();
    await viewportShot(phone.page, 'settings-webhooks-edit-390-end');
    await small.getByLabel('Description').fill('CRM sync (phone)');
    await small.getByRole('button', { name: 'Save changes' }).click();
    await small.waitFor({ state: 'hidden' });
    await phone.page.getByRole('listitem').filter({ hasText: 'CRM sync (phone)' }).waitFor();
    await phone.screenshot('settings-webhooks-edited-390');
    expect(((await owner.client.get(`/api/v1/webhooks/${id}`)).body as { description: string }).description).toBe('CRM sync (phone)');
    expect(phone.problems).toEqual([]);
    await phone.close();
  });

  it('is not offered to a manager', async () => {
    const manager = await inviteUser(owner.client, url, 'manager', 'Max Manager');
    const web = await openWebPage(browser);
    await signIn(web, url(''), manager.email);
    await web.page.goto(url('/settings'));
    const sections = web.page.getByRole('navigation', { name: 'Settings sections' });
    await sections.getByRole('link', { name: 'Organization' }).waitFor();
    expect(await sections.getByRole('link', { name: 'Webhooks' }).count()).toBe(0);
    await web.page.goto(url('/settings/webhooks'));
    await web.page.getByText('Webhooks are managed by admins').waitFor();
    await web.close();
  });
});
