import { OPEN_STATUSES } from './churn-risk.ts';
import { recentContact } from './recent-contact.ts';
import { round2 } from './stats.ts';
import { DAY_MS, HOUR_MS, type Candidate, type LeadSnapshot, type OrgStats, type Priority } from './types.ts';

/**
 * One next best action per lead, from the other insights and the lead's stage, in order of
 * urgency: call a lead who is signalling right now; escalate a late-stage deal under threat
 * or a valuable one that stalled; send a proposal to a qualified lead asking about price;
 * re-engage a lead going quiet. The first rule that applies wins: one clear action. An
 * action that is a contact the timeline shows was just made (a call within the recent
 * window for "call now", any call or email for "re-engage") is passed over, and said so.
 */
export type Action = 'call_now' | 'escalate_to_manager' | 'send_proposal' | 're_engage';
const HOT_HOURS = 48;
const LATE = new Set(['proposal', 'negotiation']);
const PROPOSAL_READY = new Set(['contacted', 'qualified']);
const PRICE_SIGNALS = new Set(['pricing_interest', 'demo_interest', 'positive_evaluation', 'budget_confirmed', 'timeline_defined', 'intent:pricing_inquiry', 'intent:demo_request']);

export function nextBestAction(lead: LeadSnapshot, stats: OrgStats, others: readonly Candidate[], now: Date): Candidate | null {
  if (!OPEN_STATUSES.has(lead.status)) return null;
  const t = now.getTime();
  const of = (type: Candidate['type']) => others.filter((c) => c.type === type);
  const signals = of('buying_signal');
  const churn = of('churn_risk');
  const threats = of('competitive_threat');
  const value = lead.dealValue ?? lead.predictedValue;
  const valuable = stats.valueP75 !== null && value !== null && value >= stats.valueP75;
  const lastEvidence = (c: Candidate) => {
    const d = c.data as { last_at?: string; evidence?: { at: string }[] };
    const times = [d.last_at, ...(d.evidence ?? []).map((e) => e.at)].filter((x): x is string => typeof x === 'string').map((x) => Date.parse(x));
    return times.length > 0 ? Math.max(...times) : 0;
  };
  const hot = signals.filter((c) => (c.priority === 'urgent' || c.priority === 'high') && t - lastEvidence(c) <= HOT_HOURS * HOUR_MS);
  const proposalSent = lead.activities.some((a) => a.type === 'proposal');
  const called = recentContact(lead, 'call', now, stats.recentContactHours);
  const emailed = recentContact(lead, 'email', now, stats.recentContactHours);
  const passedOver: { action: Action; last_contact_at: string; kind: 'call' | 'email' }[] = [];

  const pick = (): { action: Action; title: string; why: string; priority: Priority; basedOn: Candidate[]; ttlDays: number } | null => {
    if (hot.length > 0 && called) passedOver.push({ action: 'call_now', last_contact_at: called.toISOString(), kind: 'call' });
    if (hot.length > 0 && !called) {
      return { action: 'call_now', title: `Call ${lead.name} now`, why: `${hot.map((c) => c.title.toLowerCase()).join('; ')} in the last ${HOT_HOURS} hours: interest is at its peak.`, priority: 'urgent', basedOn: hot, ttlDays: 2 };
    }
    const negative = churn.filter((c) => c.reason === 'negative_sentiment');
    const stalled = churn.filter((c) => c.reason.startsWith('stalled:'));
    if (LATE.has(lead.status) && (threats.length > 0 || negative.length > 0)) {
      return { action: 'escalate_to_manager', title: 'Escalate to a manager', why: `A ${lead.status} deal with ${[...threats, ...negative].map((c) => c.title.toLowerCase()).join('; ')}: senior attention can save it.`, priority: 'high', basedOn: [...threats, ...negative], ttlDays: 7 };
    }
    if (valuable && stalled.length > 0) {
      return { action: 'escalate_to_manager', title: 'Escalate to a manager', why: `One of the organization's most valuable open deals (${value}) is ${stalled[0]!.title.toLowerCase()}.`, priority: 'high', basedOn: stalled, ttlDays: 7 };
    }
    const priceSignals = signals.filter((c) => c.reason === 'pricing_spike' || ((c.data as { signals?: string[] }).signals ?? []).some((s) => PRICE_SIGNALS.has(s)));
    if (PROPOSAL_READY.has(lead.status) && !proposalSent && priceSignals.length > 0) {
      return { action: 'send_proposal', title: `Send ${lead.name} a proposal`, why: `${priceSignals.map((c) => c.title.toLowerCase()).join('; ')}, and no proposal has been sent yet.`, priority: 'high', basedOn: priceSignals, ttlDays: 7 };
    }
    const quiet = churn.filter((c) => c.reason === 'engagement_decay' || c.reason.startsWith('stalled:'));
    const touched = called && emailed ? (called > emailed ? { at: called, kind: 'call' as const } : { at: emailed, kind: 'email' as const }) : called ? { at: called, kind: 'call' as const } : emailed ? { at: emailed, kind: 'email' as const } : null;
    if (quiet.length > 0 && touched) passedOver.push({ action: 're_engage', last_contact_at: touched.at.toISOString(), kind: touched.kind });
    if (quiet.length > 0 && !touched) {
      return { action: 're_engage', title: `Re-engage ${lead.name}`, why: `${quiet.map((c) => c.title.toLowerCase()).join('; ')}: reach out with something new before the lead goes cold.`, priority: 'medium', basedOn: quiet, ttlDays: 7 };
    }
    return null;
  };
  const chosen = pick();
  if (!chosen) return null;
  const confidence = chosen.basedOn.reduce((m, c) => Math.max(m, c.confidence), 0);
  return {
    type: 'next_best_action',
    reason: chosen.action,
    title: chosen.title,
    description: chosen.why.charAt(0).toUpperCase() + chosen.why.slice(1),
    confidence: round2(confidence),
    priority: chosen.priority,
    data: {
      action: chosen.action,
      reason_text: chosen.why,
      based_on: chosen.basedOn.map((c) => ({ insight_type: c.type, reason: c.reason, title: c.title })),
      // The score's own suggestions, without a call or an email the timeline shows was just made.
      score_recommendations: (lead.latestScore?.recommendations ?? []).filter((r) => !(called && /\bcall\b/i.test(r.action)) && !(emailed && /\bemail\b/i.test(r.action))).slice(0, 3),
      passed_over: passedOver,
      recent_contact_hours: stats.recentContactHours,
      score_factors: lead.latestScore?.explanation.slice(0, 3) ?? [],
    },
    expiresAt: new Date(t + chosen.ttlDays * DAY_MS),
  };
}
