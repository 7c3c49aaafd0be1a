import { sql, type Kysely, type Updateable } from 'kysely';
import type { DB, UserRole, UsersTable } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';

export const USER_COLUMNS = ['id', 'email', 'full_name', 'avatar_url', 'role', 'team_id', 'is_active', 'deactivated_at', 'created_at', 'last_active_at', 'time_zone'] as const;

export async function listUsers(tx: Tx) {
  return tx.selectFrom('users').select(USER_COLUMNS).orderBy('full_name').execute();
}

export async function getUser(tx: Tx, id: string) {
  return tx.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function updateUser(tx: Tx, id: string, values: Updateable<UsersTable>) {
  return tx.updateTable('users').set(values).where('id', '=', id).returning(USER_COLUMNS).executeTakeFirstOrThrow();
}

export async function countActiveAdmins(tx: Tx): Promise<number> {
  const r = await tx.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where('role', '=', 'admin').where('is_active', '=', true).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Deactivation ends every way in: sessions now, keys the user made now. */
export async function revokeAccessOf(tx: Tx, userId: string) {
  await tx.updateTable('sessions').set({ revoked_at: sql`now()` }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  await tx.updateTable('api_keys').set({ revoked_at: sql`now()` }).where('created_by', '=', userId).where('revoked_at', 'is', null).execute();
}

export async function insertInvitation(tx: Tx, row: { organizationId: string; email: string; role: UserRole; teamId: string | null; tokenHash: string; invitedBy: string | null; expiresAt: Date }) {
  return tx
    .insertInto('invitations')
    .values({ organization_id: row.organizationId, email: row.email, role: row.role, team_id: row.teamId, token_hash: row.tokenHash, invited_by: row.invitedBy, expires_at: row.expiresAt })
    .returning(['id', 'email', 'role', 'team_id', 'created_at', 'expires_at', 'accepted_at', 'revoked_at'])
    .executeTakeFirstOrThrow();
}

export async function listInvitations(tx: Tx) {
  return tx.selectFrom('invitations').select(['id', 'email', 'role', 'team_id', 'created_at', 'expires_at', 'accepted_at', 'revoked_at']).orderBy('created_at', 'desc').execute();
}

export async function revokeInvitation(tx: Tx, id: string): Promise<boolean> {
  const r = await tx.updateTable('invitations').set({ revoked_at: sql`now()` }).where('id', '=', id).where('accepted_at', 'is', null).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Owner role: an invitation token is the only thing the invitee has. */
export async function findOpenInvitation(db: Kysely<DB>, tokenHash: string) {
  return db
    .selectFrom('invitations')
    .select(['id', 'organization_id', 'email', 'role', 'team_id'])
    .where('token_hash', '=', tokenHash)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Marks the invitation used; false when another request used it first (single use). */
export async function consumeInvitation(tx: Tx, id: string): Promise<boolean> {
  const r = await tx.updateTable('invitations').set({ accepted_at: sql`now()` }).where('id', '=', id).where('accepted_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function insertUserWithPassword(tx: Tx, row: { organizationId: string; email: string; fullName: string; role: UserRole; teamId: string | null; passwordHash: string }) {
  const user = await tx
    .insertInto('users')
    .values({ organization_id: row.organizationId, email: row.email, full_name: row.fullName, role: row.role, team_id: row.teamId })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  await tx.insertInto('user_credentials').values({ user_id: user.id, organization_id: row.organizationId, password_hash: row.passwordHash }).execute();
  return user;
}
