import type { UserRole } from '../db/schema.ts';
import { can, leadScope, type Action } from '../modules/auth/permissions.ts';
import type { LeadAccess, OutboxRow } from './realtime.queries.ts';

/** Who is on the other end of a stream: enough to decide what they may read. */
export interface Viewer {
  userId: string | null;
  role: UserRole;
  teamId: string | null;
}

/** An event read once per process, with the access facts every client's filter needs. */
export interface PreparedEvent {
  row: OutboxRow;
  /** The SSE frame for a reader who may see all of it, built once for every client. */
  frame: string;
  /** lead_id / lead_ids of the payload (empty: not about leads). */
  leads: readonly string[];
  access: ReadonlyMap<string, LeadAccess>;
}

export function leadIdsOf(row: Pick<OutboxRow, 'entity_type' | 'entity_id' | 'payload'>): string[] {
  const payload = row.payload;
  const ids: string[] = [];
  if (row.entity_type === 'lead' && row.entity_id !== null && payload.lead_id === undefined) ids.push(row.entity_id);
  if (typeof payload.lead_id === 'string') ids.push(payload.lead_id);
  if (Array.isArray(payload.lead_ids)) for (const id of payload.lead_ids) if (typeof id === 'string') ids.push(id);
  return ids;
}

export function prepare(row: OutboxRow, access: ReadonlyMap<string, LeadAccess>): PreparedEvent {
  return { row, frame: frameOf(row, row.payload), leads: leadIdsOf(row), access };
}

export function frameOf(row: OutboxRow, payload: Record<string, unknown>): string {
  const data = { seq: row.seq, type: row.event_type, entity_type: row.entity_type, entity_id: row.entity_id, actor_id: row.actor_id, at: row.created_at.toISOString(), payload };
  return `id: ${row.seq}\nevent: ${row.event_type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The frame this viewer may receive for the event, or null. The same rules as the REST
 * routes (permissions.ts leadScope): a sales rep reads leads assigned to them or their
 * team; other roles the whole organization. A lead event is judged on the lead's owner and
 * team now, and also before the change for events that take a lead away (assigned, merged,
 * deleted), so a rep who loses a lead is told it left, and hears nothing about it after.
 */
export function frameFor(event: PreparedEvent, viewer: Viewer): string | null {
  const payload = event.row.payload;
  // What the REST routes would not show the role, the stream does not mention either.
  const needed = ENTITY_ACTIONS[event.row.entity_type];
  if (needed !== undefined && !can(viewer.role, needed)) return null;
  if (typeof payload.recipient_id === 'string') return payload.recipient_id === viewer.userId ? event.frame : null;
  if (event.leads.length === 0) return event.frame;
  const scope = leadScope(viewer, 'read');
  if (scope.kind === 'all') return event.frame;
  const readable = (access: LeadAccess | undefined) =>
    access !== undefined && ((scope.kind === 'owner_or_team' && scope.userId !== null && access.assigned_to === scope.userId) || (scope.teamId !== null && access.team_id === scope.teamId));
  const before = 'previous_assigned_to' in payload || 'previous_team_id' in payload
    ? { assigned_to: stringOrNull(payload.previous_assigned_to), team_id: stringOrNull(payload.previous_team_id) }
    : undefined;
  const now = event.leads.filter((id) => readable(event.access.get(id)));
  const visible = event.leads.filter((id) => now.includes(id) || readable(before));
  if (visible.length === 0) return null;
  // Told only that a lead left them: not where it went (a merge's target may be out of reach).
  if (now.length === 0 && 'into' in payload) {
    const { into: _into, ...rest } = payload;
    return frameOf(event.row, rest);
  }
  if (visible.length === event.leads.length) return event.frame;
  // A batch: this reader gets the ids it may read, and nothing says how many others there were.
  const { lead_ids: _all, ...rest } = payload;
  return frameOf(event.row, { ...rest, lead_ids: visible });
}

/**
 * Entities that not every role may open (everything else about no lead is for the whole
 * organization: users, teams, jobs, shared views, settings — all readable by every role).
 */
const ENTITY_ACTIONS: Readonly<Record<string, Action>> = {
  import: 'imports:write', // GET /imports/{id} is for those who may import
  model: 'models:read',
};

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
