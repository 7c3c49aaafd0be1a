import { sql } from 'kysely';
import type { Tx } from '../../db/tenant.ts';
import type { AuthContext } from '../auth/auth.context.ts';

/** Announces new outbox rows at commit (NOTIFY is transactional); the sequencer listens. */
export const OUTBOX_CHANNEL = 'leadai_outbox';

/**
 * What an event may carry in its payload, by convention (src/realtime/audience.ts routes
 * on these keys, so every emitter uses the same names). Only ids, field names, counts and
 * enum values: never names, e-mails or free text (the outbox is replayed to browsers and,
 * later, webhooks; personal data stays in the tables that the privacy tools govern).
 */
export interface EventPayload {
  /** The one lead the event is about: delivered to whoever may read that lead. */
  lead_id?: string;
  /** Several leads (batches; at most 1,000 per event): each reader gets the ids it may read. */
  lead_ids?: string[];
  /** Changed field names, for updates. */
  fields?: string[];
  /** Addressed to one user only (notifications, private saved views). */
  recipient_id?: string;
  /** Lead events for a lead that is gone or moved: who could read it before. */
  previous_assigned_to?: string | null;
  previous_team_id?: string | null;
  [key: string]: unknown;
}

/**
 * Writes to the outbox in the caller's transaction: a change and its event commit or roll
 * back together, so real-time streams, webhooks and workflows never see a change that did
 * not happen, nor miss one that did. The NOTIFY is delivered only if the transaction
 * commits, and carries the row's id, never its contents.
 */
export async function emitEvent(
  tx: Tx,
  // A null actor is the system (e.g. a CLI import): no user or key acted.
  ctx: Pick<AuthContext, 'organizationId'> & { actor: { id: string | null } },
  event: { type: string; entityType: string; entityId: string | null; payload?: EventPayload },
): Promise<void> {
  await sql`
    WITH e AS (
      INSERT INTO outbox_events (organization_id, event_type, entity_type, entity_id, actor_id, payload)
      VALUES (${ctx.organizationId}, ${event.type}, ${event.entityType}, ${event.entityId}, ${ctx.actor.id}, ${JSON.stringify(event.payload ?? {})}::jsonb)
      RETURNING id
    )
    SELECT pg_notify(${OUTBOX_CHANNEL}, id::text) FROM e`.execute(tx);
}
