import { sql, type Kysely } from 'kysely';
import type { DB, UserRole } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';

/*
 * Lookups that resolve a secret or an email to its organization run as the owner role:
 * before they succeed there is no tenant to act for. They match on a hash or an exact
 * email and return only what authentication needs.
 */

export async function findLoginByEmail(db: Kysely<DB>, email: string) {
  return db
    .selectFrom('users as u')
    .innerJoin('user_credentials as c', 'c.user_id', 'u.id')
    .select(['u.id', 'u.organization_id', 'u.role', 'u.is_active', 'c.password_hash'])
    .where(sql<string>`lower(u.email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

/**
 * The account's consecutive failures since its last sign-in, kept as a fact for admins and
 * audits. It locks nothing: refusing is the shared throttle's job (login-throttle.ts, per
 * email and per address across every process), so `locked_until` is left unset rather than
 * written with a time nothing enforces.
 */
export async function recordLoginFailure(db: Kysely<DB>, userId: string) {
  await db
    .updateTable('user_credentials')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('user_id', '=', userId)
    .execute();
}

export async function recordLoginSuccess(db: Kysely<DB>, userId: string) {
  await db.updateTable('user_credentials').set({ failed_attempts: 0, locked_until: null }).where('user_id', '=', userId).execute();
}

export async function findSessionByTokenHash(db: Kysely<DB>, tokenHash: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.organization_id', 's.user_id', 's.csrf_token_hash', 's.expires_at', 's.last_seen_at', 'u.role', 'u.team_id'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.revoked_at', 'is', null)
    .where('s.expires_at', '>', sql<Date>`now()`)
    .where('u.is_active', '=', true)
    .executeTakeFirst();
}

export async function findActiveUser(db: Kysely<DB>, userId: string) {
  return db.selectFrom('users').select(['id', 'organization_id', 'role', 'team_id']).where('id', '=', userId).where('is_active', '=', true).executeTakeFirst();
}

export async function touchSession(db: Kysely<DB>, sessionId: string) {
  await db.updateTable('sessions').set({ last_seen_at: sql`now()` }).where('id', '=', sessionId).execute();
}

export async function findApiKeyByHash(db: Kysely<DB>, keyHash: string) {
  return db
    .selectFrom('api_keys as k')
    .leftJoin('users as u', 'u.id', 'k.created_by')
    .select(['k.id', 'k.organization_id', 'k.role', 'k.last_used_at', 'k.expires_at'])
    .where('k.key_hash', '=', keyHash)
    .where('k.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('k.expires_at', 'is', null), eb('k.expires_at', '>', sql<Date>`now()`)]))
    // A key made by a user who was deactivated stops with them.
    .where((eb) => eb.or([eb('k.created_by', 'is', null), eb('u.is_active', '=', true)]))
    .executeTakeFirst();
}

export async function touchApiKey(db: Kysely<DB>, id: string) {
  await db.updateTable('api_keys').set({ last_used_at: sql`now()` }).where('id', '=', id).execute();
}

// Tenant-scoped (called inside withTenant).

export async function insertSession(
  tx: Tx,
  row: { organizationId: string; userId: string; tokenHash: string; csrfHash: string; expiresAt: Date; ip: string | null; userAgent: string | null },
) {
  return tx
    .insertInto('sessions')
    .values({
      organization_id: row.organizationId,
      user_id: row.userId,
      token_hash: row.tokenHash,
      csrf_token_hash: row.csrfHash,
      expires_at: row.expiresAt,
      ip_address: row.ip,
      user_agent: row.userAgent,
    })
    .returning(['id', 'expires_at'])
    .executeTakeFirstOrThrow();
}

export async function listSessions(tx: Tx, userId: string) {
  return tx
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'user_agent', 'ip_address'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeSession(tx: Tx, userId: string, sessionId: string): Promise<boolean> {
  const r = await tx
    .updateTable('sessions')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function getUser(tx: Tx, userId: string) {
  return tx
    .selectFrom('users')
    .select(['id', 'email', 'full_name', 'role', 'team_id', 'organization_id', 'avatar_url', 'preferences', 'created_at', 'time_zone'])
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function getOrganization(tx: Tx, organizationId: string) {
  return tx.selectFrom('organizations').select(['id', 'name', 'domain', 'industry', 'size', 'subscription_tier']).where('id', '=', organizationId).executeTakeFirstOrThrow();
}

export async function insertApiKey(tx: Tx, row: { organizationId: string; name: string; prefix: string; keyHash: string; role: UserRole; createdBy: string | null; expiresAt: Date | null }) {
  return tx
    .insertInto('api_keys')
    .values({ organization_id: row.organizationId, name: row.name, prefix: row.prefix, key_hash: row.keyHash, role: row.role, created_by: row.createdBy, expires_at: row.expiresAt })
    .returning(['id', 'name', 'prefix', 'role', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .executeTakeFirstOrThrow();
}

export async function listApiKeys(tx: Tx) {
  return tx
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'role', 'created_at', 'expires_at', 'last_used_at', 'revoked_at'])
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeApiKey(tx: Tx, id: string): Promise<boolean> {
  const r = await tx.updateTable('api_keys').set({ revoked_at: sql`now()` }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// Sign-in throttling (auth_throttle: not a tenant table, owner role; see login-throttle.ts).

/**
 * Counts one attempt against each key in one statement: a key whose window has ended starts
 * a new one. The upsert takes each key's row lock, so attempts from several processes at
 * once are all counted. `retry_after` comes from the database clock, which all processes share.
 */
export async function hitThrottle(db: Kysely<DB>, keyHashes: readonly string[], windowSeconds: number) {
  const rows = sql.join(keyHashes.map((k) => sql`(${k}, 1, now() + make_interval(secs => ${windowSeconds}))`));
  const { rows: out } = await sql<{ key_hash: string; hits: number; retry_after: number }>`
    INSERT INTO auth_throttle AS t (key_hash, hits, reset_at) VALUES ${rows}
    ON CONFLICT (key_hash) DO UPDATE SET
      hits = CASE WHEN t.reset_at <= now() THEN 1 ELSE t.hits + 1 END,
      reset_at = CASE WHEN t.reset_at <= now() THEN excluded.reset_at ELSE t.reset_at END
    RETURNING key_hash, hits, greatest(1, ceil(extract(epoch FROM reset_at - now())))::int AS retry_after`.execute(db);
  return out;
}

export async function clearThrottle(db: Kysely<DB>, keyHash: string) {
  await db.deleteFrom('auth_throttle').where('key_hash', '=', keyHash).execute();
}

/** Drops ended windows; returns how many. */
export async function sweepThrottle(db: Kysely<DB>): Promise<number> {
  const r = await db.deleteFrom('auth_throttle').where('reset_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function getPasswordHash(tx: Tx, userId: string): Promise<string | undefined> {
  const row = await tx.selectFrom('user_credentials').select('password_hash').where('user_id', '=', userId).executeTakeFirst();
  return row?.password_hash;
}

export async function setPasswordHash(tx: Tx, userId: string, passwordHash: string) {
  await tx.updateTable('user_credentials').set({ password_hash: passwordHash, password_updated_at: sql`now()`, updated_at: sql`now()`, failed_attempts: 0, locked_until: null }).where('user_id', '=', userId).execute();
}

/** Ends every session of the user but `keepSessionId` (null: all of them). */
export async function revokeOtherSessions(tx: Tx, userId: string, keepSessionId: string | null): Promise<number> {
  let q = tx.updateTable('sessions').set({ revoked_at: sql`now()` }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (keepSessionId) q = q.where('id', '!=', keepSessionId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
