import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';

/**
 * The dashboard and pipeline-board aggregates over real HTTP: known leads in, exact counts
 * out; another organization's leads never counted; a sales rep sees only their own.
 */
const { app, url } = useServer();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let a: Awaited<ReturnType<typeof Client.signup>>;
let b: Awaited<ReturnType<typeof Client.signup>>;
let rep: Client;
let repId: string;
const ids: Record<string, string> = {};

async function lead(client: Client, name: string, fields: Record<string, unknown> = {}) {
  const r = await client.post('/api/v1/leads', { first_name: name, last_name: 'Test', email: `${name.toLowerCase()}-${Math.random().toString(36).slice(2, 7)}@example.com`, ...fields });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

async function walk(client: Client, id: string, statuses: string[]) {
  for (const status of statuses) expect((await client.patch(`/api/v1/leads/${id}`, { status })).status).toBe(200);
}

beforeAll(async () => {
  a = await Client.signup(url, 'Dash A');
  b = await Client.signup(url, 'Dash B');
  const inv = await a.client.post('/api/v1/invitations', { email: 'rep@dash-a.example', role: 'sales_rep' });
  rep = new Client(url);
  const accepted = await rep.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: 'Rita Rep', password: 'correct horse battery' });
  expect(accepted.status).toBe(201);
  rep.csrf = accepted.body.csrf_token;
  repId = accepted.body.user_id;

  const now = Date.now();
  const startOfToday = new Date(new Date(now).toISOString().slice(0, 10) + 'T00:00:00Z').getTime();
  ids.ann = await lead(a.client, 'Ann', { assigned_to: a.userId, next_follow_up_at: new Date(now - 2 * DAY).toISOString() });
  ids.bob = await lead(a.client, 'Bob', { assigned_to: a.userId, next_follow_up_at: new Date(Math.max(startOfToday + 1000, now - 60_000)).toISOString() });
  ids.cat = await lead(a.client, 'Cat', { deal_value: 500 });
  ids.dan = await lead(a.client, 'Dan', { deal_value: 1000 });
  ids.eve = await lead(a.client, 'Eve', { assigned_to: repId, next_follow_up_at: new Date(now + 3 * DAY).toISOString() });
  await walk(a.client, ids.bob, ['contacted']);
  await walk(a.client, ids.cat, ['contacted', 'qualified']);
  await walk(a.client, ids.dan, ['contacted', 'qualified', 'closed_won']);
  await walk(a.client, ids.eve, ['contacted', 'closed_lost']);
  await lead(b.client, 'Other', { deal_value: 99_999 });

  // Scores as the scoring job would leave them (workers are off in this file).
  const db = app().database.db;
  await sql`UPDATE leads SET current_score = 80, conversion_probability = 0.8 WHERE id = ${ids.bob}`.execute(db);
  await sql`UPDATE leads SET current_score = 85, conversion_probability = 0.4 WHERE id = ${ids.cat}`.execute(db);
  await sql`INSERT INTO lead_scores (organization_id, lead_id, score, confidence, model_version, explanation, created_at)
            VALUES (${a.organizationId}, ${ids.bob}, 50, 0.5, 'v1', '[]', ${new Date(now - 10 * DAY)}),
                   (${a.organizationId}, ${ids.bob}, 80, 0.5, 'v1', '[]', ${new Date(now - HOUR)})`.execute(db);
});

describe('GET /api/v1/dashboard', () => {
  it('counts the funnel by the furthest step each lead reached, with conversion between steps', async () => {
    const r = await a.client.get('/api/v1/dashboard');
    expect(r.status).toBe(200);
    const reached = Object.fromEntries(r.body.funnel.map((s: { status: string; reached: number }) => [s.status, s.reached]));
    expect(reached).toEqual({ new: 5, contacted: 4, qualified: 2, proposal: 1, negotiation: 1, closed_won: 1 });
    expect(r.body.funnel[1].conversion).toBe(0.8);
    expect(r.body.funnel[2].conversion).toBe(0.5);
    expect(r.body.funnel[0].conversion).toBeNull();
    expect(r.body.lost).toBe(1);
  });

  it('counts a lead as qualified when it reached qualified or any later step, once, when it first got there', async () => {
    const c = await Client.signup(url, 'Dash C');
    const db = app().database.db;
    await lead(c.client, 'Wes', { status: 'closed_won', deal_value: 700 }); // created won (e.g. imported history)
    const jumped = await lead(c.client, 'Jay');
    await walk(c.client, jumped, ['contacted', 'proposal']); // straight past qualified
    const again = await lead(c.client, 'Reo');
    await walk(c.client, again, ['qualified', 'nurturing', 'qualified']);
    await lead(c.client, 'Nat'); // never qualified
    // Reo first got to qualified ten days ago: the previous 7-day period, not this one.
    await sql`UPDATE journey_events SET occurred_at = now() - interval '10 days'
              WHERE lead_id = ${again} AND occurred_at = (SELECT min(occurred_at) FROM journey_events WHERE lead_id = ${again} AND event_type = 'status_change')`.execute(db);
    const { kpis, funnel } = (await c.client.get('/api/v1/dashboard?days=7')).body;
    expect(kpis.qualified).toEqual({ current: 2, previous: 1, change: 1 });
    expect(kpis.won.current).toBe(1);
    // The funnel reads "reached" the same way: nobody is won without having been qualified.
    const reached = Object.fromEntries(funnel.map((s: { status: string; reached: number }) => [s.status, s.reached]));
    expect(reached.qualified).toBeGreaterThanOrEqual(reached.closed_won);
    expect(kpis.qualified.current).toBeGreaterThanOrEqual(kpis.won.current);
  });

  it('compares KPIs with the previous period', async () => {
    const { kpis } = (await a.client.get('/api/v1/dashboard?days=7')).body;
    expect(kpis.new_leads).toEqual({ current: 5, previous: 0, change: null });
    expect(kpis.qualified).toEqual({ current: 2, previous: 0, change: null });
    expect(kpis.won).toEqual({ current: 1, previous: 0, change: null });
    expect(kpis.revenue_won.current).toBe(1000);

    // Move Ann's creation into the previous week: one new lead fewer now, one more before.
    await sql`UPDATE leads SET created_at = now() - interval '10 days' WHERE id = ${ids.ann}`.execute(app().database.db);
    const after = (await a.client.get('/api/v1/dashboard?days=7')).body.kpis;
    expect(after.new_leads).toEqual({ current: 4, previous: 1, change: 3 });
    await sql`UPDATE leads SET created_at = now() WHERE id = ${ids.ann}`.execute(app().database.db);
  });

  it('ranks hot leads by score and what they gained this week', async () => {
    const hot = (await a.client.get('/api/v1/dashboard')).body.hot_leads as { id: string; score_change: number; current_score: number }[];
    expect(hot.map((h) => h.id).slice(0, 2)).toEqual([ids.bob, ids.cat]);
    expect(hot[0]).toMatchObject({ current_score: 80, score_change: 30 });
    expect(hot[1]).toMatchObject({ current_score: 85, score_change: 0 });
    // Closed leads are never hot.
    expect(hot.map((h) => h.id)).not.toContain(ids.dan);
  });

  it("lists the signed-in user's overdue follow-ups and those due today", async () => {
    const { follow_ups } = (await a.client.get('/api/v1/dashboard?tz=UTC')).body;
    expect(follow_ups.overdue.map((f: { id: string }) => f.id)).toEqual([ids.ann]);
    expect(follow_ups.due_today.map((f: { id: string }) => f.id)).toEqual([ids.bob]);
    expect([follow_ups.overdue_count, follow_ups.due_today_count]).toEqual([1, 1]);
    // The rep's follow-up is in three days: nothing due for them yet.
    const repView = (await rep.get('/api/v1/dashboard')).body.follow_ups;
    expect([repView.overdue_count, repView.due_today_count]).toEqual([0, 0]);
  });

  it("never counts another organization's leads, and a sales rep sees only their own", async () => {
    const other = (await b.client.get('/api/v1/dashboard')).body;
    expect(other.funnel[0].reached).toBe(1);
    expect(other.hot_leads).toEqual([]);
    const mine = (await rep.get('/api/v1/dashboard')).body;
    expect(mine.funnel[0].reached).toBe(1);
    expect(mine.lost).toBe(1);
    expect(mine.kpis.revenue_won.current).toBe(0);
  });

  it('refuses bad parameters with a clear problem', async () => {
    for (const query of ['tz=Mars%2FOlympus', 'days=0', 'days=many', 'colour=blue']) {
      const r = await a.client.get(`/api/v1/dashboard?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(JSON.stringify((await a.client.get('/api/v1/dashboard?tz=Mars%2FOlympus')).body)).toContain('IANA time zone');
    expect((await new Client(url).get('/api/v1/dashboard')).status).toBe(401);
  });
});

describe('the dashboard figures, defined once (dashboard.figures.ts)', () => {
  it('counts what happened in the period, whenever the lead was created, and the KPI cards are the funnel\'s own figures', async () => {
    const org = await Client.signup(url, 'Dash Figures');
    const db = app().database.db;
    const ago = (days: number) => new Date(Date.now() - days * DAY);
    // Each lead: when it was created, its status now, its close date, its status changes (days ago).
    type Spec = { name: string; created: number; status: string; closed?: number; deal?: number; moves?: [number, string, string][] };
    const specs: Spec[] = [
      // Created long ago, qualified in the previous period, won this one.
      { name: 'OldWin', created: 90, status: 'closed_won', closed: 10, deal: 1000, moves: [[80, 'new', 'contacted'], [45, 'contacted', 'qualified'], [20, 'qualified', 'proposal'], [10, 'proposal', 'closed_won']] },
      // New this period and qualified.
      { name: 'Fresh', created: 5, status: 'qualified', moves: [[4, 'new', 'contacted'], [3, 'contacted', 'qualified']] },
      // Imported two days ago as won, with its historical close date (previous period).
      { name: 'Imported', created: 2, status: 'closed_won', closed: 40, deal: 500 },
      // Qualified in the previous period, then nurturing, qualified again now: counted once, the first time.
      { name: 'Returned', created: 100, status: 'qualified', moves: [[50, 'new', 'qualified'], [40, 'qualified', 'nurturing'], [5, 'nurturing', 'qualified']] },
      // Lost this period.
      { name: 'LostNow', created: 70, status: 'closed_lost', closed: 3, moves: [[65, 'new', 'contacted'], [3, 'contacted', 'closed_lost']] },
      // Created this period and made unqualified (counts as lost, by the date of that change).
      { name: 'Unq', created: 10, status: 'unqualified', moves: [[1, 'new', 'unqualified']] },
      // Nothing happened to it in either period.
      { name: 'Idle', created: 200, status: 'new' },
      // Walked the whole path this period, won, then reopened: not won now, every earlier step reached.
      { name: 'Reopened', created: 20, status: 'negotiation', moves: [[19, 'new', 'contacted'], [18, 'contacted', 'qualified'], [17, 'qualified', 'proposal'], [16, 'proposal', 'negotiation'], [15, 'negotiation', 'closed_won'], [14, 'closed_won', 'negotiation']] },
    ];
    for (const l of specs) {
      const changed = l.moves?.length ? ago(l.moves.at(-1)![0]) : ago(l.created);
      const { rows } = await sql<{ id: string }>`INSERT INTO leads (organization_id, first_name, last_name, status, created_at, status_changed_at, closed_at, deal_value)
        VALUES (${org.organizationId}, ${l.name}, 'Figures', ${l.status}, ${ago(l.created)}, ${changed}, ${l.closed === undefined ? null : ago(l.closed)}, ${l.deal ?? null}) RETURNING id`.execute(db);
      for (const [days, from, to] of l.moves ?? []) {
        await sql`INSERT INTO journey_events (organization_id, lead_id, event_type, event_name, properties, occurred_at)
          VALUES (${org.organizationId}, ${rows[0]!.id}, 'status_change', ${`Status changed to ${to}`}, ${JSON.stringify({ from, to })}::jsonb, ${ago(days)})`.execute(db);
      }
    }
    const r = await org.client.get('/api/v1/dashboard?days=30');
    expect(r.status).toBe(200);
    const { funnel, kpis, lost } = r.body;
    const reached = Object.fromEntries(funnel.map((s: { status: string; reached: number }) => [s.status, s.reached]));
    // new: Fresh, Imported, Unq, Reopened. contacted/qualified: Fresh, Reopened. proposal/negotiation: OldWin, Reopened. won: OldWin.
    expect(reached).toEqual({ new: 4, contacted: 2, qualified: 2, proposal: 2, negotiation: 2, closed_won: 1 });
    // The previous 30 days: Imported's historical win (and every step before it), Returned's and OldWin's first qualification.
    expect(kpis.new_leads).toEqual({ current: 4, previous: 0, change: null });
    expect(kpis.qualified).toEqual({ current: 2, previous: 3, change: -0.3333 });
    expect(kpis.won).toEqual({ current: 1, previous: 1, change: 0 });
    expect(kpis.revenue_won).toEqual({ current: 1000, previous: 500, change: 1 });
    expect(kpis.lost).toEqual({ current: 2, previous: 0, change: null });
    expect(lost).toBe(2);
    // One definition: the cards are the funnel's steps.
    expect([kpis.new_leads.current, kpis.qualified.current, kpis.won.current]).toEqual([reached.new, reached.qualified, reached.closed_won]);
    expect(funnel[1].conversion).toBe(0.5);
  });
});

describe('GET /api/v1/pipeline', () => {
  it('gives count, total and weighted value per status', async () => {
    const r = await a.client.get('/api/v1/pipeline');
    expect(r.status).toBe(200);
    const col = Object.fromEntries(r.body.columns.map((c: { status: string }) => [c.status, c]));
    expect(r.body.columns.map((c: { status: string }) => c.status).slice(0, 6)).toEqual(['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'closed_won']);
    expect(col.new).toMatchObject({ count: 1 });
    expect(col.contacted).toMatchObject({ count: 1 });
    expect(col.qualified).toEqual({ status: 'qualified', count: 1, total_value: 500, weighted_value: 200, predicted_value: 0, predicted_count: 0, no_value_count: 0 });
    expect(col.closed_won).toEqual({ status: 'closed_won', count: 1, total_value: 1000, weighted_value: 1000, predicted_value: 0, predicted_count: 0, no_value_count: 0 });
    expect(col.closed_lost).toMatchObject({ count: 1, weighted_value: 0 });
  });

  it("sums a lead's own deal value when it has one, else its predicted value, and says how much is predicted", async () => {
    const p = await Client.signup(url, 'Dash Money');
    const db = app().database.db;
    const own = await lead(p.client, 'Own', { status: 'proposal', deal_value: 1000 });
    const guessed = await lead(p.client, 'Guess', { status: 'proposal' });
    await lead(p.client, 'Blank', { status: 'proposal' });
    // The model's predictions, as the scoring job writes them: the own deal value wins over its prediction.
    await sql`UPDATE leads SET predicted_value = 250000, conversion_probability = 0.5 WHERE id = ${own}`.execute(db);
    await sql`UPDATE leads SET predicted_value = 300, conversion_probability = 0.5 WHERE id = ${guessed}`.execute(db);
    const col = (await p.client.get('/api/v1/pipeline')).body.columns.find((c: { status: string }) => c.status === 'proposal');
    expect(col).toEqual({ status: 'proposal', count: 3, total_value: 1300, weighted_value: 650, predicted_value: 300, predicted_count: 1, no_value_count: 1 });
  });

  it("decided columns sum deal values only; open predictions count as expected values (median × the active model's mean factor), in the total and the forecast", async () => {
    const p = await Client.signup(url, 'Dash Expected');
    const db = app().database.db;
    // The deal-value model stores the median deal; the active model's metrics say the mean is 1.5 × it.
    // An older, inactive model's factor must not count.
    await sql`INSERT INTO scoring_models (organization_id, version, algorithm, is_active, activated_at, metrics) VALUES
      (${p.organizationId}, 'v1', 'gbdt', false, NULL, ${JSON.stringify({ deal_value: { mean_factor: 9 } })}::jsonb),
      (${p.organizationId}, 'v2', 'gbdt', true, now(), ${JSON.stringify({ deal_value: { estimate: 'median deal if won', mean_factor: 1.5 } })}::jsonb)`.execute(db);
    const guessed = await lead(p.client, 'Guess', { status: 'proposal' });
    const own = await lead(p.client, 'Own', { status: 'proposal', deal_value: 1000 });
    const wonValued = await lead(p.client, 'WonValued', { status: 'closed_won', deal_value: 2000 });
    const wonBlank = await lead(p.client, 'WonBlank', { status: 'closed_won' });
    const lost = await lead(p.client, 'Lost', { status: 'closed_lost' });
    const unq = await lead(p.client, 'Unq', { status: 'unqualified' });
    await sql`UPDATE leads SET predicted_value = 300, conversion_probability = 0.5 WHERE id IN (${guessed}, ${own})`.execute(db);
    await sql`UPDATE leads SET predicted_value = 5000 WHERE id IN (${wonValued}, ${wonBlank}, ${lost}, ${unq})`.execute(db);
    const cols = Object.fromEntries((await p.client.get('/api/v1/pipeline')).body.columns.map((c: { status: string }) => [c.status, c]));
    // 1000 own + 300 × 1.5 predicted; the forecast × 0.5.
    expect(cols.proposal).toEqual({ status: 'proposal', count: 2, total_value: 1450, weighted_value: 725, predicted_value: 450, predicted_count: 1, no_value_count: 0 });
    // Revenue won is deal values: the won lead without one adds nothing, and is said to.
    expect(cols.closed_won).toEqual({ status: 'closed_won', count: 2, total_value: 2000, weighted_value: 2000, predicted_value: 0, predicted_count: 0, no_value_count: 1 });
    expect(cols.closed_lost).toEqual({ status: 'closed_lost', count: 1, total_value: 0, weighted_value: 0, predicted_value: 0, predicted_count: 0, no_value_count: 1 });
    expect(cols.unqualified).toEqual({ status: 'unqualified', count: 1, total_value: 0, weighted_value: 0, predicted_value: 0, predicted_count: 0, no_value_count: 1 });
    // The board's won total is the dashboard's revenue won.
    const dash = (await p.client.get('/api/v1/dashboard')).body;
    expect(dash.kpis.revenue_won.current).toBe(cols.closed_won.total_value);
  });

  it('filters by owner, stays inside the organization and the rep scope', async () => {
    const mine = (await a.client.get(`/api/v1/pipeline?assigned_to=${a.userId}`)).body.columns;
    expect(mine.reduce((s: number, c: { count: number }) => s + c.count, 0)).toBe(2);
    const other = (await b.client.get('/api/v1/pipeline')).body.columns;
    expect(other.reduce((s: number, c: { count: number }) => s + c.count, 0)).toBe(1);
    expect(other.find((c: { status: string }) => c.status === 'new').total_value).toBe(99_999);
    const rep1 = (await rep.get('/api/v1/pipeline')).body.columns;
    expect(rep1.reduce((s: number, c: { count: number }) => s + c.count, 0)).toBe(1);
    expect((await a.client.get('/api/v1/pipeline?assigned_to=nobody')).status).toBe(400);
  });
});
