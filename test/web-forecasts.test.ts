import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { audit } from './helpers/axe.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { createForecastsService } from '../src/modules/forecasts/forecasts.service.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

interface Point {
  period_start: string;
  period_end: string;
  predicted_value: number;
  confidence_lower: number;
  confidence_upper: number;
  actual: number | null;
}

/** The first day of the month `back` months before this one, at `day` (UTC noon: no zone puts it in another month). */
function monthDay(back: number, day: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, day, 12));
}

/** What the browser shows for an amount: its own compact money format (the screens' formatMoneyCompact). */
async function compactMoney(page: Page, value: number): Promise<string> {
  return (await page.evaluate(`new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 }).format(${value})`)) as string;
}

/**
 * The Forecasts screen and the dashboard's card over an organization with 14 months of won
 * and lost deals and an open pipeline: an admin makes the first forecast from the screen and
 * follows its job; the screen shows the band chart, scenarios, categories, drivers that link
 * to the leads and the accuracy in words; the figures are the API's; a sales rep reads it all
 * without the button; a run made elsewhere (forecast.generated on the live stream) shows without a reload.
 */
describe.skipIf(!hasChromium)(`web app: forecasts in Chromium (${MODE})`, { timeout: 120_000 }, () => {
  const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let rep: Awaited<ReturnType<typeof inviteUser>>;
  let acmeId = '';
  /** Revenue won last month in the fixture: the history's "actual" for that month must be it. */
  let wonLastMonth = 0;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Forecast Web');
    rep = await inviteUser(owner.client, url, 'sales_rep', 'Sam Rep');
    const db = app().database.db;
    // 14 months of history, as an import of past deals leaves it: 5 to 9 leads a month on
    // varied days, about half won (values growing with time) after 6 to 35 days, the rest
    // lost; a few of the last two months still being worked.
    const DAY = 86_400_000;
    const now = Date.now();
    const lastMonth = [monthDay(1, 1).getTime() - 12 * 3_600_000, monthDay(0, 1).getTime() - 12 * 3_600_000];
    const rows: { first: string; status: string; created: Date; closed: Date | null; value: number | null }[] = [];
    for (let back = 14; back >= 1; back--) {
      const n = 5 + ((back * 7) % 5);
      for (let i = 0; i < n; i++) {
        const created = new Date(monthDay(back, 2 + ((i * 4 + back) % 24)).getTime());
        const closedAt = new Date(Math.min(created.getTime() + (6 + ((i * 9 + back * 5) % 30)) * DAY, now - DAY));
        const status = back <= 2 && i % 4 === 3 ? 'contacted' : i % 4 < 2 ? 'closed_won' : 'closed_lost';
        const value = status === 'closed_won' ? 8_000 + 1_000 * (i % 3) + 250 * (14 - back) : null;
        const closed = status === 'contacted' ? null : closedAt;
        if (status === 'closed_won' && closedAt.getTime() >= lastMonth[0]! && closedAt.getTime() < lastMonth[1]!) wonLastMonth += value!;
        rows.push({ first: `Past${back}-${i}`, status, created, closed, value });
      }
    }
    await sql`INSERT INTO leads (organization_id, first_name, last_name, company, status, created_at, status_changed_at, closed_at, deal_value)
      VALUES ${sql.join(rows.map((r) => sql`(${owner.organizationId}, ${r.first}, 'History', ${`${r.first} Ltd`}, ${r.status}, ${r.created}, ${r.closed ?? r.created}, ${r.closed}, ${r.value})`))}`.execute(db);
    // The open pipeline: one large negotiation that must lead the drivers, and smaller deals.
    const open = [
      { first: 'Ada', company: 'Acme Forecast Corp', status: 'negotiation', value: 250_000, p: 0.85 },
      { first: 'Gus', company: 'Globex Forecast', status: 'proposal', value: 30_000, p: 0.5 },
      { first: 'Ivy', company: 'Initech Forecast', status: 'qualified', value: 12_000, p: 0.3 },
    ];
    for (const o of open) {
      const r = await owner.client.post('/api/v1/leads', { first_name: o.first, last_name: 'Open', company: o.company, status: o.status, deal_value: o.value });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      await sql`UPDATE leads SET created_at = now() - interval '25 days', conversion_probability = ${o.p} WHERE id = ${r.body.id}`.execute(db);
      if (o.company === 'Acme Forecast Corp') acmeId = r.body.id as string;
    }
  });
  afterAll(async () => browser?.close());

  it('an admin makes the first forecast from the screen and reads it; the dashboard shows the month; a sales rep reads it without the button', async () => {
    const web = await openWebPage(browser, { width: 1440, height: 1000 });
    const { page } = web;
    await signIn(web, url(''), owner.email);
    // Before any forecast: the dashboard's card and the screen say so, and what to do.
    await page.getByText('No forecast yet. Forecasts are made every night').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Forecasts' }).click();
    await page.getByRole('heading', { name: 'No forecast yet' }).waitFor();
    await page.getByText('Forecasts are made every night from your open pipeline and your won deals; you can make one now.').waitFor();

    await page.getByRole('button', { name: 'Make a forecast now' }).click();
    // The job's progress, then the forecast in place of the empty state (no reload).
    const headline = page.locator('.fc-headline');
    await headline.waitFor({ timeout: 90_000 });
    const api = (await owner.client.get('/api/v1/forecasts?granularity=monthly')).body as { today: string; level: number; series: Record<string, { points: (Point & { current: boolean })[] }>; history: { forecast_type: string; period_start: string; actual: number }[]; accuracy: Record<string, { periods: number; inside: number; level: number }> };
    // "This month" is the one the server marks (the organization's date), not the browser's.
    const month = api.series.revenue!.points.find((p) => p.current)!;
    expect(month, 'the API has this month').toBeDefined();
    expect(month.period_start <= api.today && api.today <= month.period_end).toBe(true);
    // The screen's figures are the API's.
    const [median, lower, upper] = await Promise.all([month.predicted_value, month.confidence_lower, month.confidence_upper].map((v) => compactMoney(page, v)));
    expect(await headline.textContent()).toContain(`This month: ${median}, likely between ${lower} and ${upper}`);
    await page.locator('.band-chart canvas').first().waitFor();

    const scenarios = page.getByRole('region', { name: 'Scenarios' });
    for (const name of ['Worst case', 'Expected', 'Best case']) await scenarios.getByText(name, { exact: true }).waitFor();
    const categories = page.getByRole('region', { name: 'By forecast category' });
    for (const name of ['Closed', 'Commit', 'Best case', 'Pipeline']) await categories.getByText(name, { exact: true }).waitFor();

    // Drivers: the big negotiation first, linking to its lead.
    const drivers = page.getByRole('list', { name: 'Key drivers' });
    const acme = drivers.getByRole('link', { name: /Acme Forecast Corp/ });
    expect(await acme.getAttribute('href')).toBe(`/leads/${acmeId}`);

    // Forecast vs actual: the record in words, and last month's actual is the fixture's revenue.
    const revenueRecord = api.accuracy.revenue;
    expect(revenueRecord && revenueRecord.periods, 'backtested months').toBeGreaterThan(0);
    const sentence = `Last ${revenueRecord!.periods} month${revenueRecord!.periods === 1 ? '' : 's'}: actual revenue inside the`;
    const accuracy = page.getByRole('list', { name: 'Accuracy' });
    expect(await accuracy.getByRole('listitem').first().textContent()).toMatch(new RegExp(`^${sentence} 80\\s?% band ${revenueRecord!.inside} times?.* All backtests: forecasts re-made from what was known at each month's start\\.$`));
    const lastMonth = api.history.find((h) => h.forecast_type === 'revenue' && h.period_start === monthDay(1, 1).toISOString().slice(0, 10));
    expect(lastMonth?.actual, 'the history of last month counts the won deals of the fixture').toBe(wonLastMonth);
    await web.screenshot('forecasts-1440');
    expect(await audit(web, 'forecasts@1440')).toEqual([]);

    // A quarter is a view of the months.
    await page.getByRole('button', { name: 'Quarterly' }).click();
    await headline.getByText('This quarter:').waitFor();
    expect(page.url()).toContain('granularity=quarterly');

    // The dashboard's card: the same median and band as the screen's month.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    const card = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Revenue forecast this month' }) });
    await card.getByText('likely between').waitFor();
    expect(await card.textContent()).toContain(`${median}likely between ${lower} and ${upper}`);
    await web.screenshot('forecasts-dashboard-card');
    expect(web.problems).toEqual([]);
    await web.close();

    // A sales rep at phone width: everything to read, nothing to refresh.
    const phone = await openWebPage(browser, { width: 390, height: 844 });
    await signIn(phone, url(''), rep.email);
    await phone.page.goto(url('/forecasts'));
    await phone.page.locator('.fc-headline').waitFor();
    expect(await phone.page.locator('.fc-headline').textContent()).toContain(`This month: ${median}`);
    // The deals are the admin's: the rep sees their sum on one line, not their names.
    const repDrivers = phone.page.getByRole('list', { name: 'Key drivers' });
    await repDrivers.getByText(/^Deals outside your leads: \+\$/).waitFor();
    expect(await repDrivers.getByText(/Acme Forecast Corp/).count()).toBe(0);
    expect(await phone.page.getByRole('button', { name: /forecast/i }).count()).toBe(0);
    await phone.page.locator('.band-chart canvas').first().waitFor();
    expect(await phone.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await phone.screenshot('forecasts-390-sales-rep');

    // Live: a deal of $250k won today, and a run made outside the web app (as the nightly job or
    // `leadai forecast` make it: no job the screen follows). Its forecast.generated event on the
    // stream refetches the screen: the month's figures move without a reload.
    const big = await owner.client.post('/api/v1/leads', { first_name: 'Live', last_name: 'Win', company: 'Live Win Corp', deal_value: 250_000 });
    expect((await owner.client.patch(`/api/v1/leads/${big.body.id}`, { status: 'closed_won' })).status).toBe(200);
    await createForecastsService(app().database.db).generate(owner.organizationId, { backtests: false });
    await phone.page.locator('.fc-headline').filter({ hasNotText: `This month: ${median}` }).waitFor({ timeout: 20_000 });
    expect(phone.problems).toEqual([]);
    await phone.close();
  });
});
