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
/** Whose change it is: a null actor is the system (a job, a CLI import): no user or key acted. */
export type EventContext = Pick<AuthContext, 'organizationId'> & { actor: { id: string | null } };

/** The context of work no person started (jobs, the CLI): the organization, no actor. */
export const systemActor = (organizationId: string): EventContext => ({ organizationId, actor: { id: null } });

export async function emitEvent(
  tx: Tx,
  ctx: EventContext,
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
/** One event as an emitter describes it; emitEvents writes several in one statement. */
export interface OutboxEvent {
  type: string;
  entityType: string;
  entityId: string | null;
  payload?: EventPayload;
}

/** Batch events name at most this many leads each (EventPayload.lead_ids). */
export const MAX_LEAD_IDS = 1000;

/** Ids cut into lists of at most MAX_LEAD_IDS, for batch events. */
export function chunkIds(ids: readonly string[], size = MAX_LEAD_IDS): string[][] {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
  return chunks;
}

/**
 * Several events in the caller's transaction with one INSERT (batches: rescoring, the
 * insights engine, tracking ingestion, bulk lead changes): hot paths add one statement per
 * batch, never one per row. Rows keep the given order (ids ascending). One NOTIFY, carrying
 * the last id, wakes the sequencer for all of them (it numbers every unnumbered row).
 */
export async function emitEvents(
  tx: Tx,
  ctx: EventContext,
  events: readonly OutboxEvent[],
): Promise<void> {
  if (events.length === 0) return;
  if (events.length === 1) return emitEvent(tx, ctx, events[0]!);
  const rows = events.map((e) => ({ t: e.type, et: e.entityType, id: e.entityId, p: e.payload ?? {} }));
  await sql`
    WITH e AS (
      INSERT INTO outbox_events (organization_id, event_type, entity_type, entity_id, actor_id, payload)
      SELECT ${ctx.organizationId}::uuid, x.e->>'t', x.e->>'et', (x.e->>'id')::uuid, ${ctx.actor.id}::uuid, x.e->'p'
      FROM jsonb_array_elements(${JSON.stringify(rows)}::jsonb) WITH ORDINALITY AS x(e, n)
      ORDER BY x.n
      RETURNING id
    )
    SELECT pg_notify(${OUTBOX_CHANNEL}, max(id)::text) FROM e`.execute(tx);
}
