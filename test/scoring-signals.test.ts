import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { seedDemo, type SeedDemoResult } from '../src/modules/demo/demo.service.ts';
import { loadSignals } from '../src/modules/scoring/scoring.queries.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

const ANCHOR = new Date('2026-11-25T00:00:00Z');

describe(`lead signals from the database (${MODE})`, () => {
  let database: TestDatabase;
  let demo: SeedDemoResult;
  const tenant = () => ({ organizationId: demo.organizationId });

  beforeAll(async () => {
    database = await createTestDatabase();
    demo = await seedDemo(database, { leads: 600, seed: 5, anchor: ANCHOR });
  }, 300_000);
  afterAll(async () => database?.close());

  it('cuts every history at the close: the hand-off notes written after a won deal are not seen', async () => {
    const trap = await sql<{ lead_id: string; n: number }>`
      SELECT a.lead_id, count(*)::int AS n FROM activities a WHERE (a.metadata->>'after_close')::boolean GROUP BY 1 LIMIT 5`.execute(database.db);
    expect(trap.rows.length).toBeGreaterThan(0);
    const ids = trap.rows.map((r) => r.lead_id);
    const rows = await withTenant(database.db, tenant(), (tx) => loadSignals(tx, { kind: 'ids', ids }, ANCHOR));
    for (const row of rows) {
      expect(row.won).toBe(true);
      const counted = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM activities a JOIN leads l ON l.id = a.lead_id
        WHERE a.lead_id = ${row.id} AND a.completed_at IS NOT NULL AND a.completed_at <= l.closed_at`.execute(database.db);
      const s = row.signals.activities;
      expect(s.calls + s.emails + s.meetings + s.other).toBe(counted.rows[0]!.n);
      expect(row.signals.asOf.getTime()).toBeLessThanOrEqual(ANCHOR.getTime());
    }
  });

  it('is unchanged by anything that happens after the close, and sees what happens before it', async () => {
    const lead = (await sql<{ id: string; closed_at: Date }>`SELECT id, closed_at FROM leads WHERE status = 'closed_lost' AND closed_at IS NOT NULL ORDER BY id LIMIT 1`.execute(database.db)).rows[0]!;
    const load = async () => (await withTenant(database.db, tenant(), (tx) => loadSignals(tx, { kind: 'ids', ids: [lead.id] }, ANCHOR)))[0]!.signals;
    const before = await load();
    const later = new Date(lead.closed_at.getTime() + 86_400_000);
    const earlier = new Date(lead.closed_at.getTime() - 86_400_000);
    const org = demo.organizationId;
    await sql`INSERT INTO journey_events (organization_id, lead_id, event_type, event_name, properties, occurred_at)
      VALUES (${org}, ${lead.id}, 'page_view', 'Pricing', '{"url": "https://x.example/pricing"}', ${later})`.execute(database.db);
    await sql`INSERT INTO activities (organization_id, lead_id, type, subject, completed_at) VALUES (${org}, ${lead.id}, 'meeting', 'after', ${later})`.execute(database.db);
    await sql`INSERT INTO conversations (organization_id, lead_id, direction, channel, content, created_at) VALUES (${org}, ${lead.id}, 'inbound', 'email', 'thanks!', ${later})`.execute(database.db);
    expect(await load()).toEqual(before);
    await sql`INSERT INTO journey_events (organization_id, lead_id, event_type, event_name, properties, occurred_at)
      VALUES (${org}, ${lead.id}, 'page_view', 'Pricing', '{"url": "https://x.example/pricing?plan=pro"}', ${earlier})`.execute(database.db);
    const after = await load();
    expect(after.journey.pricingViews).toBe(before.journey.pricingViews + 1);
    expect(after.journey.pricingViewsRecent).toBeGreaterThan(before.journey.pricingViewsRecent + 0.97);
  });

  it('pages through closed leads and reads the generated behaviour, conversations and custom fields', async () => {
    const first = await withTenant(database.db, tenant(), (tx) => loadSignals(tx, { kind: 'closed', after: null, limit: 200 }, ANCHOR));
    expect(first.length).toBe(200);
    expect(first.every((r) => r.closed)).toBe(true);
    const next = await withTenant(database.db, tenant(), (tx) => loadSignals(tx, { kind: 'closed', after: first[199]!.id, limit: 1000 }, ANCHOR));
    const closed = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM leads WHERE status IN ('closed_won', 'closed_lost')`.execute(database.db)).rows[0]!.n;
    expect(first.length + next.length).toBe(closed);
    const all = [...first, ...next];
    expect(all.some((r) => r.signals.journey.pricingViews > 0)).toBe(true);
    expect(all.some((r) => r.signals.conversations.replies > 0 && r.signals.conversations.replyHours !== null)).toBe(true);
    expect(all.some((r) => r.signals.journey.sessions > 0)).toBe(true);
    expect(all.every((r) => typeof r.signals.customFields === 'object')).toBe(true);
    expect(all.some((r) => 'industry' in r.signals.customFields)).toBe(true);
  });
});
