import { sql, type Kysely } from 'kysely';
import type { DB, JsonObject, OrganizationSize, UserRole } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';
import { isUuid } from '../../shared/ids.ts';

export interface NewOrganizationRow {
  id: string;
  name: string;
  domain?: string | null;
  industry?: string | null;
  size?: OrganizationSize | null;
  settings?: JsonObject;
}

export async function insertOrganization(tx: Tx, row: NewOrganizationRow) {
  return tx
    .insertInto('organizations')
    .values({
      id: row.id,
      name: row.name,
      domain: row.domain ?? null,
      industry: row.industry ?? null,
      size: row.size ?? null,
      settings: JSON.stringify(row.settings ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertUser(
  tx: Tx,
  row: { id?: string; organizationId: string; email: string; fullName: string; role: UserRole; teamId?: string | null },
) {
  return tx
    .insertInto('users')
    .values({
      ...(row.id ? { id: row.id } : {}),
      organization_id: row.organizationId,
      email: row.email,
      full_name: row.fullName,
      role: row.role,
      team_id: row.teamId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertCredentials(tx: Tx, row: { userId: string; organizationId: string; passwordHash: string }) {
  await tx
    .insertInto('user_credentials')
    .values({ user_id: row.userId, organization_id: row.organizationId, password_hash: row.passwordHash })
    .execute();
}

export async function insertTeam(
  tx: Tx,
  row: { id?: string; organizationId: string; name: string; description?: string | null; managerId?: string | null },
) {
  return tx
    .insertInto('teams')
    .values({
      ...(row.id ? { id: row.id } : {}),
      organization_id: row.organizationId,
      name: row.name,
      description: row.description ?? null,
      manager_id: row.managerId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Cross-tenant lookups (owner role): emails are unique across the installation, and the
 * CLI resolves an organization by id or name before it has a tenant context.
 */
export async function emailExists(db: Kysely<DB>, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}

export async function listOrganizations(db: Kysely<DB>) {
  return db
    .selectFrom('organizations as o')
    .select((eb) => [
      'o.id',
      'o.name',
      'o.domain',
      'o.created_at',
      eb.selectFrom('users').whereRef('users.organization_id', '=', 'o.id').select(eb.fn.countAll<number>().as('n')).as('users'),
      eb.selectFrom('leads').whereRef('leads.organization_id', '=', 'o.id').select(eb.fn.countAll<number>().as('n')).as('leads'),
    ])
    .orderBy('o.created_at')
    .execute();
}

export async function findOrganizationsByIdOrName(db: Kysely<DB>, idOrName: string) {
  return db
    .selectFrom('organizations')
    .select(['id', 'name'])
    .where((eb) =>
      isUuid(idOrName) ? eb('id', '=', idOrName) : eb(sql<string>`lower(name)`, '=', idOrName.toLowerCase()),
    )
    .execute();
}

export async function organizationExists(db: Kysely<DB>, id: string): Promise<boolean> {
  return (await db.selectFrom('organizations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export async function getOwnOrganization(tx: Tx) {
  return tx.selectFrom('organizations').select(['id', 'name', 'domain', 'industry', 'size', 'settings', 'subscription_tier', 'created_at', 'updated_at']).executeTakeFirstOrThrow();
}

export async function updateOwnOrganization(
  tx: Tx,
  id: string,
  values: { name?: string; domain?: string | null; industry?: string | null; size?: OrganizationSize | null; settings?: Record<string, unknown> },
) {
  return tx
    .updateTable('organizations')
    .set({
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.domain !== undefined ? { domain: values.domain } : {}),
      ...(values.industry !== undefined ? { industry: values.industry } : {}),
      ...(values.size !== undefined ? { size: values.size } : {}),
      // Settings merge key by key, so one screen's change does not erase another's; an
      // object merges into the object it replaces (tracking.honor_dnt keeps tracking.truncate_ip).
      ...(values.settings !== undefined
        ? {
            settings: sql`settings || (SELECT coalesce(jsonb_object_agg(p.key, CASE WHEN jsonb_typeof(p.value) = 'object' AND jsonb_typeof(settings -> p.key) = 'object' THEN (settings -> p.key) || p.value ELSE p.value END), '{}'::jsonb)
              FROM jsonb_each(${JSON.stringify(values.settings)}::jsonb) AS p)`,
          }
        : {}),
    })
    .where('id', '=', id)
    .returning(['id', 'name', 'domain', 'industry', 'size', 'settings', 'subscription_tier', 'created_at', 'updated_at'])
    .executeTakeFirstOrThrow();
}
