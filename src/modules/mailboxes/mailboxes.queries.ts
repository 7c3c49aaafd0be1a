import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB, MailboxesTable } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';

/** Everything an API answer may show: never secret_sealed. */
const VIEW = [
  'mailboxes.id', 'mailboxes.user_id', 'mailboxes.host', 'mailboxes.port', 'mailboxes.security', 'mailboxes.username', 'mailboxes.auth_kind',
  'mailboxes.folders', 'mailboxes.state', 'mailboxes.last_synced_at', 'mailboxes.last_error', 'mailboxes.last_error_at', 'mailboxes.messages_stored',
  'mailboxes.create_leads_from_unknown', 'mailboxes.unknown_sender_to', 'mailboxes.created_at', 'mailboxes.updated_at',
] as const;

function viewQuery(tx: Tx) {
  return tx.selectFrom('mailboxes').innerJoin('users', (j) => j.onRef('users.id', '=', 'mailboxes.user_id').onRef('users.organization_id', '=', 'mailboxes.organization_id'))
    .select(VIEW).select(['users.full_name as user_name', 'users.email as user_email']);
}

export async function listMailboxes(tx: Tx, userId: string | null) {
  let q = viewQuery(tx);
  if (userId) q = q.where('mailboxes.user_id', '=', userId);
  return q.orderBy('mailboxes.created_at').orderBy('mailboxes.id').execute();
}

export async function getMailboxView(tx: Tx, id: string) {
  return viewQuery(tx).where('mailboxes.id', '=', id).executeTakeFirst();
}

export async function mailboxOwner(tx: Tx, id: string) {
  return tx.selectFrom('mailboxes').select(['id', 'user_id']).where('id', '=', id).executeTakeFirst();
}

export async function insertMailbox(tx: Tx, values: Insertable<MailboxesTable>) {
  return tx.insertInto('mailboxes').values(values).returning('id').executeTakeFirstOrThrow();
}

export async function updateMailbox(tx: Tx, id: string, values: Updateable<MailboxesTable>) {
  await tx.updateTable('mailboxes').set(values).where('id', '=', id).execute();
}

export async function deleteMailbox(tx: Tx, id: string) {
  await tx.deleteFrom('mailboxes').where('id', '=', id).execute();
}

/** For the sync only (the secret included), with the owner's login address. */
export async function mailboxForSync(tx: Tx, id: string) {
  return tx.selectFrom('mailboxes').innerJoin('users', (j) => j.onRef('users.id', '=', 'mailboxes.user_id').onRef('users.organization_id', '=', 'mailboxes.organization_id'))
    .selectAll('mailboxes').select(['users.email as user_email', 'users.is_active as user_active'])
    .where('mailboxes.id', '=', id).executeTakeFirst();
}

/**
 * Takes the mailbox for one sync: two workers (or a Sync now beside the periodic catch-up)
 * never read one mailbox at once. A sync that died without finishing gives way after 15 minutes.
 */
export async function claimForSync(tx: Tx, id: string) {
  return tx.updateTable('mailboxes').set({ state: 'syncing', sync_started_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('state', '<>', 'syncing'), eb('sync_started_at', 'is', null), eb('sync_started_at', '<', sql<Date>`now() - interval '15 minutes'`)]))
    .returning('id').executeTakeFirst();
}

export async function saveFolderState(tx: Tx, id: string, folderState: Record<string, { uidvalidity: string; last_uid: number }>, stored: number) {
  await tx.updateTable('mailboxes').set({ folder_state: JSON.stringify(folderState), messages_stored: sql<number>`messages_stored + ${stored}` }).where('id', '=', id).execute();
}

/**
 * The organization's leads with these addresses (lower-cased). Read here, beside the sync
 * that needs it in bulk, rather than one leads-service call per address per message.
 */
export async function leadsByEmail(tx: Tx, emails: string[]) {
  if (emails.length === 0) return [];
  return tx.selectFrom('leads').select(['id', sql<string>`lower(email)`.as('email'), 'do_not_contact'])
    .where(sql<boolean>`lower(email) = ANY (${sql.val(emails)}::text[])`).execute();
}

/** Every mailbox of every organization, for the watcher and the periodic chain (owner connection). */
export async function allMailboxes(db: Kysely<DB>) {
  // settings_key changes with the connection settings only, not with each sync's state.
  return db.selectFrom('mailboxes').select(['id', 'organization_id', 'state'])
    .select(sql<string>`md5(concat_ws('|', host, port::text, security, username, auth_kind, secret_sealed, array_to_string(folders, '|')))`.as('settings_key'))
    .execute();
}
