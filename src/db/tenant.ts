import { sql, type Kysely } from 'kysely';
import { isUuid } from '../shared/ids.ts';
import { USER_ROLES, type DB, type UserRole } from './schema.ts';

/** Who a unit of work acts for. The database sees it through per-transaction settings. */
export interface TenantContext {
  organizationId: string;
  userId?: string | null;
  role?: UserRole | null;
}

export const APP_ROLE = 'leadai_app';

/**
 * A tenant transaction: a Kysely bound to one connection inside BEGIN … COMMIT. (Not
 * Kysely's Transaction type: the transaction is opened by hand, see withTenant.)
 */
export type Tx = Kysely<DB>;

/**
 * Server mode only: connections that stay in the application role and keep a tenant's
 * settings at session level between uses, so a read needs no BEGIN/COMMIT and no settings
 * round trip when the pooled connection already serves that tenant (see connect.ts).
 */
export interface TenantSessions {
  read<T>(contextKey: string, fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
}

const sessionsByDb = new WeakMap<Kysely<DB>, TenantSessions>();

export function registerTenantSessions(db: Kysely<DB>, sessions: TenantSessions): void {
  sessionsByDb.set(db, sessions);
}

const ROLES: ReadonlySet<string> = new Set(USER_ROLES);

/**
 * Runs `fn` in a transaction as the application role with the tenant's settings, so Row
 * Level Security confines every statement to that organization. BEGIN, the role and the
 * settings go to the server in one round trip (set_config(..., true) is SET LOCAL: it ends
 * with the transaction). The values are inlined as literals, so they are validated first:
 * only UUIDs and known role names ever reach that SQL text.
 */
function validated(ctx: TenantContext): { userId: string; role: string } {
  const userId = ctx.userId ?? '';
  const role = ctx.role ?? '';
  if (!isUuid(ctx.organizationId) || (userId !== '' && !isUuid(userId)) || (role !== '' && !ROLES.has(role))) {
    throw new TypeError('withTenant: organizationId and userId must be UUIDs and role a known role');
  }
  return { userId, role };
}

/** The statement that makes the open transaction act for the tenant (SET LOCAL: it ends with it). */
function tenantSettings(ctx: TenantContext): string {
  const { userId, role } = validated(ctx);
  return `SELECT set_config('role', '${APP_ROLE}', true), set_config('app.organization_id', '${ctx.organizationId}', true), set_config('app.user_id', '${userId}', true), set_config('app.role', '${role}', true)`;
}

export async function withTenant<T>(db: Kysely<DB>, ctx: TenantContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const begin = `BEGIN; ${tenantSettings(ctx)}`;
  return db.connection().execute(async (conn) => {
    await sql.raw(begin).execute(conn);
    try {
      const result = await fn(conn);
      await sql.raw('COMMIT').execute(conn);
      return result;
    } catch (error) {
      await sql.raw('ROLLBACK').execute(conn).catch(() => {});
      throw error;
    }
  });
}

/**
 * For reads only: runs `fn` as the application role in the tenant's context, without a
 * transaction where the server mode allows it (each statement sees its own snapshot, so
 * use it for one query, or for queries that need not agree with each other). Anything
 * that writes, or reads to decide a write, uses withTenant.
 */
export async function withTenantRead<T>(db: Kysely<DB>, ctx: TenantContext, fn: (db: Kysely<DB>) => Promise<T>): Promise<T> {
  const sessions = sessionsByDb.get(db);
  if (!sessions) return withTenant(db, ctx, fn);
  const { userId, role } = validated(ctx);
  return sessions.read(`${ctx.organizationId}|${userId}|${role}`, fn);
}

/**
 * Inside a transaction opened by hand as the session (owner) role, e.g. a bulk load that
 * drops and rebuilds indexes: from here on it acts as the tenant under Row Level Security,
 * exactly as withTenant does, until actAsOwner.
 */
export async function actAsTenant(tx: Tx, ctx: TenantContext): Promise<void> {
  await sql.raw(tenantSettings(ctx)).execute(tx);
}

/** Back to the session role, the tenant settings cleared (for DDL in the same transaction). */
export async function actAsOwner(tx: Tx): Promise<void> {
  await sql.raw(`SELECT set_config('role', 'none', true), set_config('app.organization_id', '', true), set_config('app.user_id', '', true), set_config('app.role', '', true)`).execute(tx);
}
