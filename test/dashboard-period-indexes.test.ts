import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

/**
 * The dashboard's period figures read the leads created, moved or closed since a date
 * (dashboard.figures.ts). Under Row Level Security, as the application role, the three
 * conditions are answered by three index scans (0030), not by reading the organization.
 */
let database: TestDatabase;
let orgId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  orgId = (await db.insertInto('organizations').values({ name: 'Period Co' }).returning('id').executeTakeFirstOrThrow()).id;
  const otherId = (await db.insertInto('organizations').values({ name: 'Elsewhere' }).returning('id').executeTakeFirstOrThrow()).id;
  // Two years of leads, a fifth of them decided: a period of 60 days is a small part.
  for (const [org, n] of [[orgId, 25_000], [otherId, 5_000]] as const) {
    await sql`INSERT INTO leads (organization_id, first_name, last_name, status, created_at, status_changed_at, closed_at)
      SELECT ${org}::uuid, 'F' || g, 'L' || g, (ARRAY['new', 'contacted', 'qualified', 'closed_won', 'closed_lost'])[1 + g % 5]::lead_status,
        now() - (g % 730) * interval '1 day', now() - (g % 730) * interval '1 day' + (g % 20) * interval '1 day',
        CASE WHEN g % 5 IN (3, 4) THEN now() - (g % 730) * interval '1 day' + (g % 20) * interval '1 day' END
      FROM generate_series(1, ${n}) AS g`.execute(db);
  }
  await sql`ANALYZE leads`.execute(db);
}, 300_000);
afterAll(async () => database?.close());

describe(`the period figures' lead filter (${MODE})`, () => {
  it('uses the created, status-changed and closed indexes under RLS', async () => {
    const plan = await withTenant(database.db, { organizationId: orgId }, async (tx) => {
      const r = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT count(*) FROM leads
        WHERE created_at >= now() - interval '60 days' OR status_changed_at >= now() - interval '60 days' OR closed_at >= now() - interval '60 days'`.execute(tx);
      return r.rows.map((x) => x['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('BitmapOr');
    expect(plan).toContain('leads_org_created_idx');
    expect(plan).toContain('leads_org_status_changed_idx');
    expect(plan).toContain('leads_org_closed_idx');
  });
});
