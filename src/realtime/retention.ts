import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { enqueue } from '../jobs/queue.ts';
import { pruneBatch } from './realtime.queries.ts';

export const OUTBOX_RETENTION_QUEUE = 'outbox.retention';
const EVERY_MS = 60 * 60 * 1000;
const BATCH = 2_000;

/**
 * Deletes outbox events older than the retention window, a small batch per transaction so
 * writers and streams are never held up by one long delete. Returns how many went.
 */
export async function pruneOutbox(db: Kysely<DB>, retentionMs: number, progress?: (deleted: number) => Promise<void>, now: () => Date = () => new Date()): Promise<number> {
  const before = new Date(now().getTime() - retentionMs);
  let deleted = 0;
  for (;;) {
    const n = await pruneBatch(db, before, BATCH);
    deleted += n;
    if (n > 0) await progress?.(deleted);
    if (n < BATCH) return deleted;
  }
}

/**
 * Keeps exactly one queued retention run (a system job, organization null). The unique
 * dedupe index treats null organizations as distinct, so the check and the insert are
 * serialised by an advisory lock instead.
 */
export async function scheduleOutboxRetention(db: Kysely<DB>, runAt: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${0x1ead_0b0c})`.execute(trx);
    const queued = await trx.selectFrom('jobs').select('id').where('queue', '=', OUTBOX_RETENTION_QUEUE).where('status', '=', 'queued').executeTakeFirst();
    if (!queued) await enqueue(trx, { organizationId: null, queue: OUTBOX_RETENTION_QUEUE, runAt, priority: -2 });
  });
}

export function nextRetentionRun(now: Date = new Date()): Date {
  return new Date(now.getTime() + EVERY_MS);
}
