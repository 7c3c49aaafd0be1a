import { sql, type Insertable, type RawBuilder, type Updateable } from 'kysely';
import type { ConversationsTable } from '../../db/schema.ts';
import { cursorTime } from '../../db/keyset.ts';
import type { Tx } from '../../db/tenant.ts';

const COLUMNS = [
  'id', 'lead_id', 'activity_id', 'direction', 'channel', 'subject', 'content', 'sentiment', 'intent', 'topics', 'entities',
  'external_id', 'thread_id', 'metadata', 'created_at', 'updated_at', 'analyzed_at',
] as const;

export async function listConversations(
  tx: Tx,
  f: { scope: RawBuilder<boolean>; direction?: string; channel?: string; leadId?: string; threadId?: string; createdAfter?: Date; createdBefore?: Date },
  limit: number,
  after: [string, string] | null,
) {
  let q = tx.selectFrom('conversations').select(COLUMNS).select(cursorTime(sql.ref('created_at')).as('cursor_at')).where(f.scope);
  if (f.direction) q = q.where('direction', '=', f.direction as never);
  if (f.channel) q = q.where('channel', '=', f.channel);
  if (f.leadId) q = q.where('lead_id', '=', f.leadId);
  if (f.threadId) q = q.where('thread_id', '=', f.threadId);
  if (f.createdAfter) q = q.where('created_at', '>=', f.createdAfter);
  if (f.createdBefore) q = q.where('created_at', '<', f.createdBefore);
  if (after) q = q.where(sql<boolean>`(created_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
}

export async function getConversation(tx: Tx, id: string) {
  return tx.selectFrom('conversations').select(COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function insertConversation(tx: Tx, values: Insertable<ConversationsTable>) {
  return tx.insertInto('conversations').values(values).returning(COLUMNS).executeTakeFirstOrThrow();
}

export async function updateConversation(tx: Tx, id: string, values: Updateable<ConversationsTable>) {
  return tx.updateTable('conversations').set(values).where('id', '=', id).returning(COLUMNS).executeTakeFirstOrThrow();
}

export async function deleteConversation(tx: Tx, id: string) {
  await tx.deleteFrom('conversations').where('id', '=', id).execute();
}
