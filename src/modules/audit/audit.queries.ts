import { sql } from 'kysely';
import { cursorTime } from '../../db/keyset.ts';
import type { Tx } from '../../db/tenant.ts';

export interface AuditEntry {
  organizationId: string;
  actorType: 'user' | 'api_key' | 'system';
  actorId: string | null;
  action: string;
  entityType?: string;
  entityId?: string;
  details?: Record<string, string | number | boolean | null>;
  /** The caller's address and user agent (an employee's or an integration's, never a data subject's). */
  ip?: string | null;
  userAgent?: string | null;
}

export async function insertEntry(tx: Tx, row: AuditEntry) {
  await tx
    .insertInto('audit_log')
    .values({
      organization_id: row.organizationId,
      actor_type: row.actorType,
      actor_id: row.actorId,
      action: row.action,
      entity_type: row.entityType ?? null,
      entity_id: row.entityId ?? null,
      details: JSON.stringify(row.details ?? {}),
      ip_address: row.ip ?? null,
      user_agent: row.userAgent?.slice(0, 500) ?? null,
    })
    .execute();
}

/**
 * An API key's use, at most once per key per hour: inserted only when the key has no
 * `api_key.use` entry in the last hour (the entity index finds it). Two processes racing
 * may both write one; that is harmless.
 */
export async function insertKeyUseUnlessRecent(tx: Tx, row: AuditEntry & { entityId: string }) {
  await sql`
    INSERT INTO audit_log (organization_id, actor_type, actor_id, action, entity_type, entity_id, details, ip_address, user_agent)
    SELECT ${row.organizationId}::uuid, 'api_key', ${row.entityId}::uuid, 'api_key.use', 'api_key', ${row.entityId}::uuid, '{}'::jsonb, ${row.ip ?? null}::inet, ${row.userAgent?.slice(0, 500) ?? null}::text
    WHERE NOT EXISTS (
      SELECT 1 FROM audit_log WHERE organization_id = ${row.organizationId}::uuid AND entity_type = 'api_key' AND entity_id = ${row.entityId}::uuid
        AND action = 'api_key.use' AND created_at > now() - interval '1 hour')`.execute(tx);
}

export interface AuditFilter {
  actions?: string[] | undefined;
  actorId?: string | undefined;
  actorType?: 'user' | 'api_key' | 'system' | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** Newest first, keyset on (created_at, id); `limit + 1` rows (the extra one says there is more). */
export async function listEntries(tx: Tx, f: AuditFilter, limit: number, after: [string, string] | null) {
  let query = tx
    .selectFrom('audit_log')
    .select(['id', 'created_at', 'actor_type', 'actor_id', 'action', 'entity_type', 'entity_id', 'details', sql<string | null>`host(ip_address)`.as('ip_address'), 'user_agent'])
    .select(cursorTime(sql`created_at`).as('cursor_at'));
  if (f.actions) query = query.where('action', 'in', f.actions);
  if (f.actorId) query = query.where('actor_id', '=', f.actorId);
  if (f.actorType) query = query.where('actor_type', '=', f.actorType);
  if (f.entityType) query = query.where('entity_type', '=', f.entityType);
  if (f.entityId) query = query.where('entity_id', '=', f.entityId);
  if (f.from) query = query.where('created_at', '>=', f.from);
  if (f.to) query = query.where('created_at', '<', f.to);
  if (after) query = query.where(sql<boolean>`(created_at, id) < (${after[0]}::timestamptz, ${after[1]}::bigint)`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
}
