import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { audit } from './helpers/axe.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { inviteUser, openWebPage, SCREENSHOT_DIR, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

/**
 * Settings → Privacy and the lead page's privacy actions, in Chromium: an export made and
 * downloaded once, a person erased from their lead page with what goes counted first and the
 * verification shown after, and none of it offered to a non-admin.
 */
describe.skipIf(!hasChromium)(`web app: privacy requests (${MODE})`, () => {
  // Workers on: requests are acted on by the privacy job, as in production.
  const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Privacy Web Co');
  });
  afterAll(async () => browser?.close());

  async function lead(body: Record<string, unknown>): Promise<string> {
    const r = await owner.client.post('/api/v1/leads', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  }

  it('an admin exports a person and downloads the document once, then erases another from their lead page', { timeout: 180_000 }, async () => {
    const xavier = await lead({ first_name: 'Xavier', last_name: 'Exportwell', email: 'xavier@subject.example', company: 'Export Ltd' });
    await owner.client.post(`/api/v1/leads/${xavier}/activities`, { type: 'note', description: 'Asked for a copy of his data', completed_at: new Date().toISOString() });
    const erin = await lead({ first_name: 'Erin', last_name: 'Erasemore', email: 'erin@subject.example', phone: '+1 555 010 0299', company: 'Gone Inc' });
    await owner.client.post(`/api/v1/leads/${erin}/activities`, { type: 'call', subject: 'Intro call', completed_at: new Date().toISOString(), duration_minutes: 10 });
    await owner.client.post(`/api/v1/leads/${erin}/activities`, { type: 'note', description: 'Wants a demo next week', completed_at: new Date().toISOString() });
    const other = await lead({ first_name: 'Olga', last_name: 'Other', email: 'olga@else.example' });
    await owner.client.post(`/api/v1/leads/${other}/activities`, { type: 'note', description: 'Olga said Erin Erasemore (erin@subject.example) introduced us', completed_at: new Date().toISOString() });

    const web = await openWebPage(browser, { width: 1440, height: 900 });
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/settings'));
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('link', { name: 'Privacy' }).click();
    await page.getByText('No privacy requests yet').waitFor();

    // The export: asked for by e-mail, done by the job, downloaded once as a JSON file.
    await page.getByLabel('Their e-mail').fill('xavier@subject.example');
    await page.getByRole('button', { name: 'Request export' }).click();
    const table = page.getByRole('table', { name: 'Privacy requests' });
    const download = table.getByRole('button', { name: /^Download the export/ });
    await download.waitFor({ timeout: 60_000 });
    const row = table.getByRole('row').filter({ hasText: 'Export' });
    expect(await row.textContent()).toMatch(/Done.*Privacy Web Co Admin \/ Privacy Web Co Admin.*Holds 1 lead record, .*1 activity \(call, e-mail, meeting, note\).*mentions? in other records\./);
    await page.getByText(/Once only, until .*: then it expires and is deleted\./).waitFor();
    expect(await row.getByText('Overdue').count()).toBe(0);
    await web.screenshot('privacy-tab-export-ready-1440');
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/^privacy-export-[0-9a-f-]+\.json$/);
    const saved = JSON.parse(readFileSync((await file.path())!, 'utf8')) as { document: { format: string; data: { leads: { email: string }[]; activities: { description: string }[] } }; summary: string };
    expect(saved.document.format).toBe('leadai.privacy-export/1');
    expect(saved.document.data.leads.map((l) => l.email)).toEqual(['xavier@subject.example']);
    expect(saved.document.data.activities.map((a) => a.description)).toEqual(['Asked for a copy of his data']);
    expect(saved.summary).toContain('1 lead record(s) belong to this person.');
    await row.getByText(/^Downloaded .*a new export request gets the data again\.$/).waitFor();
    expect(await download.count()).toBe(0);
    // Once: the server agrees (the token was used).
    const requests = (await owner.client.get('/api/v1/privacy/requests')).body.data as { type: string; download: { downloaded_at: string | null } }[];
    expect(requests.find((r) => r.type === 'export')!.download.downloaded_at).not.toBeNull();

    // The erasure, from Erin's lead page: what goes, counted, and that it cannot be undone.
    await page.goto(url(`/leads/${erin}`));
    await page.getByRole('heading', { name: /Erin Erasemore/, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Erase this person…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase Erin Erasemore?' });
    const counts = dialog.getByRole('list', { name: 'What will be deleted' });
    await counts.waitFor();
    const items = await counts.getByRole('listitem').allTextContents();
    expect(items[0]).toBe('1 lead record');
    expect(items).toContain('2 activities (calls, e-mails, meetings, notes)');
    await dialog.getByText(/^\d+ records? elsewhere mentions? them \(other leads’ notes and conversations, notifications, import rows\): each mention will be rewritten to “\[erased\]”\.$/).waitFor();
    await dialog.getByText('This cannot be undone.').waitFor();
    await web.screenshot('privacy-erase-dialog-1440');
    expect(await audit(web, 'erase-dialog@1440')).toEqual([]);
    await dialog.getByRole('button', { name: 'Erase permanently' }).click();

    // Accepted: on the leads list, which follows the erasure and says it is gone and how that was proven.
    await page.waitForURL(url('/leads'));
    const notice = page.getByTestId('erasure-notice');
    await notice.getByText(/^Erin Erasemore was erased\. Scanned \d+ columns in \d+ tables: no trace left\.$/).waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Leads', level: 1 }).waitFor();
    await page.getByText('Olga Other').first().waitFor();
    expect(await page.getByText('Erin Erasemore').count()).toBe(1); // only in the notice
    expect((await owner.client.get(`/api/v1/leads/${erin}`)).status).toBe(404);
    await web.screenshot('privacy-erased-notice-1440');

    // The register shows the erasure with its verification, and who it was about is no longer kept.
    await page.goto(url('/settings/privacy'));
    const erasure = table.getByRole('row').filter({ hasText: 'Erasure' });
    await erasure.getByTestId('erasure-verification').waitFor();
    expect(await erasure.getByTestId('erasure-verification').textContent()).toMatch(/^✓ Scanned \d+ columns in \d+ tables: no trace left\.$/);
    expect(await erasure.textContent()).toMatch(/The person’s details were deleted from the request when it was done.*Deleted 1 lead record and \d+ related records; rewrote \d+ mentions? in other records to “\[erased\]”/);
    expect(await page.getByText('erin@subject.example').count()).toBe(0);
    await web.screenshot('privacy-tab-1440');
    expect(await audit(web, 'privacy-tab@1440')).toEqual([]);
    expect(web.problems).toEqual([]);
    await web.close();

    // A phone: the register as cards, the form stacked, the dialog within the screen.
    const phone = await openWebPage(browser, { width: 390, height: 844 });
    await signIn(phone, url(''), owner.email);
    await phone.page.goto(url('/settings/privacy'));
    await phone.page.getByRole('table', { name: 'Privacy requests' }).getByTestId('erasure-verification').waitFor();
    await phone.page.getByRole('radio', { name: 'To be forgotten (erasure)' }).check();
    await phone.page.getByLabel('Their e-mail').fill('olga@else.example');
    await phone.page.getByRole('button', { name: 'Erase…' }).click();
    const confirm = phone.page.getByRole('dialog', { name: 'Erase this person for good?' });
    await confirm.getByText('This cannot be undone.').waitFor();
    await phone.page.screenshot({ path: join(SCREENSHOT_DIR, 'privacy-tab-erase-confirm-390.png') }); // the viewport: a dialog is what the person sees
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await phone.screenshot('privacy-tab-390');
    expect(await audit(phone, 'privacy-tab@390')).toEqual([]);
    await phone.page.goto(url(`/leads/${other}`));
    await phone.page.getByRole('button', { name: 'Erase this person…' }).click();
    const olga = phone.page.getByRole('dialog', { name: 'Erase Olga Other?' });
    await olga.getByRole('list', { name: 'What will be deleted' }).waitFor();
    await phone.page.screenshot({ path: join(SCREENSHOT_DIR, 'privacy-erase-dialog-390.png') }); // the viewport: a dialog is what the person sees
    expect(await audit(phone, 'erase-dialog@390')).toEqual([]);
    await olga.getByRole('button', { name: 'Cancel' }).click();
    expect((await owner.client.get(`/api/v1/leads/${other}`)).status).toBe(200); // cancelled: nothing erased
    // The lead page's export: followed in its dialog to the one-time download.
    await phone.page.getByRole('button', { name: 'Export this person’s data' }).click();
    const exported = phone.page.getByRole('dialog', { name: 'Export Olga Other’s data' });
    await exported.getByRole('button', { name: /^Download the export/ }).waitFor({ timeout: 60_000 });
    // Counts other than the lead's and its note (score history, notifications) depend on how far the
    // background rescoring has got, and larger counts are listed first: pin only these two.
    await exported.getByText(/^Ready: 1 lead record, (.+, )?1 activity\b/).waitFor();
    await phone.page.screenshot({ path: join(SCREENSHOT_DIR, 'privacy-lead-export-390.png') }); // the viewport: a dialog is what the person sees
    const [olgaFile] = await Promise.all([phone.page.waitForEvent('download'), exported.getByRole('button', { name: /^Download the export/ }).click()]);
    expect((JSON.parse(readFileSync((await olgaFile.path())!, 'utf8')) as { document: { data: { leads: { email: string }[] } } }).document.data.leads.map((l) => l.email)).toEqual(['olga@else.example']);
    await exported.getByText(/^Downloaded /).waitFor();
    await exported.getByRole('button', { name: 'Close' }).click();
    expect(phone.problems).toEqual([]);
    await phone.close();
  });

  it('a non-admin sees no Privacy tab and no privacy actions, and is told why at the address', async () => {
    const { email } = await inviteUser(owner.client, url, 'manager', 'Mona Manager');
    const id = await lead({ first_name: 'Nora', last_name: 'Normal', email: 'nora@subject.example' });
    const web = await openWebPage(browser, { width: 1280, height: 860 });
    const { page } = web;
    await signIn(web, url(''), email);
    await page.goto(url('/settings'));
    const sections = page.getByRole('navigation', { name: 'Settings sections' });
    await sections.getByRole('link', { name: 'Scoring model' }).waitFor();
    expect(await sections.getByRole('link', { name: 'Privacy' }).count()).toBe(0);
    await page.goto(url('/settings/privacy'));
    await page.getByText('Privacy requests are handled by admins').waitFor();
    expect(await page.getByRole('button', { name: 'Request export' }).count()).toBe(0);
    await page.goto(url(`/leads/${id}`));
    await page.getByRole('heading', { name: /Nora Normal/, level: 1 }).waitFor();
    await page.getByRole('link', { name: 'All leads' }).waitFor();
    expect(await page.getByRole('button', { name: /Export this person|Erase this person/ }).count()).toBe(0);
    expect(web.problems).toEqual([]);
    await web.close();
  });
});
