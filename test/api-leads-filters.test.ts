import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

/**
 * The leads list's filters over real HTTP: every standard field of a lead, the address's
 * city, region and country included; where a lead stands (open, won, lost); and the count
 * the list's header shows, exact when cheap and an estimate beyond.
 */
const { app, url } = useServer();
const DAY = 86_400_000;
let org: Awaited<ReturnType<typeof Client.signup>>;
const ids: Record<string, string> = {};

async function lead(name: string, fields: Record<string, unknown> = {}) {
  const r = await org.client.post('/api/v1/leads', { first_name: name, last_name: 'Filter', ...fields });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  ids[name] = r.body.id as string;
}

async function names(query: string): Promise<string[]> {
  const r = await org.client.get(`/api/v1/leads?limit=200&${query}`);
  expect(r.status, `${query}: ${JSON.stringify(r.body)}`).toBe(200);
  return (r.body.data as { first_name: string }[]).map((l) => l.first_name).sort();
}

beforeAll(async () => {
  org = await Client.signup(url, 'Filters');
  const now = Date.now();
  await lead('Ada', { email: 'ada@acme.example', phone: '+1 555 0100', company: 'Acme Robotics', job_title: 'VP of Sales', address: { city: 'Berlin', state: 'Berlin', country: 'Germany', country_code: 'DE' }, deal_value: 12_000, status: 'qualified', next_follow_up_at: new Date(now + 2 * DAY).toISOString() });
  await lead('Bea', { email: 'bea@globex.example', company: 'Globex 100%', job_title: 'Head of Marketing', address: { city: 'Austin', state: 'Texas', country: 'United States', country_code: 'US' }, deal_value: 3_000, status: 'closed_won' });
  await lead('Cyd', { phone: '+44 20 7946 0000', company: 'acme foods', job_title: 'Sales Analyst', address: { city: 'london', country: 'United Kingdom', country_code: 'GB' }, status: 'closed_lost', next_follow_up_at: new Date(now + 9 * DAY).toISOString() });
  await lead('Dee', { email: 'dee@initech.example', company: 'Initech', address: { city: 'Dallas', state: 'texas', country: 'United States', country_code: 'US' }, status: 'unqualified' });
  await lead('Eli', { email: 'eli@hooli.example', company: 'Hooli', status: 'nurturing', deal_value: 50_000, source: 'organic_search', stage: 'marketing_qualified' });
  await sql`UPDATE leads SET last_contacted_at = ${new Date(now - 3 * DAY)} WHERE id IN (${ids.Ada}, ${ids.Eli})`.execute(app().database.db);
  await sql`UPDATE leads SET last_contacted_at = ${new Date(now - 40 * DAY)} WHERE id = ${ids.Bea}`.execute(app().database.db);
});

describe(`GET /api/v1/leads filters (${MODE})`, () => {
  it("filters by the address's city, region and country (any case; country by name or code)", async () => {
    expect(await names('city=berlin')).toEqual(['Ada']);
    expect(await names('city=London')).toEqual(['Cyd']);
    expect(await names('region=Texas')).toEqual(['Bea', 'Dee']);
    expect(await names('country=us')).toEqual(['Bea', 'Dee']);
    expect(await names('country=united%20kingdom')).toEqual(['Cyd']);
    expect(await names('country=US&city=Austin')).toEqual(['Bea']);
  });

  it('filters by where a lead stands: open, won or lost (closed lost and unqualified)', async () => {
    expect(await names('outcome=open')).toEqual(['Ada', 'Eli']);
    expect(await names('outcome=won')).toEqual(['Bea']);
    expect(await names('outcome=lost')).toEqual(['Cyd', 'Dee']);
    // With a status filter too, both must hold.
    expect(await names('outcome=open&status=qualified,closed_won')).toEqual(['Ada']);
  });

  it('filters by company (prefix), job title (contains), deal value, contact details and dates', async () => {
    expect(await names('company=acme')).toEqual(['Ada', 'Cyd']);
    // A wildcard character is matched as itself.
    expect(await names('company=Globex%20100%25')).toEqual(['Bea']);
    expect(await names('company=%25')).toEqual([]);
    expect(await names('job_title=sales')).toEqual(['Ada', 'Cyd']);
    // Stored as codes, shown as words: either finds the lead.
    expect(await names('source=Organic%20search')).toEqual(['Eli']);
    expect(await names('source=organic_search&stage=Marketing%20qualified')).toEqual(['Eli']);
    expect(await names('source=organic')).toEqual([]);
    expect(await names('deal_value_min=3000&deal_value_max=20000')).toEqual(['Ada', 'Bea']);
    expect(await names('deal_value_min=20000')).toEqual(['Eli']);
    expect(await names('has_email=false')).toEqual(['Cyd']);
    expect(await names('has_phone=true')).toEqual(['Ada', 'Cyd']);
    const now = Date.now();
    const iso = (days: number) => encodeURIComponent(new Date(now + days * DAY).toISOString());
    expect(await names(`last_contacted_after=${iso(-7)}`)).toEqual(['Ada', 'Eli']);
    expect(await names(`last_contacted_before=${iso(-7)}`)).toEqual(['Bea']);
    expect(await names(`follow_up_after=${iso(1)}&follow_up_before=${iso(5)}`)).toEqual(['Ada']);
    expect(await names(`follow_up_after=${iso(5)}`)).toEqual(['Cyd']);
  });

  it('refuses a bad filter value with a problem naming it, and the export accepts the same filters', async () => {
    for (const query of ['has_email=maybe', 'deal_value_min=lots', 'deal_value_max=-1', 'outcome=pending', 'last_contacted_after=yesterdayish', 'city=']) {
      const r = await org.client.get(`/api/v1/leads?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.headers.get('content-type'), query).toContain('application/problem+json');
      expect(JSON.stringify(r.body), query).toContain(query.split('=')[0]!);
    }
    const exported = await org.client.get('/api/v1/leads/export?format=ndjson&city=Berlin&has_phone=true');
    expect(exported.status).toBe(200);
  });
});

describe(`GET /api/v1/leads/count (${MODE})`, () => {
  it('counts exactly under the same filters as the list', async () => {
    expect((await org.client.get('/api/v1/leads/count')).body).toEqual({ count: 5, exact: true, best: false });
    expect((await org.client.get('/api/v1/leads/count?outcome=open')).body).toEqual({ count: 2, exact: true, best: false });
    expect((await org.client.get('/api/v1/leads/count?country=US&outcome=lost')).body).toEqual({ count: 1, exact: true, best: false });
    expect((await org.client.get('/api/v1/leads/count?q=acme')).body).toEqual({ count: 2, exact: true, best: true });
    expect((await org.client.get('/api/v1/leads/count?q=acme&sort=name')).body).toEqual({ count: 2, exact: true, best: false });
    expect((await org.client.get('/api/v1/leads/count?q=%2B%2B')).body).toEqual({ count: 0, exact: true, best: false });
    expect((await org.client.get('/api/v1/leads/count?has_email=sometimes')).status).toBe(400);
  });

  it('beyond 10,000 matches gives an estimate (never below the cap), marked as one', async () => {
    const big = await Client.signup(url, 'Many leads');
    await sql`INSERT INTO leads (organization_id, first_name, last_name, status)
      SELECT ${big.organizationId}::uuid, 'Bulk' || g, 'Lead', CASE WHEN g % 100 = 0 THEN 'closed_won' ELSE 'new' END::lead_status
      FROM generate_series(1, 12000) AS g`.execute(app().database.db);
    await sql`ANALYZE leads`.execute(app().database.db);
    const all = (await big.client.get('/api/v1/leads/count')).body;
    expect(all.exact).toBe(false);
    expect(all.count).toBeGreaterThan(10_000);
    // A planner estimate of this table: within a factor of two of the truth.
    expect(all.count).toBeLessThan(24_000);
    expect((await big.client.get('/api/v1/leads/count?outcome=won')).body).toEqual({ count: 120, exact: true, best: false });
  });

  it('with a search, counts what the list shows: the best matches when ranked, the same filter when sorted otherwise', async () => {
    const other = await Client.signup(url, 'Search counts');
    await sql`INSERT INTO leads (organization_id, first_name, last_name, status)
      SELECT ${other.organizationId}::uuid, 'Person' || g, 'Smith', 'new'::lead_status FROM generate_series(1, 120) AS g`.execute(app().database.db);
    for (const [first, last] of [['Jacynthe', 'Koch'], ['Theodora', 'Thex'], ['The', 'Band']]) {
      expect((await other.client.post('/api/v1/leads', { first_name: first, last_name: last })).status).toBe(201);
    }
    const list = async (query: string) => {
      let rows = 0;
      let cursor: string | null = null;
      do {
        const r = await other.client.get(`/api/v1/leads?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        rows += (r.body.data as unknown[]).length;
        cursor = r.body.next_cursor as string | null;
      } while (cursor);
      return rows;
    };
    for (const q of ['jacinthe%20koch', 'smith', 'the', 'koch']) {
      // Ranked (the default with q): one page of at most `limit` best matches.
      const shown = await list(`q=${q}&limit=50`);
      expect(shown, q).toBeGreaterThan(0);
      expect((await other.client.get(`/api/v1/leads/count?q=${q}&limit=50`)).body, q).toEqual({ count: shown, exact: true, best: true });
      // Sorted by another key: every match, paged, and the count of the same filter.
      const all = await list(`q=${q}&sort=name&limit=200`);
      expect((await other.client.get(`/api/v1/leads/count?q=${q}&sort=name`)).body, q).toEqual({ count: all, exact: true, best: false });
    }
    expect(await list('q=smith&limit=50')).toBe(50);
    expect(await list('q=smith&sort=name&limit=200')).toBe(120);
  });
});
