import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

/**
 * With 50,000 leads the full-text predicate must be answered from the GIN index
 * (idx_leads_search). Under Row Level Security the application role cannot get that plan
 * for a plain `@@` (the operator is not leakproof), which is why search goes through
 * app.search_lead_ids(); both facts are pinned here.
 */
let database: TestDatabase;
let orgId: string;
let otherOrgId: string;
const plan = (rows: { 'QUERY PLAN': string }[]) => rows.map((r) => r['QUERY PLAN']).join('\n');

beforeAll(async () => {
  database = await createTestDatabase();
  orgId = (await database.db.insertInto('organizations').values({ name: 'Search Co' }).returning('id').executeTakeFirstOrThrow()).id;
  otherOrgId = (await database.db.insertInto('organizations').values({ name: 'Other Co' }).returning('id').executeTakeFirstOrThrow()).id;
  await sql`
    INSERT INTO leads (organization_id, first_name, last_name, company, email)
    SELECT CASE WHEN i % 10 = 0 THEN ${otherOrgId}::uuid ELSE ${orgId}::uuid END,
           (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','Ken'])[1 + i % 8],
           'Person' || i,
           CASE WHEN i % 997 = 0 THEN 'Zyxwv Holdings' ELSE (ARRAY['Acme Corp','Globex','Initech','Umbrella','Hooli'])[1 + i % 5] || ' ' || (i % 1000) END,
           'p' || i || '@example.com'
    FROM generate_series(1, 55000) AS i`.execute(database.db);
  await sql`ANALYZE leads`.execute(database.db);
}, 300_000);
afterAll(async () => database?.close());

describe(`full-text search at 50,000 leads (${MODE})`, () => {
  it('the search predicate is answered by the GIN index', async () => {
    const rare = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT id FROM leads
      WHERE organization_id = ${orgId} AND search_vector @@ websearch_to_tsquery('english', 'zyxwv')`.execute(database.db);
    expect(plan(rare.rows)).toContain('idx_leads_search');
    const prefix = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT id FROM leads
      WHERE organization_id = ${orgId} AND search_vector @@ to_tsquery('english', 'zyx:*')`.execute(database.db);
    expect(plan(prefix.rows)).toContain('idx_leads_search');
  });

  it('as the application role a plain @@ cannot use it (why search_lead_ids exists)', async () => {
    const rows = await withTenant(database.db, { organizationId: orgId }, (tx) =>
      sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT id FROM leads WHERE search_vector @@ to_tsquery('english', 'zyxwv')`.execute(tx),
    );
    expect(plan(rows.rows)).not.toContain('idx_leads_search');
  });

  it("search_lead_ids finds the tenant's matches, including by prefix, and only the tenant's", async () => {
    const search = (org: string, query: string) =>
      withTenant(database.db, { organizationId: org }, (tx) =>
        sql<{ lead_id: string }>`SELECT lead_id FROM app.search_lead_ids(to_tsquery('english', ${query}))`.execute(tx),
      );
    const mine = await search(orgId, 'zyxwv');
    const theirs = await search(otherOrgId, 'zyxwv');
    const expected = await sql<{ org: string; n: number }>`
      SELECT organization_id::text AS org, count(*)::int AS n FROM leads WHERE company = 'Zyxwv Holdings' GROUP BY 1`.execute(database.db);
    expect(mine.rows.length).toBe(expected.rows.find((r) => r.org === orgId)!.n);
    expect(theirs.rows.length).toBe(expected.rows.find((r) => r.org === otherOrgId)!.n);
    const overlap = mine.rows.filter((r) => theirs.rows.some((t) => t.lead_id === r.lead_id));
    expect(overlap).toEqual([]);
    expect((await search(orgId, 'zyx:*')).rows.length).toBe(mine.rows.length);
    // No tenant setting: nothing at all.
    const none = await database.db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('role', 'leadai_app', true)`.execute(tx);
      return sql<{ lead_id: string }>`SELECT lead_id FROM app.search_lead_ids(to_tsquery('english', 'zyxwv'))`.execute(tx);
    });
    expect(none.rows).toEqual([]);
  });
});
