import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, UserRole } from './schema.ts';

/** Who a unit of work acts for. The database sees it through per-transaction settings. */
export interface TenantContext {
  organizationId: string;
  userId?: string | null;
  role?: UserRole | null;
}

export const APP_ROLE = 'leadai_app';

export type Tx = Transaction<DB>;

/**
 * Runs `fn` in a transaction as the application role with the tenant's settings, so Row
 * Level Security confines every statement to that organization. One round trip sets
 * role and context (set_config(..., true) is SET LOCAL: it ends with the transaction).
 */
export async function withTenant<T>(db: Kysely<DB>, ctx: TenantContext, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT
      set_config('role', ${APP_ROLE}, true),
      set_config('app.organization_id', ${ctx.organizationId}, true),
      set_config('app.user_id', ${ctx.userId ?? ''}, true),
      set_config('app.role', ${ctx.role ?? ''}, true)`.execute(tx);
    return fn(tx);
  });
}

/**
 * A transaction as the owner role, for work that is cross-tenant by nature: resolving a
 * session token to its organization, claiming jobs, seeding. Never for request data.
 */
export async function withSystem<T>(db: Kysely<DB>, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}
