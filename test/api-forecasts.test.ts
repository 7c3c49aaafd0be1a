import { beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { runLeadai, withCliData } from './helpers/cli.ts';
import { openDatabase } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { createOrganization } from '../src/modules/organizations/organizations.service.ts';
import { MODE, SERVER_URL } from './helpers/db.ts';
import { plantHistory, type PlantedLead } from './helpers/forecast-history.ts';
import { until } from './helpers/wait.ts';
import { inviteUser } from './helpers/web.ts';

/**
 * Forecasts over real HTTP with the real job queue: POST queues a run, the worker makes it,
 * GET returns the contract's shape with numbers that fit the organization's history; who may
 * ask for a run and who may read; another organization sees nothing; bad input is
 * problem+json; and `leadai forecast --json` from the command line.
 */
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
const TYPES = ['revenue', 'lead_volume', 'conversion_rate', 'deal_velocity'] as const;
const DAY = 86_400_000;

let a: Awaited<ReturnType<typeof Client.signup>>;
let b: Awaited<ReturnType<typeof Client.signup>>;
let manager: Client;
let rep: Client;
let viewer: Client;
let planted: PlantedLead[];

beforeAll(async () => {
  a = await Client.signup(url, 'Forecast A');
  b = await Client.signup(url, 'Forecast B');
  manager = (await inviteUser(a.client, url, 'manager', 'Mia Manager')).client;
  rep = (await inviteUser(a.client, url, 'sales_rep', 'Rex Rep')).client;
  viewer = (await inviteUser(a.client, url, 'viewer', 'Vic Viewer')).client;
  // Fourteen months of history, as an import of past deals would leave it.
  planted = await plantHistory(app().database.db, { organizationId: a.organizationId, userId: a.userId, teamId: null, leads: 300, days: 400, seed: 5 });
}, 120_000);

async function runForecast(client: Client): Promise<number> {
  const r = await client.post('/api/v1/forecasts', {});
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  const jobId = r.body.job_id as number;
  const job = await until('the forecast job', async () => {
    const j = await client.get(`/api/v1/jobs/${jobId}`);
    return j.body.status === 'succeeded' || j.body.status === 'failed' ? j.body : null;
  }, 90_000);
  expect(job.status, JSON.stringify(job.last_error)).toBe('succeeded');
  return jobId;
}

describe(`forecasts API (${MODE})`, () => {
  it('has nothing to show before the first run', async () => {
    const r = await a.client.get('/api/v1/forecasts');
    expect(r.status).toBe(200);
    expect(r.body.generated_at).toBeNull();
    expect(r.body.level).toBe(0.8);
    for (const type of TYPES) expect(r.body.series[type].points).toEqual([]);
    expect(r.body.history).toEqual([]);
    expect(r.body.accuracy.revenue).toEqual({ periods: 0, inside: 0, level: 0.8, forecasts: { periods: 0, inside: 0 }, backtests: { periods: 0, inside: 0 } });
  });

  it('lets admins and managers ask for a run, and no other role', async () => {
    for (const client of [rep, viewer]) {
      const r = await client.post('/api/v1/forecasts', {});
      expect(r.status).toBe(403);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.detail).toMatch(/may not make forecasts/);
    }
    // Deduplicated while one waits: asking twice queues one run.
    const first = await manager.post('/api/v1/forecasts', {});
    expect(first.status).toBe(202);
  });

  it('makes a run in the background and serves it in the contract shape, with sane numbers', { timeout: 120_000 }, async () => {
    const jobId = await runForecast(a.client);
    const r = await a.client.get('/api/v1/forecasts?granularity=monthly');
    expect(r.status).toBe(200);
    const body = r.body;
    expect(Date.now() - Date.parse(body.generated_at)).toBeLessThan(120_000);
    expect(body.model_version).toBe('forecast-1.0.0');
    expect(body.currency).toBe('USD');
    expect(Object.fromEntries(TYPES.map((t) => [t, body.series[t].unit]))).toEqual({ revenue: 'money', lead_volume: 'count', conversion_rate: 'ratio', deal_velocity: 'money_per_day' });
    const today = new Date().toISOString().slice(0, 10);
    for (const type of TYPES) {
      const points = body.series[type].points as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
      const starts = points.map((p) => p.period_start);
      expect(starts).toEqual([...starts].sort());
      const future = points.filter((p) => p.period_end >= today);
      expect(future.length).toBe(6);
      for (const p of points) {
        expect(p.confidence_lower).toBeLessThanOrEqual(p.predicted_value + 1e-9);
        expect(p.predicted_value).toBeLessThanOrEqual(p.confidence_upper + 1e-9);
        expect(p.scenarios.worst).toBeLessThanOrEqual(p.scenarios.best);
      }
      // Past periods carry what happened; periods to come have no actual yet.
      expect(points.filter((p) => p.period_start > today).every((p) => p.actual === null)).toBe(true);
      expect(points.filter((p) => p.period_end < today).every((p) => p.actual !== null || type === 'conversion_rate')).toBe(true);
    }
    // Backtests of the past six months (computed as of each month's start): history and accuracy.
    const revenuePast = body.series.revenue.points.filter((p: { period_end: string }) => p.period_end < today);
    expect(revenuePast.length).toBe(6);
    const revenueHistory = body.history.filter((h: { forecast_type: string }) => h.forecast_type === 'revenue');
    expect(revenueHistory.length).toBeGreaterThanOrEqual(6);
    expect(revenueHistory.every((h: { made_at: string; period_start: string }) => h.made_at.slice(0, 10) <= h.period_start)).toBe(true);
    expect(body.accuracy.revenue.periods).toBe(revenueHistory.filter((h: { inside: boolean | null }) => h.inside !== null).length);
    // They are backtests, and accuracy says so: no forecast was on record before those months.
    expect(revenueHistory.every((h: { kind: string }) => h.kind === 'backtest')).toBe(true);
    expect(body.accuracy.revenue.backtests).toEqual({ periods: body.accuracy.revenue.periods, inside: body.accuracy.revenue.inside });
    expect(body.accuracy.revenue.forecasts).toEqual({ periods: 0, inside: 0 });
    // "This month" is the server's, in the organization's time zone: one point per series.
    expect(body.today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const type of TYPES) {
      const marked = body.series[type].points.filter((p: { current: boolean }) => p.current);
      expect(marked).toHaveLength(1);
      expect(marked[0].period_start <= body.today && body.today <= marked[0].period_end).toBe(true);
    }
    expect(body.accuracy.revenue.inside).toBe(revenueHistory.filter((h: { inside: boolean }) => h.inside).length);
    for (const h of revenueHistory) expect(h.inside).toBe(h.actual >= h.confidence_lower && h.actual <= h.confidence_upper);

    // Sane: lead volume near the history's 22 a month; revenue near the months won before.
    const current = body.series.revenue.points.find((p: { period_start: string; period_end: string }) => p.period_start <= today && today <= p.period_end);
    const next = body.series.lead_volume.points.find((p: { period_start: string }) => p.period_start > today);
    expect(next.predicted_value).toBeGreaterThan(10);
    expect(next.predicted_value).toBeLessThan(40);
    const wonMonthly = planted.filter((l) => l.won && l.decided && l.decided.getTime() > Date.now() - 180 * DAY).length / 6;
    const nextRevenue = body.series.revenue.points.find((p: { period_start: string }) => p.period_start > today);
    // 300 leads over 400 days, 30 % won at $1k–$5k: roughly $20k a month.
    expect(nextRevenue.predicted_value).toBeGreaterThan(wonMonthly * 1000);
    expect(nextRevenue.predicted_value).toBeLessThan(wonMonthly * 6000);
    const rate = body.series.conversion_rate.points.find((p: { period_start: string }) => p.period_start > today);
    expect(rate.predicted_value).toBeGreaterThan(0.1);
    expect(rate.predicted_value).toBeLessThan(0.55);

    // Scenarios: the categories add up to the expected revenue.
    const c = current.scenarios.categories;
    expect(c.closed + c.commit + c.best_case + c.pipeline).toBeCloseTo(current.scenarios.expected, -1);
    expect(c.closed).toBe(current.actual);
    // Key drivers in words, lead drivers pointing at this organization's open leads.
    const leadDrivers = current.key_drivers.filter((d: { kind: string }) => d.kind === 'lead');
    expect(leadDrivers.length).toBeGreaterThan(0);
    const ids = new Set(planted.map((l) => l.id));
    for (const d of leadDrivers) {
      expect(ids.has(d.lead_id)).toBe(true);
      expect(d.label).toMatch(/^Company \d+, \w+, p = 0\.\d\d, \$[\d.]+K?: \+\$[\d.]+K? expected this month$/);
    }
    // Velocity: first the last 30 days' figure the listed inputs multiply to (so a card showing them agrees), then each input.
    const velocityDrivers = body.series.deal_velocity.points[0].key_drivers as { label: string; detail: string; effect: number }[];
    expect(velocityDrivers.map((d) => d.label.split(':')[0])).toEqual(['Last 30 days', 'Open opportunities', 'Win rate', 'Average won deal', 'Sales cycle']);
    expect(velocityDrivers[0]!.detail).toMatch(/^\d+ open × [\d.]+ % won × \$[\d.,]+K? ÷ \d+ days; /);
    // The inputs as shown (e.g. "$121.7K", "26.9 %", "61 days") multiply to the first figure, within their display rounding.
    const shown = velocityDrivers.slice(1).map((d) => d.label.split(': ')[1]!.split(' (')[0]!);
    const num = (t: string) => Number(t.replace(/[^\d.]/g, '')) * (/K$/.test(t) ? 1e3 : /M$/.test(t) ? 1e6 : 1);
    const [vOpen, vRate, vDeal, vCycle] = shown.map(num);
    expect(Math.abs(velocityDrivers[0]!.effect - (vOpen! * (vRate! / 100) * vDeal!) / vCycle!) / velocityDrivers[0]!.effect).toBeLessThan(0.05);

    // Every granularity of the run; quarters as months summed.
    const weekly = (await a.client.get('/api/v1/forecasts?granularity=weekly')).body;
    expect(weekly.series.lead_volume.points.filter((p: { period_end: string }) => p.period_end >= today)).toHaveLength(13);
    const daily = (await a.client.get('/api/v1/forecasts?granularity=daily')).body;
    expect(daily.series.revenue.points.filter((p: { period_end: string }) => p.period_end >= today)).toHaveLength(30);
    const quarterly = (await a.client.get('/api/v1/forecasts?granularity=quarterly')).body;
    const quarters = quarterly.series.revenue.points.filter((p: { period_end: string }) => p.period_end >= today);
    expect(quarters.length).toBeGreaterThanOrEqual(2);
    expect(quarters[0].scenarios.categories).toBeDefined();

    // Forecasts are organization-level: every role that reads leads reads them.
    for (const client of [manager, rep, viewer]) {
      const seen = await client.get('/api/v1/forecasts');
      expect(seen.status).toBe(200);
      expect(seen.body.generated_at).toBe(body.generated_at);
    }
    // A sales rep reads the figures but not the deals of others: none of the organization's lead ids
    // or names (all assigned to the admin), one anonymous line holding their expected revenue.
    const repBody = (await rep.get('/api/v1/forecasts')).body;
    const repText = JSON.stringify(repBody);
    expect(planted.filter((l) => repText.includes(l.id))).toEqual([]);
    expect(repText).not.toMatch(/Company \d+/);
    const repCurrent = repBody.series.revenue.points.find((p: { period_start: string }) => p.period_start === current.period_start);
    expect(repCurrent.key_drivers.filter((d: { kind: string }) => d.kind === 'lead')).toEqual([]);
    const folded = repCurrent.key_drivers.find((d: { label: string }) => d.label.startsWith('Deals outside your leads: +$'));
    expect(folded.effect).toBeCloseTo(leadDrivers.reduce((s: number, d: { effect: number }) => s + d.effect, 0), 1);
    expect(folded.lead_id).toBeUndefined();
    // Another organization sees nothing of it: no forecast, no job.
    const other = await b.client.get('/api/v1/forecasts');
    expect(other.body.generated_at).toBeNull();
    expect(other.body.series.revenue.points).toEqual([]);
    expect(other.body.history).toEqual([]);
    expect((await b.client.get(`/api/v1/jobs/${jobId}`)).status).toBe(404);
    // A forecast that was on record before last month began is counted apart from the backtests
    // and preferred to the backtest of that month.
    const lastMonth = revenueHistory.at(-1) as { period_start: string; inside: boolean };
    const db = app().database.db;
    const backtest = await db.selectFrom('forecasts').selectAll().where('organization_id', '=', a.organizationId).where('granularity', '=', 'monthly')
      .where('forecast_type', '=', 'revenue').where('kind', '=', 'backtest').where('period_start', '=', lastMonth.period_start as never).executeTakeFirstOrThrow();
    const { id: _id, created_at: _created, ...copy } = backtest;
    await db.insertInto('forecasts').values({ ...copy, key_drivers: JSON.stringify(copy.key_drivers), scenarios: JSON.stringify(copy.scenarios), kind: 'forecast', run_id: null, made_as_of: new Date(copy.made_as_of.getTime() - 3 * DAY), created_at: new Date(copy.made_as_of.getTime() - 3 * DAY) }).execute();
    const withRecord = (await a.client.get('/api/v1/forecasts')).body;
    const entry = withRecord.history.find((h: { forecast_type: string; period_start: string }) => h.forecast_type === 'revenue' && h.period_start === lastMonth.period_start);
    expect(entry).toMatchObject({ kind: 'forecast', inside: lastMonth.inside });
    expect(Date.parse(entry.made_at)).toBeLessThan(Date.parse(lastMonth.period_start) - 2 * DAY);
    expect(withRecord.accuracy.revenue.forecasts).toEqual({ periods: 1, inside: lastMonth.inside ? 1 : 0 });
    expect(withRecord.accuracy.revenue.backtests.periods).toBe(body.accuracy.revenue.periods - 1);
    expect(withRecord.accuracy.revenue.periods).toBe(body.accuracy.revenue.periods);
    // Its own run, on no data, works and stays its own; its nightly run is queued for 01:00 in
    // its own time zone (not 01:00 UTC, 13:00 or 14:00 there).
    await app().database.db.updateTable('organizations').set({ settings: JSON.stringify({ timezone: 'Pacific/Auckland' }) }).where('id', '=', b.organizationId).execute();
    await runForecast(b.client);
    const nightly = await app().database.db.selectFrom('jobs').select('run_at').where('organization_id', '=', b.organizationId).where('queue', '=', 'forecasts.generate').where('dedupe_key', '=', 'daily').executeTakeFirstOrThrow();
    const runAt = new Date(nightly.run_at);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(runAt)).toBe('01:00');
    expect(runAt.getTime() - Date.now()).toBeGreaterThan(0);
    expect(runAt.getTime() - Date.now()).toBeLessThanOrEqual(DAY);
    const own = (await b.client.get('/api/v1/forecasts')).body;
    expect(own.series.revenue.points.every((p: { predicted_value: number }) => p.predicted_value === 0)).toBe(true);
    expect((await a.client.get('/api/v1/forecasts')).body.generated_at).toBe(body.generated_at);
  });

  it('shows the same sales velocity, win rate, revenue and lead count for a past month as the team metrics (one definition), reopened deals included', { timeout: 120_000 }, async () => {
    // Deals won or lost, reopened weeks later, then won, lost or left open: both read the
    // same outcome moves (outcomes.ts), so they agree on them too.
    const reopened = await plantHistory(app().database.db, { organizationId: a.organizationId, userId: a.userId, teamId: null, leads: 80, days: 300, seed: 9, reopen: 0.7 });
    expect(reopened.filter((l) => l.changes.some((c) => c.to === 'negotiation' && ['closed_won', 'closed_lost'].includes(c.from))).length).toBeGreaterThan(10);
    await runForecast(a.client);
    const body = (await a.client.get('/api/v1/forecasts?granularity=monthly')).body;
    const today = body.today as string;
    const pastMonths = (body.series.deal_velocity.points as { period_start: string; period_end: string; actual: number | null }[]).filter((p) => p.period_end < today);
    expect(pastMonths.length).toBeGreaterThanOrEqual(3);
    const refresh = await a.client.post('/api/v1/metrics/refresh', {});
    expect(refresh.status, JSON.stringify(refresh.body)).toBe(202);
    const job = await until('the metrics rollup', async () => {
      const j = await a.client.get(`/api/v1/jobs/${refresh.body.job_id}`);
      return ['succeeded', 'failed'].includes(j.body.status) ? j.body : undefined;
    }, 60_000);
    expect(job.status, job.last_error).toBe('succeeded');
    const first = pastMonths[0]!.period_start;
    const last = pastMonths[pastMonths.length - 1]!.period_start;
    const m = await a.client.get(`/api/v1/metrics?period=month&from=${first}&to=${last}`);
    expect(m.status, JSON.stringify(m.body)).toBe(200);
    const org = (m.body.data as { kind: string; periods: { period_start: string; figures: { sales_velocity: number | null; revenue_generated: number; leads_created: number; conversion_rate: number | null } }[] }[]).find((s) => s.kind === 'organization')!;
    const actualOf = (type: string, start: string) => (body.series[type].points as { period_start: string; actual: number | null }[]).find((p) => p.period_start === start)?.actual ?? null;
    for (const p of pastMonths) {
      const figures = org.periods.find((x) => x.period_start === p.period_start)?.figures;
      expect(figures, p.period_start).toBeDefined();
      const velocity = actualOf('deal_velocity', p.period_start);
      if (figures!.sales_velocity === null) expect(velocity).toBeNull();
      else expect(velocity, p.period_start).toBeCloseTo(figures!.sales_velocity, 1);
      expect(actualOf('revenue', p.period_start), p.period_start).toBeCloseTo(figures!.revenue_generated, 1);
      expect(actualOf('lead_volume', p.period_start), p.period_start).toBe(figures!.leads_created);
      if (figures!.conversion_rate !== null) expect(actualOf('conversion_rate', p.period_start)!, p.period_start).toBeCloseTo(figures!.conversion_rate, 2);
    }
  });

  it('refuses bad input with problem+json that says what to fix', async () => {
    const bad = await a.client.get('/api/v1/forecasts?granularity=yearly');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(bad.body)).toMatch(/granularity must be one of daily, weekly, monthly or quarterly/);
    const extra = await a.client.get('/api/v1/forecasts?horizon=3');
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body)).toMatch(/horizon/);
    const body = await a.client.post('/api/v1/forecasts', { granularity: 'daily' });
    expect(body.status).toBe(400);
    expect(body.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const anonymous = await new Client(url).get('/api/v1/forecasts');
    expect(anonymous.status).toBe(401);
  });
});

describe(`leadai forecast (${MODE})`, () => {
  it('runs a forecast, as JSON or as a table with a progress bar', { timeout: 180_000 }, async () => {
    await withCliData('forecast', async (env, dir) => {
      // The organization and its history written in-process (the CLI then opens the same data).
      const database = await openDatabase(SERVER_URL ? { kind: 'server', url: env.DATABASE_URL!, poolSize: 2 } : { kind: 'embedded', dataDir: dir });
      try {
        await migrate(database.db);
        const org = await createOrganization(database.db, { name: 'Northwind Traders', adminEmail: 'admin@northwind-traders.example', adminPassword: 'long enough password' });
        await plantHistory(database.db, { organizationId: org.organization.id, userId: null, teamId: null, leads: 150, days: 300, seed: 9 });
      } finally {
        await database.close();
      }
      const r = await runLeadai(env, ['forecast', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.rows).toBeGreaterThan(100);
      expect(out.series.revenue.unit).toBe('money');
      expect(out.series.revenue.points.filter((p: { actual: number | null }) => p.actual === null)).toHaveLength(5);
      expect(out.series.revenue.points.at(-1).predicted_value).toBeGreaterThan(0);
      expect(out.accuracy.revenue.level).toBe(0.8);
      // For a person: the table of months, the scenarios and the drivers, progress on stderr.
      const table = await runLeadai(env, ['forecast', '--org', 'northwind traders']);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/Revenue by month \(median, and the 80 % interval\):\nmonth\s+median\s+80% low\s+80% high\s+actual/);
      expect(table.stdout).toMatch(/Scenarios for \d{4}-\d{2}: worst \$[\d.]+K? · expected/);
      expect(table.stdout).toMatch(/Categories: closed .* · commit .* · best case .* · pipeline /);
      expect(table.stdout).toMatch(/Top drivers:\n {2}- /);
      expect(table.stderr).toMatch(/Forecasting/);
    });
  });
});
