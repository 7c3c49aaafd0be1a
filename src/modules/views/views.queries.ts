import type { Insertable, Updateable } from 'kysely';
import type { SavedViewsTable } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';

/** The saved views module's SQL. */
const COLUMNS = ['id', 'user_id', 'name', 'query', 'columns', 'shared', 'created_at', 'updated_at'] as const;

/** The caller's own views and the organization's shared ones, own first, by name. */
export function listVisible(tx: Tx, userId: string) {
  return tx
    .selectFrom('saved_views')
    .select(COLUMNS)
    .where((eb) => eb.or([eb('user_id', '=', userId), eb('shared', '=', true)]))
    .orderBy((eb) => eb('user_id', '=', userId), 'desc')
    .orderBy('name')
    .limit(500)
    .execute();
}

export function insertView(tx: Tx, values: Insertable<SavedViewsTable>) {
  return tx.insertInto('saved_views').values(values).returning(COLUMNS).executeTakeFirstOrThrow();
}

export function updateOwnView(tx: Tx, id: string, userId: string, values: Updateable<SavedViewsTable>) {
  return tx.updateTable('saved_views').set({ ...values, updated_at: new Date() }).where('id', '=', id).where('user_id', '=', userId).returning(COLUMNS).executeTakeFirst();
}

export async function deleteOwnView(tx: Tx, id: string, userId: string): Promise<boolean> {
  const r = await tx.deleteFrom('saved_views').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function findView(tx: Tx, id: string) {
  return tx.selectFrom('saved_views').select(['id', 'user_id', 'shared']).where('id', '=', id).executeTakeFirst();
}
