import type { Tx } from '../../db/tenant.ts';

/**
 * The audit log, written in the caller's transaction so a recorded action and the action
 * commit together. Details carry ids, field names and counts, never personal values.
 */
export async function recordAudit(
  tx: Tx,
  row: { organizationId: string; actorType: 'user' | 'api_key' | 'system'; actorId: string | null; action: string; entityType?: string; entityId?: string; details?: Record<string, string | number | boolean | null> },
) {
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
    })
    .execute();
}
