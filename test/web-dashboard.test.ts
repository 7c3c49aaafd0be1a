import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.skipIf(!hasChromium)(`web app: dashboard and insights in Chromium (${MODE})`, () => {
  const { app, url } = useServer();
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  const ids: Record<string, string> = {};

  async function lead(name: string, fields: Record<string, unknown> = {}) {
    const r = await owner.client.post('/api/v1/leads', { first_name: name, last_name: 'Test', company: `${name} Corp`, ...fields });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  }

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Dash Web');
    const now = Date.now();
    ids.ann = await lead('Ann', { assigned_to: owner.userId, next_follow_up_at: new Date(now - 2 * DAY).toISOString() });
    ids.bob = await lead('Bob', { assigned_to: owner.userId });
    ids.cat = await lead('Cat', { deal_value: 500 });
    ids.dan = await lead('Dan', { deal_value: 1200 });
    for (const [id, statuses] of [[ids.bob, ['contacted']], [ids.cat, ['contacted', 'qualified']], [ids.dan, ['contacted', 'qualified', 'closed_won']]] as const) {
      for (const status of statuses) expect((await owner.client.patch(`/api/v1/leads/${id}`, { status })).status).toBe(200);
    }
    // Scores as the scoring job leaves them (workers are off): Bob gained 30 points this week.
    const db = app().database.db;
    await sql`UPDATE leads SET current_score = 80 WHERE id = ${ids.bob}`.execute(db);
    await sql`UPDATE leads SET current_score = 64 WHERE id = ${ids.cat}`.execute(db);
    await sql`INSERT INTO lead_scores (organization_id, lead_id, score, confidence, model_version, explanation, created_at)
              VALUES (${owner.organizationId}, ${ids.bob}, 50, 0.5, 'v1', '[]', ${new Date(now - 10 * DAY)}),
                     (${owner.organizationId}, ${ids.bob}, 80, 0.5, 'v1', '[]', ${new Date(now - HOUR)})`.execute(db);
    // Two insights on the owner's leads, as the insights engine raises them.
    await sql`INSERT INTO ai_insights (organization_id, lead_id, insight_type, reason, title, description, confidence, priority, data)
              VALUES (${owner.organizationId}, ${ids.bob}, 'buying_signal', 'pricing_spike', 'Bob is reading the pricing page', 'Bob viewed pricing 5 times in 2 days.', 0.85, 'urgent',
                      ${JSON.stringify({ signals: ['pricing_page_views'], evidence: [{ at: new Date(now - HOUR).toISOString(), signal: 'pricing_page_views', evidence: 'Viewed /pricing' }], window_days: 2 })}::jsonb),
                     (${owner.organizationId}, ${ids.ann}, 'churn_risk', 'engagement_decay', 'Ann is going quiet', 'No reply to the last 3 emails.', 0.6, 'high', '{"days_silent": 21}'::jsonb)`.execute(db);
  });
  afterAll(async () => browser?.close());

  it('shows KPIs against the previous period, the funnel, hot leads, follow-ups and the inbox; acknowledges from the inbox', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);

    const kpis = page.getByRole('list', { name: 'Key figures' });
    await kpis.getByText('New leads').waitFor();
    const newLeads = kpis.getByRole('listitem').filter({ hasText: 'New leads' });
    expect(await newLeads.textContent()).toMatch(/New leadscreated in the period4.*vs 0 in the 30 days before/);
    expect(await kpis.getByRole('listitem').filter({ hasText: 'Revenue won' }).textContent()).toContain('$1.2K');

    const funnel = page.getByRole('list', { name: /Leads that reached each step in the last 30 days/ });
    const steps = await funnel.getByRole('listitem').allTextContents();
    expect(steps[0]).toMatch(/New\s*4/);
    expect(steps[1]).toMatch(/75\s*% as many as new.*Contacted\s*3/); // 3 of 4 reached contacted
    expect(steps[2]).toMatch(/67\s*% as many as contacted.*Qualified\s*2/);
    // The cards are the funnel's figures: Won above, Closed won at the funnel's end.
    expect(steps[5]).toMatch(/Closed won\s*1/);
    expect(await kpis.getByRole('listitem').filter({ hasText: 'marked won in the period' }).locator('.kpi__value').textContent()).toBe('1');

    const hot = page.getByRole('table').filter({ hasText: '7-day change' });
    const bobRow = hot.getByRole('row').filter({ hasText: 'Bob Test' });
    expect(await bobRow.textContent()).toMatch(/80.*up 30 points/);
    expect(await bobRow.getByRole('link', { name: 'Bob Test' }).getAttribute('href')).toBe(`/leads/${ids.bob}`);

    const overdue = page.getByRole('region', { name: 'Overdue: 1' });
    await overdue.getByRole('link', { name: 'Ann Test' }).waitFor();

    await page.getByText('Bob is reading the pricing page').waitFor();
    await web.screenshot('dashboard');
    await page.getByRole('button', { name: 'Acknowledge: Bob is reading the pricing page (Bob Test)' }).click();
    await page.getByText('Bob is reading the pricing page').waitFor({ state: 'detached' });
    // The item leaves the inbox at once (optimistic); the server's answer may come a moment later.
    const acknowledged = await until('the acknowledgement stored', async () => {
      const r = await owner.client.get(`/api/v1/insights?lead_id=${ids.bob}`);
      const insight = (r.body.data as { title: string; acknowledged_at: string | null }[]).find((i) => i.title === 'Bob is reading the pricing page');
      return insight?.acknowledged_at ? insight : null;
    });
    expect(acknowledged.acknowledged_at).not.toBeNull();

    await page.getByRole('button', { name: '7 days' }).click();
    await page.getByText('The last 7 days, compared with the 7 days before.').waitFor();
    expect(await page.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed')).toBe('true');

    const tablet = await openWebPage(browser, { width: 768, height: 1000 });
    await signIn(tablet, url(''), owner.email);
    await tablet.page.getByRole('list', { name: 'Key figures' }).waitFor();
    await tablet.page.getByText('Ann is going quiet').waitFor();
    expect(await tablet.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await tablet.screenshot('dashboard-768');
    expect([...web.problems, ...tablet.problems]).toEqual([]);
    await tablet.close();
    await web.close();
  });

  it('insights: filters by type and priority, shows evidence, dismisses with a reason (refused empty, in words), and it persists', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Insights' }).click();
    await page.getByRole('heading', { name: 'Insights', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Ann is going quiet' }).waitFor();

    await page.getByRole('button', { name: 'All insights' }).click();
    await page.getByLabel('Acknowledged').selectOption('');
    await page.getByRole('heading', { name: 'Bob is reading the pricing page' }).waitFor();
    await page.getByLabel('Type').selectOption('churn_risk');
    await page.getByRole('heading', { name: 'Bob is reading the pricing page' }).waitFor({ state: 'detached' });
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('Priority').selectOption('urgent');
    await page.getByRole('heading', { name: 'Ann is going quiet' }).waitFor({ state: 'detached' });
    const bob = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Bob is reading the pricing page' }) });
    await bob.locator('summary').filter({ hasText: 'Evidence' }).click();
    await bob.getByText('Viewed /pricing').waitFor();
    expect(await bob.textContent()).toMatch(/85\s?% confidence/);
    await web.screenshot('insights');

    await page.getByLabel('Priority').selectOption('');
    const ann = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Ann is going quiet' }) });
    await ann.getByRole('button', { name: 'Dismiss: Ann is going quiet' }).click();
    await ann.getByRole('button', { name: 'Dismiss insight' }).click();
    await ann.getByText('say why the insight does not apply').waitFor();
    await ann.getByLabel('Why does this not apply?').fill('She is on parental leave until March');
    await ann.getByRole('button', { name: 'Dismiss insight' }).click();
    await page.getByText('Insight dismissed').waitFor();
    const dismissed = await owner.client.get(`/api/v1/insights?lead_id=${ids.ann}`);
    expect(dismissed.body.data[0]).toMatchObject({ status: 'dismissed', dismiss_reason: 'She is on parental leave until March' });

    await page.getByLabel('Status').selectOption('dismissed');
    await page.getByText('“She is on parental leave until March”').waitFor();
    await web.screenshot('insights-dismissed');
    expect(web.problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    await web.close();
  });
});
