import { HOUR_MS, DAY_MS, ENGAGEMENT_CATEGORIES, type EngagementCategory, type EngagementLevel, type LeadSnapshot, type OrgStats } from './types.ts';
import { touchesWithReplies } from './contact-time.ts';
import { round2, round3 } from './stats.ts';

/**
 * Engagement: the lead's recent touches, each weighted by how much effort it shows and
 * halved every HALF_LIFE_DAYS, compared with the organization's average active lead. The
 * level says how this lead stands against its own organization, not against a constant.
 */
export const HALF_LIFE_DAYS = 14;
export const ENGAGEMENT_WINDOW_DAYS = 90;
export const WEIGHTS: Record<EngagementCategory, number> = {
  inbound_message: 3, meeting: 3, call: 2, form_submit: 2, other_activity: 1, email_click: 1, page_view: 0.5, email_open: 0.2,
};

/** Activities that count, by category (notes and tasks are the rep's bookkeeping, not the lead's engagement). */
export function activityCategory(type: string): EngagementCategory | null {
  if (type === 'meeting' || type === 'demo') return 'meeting';
  if (type === 'call') return 'call';
  if (type === 'note' || type === 'task') return null;
  return 'other_activity';
}

export function eventCategory(type: string): EngagementCategory | null {
  return type === 'form_submit' || type === 'email_click' || type === 'page_view' || type === 'email_open' ? type : null;
}

function decay(at: Date, now: Date): number {
  const age = (now.getTime() - at.getTime()) / DAY_MS;
  return age < 0 || age > ENGAGEMENT_WINDOW_DAYS ? 0 : Math.pow(0.5, age / HALF_LIFE_DAYS);
}

export function engagementScore(lead: LeadSnapshot, now: Date): { score: number; byCategory: Record<EngagementCategory, number> } {
  const by = Object.fromEntries(ENGAGEMENT_CATEGORIES.map((c) => [c, 0])) as Record<EngagementCategory, number>;
  for (const m of lead.messages) if (m.direction === 'inbound') by.inbound_message += decay(m.at, now);
  for (const a of lead.activities) {
    const c = activityCategory(a.type);
    if (c) by[c] += decay(a.at, now);
  }
  for (const e of lead.events) {
    const c = eventCategory(e.type);
    if (c) by[c] += decay(e.at, now);
  }
  const score = ENGAGEMENT_CATEGORIES.reduce((s, c) => s + WEIGHTS[c] * by[c], 0);
  return { score, byCategory: by };
}

/** The organization's average weighted engagement per active lead. */
export function organizationMeanEngagement(stats: OrgStats): number {
  if (stats.engagement.activeLeads === 0) return 0;
  return ENGAGEMENT_CATEGORIES.reduce((s, c) => s + WEIGHTS[c] * stats.engagement.totals[c], 0) / stats.engagement.activeLeads;
}

export function engagementLevel(lead: LeadSnapshot, stats: OrgStats, now: Date): { level: EngagementLevel; score: number; ratio: number | null } {
  const { score } = engagementScore(lead, now);
  const everything = lead.messages.length + lead.activities.length + lead.events.length;
  if (everything === 0) return { level: 'unknown', score: 0, ratio: null };
  const mean = organizationMeanEngagement(stats);
  // Alone in its organization, a lead is its own average.
  const ratio = mean > 0 ? score / mean : score > 0 ? 1 : 0;
  const level: EngagementLevel = ratio < 0.5 ? 'low' : ratio < 1.5 ? 'medium' : ratio < 3 ? 'high' : 'very_high';
  return { level, score: round3(score), ratio: round2(ratio) };
}

export interface CommunicationPreference {
  preferred_channel: string | null;
  channels: { channel: string; sent: number; received: number; replied: number; response_rate: number | null; median_reply_hours: number | null }[];
  response_rate: number | null;
  activity_mix: Record<string, number>;
  messages: number;
}

/** Channel mix and responsiveness from the lead's messages (and the activities logged with it). */
export function communicationPreference(lead: LeadSnapshot): CommunicationPreference {
  const channels = new Map<string, { sent: number; received: number; replied: number; delays: number[] }>();
  const of = (c: string) => channels.get(c) ?? channels.set(c, { sent: 0, received: 0, replied: 0, delays: [] }).get(c)!;
  const inbound = lead.messages.filter((m) => m.direction === 'inbound').sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const m of lead.messages) {
    const c = of(m.channel.toLowerCase());
    if (m.direction === 'inbound') c.received++;
    else c.sent++;
  }
  const touches = touchesWithReplies(lead);
  for (const t of touches) {
    if (!t.replied) continue;
    const m = lead.messages.find((x) => x.id === t.id)!;
    const reply = inbound.find((x) => x.at.getTime() > t.at.getTime())!;
    const c = of(m.channel.toLowerCase());
    c.replied++;
    c.delays.push((reply.at.getTime() - t.at.getTime()) / HOUR_MS);
  }
  const median = (xs: number[]) => {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    return round2(s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2);
  };
  const list = [...channels].map(([channel, c]) => ({ channel, sent: c.sent, received: c.received, replied: c.replied, response_rate: c.sent > 0 ? round2(c.replied / c.sent) : null, median_reply_hours: median(c.delays) }));
  // Where the lead writes from most; ties go to the channel it answers best on.
  const preferred = [...list].sort((a, b) => b.received - a.received || (b.response_rate ?? -1) - (a.response_rate ?? -1) || a.channel.localeCompare(b.channel))[0];
  const activityMix: Record<string, number> = {};
  for (const a of lead.activities) activityMix[a.type] = (activityMix[a.type] ?? 0) + 1;
  const replied = touches.filter((t) => t.replied).length;
  return {
    preferred_channel: preferred && preferred.received > 0 ? preferred.channel : null,
    channels: list.sort((a, b) => b.received + b.sent - (a.received + a.sent)),
    response_rate: touches.length > 0 ? round2(replied / touches.length) : null,
    activity_mix: activityMix,
    messages: lead.messages.length,
  };
}
