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

/** An e-mail already stored for this lead (same Message-ID) is left as it is: null then (0039's unique key). */
export async function insertEmailIfNew(tx: Tx, values: Insertable<ConversationsTable>) {
  return tx.insertInto('conversations').values(values)
    .onConflict((oc) => oc.columns(['organization_id', 'lead_id', 'external_id']).where('channel', '=', 'email').where('external_id', 'is not', null).doNothing())
    .returning(['id', 'lead_id']).executeTakeFirst();
}
