/**
 * What GET /api/v1/stream sends (issue 21's contract): one Server-Sent Event per outbox row,
 * named by its type, carrying ids, field names, counts and enum values only.
 */
export interface StreamEvent {
  seq: number;
  type: string;
  entity_type: string;
  entity_id: string | null;
  actor_id: string | null;
  at: string;
  payload: StreamPayload;
}

export interface StreamPayload {
  lead_id?: string;
  lead_ids?: string[];
  fields?: string[];
  recipient_id?: string;
  from?: string;
  to?: string;
  previous_assigned_to?: string | null;
  previous_team_id?: string | null;
  [key: string]: unknown;
}

/**
 * The event names the app listens for. EventSource has no wildcard: a named event reaches
 * only a listener registered under its name, so every type the server emits is listed here
 * (one the app does not know would change nothing on screen anyway).
 */
export const STREAM_EVENT_TYPES = [
  'lead.created', 'lead.updated', 'lead.status_changed', 'lead.assigned', 'lead.merged', 'lead.deleted', 'lead.scored',
  'leads.imported',
  'insight.created', 'insight.updated',
  'activity.created', 'activity.updated', 'activity.deleted',
  'conversation.created', 'conversation.updated', 'conversation.deleted', 'conversation.analyzed',
  'journey.recorded',
  'import.started', 'import.progress', 'import.completed', 'import.failed',
  'job.progress', 'job.finished',
  'view.created', 'view.updated', 'view.deleted',
  'user.created', 'user.updated', 'user.deactivated',
  'team.created', 'team.updated', 'team.deleted',
  'organization.updated',
  'model.trained', 'model.activated',
  'notification.created', 'notification.read',
  'metrics.updated', 'forecast.generated',
] as const;

/** The lead ids an event is about: its one lead, its batch, or (lead events) the entity itself. */
export function leadIdsOf(event: StreamEvent): string[] {
  const ids = new Set<string>();
  if (typeof event.payload.lead_id === 'string') ids.add(event.payload.lead_id);
  if (Array.isArray(event.payload.lead_ids)) for (const id of event.payload.lead_ids) if (typeof id === 'string') ids.add(id);
  if (event.entity_type === 'lead' && event.entity_id) ids.add(event.entity_id);
  return [...ids];
}

/** Parses one message's data; a malformed one is dropped rather than breaking the stream. */
export function parseStreamEvent(data: string): StreamEvent | null {
  try {
    const value = JSON.parse(data) as Partial<StreamEvent>;
    if (typeof value !== 'object' || value === null || typeof value.type !== 'string') return null;
    return {
      seq: Number(value.seq ?? 0),
      type: value.type,
      entity_type: String(value.entity_type ?? ''),
      entity_id: typeof value.entity_id === 'string' ? value.entity_id : null,
      actor_id: typeof value.actor_id === 'string' ? value.actor_id : null,
      at: String(value.at ?? ''),
      payload: value.payload && typeof value.payload === 'object' ? value.payload : {},
    };
  } catch {
    return null;
  }
}
