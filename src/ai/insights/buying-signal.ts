import { clamp, poissonUpperTail, round2, round3 } from './stats.ts';
import { DAY_MS, type Candidate, type LeadSnapshot, type OrgStats, type Priority } from './types.ts';

/**
 * Buying signals: what the lead said (signals and intents the analyser found in the lead's
 * own messages and in logged calls), and behaviour well above the lead's own baseline
 * (pricing-page visits bunched in one day).
 */
export const SIGNAL_WINDOW_DAYS = 14;
const SPIKE_WINDOW_DAYS = 7;
const SPIKE_MIN_VIEWS = 3;
const BASELINE_DAYS = 90;
/** A spike is a count this unlikely under the lead's usual rate (one-sided Poisson test). */
const SPIKE_P_VALUE = 0.01;

export const PRICING_PATH = /\/(pricing|plans?|price|buy|checkout|quote)([/?#.]|$)/i;

// Competitor evaluation is a threat more than a signal: competitive_threat reports it.
const STRENGTH: Record<string, Priority> = {
  purchase_intent: 'urgent', contract_request: 'urgent', budget_confirmed: 'urgent',
  timeline_defined: 'high', decision_maker_involved: 'high', pricing_interest: 'high', demo_interest: 'high',
  'intent:purchase': 'urgent', 'intent:pricing_inquiry': 'high', 'intent:demo_request': 'high',
  expansion_interest: 'medium', implementation_question: 'medium', positive_evaluation: 'medium',
};
const RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2, urgent: 3 };
const INTENTS = new Set(['purchase', 'pricing_inquiry', 'demo_request']);

export function detectBuyingSignals(lead: LeadSnapshot, stats: OrgStats, now: Date): Candidate[] {
  return [conversationSignals(lead, now), pricingSpike(lead, stats, now)].filter((c): c is Candidate => c !== null);
}

function conversationSignals(lead: LeadSnapshot, now: Date): Candidate | null {
  const since = now.getTime() - SIGNAL_WINDOW_DAYS * DAY_MS;
  const found: { signal: string; evidence: string; source: 'conversation' | 'activity'; id: string; at: Date; certainty: number }[] = [];
  for (const m of lead.messages) {
    // The lead's words only: a rep's proposal mail says "pricing" too.
    if (m.direction !== 'inbound' || m.at.getTime() < since) continue;
    const certainty = clamp(m.intentConfidence ?? 0.6, 0.5, 0.95);
    for (const s of m.signals) if (STRENGTH[s.signal]) found.push({ ...s, source: 'conversation', id: m.id, at: m.at, certainty });
    if (m.intent && INTENTS.has(m.intent) && (m.intentConfidence ?? 0) >= 0.5) {
      found.push({ signal: `intent:${m.intent}`, evidence: m.subject ?? '', source: 'conversation', id: m.id, at: m.at, certainty });
    }
  }
  for (const a of lead.activities) {
    // Calls are the lead speaking (as noted by the rep); notes and mails are the rep's own text.
    if (a.type !== 'call' && a.type !== 'meeting' && a.type !== 'demo') continue;
    if (a.at.getTime() < since) continue;
    for (const s of a.signals) if (STRENGTH[s.signal]) found.push({ ...s, source: 'activity', id: a.id, at: a.at, certainty: 0.6 });
  }
  if (found.length === 0) return null;
  const kinds = [...new Set(found.map((f) => f.signal))];
  const priority = kinds.map((k) => STRENGTH[k]!).reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'low' as Priority);
  // Independent pieces of evidence: the chance that all of them are misreadings shrinks with each.
  const perSource = new Map<string, number>();
  for (const f of found) perSource.set(f.id, Math.max(perSource.get(f.id) ?? 0, f.certainty));
  const confidence = 1 - [...perSource.values()].reduce((p, c) => p * (1 - c), 1);
  const latest = Math.max(...found.map((f) => f.at.getTime()));
  const label = (k: string) => k.replace(/^intent:/, '').replace(/_/g, ' ');
  const strongest = kinds.filter((k) => STRENGTH[k] === priority).map(label);
  return {
    type: 'buying_signal',
    reason: 'conversation_signals',
    title: `Buying signal: ${strongest.slice(0, 2).join(', ')}`,
    description: `${lead.name} showed ${kinds.length === 1 ? 'a buying signal' : `${kinds.length} kinds of buying signal`} in the last ${SIGNAL_WINDOW_DAYS} days (${kinds.map(label).join(', ')})` +
      (found[0]!.evidence ? `, e.g. “${found.find((f) => STRENGTH[f.signal] === priority)?.evidence || found[0]!.evidence}”.` : '.'),
    confidence: round2(clamp(confidence, 0.05, 0.99)),
    priority,
    data: {
      signals: kinds,
      evidence: found.slice(0, 20).map((f) => ({ signal: f.signal, evidence: f.evidence, source: f.source, [f.source === 'conversation' ? 'conversation_id' : 'activity_id']: f.id, at: f.at.toISOString() })),
      window_days: SIGNAL_WINDOW_DAYS,
    },
    expiresAt: new Date(latest + SIGNAL_WINDOW_DAYS * DAY_MS),
  };
}

function pricingSpike(lead: LeadSnapshot, stats: OrgStats, now: Date): Candidate | null {
  const t = now.getTime();
  const views = lead.events.filter((e) => e.type === 'page_view' && e.path !== null && PRICING_PATH.test(e.path) && e.at.getTime() <= t).sort((a, b) => a.at.getTime() - b.at.getTime());
  const recent = views.filter((v) => v.at.getTime() >= t - SPIKE_WINDOW_DAYS * DAY_MS);
  // The busiest 24 hours among the recent views.
  let best = { count: 0, from: 0, to: 0 };
  for (let i = 0, j = 0; j < recent.length; j++) {
    while (recent[j]!.at.getTime() - recent[i]!.at.getTime() > DAY_MS) i++;
    if (j - i + 1 > best.count) best = { count: j - i + 1, from: i, to: j };
  }
  if (best.count < SPIKE_MIN_VIEWS) return null;
  const burst = recent.slice(best.from, best.to + 1);
  const burstStart = burst[0]!.at.getTime();
  // The lead's usual rate of pricing views outside the burst, never below the organization's
  // (a lead new to the site has no baseline of its own).
  const before = views.filter((v) => v.at.getTime() < burstStart && v.at.getTime() >= burstStart - BASELINE_DAYS * DAY_MS).length;
  const ownRate = before / BASELINE_DAYS;
  const rate = Math.max(ownRate, stats.pricingViewsPerLeadDay, 1e-3);
  const pValue = poissonUpperTail(best.count, rate);
  if (pValue > SPIKE_P_VALUE) return null;
  const last = burst[burst.length - 1]!.at.getTime();
  return {
    type: 'buying_signal',
    reason: 'pricing_spike',
    title: `${best.count} pricing page visits within a day`,
    description: `${lead.name} looked at pricing ${best.count} times within 24 hours; usually ${round2(rate)} times a day. Pricing research in a burst often precedes a purchase decision.`,
    confidence: round2(clamp(1 - pValue, 0.05, 0.99)),
    priority: 'high',
    data: {
      event_ids: burst.map((e) => e.id),
      visits: best.count,
      first_at: new Date(burstStart).toISOString(),
      last_at: new Date(last).toISOString(),
      baseline_per_day: round3(rate),
      baseline_source: ownRate >= stats.pricingViewsPerLeadDay ? 'lead' : 'organization',
      p_value: Number(pValue.toExponential(2)),
    },
    expiresAt: new Date(last + SPIKE_WINDOW_DAYS * DAY_MS),
  };
}
