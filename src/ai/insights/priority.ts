import { round2, round3 } from './stats.ts';
import type { Candidate, LeadSnapshot, Priority, PriorityScale } from './types.ts';

/**
 * Priority from expected impact, spread over the organization: impact = the lead's worth
 * (its conversion probability × its deal value, relative to the organization's median
 * value) × how time-sensitive the insight is (the detector's own severity) × its calibrated
 * confidence. The thresholds are quantiles of the impact of the organization's open
 * insights (the strongest of each lead, from the last sweep): urgent is the top
 * URGENT_SHARE of the leads with an insight, high the next ones up to HIGH_SHARE, medium up
 * to MEDIUM_SHARE — a first page that is all "urgent" cannot happen. The sweep re-ranks
 * every open insight against the thresholds of its own results.
 */
export const URGENT_SHARE = 0.03;
export const HIGH_SHARE = 0.15;
export const MEDIUM_SHARE = 0.5;
/** Below this many leads with an insight, quantiles say little: fixed thresholds on the same impact scale. */
export const MIN_LEADS_FOR_QUANTILES = 30;
export const FIXED_THRESHOLDS = { urgent: 0.3, high: 0.12, medium: 0.04 };

/** How soon acting matters, per the detector's own reading of the evidence. */
const SENSITIVITY: Record<Priority, number> = { urgent: 1, high: 0.6, medium: 0.3, low: 0.1 };

/** The scale from the impacts of the open insights (one per lead, its strongest). */
export function scaleFrom(valueMedian: number | null, quantiles: { n: number; urgent: number; high: number; medium: number } | null): PriorityScale {
  if (!quantiles || quantiles.n < MIN_LEADS_FOR_QUANTILES) return fixedScale(valueMedian);
  // Ties at the top (many equal impacts) must not make everything urgent: strictly positive, increasing.
  const medium = Math.max(quantiles.medium, 1e-6);
  const high = Math.max(quantiles.high, medium * 1.0001);
  const urgent = Math.max(quantiles.urgent, high * 1.0001);
  return { valueMedian, thresholds: { urgent, high, medium }, n: quantiles.n };
}

export function priorityOf(impact: number, scale: PriorityScale): Priority {
  const t = scale.thresholds;
  return impact >= t.urgent ? 'urgent' : impact >= t.high ? 'high' : impact >= t.medium ? 'medium' : 'low';
}

export function fixedScale(valueMedian: number | null = null): PriorityScale {
  return { valueMedian, thresholds: FIXED_THRESHOLDS, n: 0 };
}

/** The lead's worth: P(convert) × value ÷ the organization's median value (1 without values). */
export function worthOf(lead: Pick<LeadSnapshot, 'conversionProbability' | 'score' | 'dealValue' | 'predictedValue'>, scale: PriorityScale): number {
  const p = lead.conversionProbability ?? lead.score / 100;
  const value = lead.dealValue ?? lead.predictedValue;
  const relative = scale.valueMedian && scale.valueMedian > 0 && value !== null ? value / scale.valueMedian : 1;
  return p * relative;
}

export function prioritise(c: Candidate, lead: LeadSnapshot, scale: PriorityScale): Candidate {
  const worth = worthOf(lead, scale);
  const sensitivity = SENSITIVITY[c.priority];
  const impact = worth * sensitivity * c.confidence;
  const t = scale.thresholds;
  const priority = priorityOf(impact, scale);
  return {
    ...c,
    priority,
    data: { ...c.data, priority_basis: { impact: round3(impact), lead_worth: round3(worth), time_sensitivity: sensitivity, severity: c.priority, confidence: c.confidence, thresholds: { urgent: round3(t.urgent), high: round3(t.high), medium: round3(t.medium) }, scale: scale.n >= MIN_LEADS_FOR_QUANTILES ? `quantiles over ${scale.n} leads with insights` : 'fixed (few leads with insights yet)', conversion_probability: lead.conversionProbability === null ? null : round2(lead.conversionProbability) } },
  };
}
