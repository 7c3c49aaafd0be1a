import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

/**
 * app.search_leads puts a lead whose full name nearly matches the whole query first, ahead of
 * leads that match one of its words exactly (0027_search_near_exact_names.sql): "jacinthe koch"
 * finds Jacynthe Koch before the other Kochs, which still follow.
 */
let database: TestDatabase;
let orgId: string;
let otherOrgId: string;

async function search(org: string, term: string, prefix: string) {
  const r = await withTenant(database.db, { organizationId: org }, (tx) =>
    sql<{ name: string; rank: number; similarity: number }>`
      SELECT l.first_name || ' ' || l.last_name AS name, s.rank, s.similarity
      FROM app.search_leads(${term}, to_tsquery('english', ${prefix}), 50) AS s JOIN leads AS l ON l.id = s.lead_id`.execute(tx),
  );
  // The API's order (leads.queries.ts: rank, similarity, score, id).
  return r.rows.sort((a, b) => a.rank - b.rank || b.similarity - a.similarity);
}

beforeAll(async () => {
  database = await createTestDatabase();
  orgId = (await database.db.insertInto('organizations').values({ name: 'Near Co' }).returning('id').executeTakeFirstOrThrow()).id;
  otherOrgId = (await database.db.insertInto('organizations').values({ name: 'Elsewhere' }).returning('id').executeTakeFirstOrThrow()).id;
  // Background: enough leads for the planner to prefer the indexes.
  await sql`
    INSERT INTO leads (organization_id, first_name, last_name, company, current_score)
    SELECT ${orgId}::uuid, (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald'])[1 + i % 6], 'Person' || i, 'Firm ' || (i % 500), i % 100
    FROM generate_series(1, 5000) AS i`.execute(database.db);
  const add = (org: string, first_name: string, last_name: string, current_score: number) =>
    database.db.insertInto('leads').values({ organization_id: org, first_name, last_name, company: `${first_name} Ltd`, current_score }).execute();
  // Other Kochs score higher, so score order alone would put Jacynthe last.
  for (const [first, score] of [['Anna', 95], ['Peter', 90], ['Jacob', 85], ['Hans', 80]] as const) await add(orgId, first, 'Koch', score);
  await add(orgId, 'Jacynthe', 'Koch', 10);
  await add(orgId, 'Jacinthe', 'Moreau', 50);
  await add(otherOrgId, 'Jacinthe', 'Koch', 99);
  await sql`ANALYZE leads`.execute(database.db);
}, 120_000);
afterAll(async () => database?.close());

describe(`search ranks a near-exact full name first (${MODE})`, () => {
  it('"jacinthe koch" finds Jacynthe Koch first, then the other Kochs', async () => {
    const found = await search(orgId, 'jacinthe koch', 'jacinthe:* & koch:*');
    expect(found[0]!.name).toBe('Jacynthe Koch');
    expect(found[0]!.rank).toBe(0);
    expect(found[0]!.similarity).toBeGreaterThan(0.5);
    expect(found[0]!.similarity).toBeLessThan(1);
    // Still there after it: the leads of the word that matched.
    expect(found.slice(1).map((r) => r.name).sort()).toEqual(expect.arrayContaining(['Anna Koch', 'Hans Koch', 'Jacob Koch', 'Peter Koch']));
    // Another organization's exact match is never seen.
    expect(found.filter((r) => r.name === 'Jacinthe Koch')).toEqual([]);
  });

  it('word order and a second misspelling do not matter; an exact name still comes before a near one', async () => {
    expect((await search(orgId, 'koch jacinthe', 'koch:* & jacinthe:*'))[0]!.name).toBe('Jacynthe Koch');
    expect((await search(orgId, ' Jacinthe  KOCHS ', 'jacinthe:* & kochs:*'))[0]!.name).toBe('Jacynthe Koch');
    const exact = await search(orgId, 'anna koch', 'anna:* & koch:*');
    expect(exact[0]).toMatchObject({ name: 'Anna Koch', rank: 0, similarity: 1 });
  });

  it('leaves one-word searches and unrelated names alone', async () => {
    const koch = await search(orgId, 'koch', 'koch:*');
    // Last-name prefix tier, in name order: no near-exact tier for a single word.
    expect(koch.slice(0, 5).map((r) => r.rank)).toEqual([1, 1, 1, 1, 1]);
    expect(await search(orgId, 'zebulon quixote', 'zebulon:* & quixote:*')).toEqual([]);
  });

  it('finds the candidates with a query the full-text index answers (an AND of ORs)', async () => {
    // At 5,000 leads a sequential scan may be cheaper; what matters is that the index can answer it.
    const plan = await database.db.transaction().execute(async (tx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      return sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT id FROM leads
        WHERE organization_id = ${orgId} AND search_vector @@ ((plainto_tsquery('english', 'jacinthe') || plainto_tsquery('english', 'jacynthe')) && plainto_tsquery('english', 'koch')) LIMIT 1000`.execute(tx);
    });
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('idx_leads_search');
  });

  it('a lead with one name only is an exact match for it (0030), ahead of longer names that start with it', async () => {
    const add = (first_name: string, last_name: string, current_score: number) =>
      database.db.insertInto('leads').values({ organization_id: orgId, first_name, last_name, current_score }).execute();
    await add('Cherilyn', 'Sarkisian', 99);
    await add('Cher', '', 5);
    await add('Princeton', 'Hall', 99);
    await add('', 'Prince', 5);
    const cher = await search(orgId, 'cher', 'cher:*');
    expect(cher[0]).toMatchObject({ name: 'Cher ', rank: 0 });
    expect(cher.find((r) => r.name === 'Cherilyn Sarkisian')?.rank).toBeGreaterThan(0);
    const prince = await search(orgId, 'Prince', 'prince:*');
    expect(prince[0]).toMatchObject({ name: ' Prince', rank: 0 });
    expect(prince.find((r) => r.name === 'Princeton Hall')?.rank).toBeGreaterThan(0);
  });
});
