import type { LeadStatus } from '../../db/schema.ts';
import type { OutboxEvent } from '../events/events.service.ts';

/** What the lead events compare: any lead row (the columns a change may touch). */
export type LeadVersion = { id: string; assigned_to: string | null; team_id: string | null; status: LeadStatus } & Record<string, unknown>;

/** Dates compare by instant, everything else by its JSON (both versions come from the database). */
const same = (a: unknown, b: unknown) => JSON.stringify(a instanceof Date ? a.toISOString() : a) === JSON.stringify(b instanceof Date ? b.toISOString() : b);

/** The keys among `keys` whose value really differs between the two versions of a lead. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, keys: Iterable<string>): string[] {
  return [...new Set(keys)].filter((k) => !same(before[k], after[k]));
}

/**
 * The events of one lead's change, given its versions before and after and the fields the
 * caller set. Decided: `lead.updated` always (with every field that really changed: a
 * client refreshes the row from it), plus `lead.status_changed` (`from`/`to`) when the
 * status moved and `lead.assigned` (`to`, previous owner and team) when the owner or team
 * changed — the specific events drive the board's animation, notifications and the stream's
 * "this lead left you", without any client having to diff. Nothing when nothing changed.
 */
export function leadChangeEvents(before: LeadVersion, after: LeadVersion, keys: Iterable<string>): OutboxEvent[] {
  const fields = changedFields(before, after, keys);
  if (fields.length === 0) return [];
  const lead = (type: string, payload: Record<string, unknown>): OutboxEvent => ({ type, entityType: 'lead', entityId: after.id, payload: { lead_id: after.id, ...payload } });
  const events = [lead('lead.updated', { fields })];
  if (fields.includes('status')) events.push(lead('lead.status_changed', { fields: ['status'], from: before.status, to: after.status }));
  if (fields.includes('assigned_to') || fields.includes('team_id')) {
    events.push(lead('lead.assigned', {
      fields: fields.filter((f) => f === 'assigned_to' || f === 'team_id'), to: after.assigned_to, team_id: after.team_id,
      previous_assigned_to: before.assigned_to, previous_team_id: before.team_id,
    }));
  }
  return events;
}
