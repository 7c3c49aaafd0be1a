import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { inviteUser, openWebPage, signIn, signUpThroughUi } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

const COMPANIES = ['Acme Robotics', 'Globex Foods', 'Initech Systems', 'Umbrella Health', 'Stark Logistics', 'Wayne Media', 'Hooli Cloud', 'Vandelay Imports'];

function leadsCsv(): string {
  const lines = ['First Name,Last Name,Email,Company,Job Title,Lead Status,Industry,Employees'];
  for (let i = 0; i < 40; i++) {
    const company = i === 7 ? 'Zephyrine Analytics' : COMPANIES[i % COMPANIES.length]!;
    lines.push(`Person${i},Tester${i},person${i}@example${i % 5}.com,${company},${i % 3 === 0 ? 'VP Sales' : 'Analyst'},${i % 4 === 0 ? 'Qualified' : 'New'},${i % 2 ? 'Software' : 'Retail'},${10 + i * 7}`);
  }
  // Rejected: nothing to name the lead by.
  lines.push(',,,,,New,Retail,5');
  return lines.join('\n') + '\n';
}

/**
 * The main path of the web app against the real server (workers on: imports run, leads are
 * analysed and rescored): sign up, import a CSV, see scored leads, read a lead's explanation,
 * log an activity and watch the timeline and score follow; search as you type; a viewer.
 */
describe.skipIf(!hasChromium)(`web app: leads in Chromium (${MODE})`, () => {
  const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;
  let admin: Client;
  let adminEmail = '';
  let leadId = '';

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it('signs up, imports a CSV, shows scored leads, explains a score, and logs a call that reaches the timeline and the score', { timeout: 180_000 }, async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    const { email, password } = await signUpThroughUi(page, url(''), 'Pipeline Pros');
    adminEmail = email;
    admin = new Client(url);
    admin.csrf = (await admin.post('/api/v1/auth/login', { email, password })).body.csrf_token;

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Leads' }).click();
    await page.getByRole('heading', { name: 'No leads yet' }).waitFor();
    await web.screenshot('leads-empty');
    await page.getByRole('link', { name: 'Import a CSV' }).click();
    await page.getByRole('heading', { name: 'Import leads', level: 1 }).waitFor();
    await web.screenshot('import-upload');
    await page.getByLabel('CSV file').setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(leadsCsv()) });
    await page.getByRole('heading', { name: 'Columns of leads.csv' }).waitFor();
    expect(await page.getByLabel('Map column Email').inputValue()).toBe('email');
    expect(await page.getByLabel('Map column Company').inputValue()).toBe('company');
    await page.getByText('Zephyrine Analytics').first().waitFor();
    await web.screenshot('import-mapping');
    await page.getByRole('button', { name: 'Start import' }).click();
    await page.getByRole('heading', { name: 'Import finished' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('.stat').filter({ hasText: 'Leads created' }).locator('.stat__value').textContent()).toBe('40');
    expect(await page.locator('.stat').filter({ hasText: 'Rows rejected' }).locator('.stat__value').textContent()).toBe('1');
    expect(await page.getByRole('link', { name: /Download the 1 rejected rows/ }).getAttribute('href')).toMatch(/^\/api\/v1\/imports\/.+\/errors$/);
    await web.screenshot('import-result');

    // Scored in the background: wait until the server has scored every lead, then the table shows them.
    await until('every imported lead scored', async () => {
      const r = await admin.get('/api/v1/leads?limit=200');
      return r.body.data.length === 40 && r.body.data.every((l: { current_score: number }) => l.current_score > 0) ? true : undefined;
    }, 90_000);
    await page.getByRole('link', { name: 'See the leads' }).click();
    await page.getByRole('grid', { name: 'Leads' }).waitFor();
    await page.locator('.score-pill').first().waitFor();
    const firstScore = Number(await page.locator('.score-pill').first().textContent());
    expect(firstScore).toBeGreaterThan(0);
    await web.screenshot('leads-table');

    // Custom fields from the import are filterable and can be shown as columns.
    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByLabel('Industry').selectOption('Software');
    await page.waitForURL(/cf\.industry=Software/);
    await web.screenshot('leads-filters');
    // Saved on the server, per user: the view brings the filter back.
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByLabel('Name of the view').fill('Software leads');
    await page.getByRole('form', { name: 'Save this view' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('View “Software leads” saved').waitFor();
    await page.getByRole('button', { name: /Clear filters/ }).click();
    await page.waitForURL((u) => !u.search.includes('cf.industry'));
    await page.getByLabel('View', { exact: true }).selectOption({ label: 'Software leads' });
    await page.waitForURL(/cf\.industry=Software/);
    expect((await admin.get('/api/v1/saved-views')).body.data.map((v: { name: string }) => v.name)).toEqual(['Software leads']);
    await page.getByRole('button', { name: /Clear filters/ }).click();
    await page.getByRole('button', { name: /Filters/ }).click();

    // Open the best lead and read why it scores what it does.
    await page.locator('.lead-link').first().click();
    await page.getByRole('heading', { name: 'Why this score' }).waitFor();
    leadId = page.url().split('/leads/')[1]!;
    await page.getByTestId('explanation').locator('li').first().waitFor();
    const factors = await page.getByTestId('explanation').locator('li').allTextContents();
    expect(factors.length).toBeGreaterThan(0);
    expect(factors.every((f) => /^[+−]\d+\.\d/.test(f))).toBe(true);
    await web.screenshot('lead-detail');

    const before = (await admin.get(`/api/v1/leads/${leadId}/score`)).body;
    await page.getByLabel('Type').selectOption('call');
    await page.getByLabel('Subject').fill('Discovery call');
    await page.getByLabel('Outcome').fill('interested');
    await page.getByLabel('Notes').fill('Budget is approved and they want to sign the contract next week. Very happy with the demo.');
    await page.getByRole('button', { name: 'Log activity' }).click();
    await page.getByTestId('timeline').getByText('Discovery call').waitFor();

    // The call is analysed, the lead rescored; the page follows without a reload.
    // (Rescored once for the call, again once its text is analysed: the page shows the latest.)
    await until('the page showing the score the lead was rescored to', async () => {
      const s = (await admin.get(`/api/v1/leads/${leadId}/score`)).body;
      if (!s.scored_at || !(s.scored_at > before.scored_at)) return undefined;
      return Number(await page.getByTestId('score-value').textContent()) === s.score ? s : undefined;
    }, 60_000);
    await page.getByTestId('timeline').getByText(/Buying signal|buying signal/).first().waitFor({ timeout: 20_000 });
    await web.screenshot('lead-after-call');

    await page.getByRole('button', { name: 'Tomorrow 9:00' }).click();
    await page.getByText(/^Follow-up set for/).waitFor();
    const followUp = (await admin.get(`/api/v1/leads/${leadId}`)).body.next_follow_up_at;
    expect(new Date(followUp).getTime()).toBeGreaterThan(Date.now());

    expect(web.problems).toEqual([]);
    await web.close();
  });

  it('finds a lead by the first letters of its company as you type', { timeout: 60_000 }, async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), adminEmail);
    await page.goto(url('/leads'));
    await page.locator('.score-pill').first().waitFor();
    await page.getByLabel('Search leads').pressSequentially('zeph', { delay: 60 });
    await page.waitForURL(/q=zeph/);
    await page.locator('[data-column="company"]').filter({ hasText: 'Zephyrine Analytics' }).waitFor();
    expect(await page.locator('.lead-link').count()).toBe(1);
    await web.screenshot('leads-search');
    expect(web.problems).toEqual([]);
    await web.close();
  });

  it('exports the list as it is filtered, as a CSV download', { timeout: 60_000 }, async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), adminEmail);
    await page.goto(url('/leads?q=zeph'));
    await page.locator('[data-column="company"]').filter({ hasText: 'Zephyrine Analytics' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header).toMatch(/email/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('Zephyrine Analytics');
    expect(rows[0]).toContain('person7@example2.com');
    expect(web.problems).toEqual([]);
    await web.close();
  });

  it('shows a viewer no edit controls, and the server refuses a forged write', { timeout: 60_000 }, async () => {
    const viewer = await inviteUser(admin, url, 'viewer', 'Vera Viewer');
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), viewer.email);
    await page.goto(url('/leads'));
    await page.locator('.score-pill').first().waitFor();
    expect(await page.getByRole('link', { name: /Import CSV/ }).count()).toBe(0);
    await page.getByRole('checkbox', { name: /^Select Person/ }).first().check();
    expect(await page.getByRole('region', { name: 'Bulk actions' }).count()).toBe(0);
    await page.goto(url(`/leads/${leadId}`));
    await page.getByRole('heading', { name: 'Why this score' }).waitFor();
    await page.getByText('Read only').waitFor();
    expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Log an activity' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Merge/ }).count()).toBe(0);
    await web.screenshot('lead-detail-viewer');

    // The same request the hidden form would send, forged from the page with the viewer's own session and CSRF token.
    const forged = await page.evaluate(async (id) => {
      const csrf = /leadai_csrf=([^;]+)/.exec((globalThis as unknown as { document: { cookie: string } }).document.cookie)?.[1] ?? '';
      const res = await fetch(`/api/v1/leads/${id}/activities`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) }, body: JSON.stringify({ type: 'note', subject: 'forged' }) });
      return { status: res.status, body: (await res.json()) as { detail: string } };
    }, leadId);
    expect(forged.status).toBe(403);
    expect(forged.body.detail).toMatch(/viewer/);
    // The browser notes the refused request in the console; nothing else may be there.
    expect(web.problems.filter((p) => !/status of 403/.test(p))).toEqual([]);
    await web.close();
  });
});
