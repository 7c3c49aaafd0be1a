import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { BLOCK_SIZE, LEAD_COLUMNS, LeadGenerator, demoBlocks, generateOrganization } from '../src/modules/demo/demo.generator.ts';
import { LEAD_RATE, expectedLeadsIn, expectedLeadsPerDay, expectedWonRevenueByMonth } from '../src/modules/demo/demo.model.ts';
import { seedDemo, startOfUtcDay, type SeedDemoResult } from '../src/modules/demo/demo.service.ts';
import { recentWebsiteEvents } from '../src/modules/tracking/tracking.queries.ts';
import { withTenant } from '../src/db/tenant.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';
import { actualPeriods } from '../bench/forecast-backtest.ts';
import { estimateWonValueByCycle, truthPerPeriod, wonValueFunction } from '../bench/forecast-truth.ts';

const ANCHOR = new Date('2026-11-25T00:00:00Z');

function fingerprint(seed: number, leads: number, anchor = ANCHOR): string {
  const hash = createHash('sha256');
  for (const batch of demoBlocks(generateOrganization(seed), seed, anchor, leads)) {
    for (const table of [batch.leads, batch.activities, batch.conversations, batch.journeyEvents, batch.truth]) hash.update(table.bytes());
  }
  return hash.digest('hex');
}

describe('demo generator determinism', () => {
  it('gives byte-identical data for the same seed and anchor, and different data otherwise', () => {
    expect(generateOrganization(7)).toEqual(generateOrganization(7));
    const a = fingerprint(7, 300);
    expect(fingerprint(7, 300)).toBe(a);
    expect(fingerprint(8, 300)).not.toBe(a);
    expect(fingerprint(7, 300, new Date('2026-01-01T00:00:00Z'))).not.toBe(a);
  });

  it('gives each lane the same blocks whether one thread or one per lane generates them', () => {
    const org = generateOrganization(3);
    const leads = BLOCK_SIZE * 2 + 123;
    const inOrder = [...demoBlocks(org, 3, ANCHOR, leads)].map((b) => b.leads.bytes().toString());
    // Lane 1 alone, as its worker thread would run it: block 1 only.
    const lane1 = new LeadGenerator(org, 3, ANCHOR, 1).block(1, BLOCK_SIZE).leads.bytes().toString();
    expect(lane1).toBe(inOrder[1]);
    expect(() => new LeadGenerator(org, 3, ANCHOR, 1).block(2, 10)).toThrow(/belongs to lane 0/);
    // Emails are unique across lanes and blocks.
    const emails = inOrder.join('').split('\n').filter(Boolean).map((line) => line.split(',')[6]);
    expect(new Set(emails).size).toBe(leads);
  });
});

describe('demo lead arrivals: three years with a trend, a week and a year, and their truth', () => {
  const leads = 6000;
  let rows: string[][] = [];
  beforeAll(() => {
    rows = [...demoBlocks(generateOrganization(7), 7, ANCHOR, leads)].flatMap((b) => parse(Buffer.from(b.leads.bytes()).toString()) as string[][]);
  });
  const at = (row: string[], column: (typeof LEAD_COLUMNS)[number]) => row[LEAD_COLUMNS.indexOf(column)]!;
  const monthly = (times: string[]) => {
    const counts = new Map<string, number>();
    for (const t of times) counts.set(t.slice(0, 7), (counts.get(t.slice(0, 7)) ?? 0) + 1);
    return counts;
  };
  // Pearson's chi-square of observed counts against expected ones (months with enough mass).
  const chiSquare = (observed: Map<string, number>, expected: { key: string; value: number }[]) =>
    expected.filter((e) => e.value >= 5).reduce((sum, e) => sum + ((observed.get(e.key) ?? 0) - e.value) ** 2 / e.value, 0);

  it('creates leads over three years by the documented intensity: counts per month and the weekend share agree with the truth', () => {
    const created = rows.map((r) => at(r, 'created_at'));
    const first = Math.min(...created.map((t) => Date.parse(t)));
    expect(first).toBeGreaterThanOrEqual(ANCHOR.getTime() - LEAD_RATE.historyDays * 86_400_000);
    expect(ANCHOR.getTime() - first).toBeGreaterThan(2.9 * 365 * 86_400_000);

    const truth = expectedLeadsPerDay(ANCHOR, leads);
    expect(truth.reduce((s, d) => s + d.expected, 0)).toBeCloseTo(leads, 6);
    const byMonth = new Map<string, number>();
    for (const d of truth) byMonth.set(d.day.slice(0, 7), (byMonth.get(d.day.slice(0, 7)) ?? 0) + d.expected);
    const expected = [...byMonth].map(([key, value]) => ({ key, value }));
    // Any interval (a time zone's months, say) integrates the same intensity.
    const utcMonths = expected.map((e) => {
      const [y, m] = e.key.split('-').map(Number) as [number, number];
      return { from: Date.UTC(y, m - 1, 1), to: Date.UTC(y, m, 1) };
    });
    expectedLeadsIn(ANCHOR, leads, utcMonths).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!.value, 6));
    const observed = monthly(created);
    // ~37 months: the 0.1 % critical value of chi-square with 36 degrees of freedom is 68.
    expect(chiSquare(observed, expected)).toBeLessThan(68);
    // The same counts against a flat year (no trend, no season) are far off: the test can fail.
    const flat = expected.map((e) => ({ key: e.key, value: leads / expected.length }));
    expect(chiSquare(observed, flat)).toBeGreaterThan(300);
    // Weekends: the truth's share, within three binomial standard deviations.
    const isWeekend = (day: string) => [0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay());
    const weekendTruth = truth.filter((d) => isWeekend(d.day)).reduce((s, d) => s + d.expected, 0) / leads;
    const weekendSeen = created.filter((t) => isWeekend(t.slice(0, 10))).length / leads;
    expect(weekendTruth).toBeLessThan(0.15);
    expect(Math.abs(weekendSeen - weekendTruth)).toBeLessThan(3 * Math.sqrt((weekendTruth * (1 - weekendTruth)) / leads));
  });

  it('decides leads when the truth says: intensity convolved with the sales cycle', () => {
    const decided = rows.filter((r) => at(r, 'closed_at') !== '').map((r) => at(r, 'closed_at'));
    // With a won value of 1 per decided lead, the revenue truth is the expected number of decisions.
    const expected = expectedWonRevenueByMonth(ANCHOR, leads, () => 1).map((m) => ({ key: m.month, value: m.expected }));
    expect(chiSquare(monthly(decided), expected)).toBeLessThan(68);
    const total = expected.reduce((s, e) => s + e.value, 0);
    expect(Math.abs(decided.length - total)).toBeLessThan(3 * Math.sqrt(total));
  });
});

describe(`demo organization in the database (${MODE})`, () => {
  let database: TestDatabase;
  let result: SeedDemoResult;

  beforeAll(async () => {
    database = await createTestDatabase();
    result = await seedDemo(database, { leads: 2500, seed: 11, anchor: ANCHOR });
  }, 300_000);
  afterAll(async () => database?.close());

  it('stores what it reports, with users of every role, teams and the hidden truth', async () => {
    const count = async (table: 'leads' | 'activities' | 'conversations' | 'journey_events' | 'demo_lead_truth' | 'users' | 'teams') =>
      Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', result.organizationId).executeTakeFirstOrThrow()).n);
    expect(await count('leads')).toBe(2500);
    expect(await count('activities')).toBe(result.counts.activities);
    expect(await count('conversations')).toBe(result.counts.conversations);
    expect(await count('journey_events')).toBe(result.counts.journeyEvents);
    expect(await count('demo_lead_truth')).toBe(2500);
    const roles = await database.db.selectFrom('users').select('role').distinct().where('organization_id', '=', result.organizationId).execute();
    expect(roles.map((r) => r.role).sort()).toEqual(['admin', 'manager', 'marketing', 'sales_rep', 'viewer']);
    expect(await count('teams')).toBe(3);
  });

  it('has a realistic mix: open and closed leads, won deals with values, competitor and price mentions, quoted replies', async () => {
    const statuses = await sql<{ status: string; n: number }>`SELECT status::text, count(*)::int AS n FROM leads GROUP BY 1`.execute(database.db);
    const n = (s: string) => statuses.rows.find((r) => r.status === s)?.n ?? 0;
    expect(n('closed_won')).toBeGreaterThan(200);
    expect(n('closed_lost')).toBeGreaterThan(n('closed_won'));
    for (const open of ['new', 'contacted', 'qualified', 'proposal', 'negotiation']) expect(n(open), open).toBeGreaterThan(20);
    const won = await sql<{ missing: number }>`SELECT count(*)::int AS missing FROM leads WHERE status = 'closed_won' AND (deal_value IS NULL OR closed_at IS NULL)`.execute(database.db);
    expect(won.rows[0]!.missing).toBe(0);
    const text = await sql<{ competitor: number; price: number; quoted: number; inbound: number }>`
      SELECT count(*) FILTER (WHERE content ~ '(Salesforce|HubSpot|Pipedrive|Zoho CRM|Close)')::int AS competitor,
             count(*) FILTER (WHERE content ~ '\\$[0-9]')::int AS price,
             count(*) FILTER (WHERE content ~ '\\n> ')::int AS quoted,
             count(*) FILTER (WHERE direction = 'inbound')::int AS inbound
      FROM conversations`.execute(database.db);
    const t = text.rows[0]!;
    expect(t.competitor).toBeGreaterThan(50);
    expect(t.price).toBeGreaterThan(50);
    expect(t.quoted).toBeGreaterThan(20);
    expect(t.inbound).toBeGreaterThan(200);
    const journeys = await sql<{ event_type: string }>`SELECT DISTINCT event_type FROM journey_events`.execute(database.db);
    expect(journeys.rows.map((r) => r.event_type).sort()).toEqual(['email_click', 'email_open', 'form_submit', 'page_view', 'status_change']);
  });

  it('keeps time straight: nothing after the anchor but scheduled work, nothing after a close but flagged hand-offs', async () => {
    const late = await sql<{ n: number }>`
      SELECT (SELECT count(*) FROM leads WHERE created_at > ${ANCHOR} OR closed_at > ${ANCHOR})
           + (SELECT count(*) FROM journey_events WHERE occurred_at > ${ANCHOR})
           + (SELECT count(*) FROM conversations WHERE created_at > ${ANCHOR})
           + (SELECT count(*) FROM activities WHERE completed_at > ${ANCHOR}) AS n`.execute(database.db);
    expect(Number(late.rows[0]!.n)).toBe(0);
    const afterClose = await sql<{ flagged: boolean; n: number }>`
      SELECT coalesce((a.metadata->>'after_close')::boolean, false) AS flagged, count(*)::int AS n
      FROM activities a JOIN leads l ON l.id = a.lead_id
      WHERE l.closed_at IS NOT NULL AND a.completed_at > l.closed_at GROUP BY 1`.execute(database.db);
    expect(afterClose.rows.filter((r) => !r.flagged)).toEqual([]);
    expect(afterClose.rows.find((r) => r.flagged)?.n ?? 0).toBeGreaterThan(0);
  });

  it('has outcomes that follow each documented driver in the documented direction', async () => {
    for (const driver of ['fit', 'behaviour', 'recency', 'tone']) {
      const { rows } = await sql<{ hi: number; lo: number }>`
        WITH c AS (
          SELECT (l.status = 'closed_won')::int AS won, (t.drivers->>${driver})::float8 AS v
          FROM leads l JOIN demo_lead_truth t ON t.lead_id = l.id
          WHERE l.status IN ('closed_won', 'closed_lost')),
        m AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS med FROM c)
        SELECT avg(won) FILTER (WHERE v > med)::float8 AS hi, avg(won) FILTER (WHERE v <= med)::float8 AS lo FROM c, m`.execute(database.db);
      // Higher driver value, higher win rate: by at least five points on ~1,700 closed leads.
      expect(rows[0]!.hi - rows[0]!.lo, driver).toBeGreaterThan(0.05);
    }
  });

  it('shows the drivers in the stored observables a model can learn from', async () => {
    const { rows } = await sql<{ pricing: boolean; rate: number; n: number }>`
      WITH p AS (
        SELECT l.id, l.status, EXISTS (
          SELECT 1 FROM journey_events j WHERE j.lead_id = l.id AND j.event_type = 'page_view' AND j.properties->>'url' LIKE '%/pricing') AS pricing
        FROM leads l WHERE l.status IN ('closed_won', 'closed_lost'))
      SELECT pricing, avg((status = 'closed_won')::int)::float8 AS rate, count(*)::int AS n FROM p GROUP BY pricing`.execute(database.db);
    const rate = (p: boolean) => rows.find((r) => r.pricing === p)!.rate;
    expect(rate(true)).toBeGreaterThan(rate(false) + 0.05);
    const bySource = await sql<{ source: string; rate: number }>`
      SELECT source, avg((status = 'closed_won')::int)::float8 AS rate FROM leads
      WHERE status IN ('closed_won', 'closed_lost') AND source IN ('referral', 'purchased_list', 'cold_outreach') GROUP BY source`.execute(database.db);
    const s = (name: string) => bySource.rows.find((r) => r.source === name)!.rate;
    expect(s('referral')).toBeGreaterThan(Math.max(s('purchased_list'), s('cold_outreach')));
  });

  it('has website visits that look tracked: each visitor has an anonymous id mapped to its lead, which the install check counts', async () => {
    const { rows } = await sql<{ web: number; tagged: number; email: number; email_tagged: number; visitors: number; mapped: number; wrong: number }>`
      SELECT count(*) FILTER (WHERE event_type IN ('page_view', 'form_submit'))::int AS web,
             count(*) FILTER (WHERE event_type IN ('page_view', 'form_submit') AND anonymous_id IS NOT NULL)::int AS tagged,
             count(*) FILTER (WHERE event_type IN ('email_open', 'status_change'))::int AS email,
             count(*) FILTER (WHERE event_type IN ('email_open', 'status_change') AND anonymous_id IS NOT NULL)::int AS email_tagged,
             count(DISTINCT anonymous_id)::int AS visitors,
             (SELECT count(*)::int FROM tracking_identities WHERE organization_id = ${result.organizationId}::uuid) AS mapped,
             (SELECT count(*)::int FROM journey_events j JOIN tracking_identities t USING (organization_id, anonymous_id)
               WHERE j.organization_id = ${result.organizationId}::uuid AND t.lead_id <> j.lead_id) AS wrong
      FROM journey_events WHERE organization_id = ${result.organizationId}::uuid`.execute(database.db);
    const r = rows[0]!;
    expect(r.web).toBeGreaterThan(2500);
    expect(r.tagged).toBe(r.web);
    expect(r.email).toBeGreaterThan(0);
    expect(r.email_tagged).toBe(0);
    expect(r.mapped).toBe(r.visitors);
    expect(r.wrong).toBe(0);

    // A demo made today (as `npm start` makes it): the tracking tab's install check counts its visits.
    const today = await seedDemo(database, { leads: 60, seed: 12, anchor: startOfUtcDay() });
    const seen = await withTenant(database.db, { organizationId: today.organizationId }, (tx) => recentWebsiteEvents(tx, today.organizationId, 10));
    expect(seen.rows).toHaveLength(10);
    expect(seen.last30d).toBeGreaterThan(20);
  });

  it('agrees with its truth in the organization\'s own months (the forecast benchmark\'s actual series and truth)', async () => {
    const timeZone = 'America/New_York';
    const months = await actualPeriods(database, result.organizationId, 'monthly', timeZone, ANCHOR);
    // Full local months only, each one after the other.
    expect(months.length).toBeGreaterThanOrEqual(35);
    for (let i = 1; i < months.length; i++) expect(months[i]!.from).toEqual(months[i - 1]!.to);
    expect(months.at(-1)!.to.getTime()).toBeLessThanOrEqual(ANCHOR.getTime());
    // The same leads and revenue as counted straight from the table (outcomes.ts: won at the close).
    const direct = await sql<{ leads: number; revenue: number }>`
      SELECT count(*) FILTER (WHERE created_at >= ${months[0]!.from} AND created_at < ${months.at(-1)!.to})::int AS leads,
             coalesce(sum(deal_value) FILTER (WHERE status = 'closed_won' AND closed_at >= ${months[0]!.from} AND closed_at < ${months.at(-1)!.to}), 0)::float8 AS revenue
      FROM leads WHERE organization_id = ${result.organizationId}`.execute(database.db);
    expect(months.reduce((s, m) => s + m.lead_volume, 0)).toBe(direct.rows[0]!.leads);
    expect(months.reduce((s, m) => s + m.revenue, 0)).toBeCloseTo(direct.rows[0]!.revenue, 0);
    // The truth in those months: counts within Poisson noise (chi-square, 0.1 % critical value), revenue in total within 10 %.
    const wonValue = wonValueFunction(estimateWonValueByCycle(1011, ANCHOR, 3000, 4));
    const truth = truthPerPeriod(ANCHOR, 2500, wonValue, months.map((m) => ({ start: m.start, from: m.from.getTime(), to: m.to.getTime() })));
    const chi = truth.reduce((sum, t, i) => sum + (months[i]!.lead_volume - t.lead_volume) ** 2 / t.lead_volume, 0);
    expect(chi).toBeLessThan(66);
    const total = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
    expect(total(truth.map((t) => t.revenue)) / total(months.map((m) => m.revenue))).toBeGreaterThan(0.9);
    expect(total(truth.map((t) => t.revenue)) / total(months.map((m) => m.revenue))).toBeLessThan(1.1);
  });

  it('refuses to seed the same demo organization twice and leaves the first intact', async () => {
    await expect(seedDemo(database, { leads: 10, seed: 11, anchor: ANCHOR })).rejects.toThrow(/already exists/);
    const n = await database.db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', result.organizationId).executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(2500);
  });
});
