import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { openWebPage, signUpThroughUi } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

/** A CRM report where the outcome is a 1/0 "Converted" flag, not a status name. */
function convertedCsv(): string {
  const lines = ['Email,First Name,Last Name,Company,Converted,Tags'];
  for (let i = 0; i < 12; i++) lines.push(`buyer${i}@values.example,Buyer${i},Flag,Values Inc,${i % 3 === 0 ? 1 : 0},${i % 2 ? 'vip;webinar' : 'webinar'}`);
  return lines.join('\n') + '\n';
}

describe.skipIf(!hasChromium)(`web app: value maps in the import wizard in Chromium (${MODE})`, () => {
  const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it('maps a 1/0 Converted column to status through a value map; the preview errors go away and the leads are stored won or lost', { timeout: 180_000 }, async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    const { email, password } = await signUpThroughUi(page, url(''), 'Value Mappers');
    const admin = new Client(url);
    admin.csrf = (await admin.post('/api/v1/auth/login', { email, password })).body.csrf_token;

    await page.goto(url('/leads/import'));
    await page.getByLabel('CSV file').setInputFiles({ name: 'converted.csv', mimeType: 'text/csv', buffer: Buffer.from(convertedCsv()) });
    await page.getByRole('heading', { name: 'Columns of converted.csv' }).waitFor();
    // Not a field name: proposed as a custom field, so no value map is offered for it yet.
    expect(await page.getByLabel('Map column Converted').inputValue()).toBe('custom');
    await page.getByText('Column Tags → tags: 2 distinct values').waitFor();
    expect(await page.getByText(/Column Converted/).count()).toBe(0);

    await page.getByLabel('Map column Converted').selectOption('status');
    const values = page.getByRole('region', { name: 'Column Converted → status' });
    await values.waitFor();
    // Every row is refused until 1 and 0 mean something.
    await page.getByText('2 values are not a status').waitFor();
    await page.getByText('unknown status "1"').first().waitFor();
    expect(await page.locator('.row-error').count()).toBe(2 + 12);
    expect(await values.getByRole('row').allTextContents()).toEqual(['Value in the fileRowsStored as', expect.stringMatching(/^08/), expect.stringMatching(/^14/)]);
    await web.screenshot('import-values-unmapped');

    const one = page.getByLabel('Status for the value 1 of Converted');
    const zero = page.getByLabel('Status for the value 0 of Converted');
    expect(await one.getAttribute('aria-invalid')).toBe('true');
    await one.selectOption('closed_won');
    await page.getByText('“0” is not a status').waitFor();
    await zero.selectOption('closed_lost');
    await page.getByText('Every value becomes a status').waitFor();
    // The preview ran again under the map: no errors, the rows carry the mapped statuses.
    await until('the preview without errors', async () => (await page.locator('.row-error').count()) === 0);
    expect(await page.getByText(/unknown status/).count()).toBe(0);
    expect(await one.inputValue()).toBe('closed_won');
    expect(await zero.inputValue()).toBe('closed_lost');
    expect(await one.getAttribute('aria-invalid')).toBeNull();
    const previewStatuses = await page.locator('.preview-scroll tbody tr td:nth-child(5)').allTextContents();
    expect(previewStatuses.slice(0, 4)).toEqual(['closed_won', 'closed_lost', 'closed_lost', 'closed_won']);
    // Tags take any text: renaming one is optional, folded away until asked for.
    await page.getByText('Column Tags → tags: 2 distinct values').click();
    const vip = page.getByLabel('Tags for the value vip of Tags');
    await vip.fill('VIP customer');
    await vip.press('Enter');
    await page.getByText('Column Tags → tags: 2 distinct values, 1 renamed').waitFor();
    expect(await page.getByLabel('Tags for the value vip of Tags').inputValue()).toBe('VIP customer');
    await web.screenshot('import-values-mapped');

    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('.stat').filter({ hasText: 'Leads created' }).locator('.stat__value').textContent()).toBe('12');
    expect(await page.locator('.stat').filter({ hasText: 'Rows rejected' }).locator('.stat__value').textContent()).toBe('0');

    // Stored: the import's mapping carries the value map, and the leads have the mapped statuses.
    const imports = await admin.get('/api/v1/imports');
    expect(imports.body.data[0].mapping.values).toEqual({ status: { '1': 'closed_won', '0': 'closed_lost' }, tags: { vip: 'VIP customer' } });
    const leads = await until('the imported leads', async () => {
      const r = await admin.get('/api/v1/leads?limit=50&sort=name');
      return r.body.data.length === 12 ? (r.body.data as { email: string; status: string; tags: string[] }[]) : undefined;
    });
    const byEmail = new Map(leads.map((l) => [l.email, l]));
    for (let i = 0; i < 12; i++) {
      expect(byEmail.get(`buyer${i}@values.example`), `buyer${i}`).toMatchObject({ status: i % 3 === 0 ? 'closed_won' : 'closed_lost', tags: i % 2 ? ['VIP customer', 'webinar'] : ['webinar'] });
    }

    expect(web.problems).toEqual([]);
    await web.close();
  });
});
