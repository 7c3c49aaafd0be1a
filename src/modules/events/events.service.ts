import type { Tx } from '../../db/tenant.ts';
import type { AuthContext } from '../auth/auth.context.ts';

/**
 * Writes to the outbox in the caller's transaction: a change and its event commit or roll
 * back together, so real-time streams, webhooks and workflows never see a change that did
 * not happen, nor miss one that did. Payloads carry ids and field names, not personal data.
 */
export async function emitEvent(
  tx: Tx,
  // A null actor is the system (e.g. a CLI import): no user or key acted.
  ctx: Pick<AuthContext, 'organizationId'> & { actor: { id: string | null } },
  event: { type: string; entityType: string; entityId: string; payload?: Record<string, unknown> },
): Promise<void> {
  await tx
    .insertInto('outbox_events')
    .values({
      organization_id: ctx.organizationId,
      event_type: event.type,
      entity_type: event.entityType,
      entity_id: event.entityId,
      actor_id: ctx.actor.id,
      payload: JSON.stringify(event.payload ?? {}),
    })
    .execute();
}
