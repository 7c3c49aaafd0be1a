import { HOUR_MS, type LeadSnapshot } from './types.ts';

/**
 * What the timeline shows the team just did: the last call (a logged call, meeting or demo,
 * or a phone conversation either way) and the last email (a logged email or an email we sent).
 * An insight never suggests a contact of a kind the timeline shows within the recent window
 * (`settings.insights.recent_contact_hours`, 48 by default): "Call … now" minutes after the
 * call was logged tells the rep nothing and makes the rest of the page harder to believe.
 */
export type ContactKind = 'call' | 'email';
export const DEFAULT_RECENT_CONTACT_HOURS = 48;
const CALL_ACTIVITIES = new Set(['call', 'meeting', 'demo']);
const CALL_CHANNELS = new Set(['phone', 'call', 'voice', 'meeting']);

export function lastContact(lead: LeadSnapshot, kind: ContactKind, now: Date): Date | null {
  const t = now.getTime();
  const times = [
    ...lead.activities.filter((a) => (kind === 'call' ? CALL_ACTIVITIES.has(a.type) : a.type === 'email')).map((a) => a.at.getTime()),
    // A phone conversation is a call whoever dialled; an email is ours only when we sent it.
    ...lead.messages.filter((m) => (kind === 'call' ? CALL_CHANNELS.has(m.channel) : m.direction === 'outbound' && m.channel === 'email')).map((m) => m.at.getTime()),
  ].filter((x) => x <= t);
  return times.length > 0 ? new Date(Math.max(...times)) : null;
}

/** The last contact of this kind when it falls within the recent window, else null. */
export function recentContact(lead: LeadSnapshot, kind: ContactKind, now: Date, windowHours: number): Date | null {
  const last = lastContact(lead, kind, now);
  return last && now.getTime() - last.getTime() < windowHours * HOUR_MS ? last : null;
}

/** Valid window hours from the organization's settings, else the default. */
export function recentContactHours(setting: unknown): number {
  const n = typeof setting === 'number' ? setting : typeof setting === 'string' ? Number(setting) : Number.NaN;
  return Number.isFinite(n) && n >= 0 && n <= 24 * 30 ? n : DEFAULT_RECENT_CONTACT_HOURS;
}
