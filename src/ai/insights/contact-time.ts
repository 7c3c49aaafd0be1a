import { betaPosterior, probabilityGreater, round2, round3 } from './stats.ts';
import { describeHourOfWeek, hourOfWeek, offsetMinutes, WEEKDAY_NAMES } from './time.ts';
import { DAY_MS, HOUR_MS, REPLY_WINDOW_HOURS, type Candidate, type LeadSnapshot, type OrgStats } from './types.ts';

/**
 * The best time to reach a lead: the two-hour window of the week (in the lead's time zone)
 * with the highest estimated reply rate. A window's rate is the lead's own replies there,
 * shrunk toward the organization's rate for that window (a beta prior worth LEAD_PRIOR
 * touches), which is itself shrunk toward the organization's overall rate (ORG_PRIOR
 * touches) — so a lead with no history gets the organization's best window, and a lead's
 * own pattern takes over as its replies accumulate.
 */
const WINDOW_HOURS = 2;
const ORG_PRIOR = 20;
const LEAD_PRIOR = 4;
const MIN_LEAD_TOUCHES = 3;
const MIN_WINDOW_REPLIES = 2;
const MIN_CONFIDENCE = 0.75;

export interface ContactTime {
  timezone: string;
  day_of_week: string;
  hour_start: number;
  hour_end: number;
  label: string;
  estimated_response_rate: number;
  baseline_response_rate: number;
  confidence: number;
  lead_touches: number;
  lead_replies: number;
  organization_touches: number;
  source: 'lead' | 'organization';
}

/** Outbound messages and whether the lead answered (any channel) within the reply window. */
export function touchesWithReplies(lead: LeadSnapshot): { at: Date; replied: boolean; id: string }[] {
  const inbound = lead.messages.filter((m) => m.direction === 'inbound').map((m) => m.at.getTime()).sort((a, b) => a - b);
  return lead.messages
    .filter((m) => m.direction === 'outbound')
    .map((m) => {
      const t = m.at.getTime();
      return { id: m.id, at: m.at, replied: inbound.some((x) => x > t && x <= t + REPLY_WINDOW_HOURS * HOUR_MS) };
    });
}

export function optimalContactTime(lead: LeadSnapshot, stats: OrgStats, now: Date): { value: ContactTime | null; candidate: Candidate | null } {
  const zone = lead.timezone ?? stats.timezone;
  const orgSent = stats.hourOfWeek.sent.reduce((a, b) => a + b, 0);
  const orgReplied = stats.hourOfWeek.replied.reduce((a, b) => a + b, 0);
  // The organization's cells are in its own time zone; the lead's hour h is the org's h − shift.
  const shift = Math.round((offsetMinutes(now, zone) - offsetMinutes(now, stats.timezone)) / 60);
  const orgCell = (h: number, what: 'sent' | 'replied') => stats.hourOfWeek[what][(((h - shift) % 168) + 168) % 168] ?? 0;

  const sent = new Array<number>(168).fill(0);
  const replied = new Array<number>(168).fill(0);
  const touches = touchesWithReplies(lead).filter((x) => x.at.getTime() <= now.getTime());
  for (const x of touches) {
    const h = hourOfWeek(x.at, zone);
    sent[h]!++;
    if (x.replied) replied[h]!++;
  }
  const leadSent = touches.length;
  const leadReplied = touches.filter((x) => x.replied).length;
  // Without organization figures yet (a new organization, or statistics computed before its
  // first messages), the lead's own overall rate (Laplace-smoothed) is the prior.
  if (orgSent === 0 && leadSent === 0) return { value: null, candidate: null };
  const orgOverall = orgSent > 0 ? orgReplied / orgSent : (leadReplied + 1) / (leadSent + 2);

  let best: { start: number; post: ReturnType<typeof betaPosterior>; sent: number; replied: number; orgSent: number } | null = null;
  for (let start = 0; start < 168; start++) {
    const hours = Array.from({ length: WINDOW_HOURS }, (_, i) => (start + i) % 168);
    const os = hours.reduce((s, h) => s + orgCell(h, 'sent'), 0);
    const or = hours.reduce((s, h) => s + orgCell(h, 'replied'), 0);
    const ls = hours.reduce((s, h) => s + sent[h]!, 0);
    const lr = hours.reduce((s, h) => s + replied[h]!, 0);
    const orgRate = betaPosterior(or, os, orgOverall, ORG_PRIOR).mean;
    const post = betaPosterior(lr, ls, orgRate, LEAD_PRIOR);
    // Ties (e.g. no evidence anywhere) go to the window with more evidence behind it.
    if (!best || post.mean > best.post.mean + 1e-12 || (Math.abs(post.mean - best.post.mean) <= 1e-12 && ls + os > best.sent + best.orgSent)) {
      best = { start, post, sent: ls, replied: lr, orgSent: os };
    }
  }
  if (!best || best.sent + best.orgSent === 0) return { value: null, candidate: null };
  const baseline = betaPosterior(leadReplied, leadSent, orgOverall, LEAD_PRIOR);
  const confidence = probabilityGreater(best.post, baseline);
  const label = describeHourOfWeek(best.start, WINDOW_HOURS);
  const value: ContactTime = {
    timezone: zone,
    day_of_week: WEEKDAY_NAMES[Math.floor(best.start / 24)]!,
    hour_start: best.start % 24,
    hour_end: (best.start % 24) + WINDOW_HOURS,
    label,
    estimated_response_rate: round3(best.post.mean),
    baseline_response_rate: round3(baseline.mean),
    confidence: round2(confidence),
    lead_touches: leadSent,
    lead_replies: leadReplied,
    organization_touches: orgSent,
    source: best.sent > 0 ? 'lead' : 'organization',
  };
  if (leadSent < MIN_LEAD_TOUCHES || best.replied < MIN_WINDOW_REPLIES || confidence < MIN_CONFIDENCE) return { value, candidate: null };
  const evidence = touches.filter((x) => {
    const h = hourOfWeek(x.at, zone);
    return h === best.start || h === (best.start + 1) % 168;
  });
  return {
    value,
    candidate: {
      type: 'optimal_contact_time',
      reason: 'best_window',
      title: `Best time to reach: ${label} (${zone})`,
      description: `${lead.name} answered ${best.replied} of ${best.sent} messages sent ${label}; estimated reply rate there ${Math.round(100 * best.post.mean)}% against ${Math.round(100 * baseline.mean)}% overall.`,
      confidence: round2(confidence),
      priority: 'low',
      data: { ...value, conversation_ids: evidence.map((x) => x.id), reply_window_hours: REPLY_WINDOW_HOURS, prior_strength: { lead: LEAD_PRIOR, organization: ORG_PRIOR } },
      expiresAt: new Date(now.getTime() + 30 * DAY_MS),
    },
  };
}
