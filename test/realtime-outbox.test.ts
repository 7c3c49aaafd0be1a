import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { emitEvent } from '../src/modules/events/events.service.ts';
import { sequencePending } from '../src/realtime/realtime.queries.ts';
import { OUTBOX_RETENTION_QUEUE, pruneOutbox, scheduleOutboxRetention } from '../src/realtime/retention.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';
import { createTenantRows } from './helpers/fixtures.ts';

/**
 * The outbox's delivery order (0031): events are numbered per organization after they
 * commit, in commit order, without holes or repeats, even with sequencers racing; retention
 * prunes old events and moves the horizon that turns a stale resume into a reset.
 */
let database: TestDatabase;
let orgA: string;
let orgB: string;

beforeAll(async () => {
  database = await createTestDatabase();
  orgA = (await createTenantRows(database.db, 'Seq A')).organizationId;
  orgB = (await createTenantRows(database.db, 'Seq B')).organizationId;
  await sequencePending(database.db, 10_000);
});
afterAll(async () => database?.close());

const emit = (org: string, type: string) =>
  withTenant(database.db, { organizationId: org }, (tx) => emitEvent(tx, { organizationId: org, actor: { id: null } }, { type, entityType: 'test', entityId: randomUUID() }));

async function seqs(org: string): Promise<{ type: string; seq: number | null }[]> {
  const rows = await database.db.selectFrom('outbox_events').select(['event_type as type', 'seq']).where('organization_id', '=', org).orderBy('id').execute();
  return rows.map((r) => ({ type: r.type, seq: r.seq === null ? null : Number(r.seq) }));
}

describe(`outbox sequencing (${MODE})`, () => {
  it('numbers each organization from its own counter, in order, without holes', async () => {
    const before = (await seqs(orgA)).length;
    for (let i = 0; i < 5; i++) await emit(orgA, `a.${i}`);
    for (let i = 0; i < 3; i++) await emit(orgB, `b.${i}`);
    const ranges = await sequencePending(database.db, 10_000);
    expect(ranges.map((r) => [r.organizationId, r.to - r.from + 1]).sort()).toEqual([[orgA, 5], [orgB, 3]].sort());
    const a = await seqs(orgA);
    expect(a.map((r) => r.seq)).toEqual(a.map((_, i) => i + 1));
    expect(a.slice(before).map((r) => r.type)).toEqual(['a.0', 'a.1', 'a.2', 'a.3', 'a.4']);
    const b = await seqs(orgB);
    expect(b.map((r) => r.seq)).toEqual(b.map((_, i) => i + 1));
    // Nothing left to number: a second pass is a no-op.
    expect(await sequencePending(database.db, 10_000)).toEqual([]);
  });

  it('leaves a rolled-back event out: it never existed', async () => {
    const before = await seqs(orgA);
    await withTenant(database.db, { organizationId: orgA }, async (tx) => {
      await emitEvent(tx, { organizationId: orgA, actor: { id: null } }, { type: 'rolled.back', entityType: 'test', entityId: null });
      throw new Error('abort');
    }).catch(() => {});
    await emit(orgA, 'after.rollback');
    await sequencePending(database.db, 10_000);
    const after = await seqs(orgA);
    expect(after.map((r) => r.type)).not.toContain('rolled.back');
    expect(after.at(-1)).toEqual({ type: 'after.rollback', seq: before.length + 1 });
  });

  if (MODE === 'server') {
    it('numbers by commit, not by id: an early transaction that commits late comes after', async () => {
      const url = database.url!;
      const pg = (await import('pg')).default;
      const slow = new pg.Client({ connectionString: url });
      await slow.connect();
      try {
        await slow.query('BEGIN');
        // Inserted first (smaller id), committed last.
        await slow.query(`INSERT INTO outbox_events (organization_id, event_type, entity_type) VALUES ($1, 'early.but.late', 'test')`, [orgA]);
        await emit(orgA, 'late.but.early');
        await sequencePending(database.db, 10_000);
        const mid = await seqs(orgA);
        const numbered = mid.filter((r) => r.seq !== null);
        await slow.query('COMMIT');
        await sequencePending(database.db, 10_000);
        const all = await seqs(orgA);
        const early = all.find((r) => r.type === 'early.but.late')!;
        const late = all.find((r) => r.type === 'late.but.early')!;
        // By id, early.but.late comes first; by delivery order, it comes after the one that committed first.
        expect(all.findIndex((r) => r.type === 'early.but.late')).toBeLessThan(all.findIndex((r) => r.type === 'late.but.early'));
        expect(early.seq).toBe(late.seq! + 1);
        // A reader that had read up to late.but.early's seq still gets early.but.late: it is above.
        expect(Math.max(...numbered.map((r) => r.seq!))).toBe(late.seq);
      } finally {
        await slow.end();
      }
    });

    it('racing sequencers and writers: every event exactly one seq, 1..n per organization', { timeout: 60_000 }, async () => {
      let writing = true;
      const writers = Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; i < 60; i++) await emit(w % 2 === 0 ? orgA : orgB, `race.${w}.${i}`);
      });
      const sequencers = Array.from({ length: 3 }, async () => {
        while (writing) await sequencePending(database.db, 50);
      });
      await Promise.all(writers);
      writing = false;
      await Promise.all(sequencers);
      await sequencePending(database.db, 10_000);
      for (const org of [orgA, orgB]) {
        const rows = await seqs(org);
        const numbers = rows.map((r) => r.seq!).sort((x, y) => x - y);
        expect(numbers).toEqual(numbers.map((_, i) => i + 1));
        const counter = await database.db.selectFrom('outbox_sequences').select('last_seq').where('organization_id', '=', org).executeTakeFirstOrThrow();
        expect(Number(counter.last_seq)).toBe(rows.length);
      }
    });
  }
});

describe(`outbox retention (${MODE})`, () => {
  it('prunes only events past the window, and moves the horizon past what it deleted', async () => {
    await emit(orgB, 'old.1');
    await emit(orgB, 'old.2');
    await sequencePending(database.db, 10_000);
    // Age every event of B by ten days, then add a fresh one.
    await sql`UPDATE outbox_events SET created_at = now() - interval '10 days' WHERE organization_id = ${orgB}`.execute(database.db);
    await emit(orgB, 'fresh');
    await sequencePending(database.db, 10_000);
    const before = await seqs(orgB);
    const deleted = await pruneOutbox(database.db, 7 * 86_400_000);
    expect(deleted).toBe(before.length - 1);
    const after = await seqs(orgB);
    expect(after.map((r) => r.type)).toEqual(['fresh']);
    const horizon = await database.db.selectFrom('outbox_sequences').select(['pruned_through', 'last_seq']).where('organization_id', '=', orgB).executeTakeFirstOrThrow();
    expect(Number(horizon.pruned_through)).toBe(after[0]!.seq! - 1);
    // Organization A's recent events are untouched.
    expect((await seqs(orgA)).length).toBeGreaterThan(0);
  });

  it('keeps exactly one retention run queued, however many processes start at once', async () => {
    const at = new Date(Date.now() + 3_600_000);
    await Promise.all(Array.from({ length: 5 }, () => scheduleOutboxRetention(database.db, at)));
    const queued = await database.db.selectFrom('jobs').select('id').where('queue', '=', OUTBOX_RETENTION_QUEUE).where('status', '=', 'queued').execute();
    expect(queued).toHaveLength(1);
  });
});
