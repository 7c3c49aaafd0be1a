import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { inviteUser, openWebPage, signUpThroughUi } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

/**
 * A HubSpot deals export as a sales team has it: owners written without accents, someone
 * who left, "Last Activity" holding event names, a deal exported twice, a bad amount far
 * down the file.
 */
function dealsCsv(): string {
  const lines = ['Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal Owner,Last Activity,Associated Company'];
  const events = ['Email Opened', 'Page Visited on Website', 'Email Clicked', 'Meeting Booked'];
  for (let i = 0; i < 30; i++) {
    const stage = ['Closed Won', 'Closed Lost', 'Contract Sent', 'Appointment Scheduled'][i % 4];
    const amount = i === 26 ? 'about 5k' : `${1000 + i * 250}.50`;
    const owner = i % 3 === 2 ? 'Former Rep' : i % 3 ? 'JOSE NUNEZ' : 'Jose Nunez';
    lines.push(`${7000 + i},Deal ${i},${stage},${amount},2024-05-${String(1 + (i % 28)).padStart(2, '0')},2024-01-${String(1 + (i % 28)).padStart(2, '0')} 09:30:00+01:00,${owner},${events[i % 4]},Compañía ${i}`);
  }
  // Deal 7000 again, updated later in the export.
  lines.push('7000,Deal 0 (renewed),Closed Won,9999.00,2024-06-30,2024-01-01 09:30:00+01:00,Jose Nunez,Email Opened,Compañía 0');
  return lines.join('\n') + '\n';
}

describe.skipIf(!hasChromium)(`web app: the import preview in Chromium (${MODE})`, () => {
  const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it('shows rows in error first, in-file duplicates with the row that wins, a column kept as custom field with the reason, and owners matched or not', { timeout: 240_000 }, async () => {
    const web = await openWebPage(browser, { width: 1440 });
    const { page } = web;
    const { email, password } = await signUpThroughUi(page, url(''), 'Preview Traders');
    const admin = new Client(url);
    admin.csrf = (await admin.post('/api/v1/auth/login', { email, password })).body.csrf_token;
    const jose = await inviteUser(admin, url, 'sales_rep', 'José Núñez');

    await page.goto(url('/leads/import'));
    await page.getByLabel('CSV file').setInputFiles({ name: 'hubspot-deals.csv', mimeType: 'text/csv', buffer: Buffer.from(dealsCsv()) });
    await page.getByRole('heading', { name: 'Columns of hubspot-deals.csv' }).waitFor();

    // What needs a look, first: the summary, then the rows that will be left out, before the columns.
    const summary = page.locator('.check-summary');
    expect(await summary.textContent()).toMatch(/In the 31 rows read:.*1 row will be left out.*1 group of rows is one lead.*2 columns to check.*1 owner matches no user/);
    const headings = await page.locator('.card h2, .card h3').allTextContents();
    const at = (text: string) => headings.findIndex((h) => h.startsWith(text));
    expect(at('Rows that will be left out (1)')).toBeGreaterThanOrEqual(0);
    expect(at('Rows that will be left out')).toBeLessThan(at('Columns of'));
    expect(at('Rows that are the same lead (1)')).toBeLessThan(at('Columns of'));
    await page.getByRole('row', { name: /28 deal_value: "about 5k" is not a number/ }).waitFor();
    expect(await page.locator('#rows-to-fix').isVisible()).toBe(true);
    await page.getByText(/Lines 2, 32 have the same external id 7000: they become one lead, not 2\. Line 32 wins because it comes last in the file/).waitFor();

    // The column kept as a custom field, with the reason, next to its select.
    expect(await page.getByLabel('Map column Last Activity').inputValue()).toBe('custom');
    await page.getByText('The header reads as last contacted at, but 31 of 31 sampled values are not dates (e.g. "Email Opened", "Page Visited on Website", "Email Clicked"): kept as the custom field “Last Activity” instead.').waitFor();
    expect(await page.getByLabel('Map column Deal Owner').inputValue()).toBe('assigned_to');

    // Owners: both spellings reach José; the one who left is listed first, kept as a custom field.
    const owners = page.getByRole('region', { name: 'Column Deal Owner → owner' });
    expect(await owners.getByRole('row').allTextContents()).toEqual([
      'Value in the fileRowsAssigned to',
      'Former Rep10No one: no user of your organization has this name or email. Kept in the custom field “Deal Owner”.',
      expect.stringMatching(/^Jose Nunez11José Núñez · sales-rep-\w+@invited\.example$/),
      expect.stringMatching(/^JOSE NUNEZ10José Núñez · /),
    ]);
    await web.screenshot('import-preview-1440');
    await page.setViewportSize({ width: 390, height: 844 });
    await web.screenshot('import-preview-390');
    await page.setViewportSize({ width: 1440, height: 900 });

    // Choosing to leave unmatched owners out says so, and is what the import does.
    await page.getByLabel(/Keep values that match no one/).uncheck();
    await owners.getByText('Left out.').waitFor();

    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('.stat').filter({ hasText: 'Leads created' }).locator('.stat__value').textContent()).toBe('29');
    expect(await page.locator('.stat').filter({ hasText: 'Rows rejected' }).locator('.stat__value').textContent()).toBe('1');

    const leads = await until('the imported deals', async () => {
      const r = await admin.get('/api/v1/leads?limit=100');
      return r.body.data.length === 29 ? (r.body.data as { external_id: string; assigned_to: string | null; status: string; deal_value: number; custom_fields: Record<string, unknown> }[]) : undefined;
    });
    const byId = new Map(leads.map((l) => [l.external_id, l]));
    expect(byId.get('7000')).toMatchObject({ assigned_to: jose.userId, status: 'closed_won', deal_value: 9999 });
    expect(byId.get('7001')).toMatchObject({ assigned_to: jose.userId, status: 'closed_lost' });
    expect(byId.get('7002')?.assigned_to).toBeNull();
    expect(byId.get('7002')?.custom_fields['Deal Owner']).toBeUndefined();
    expect(byId.get('7002')?.custom_fields['Last Activity']).toBe('Email Clicked');

    expect(web.problems).toEqual([]);
    await web.close();
  });
});
