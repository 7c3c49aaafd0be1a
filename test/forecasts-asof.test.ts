import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay, startOfLocalDay } from '../src/modules/forecasts/forecasts.calendar.ts';
import { buildForecast } from '../src/modules/forecasts/forecasts.model.ts';
import { createForecastsService } from '../src/modules/forecasts/forecasts.service.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';
import { plantHistory, type PlantedLead } from './helpers/forecast-history.ts';

/**
 * No look-ahead: a forecast computed as of a past instant T reads only what was known at T.
 * Events planted after T — a lead created and won, a lead moved to negotiation with a new
 * score and deal value, a lead won, a lead won with its close date backdated before T, a lead
 * won before T and reopened — leave compute(asOf T) and the past's actuals exactly as they were; the same
 * events do change a forecast made after them (so the comparison can fail).
 */
const DAY = 86_400_000;
let database: TestDatabase;
let organizationId: string;
let userId: string;
let planted: PlantedLead[];
const now = new Date();
const T = new Date(now.getTime() - 45 * DAY);
const later = new Date(now.getTime() - 20 * DAY);

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  organizationId = randomUUID();
  userId = randomUUID();
  const teamId = randomUUID();
  await db.insertInto('organizations').values({ id: organizationId, name: 'As Of Corp', settings: JSON.stringify({ currency: 'EUR', timezone: 'Europe/Berlin' }) }).execute();
  await db.insertInto('users').values({ id: userId, organization_id: organizationId, email: `admin-${organizationId.slice(0, 8)}@asof.example`, full_name: 'Admin', role: 'admin' }).execute();
  await db.insertInto('teams').values({ id: teamId, organization_id: organizationId, name: 'Sales' }).execute();
  planted = await plantHistory(db, { organizationId, userId, teamId, leads: 500, days: 420, seed: 11, now });
}, 120_000);
afterAll(async () => database?.close());

describe(`forecasts as of a past instant (${MODE})`, () => {
  it('are unchanged by events after that instant, and changed by them once they are known', { timeout: 300_000 }, async () => {
    const service = createForecastsService(database.db);
    const compute = (asOf: Date) => Promise.all([
      service.compute(organizationId, { asOf, granularity: 'monthly', horizon: 3, level: 0.8, paths: 400 }),
      service.compute(organizationId, { asOf, granularity: 'weekly', horizon: 4, level: 0.8, paths: 400 }),
    ]);
    const before = await compute(T);
    const beforeLater = await compute(later);

    // The contract: one point per period from the one containing T, median inside its interval.
    const [monthly, weekly] = before;
    for (const type of ['revenue', 'lead_volume', 'conversion_rate', 'deal_velocity'] as const) {
      expect(monthly[type]).toHaveLength(3);
      expect(weekly[type]).toHaveLength(4);
      for (const p of monthly[type]) {
        expect(p.confidence_lower).toBeLessThanOrEqual(p.predicted_value);
        expect(p.predicted_value).toBeLessThanOrEqual(p.confidence_upper);
      }
    }
    expect(monthly.revenue[0]!.period_start <= T.toISOString().slice(0, 10)).toBe(true);
    expect(monthly.revenue.every((p) => p.predicted_value > 0)).toBe(true);
    expect(monthly.lead_volume[1]!.predicted_value).toBeGreaterThan(10);

    // Open at T and still open now: two leads to move after T.
    const open = planted.filter((l) => l.created.getTime() < T.getTime() - 5 * DAY && l.decided === null);
    expect(open.length).toBeGreaterThanOrEqual(3);
    const [moved, won] = open as [PlantedLead, PlantedLead];
    const db = database.db;
    const at = (days: number) => new Date(T.getTime() + days * DAY);
    const status = (id: string) => db.selectFrom('leads').select('status').where('id', '=', id).executeTakeFirstOrThrow().then((r) => r.status);
    // 1. A lead created after T, won two days later, for a large amount.
    await db.insertInto('leads').values({ organization_id: organizationId, first_name: 'Future', last_name: 'Deal', status: 'closed_won', deal_value: 1_000_000, created_at: at(1), status_changed_at: at(3), closed_at: at(3) }).execute();
    // 2. An open lead moved to negotiation after T, with a new score and a deal value.
    await db.insertInto('journey_events').values({ organization_id: organizationId, lead_id: moved.id, event_type: 'status_change', event_name: 'Status changed to negotiation', properties: JSON.stringify({ from: await status(moved.id), to: 'negotiation' }), occurred_at: at(2) }).execute();
    await db.insertInto('lead_scores').values({ organization_id: organizationId, lead_id: moved.id, score: 99, confidence: 0.9, model_version: 'later', conversion_probability: 0.99, explanation: '[]', created_at: at(2) }).execute();
    await db.updateTable('leads').set({ status: 'negotiation', conversion_probability: 0.99, current_score: 99, deal_value: 750_000, status_changed_at: at(2) }).where('id', '=', moved.id).execute();
    // 3. An open lead won after T.
    await db.insertInto('journey_events').values({ organization_id: organizationId, lead_id: won.id, event_type: 'status_change', event_name: 'Status changed to closed_won', properties: JSON.stringify({ from: await status(won.id), to: 'closed_won' }), occurred_at: at(4) }).execute();
    await db.updateTable('leads').set({ status: 'closed_won', deal_value: 500_000, status_changed_at: at(4), closed_at: at(4) }).where('id', '=', won.id).execute();

    expect(await compute(T)).toEqual(before);
    // A run's backtests cut one read as of now at each origin (a local midnight) instead of
    // reading again: the same data, so the same forecast.
    const origin = startOfLocalDay(localDay(T, 'Europe/Berlin').day, 'Europe/Berlin');
    const direct = await service.load(organizationId, origin);
    const cut = await service.load(organizationId, origin, { base: (await service.load(organizationId, new Date(), { statusRates: true })).base });
    const forecast = (d: typeof direct) => buildForecast(d, { granularity: 'monthly', horizon: 2, level: 0.8, paths: 200 }).forecast;
    expect(forecast(cut)).toEqual(forecast(direct));
    // The deals open and won at T come from the statuses then, not from the rows now: two more
    // edits after T leave them as they were (the day-by-day actuals still follow outcomes.ts).
    const openWon = async () => { const d = await service.load(organizationId, T); return { open: d.open, won: d.won }; };
    const dealsBefore = await openWon();
    const historyBefore = (await service.load(organizationId, new Date())).history;
    expect(dealsBefore.open.map((o) => o.id)).toContain(open[2]!.id);
    // 4. An open lead won now (after its other changes) whose close date is backdated before T: not won at T.
    const backdated = open[2]!;
    await db.insertInto('journey_events').values({ organization_id: organizationId, lead_id: backdated.id, event_type: 'status_change', event_name: 'Status changed to closed_won', properties: JSON.stringify({ from: await status(backdated.id), to: 'closed_won' }), occurred_at: new Date() }).execute();
    await db.updateTable('leads').set({ status: 'closed_won', deal_value: 300_000, status_changed_at: new Date(), closed_at: at(-10) }).where('id', '=', backdated.id).execute();
    // 5. A lead won well before T and reopened after it: won (not open) at T.
    const reopened = planted.find((l) => l.won && l.decided !== null && l.decided.getTime() < T.getTime() - 10 * DAY && l.decided.getTime() > T.getTime() - 200 * DAY)!;
    await db.insertInto('journey_events').values({ organization_id: organizationId, lead_id: reopened.id, event_type: 'status_change', event_name: 'Status changed to negotiation', properties: JSON.stringify({ from: 'closed_won', to: 'negotiation' }), occurred_at: at(6) }).execute();
    await db.updateTable('leads').set({ status: 'negotiation', conversion_probability: 0.9, status_changed_at: at(6), closed_at: null }).where('id', '=', reopened.id).execute();

    expect(await openWon()).toEqual(dealsBefore);
    // Nor do the actuals of the past move (outcomes.ts): the reopened lead's win stays in its
    // day, the backdated one counts when it was recorded (today), and the forecast as of T —
    // read directly or cut from a read as of now — is what it was.
    const historyAfter = (await service.load(organizationId, new Date())).history;
    const wonDay = localDay(reopened.decided!, 'Europe/Berlin').day;
    expect(historyAfter.totals(wonDay, wonDay + 1)).toEqual(historyBefore.totals(wonDay, wonDay + 1));
    expect(historyAfter.totals(wonDay, wonDay + 1).won).toBeGreaterThanOrEqual(1);
    expect(historyAfter.totals(localDay(at(-10), 'Europe/Berlin').day, localDay(at(-10), 'Europe/Berlin').day + 1)).toEqual(historyBefore.totals(localDay(at(-10), 'Europe/Berlin').day, localDay(at(-10), 'Europe/Berlin').day + 1));
    expect(await compute(T)).toEqual(before);
    const cutAfter = await service.load(organizationId, origin, { base: (await service.load(organizationId, new Date(), { statusRates: true })).base });
    expect(forecast(cutAfter)).toEqual(forecast(direct));
    // After them, the same events are known: the forecast moves (the check above can fail).
    const afterLater = await compute(later);
    expect(afterLater).not.toEqual(beforeLater);
    expect(afterLater[0].revenue[0]!.predicted_value).not.toBe(beforeLater[0].revenue[0]!.predicted_value);
  });
});
