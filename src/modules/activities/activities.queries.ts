import { sql, type Insertable, type RawBuilder, type Updateable } from 'kysely';
import type { ActivitiesTable } from '../../db/schema.ts';
import { cursorTime } from '../../db/keyset.ts';
import type { Tx } from '../../db/tenant.ts';

const COLUMNS = [
  'id', 'lead_id', 'user_id', 'type', 'subject', 'description', 'outcome', 'scheduled_at', 'completed_at', 'duration_minutes',
  'sentiment_score', 'intent_detected', 'buying_signals', 'metadata', 'created_at', 'updated_at', 'analyzed_at',
] as const;

export async function listActivities(
  tx: Tx,
  f: { scope: RawBuilder<boolean>; type?: string; userId?: string; leadId?: string; createdAfter?: Date; createdBefore?: Date },
  limit: number,
  after: [string, string] | null,
) {
  let q = tx.selectFrom('activities').select(COLUMNS).select(cursorTime(sql.ref('created_at')).as('cursor_at')).where(f.scope);
  if (f.type) q = q.where('type', '=', f.type as never);
  if (f.userId) q = q.where('user_id', '=', f.userId);
  if (f.leadId) q = q.where('lead_id', '=', f.leadId);
  if (f.createdAfter) q = q.where('created_at', '>=', f.createdAfter);
  if (f.createdBefore) q = q.where('created_at', '<', f.createdBefore);
  if (after) q = q.where(sql<boolean>`(created_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
}

export async function getActivity(tx: Tx, id: string) {
  return tx.selectFrom('activities').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function insertActivity(tx: Tx, values: Insertable<ActivitiesTable>) {
  return tx.insertInto('activities').values(values).returning(COLUMNS).executeTakeFirstOrThrow();
}

export async function updateActivity(tx: Tx, id: string, values: Updateable<ActivitiesTable>) {
  return tx.updateTable('activities').set(values).where('id', '=', id).returning(COLUMNS).executeTakeFirstOrThrow();
}

export async function deleteActivity(tx: Tx, id: string) {
  await tx.deleteFrom('activities').where('id', '=', id).execute();
}
