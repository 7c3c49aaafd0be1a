import { clamp, percentileOf, poissonCdf, round2 } from './stats.ts';
import { DAY_MS, QUANTILES, type Candidate, type LeadSnapshot, type OrgStats, type Priority } from './types.ts';

/**
 * Churn risk: the lead's engagement dropping well below its own earlier rate, the tone of
 * its messages turning negative, or the lead sitting in its status longer than the
 * organization's leads usually do.
 */
export const OPEN_STATUSES = new Set(['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'nurturing']);
const RECENT_DAYS = 14;
const BASELINE_DAYS = 76; // days 15–90 before now
const MIN_BASELINE_EVENTS = 6;
const DECAY_P_VALUE = 0.05;
const SENTIMENT_DAYS = 60;
/**
 * Time in status: what a status usually takes before the organization has seen enough of
 * its own leads (quantile 0.75, days); blended with the observed quantiles by sample size.
 */
const PRIOR_TYPICAL_DAYS: Record<string, number> = { new: 7, contacted: 14, qualified: 21, proposal: 21, negotiation: 30, nurturing: 90 };
const PRIOR_WEIGHT = 5;

/** The lead's side of the relationship: its messages and its own visits, clicks and forms. */
function leadEngagementTimes(lead: LeadSnapshot): number[] {
  return [
    ...lead.messages.filter((m) => m.direction === 'inbound').map((m) => m.at.getTime()),
    ...lead.events.filter((e) => e.type === 'page_view' || e.type === 'form_submit' || e.type === 'email_click').map((e) => e.at.getTime()),
  ];
}

export function detectChurnRisk(lead: LeadSnapshot, stats: OrgStats, now: Date): Candidate[] {
  if (!OPEN_STATUSES.has(lead.status)) return [];
  const valuable = lead.score >= 50 || (stats.valueP75 !== null && (lead.dealValue ?? lead.predictedValue ?? 0) >= stats.valueP75);
  const out = [engagementDecay(lead, now, valuable), sentimentTrend(lead, now, valuable), stalled(lead, stats, now, valuable)];
  return out.filter((c): c is Candidate => c !== null);
}

function engagementDecay(lead: LeadSnapshot, now: Date, valuable: boolean): Candidate | null {
  const t = now.getTime();
  const times = leadEngagementTimes(lead);
  const recent = times.filter((x) => x > t - RECENT_DAYS * DAY_MS && x <= t).length;
  const baseline = times.filter((x) => x <= t - RECENT_DAYS * DAY_MS && x > t - (RECENT_DAYS + BASELINE_DAYS) * DAY_MS).length;
  if (baseline < MIN_BASELINE_EVENTS) return null;
  const expected = (baseline / BASELINE_DAYS) * RECENT_DAYS;
  // How likely this few would be if the lead were as engaged as before.
  const pValue = poissonCdf(recent, expected);
  if (pValue > DECAY_P_VALUE) return null;
  const lastAt = times.length > 0 ? Math.max(...times.filter((x) => x <= t)) : null;
  return {
    type: 'churn_risk',
    reason: 'engagement_decay',
    title: 'Engagement is dropping',
    description: `${lead.name} engaged ${recent} time${recent === 1 ? '' : 's'} in the last ${RECENT_DAYS} days, against about ${round2(expected)} expected from the ${BASELINE_DAYS} days before.`,
    confidence: round2(clamp(1 - pValue, 0.05, 0.99)),
    priority: valuable ? 'high' : 'medium',
    data: { recent_events: recent, expected_events: round2(expected), baseline_events: baseline, baseline_days: BASELINE_DAYS, recent_days: RECENT_DAYS, p_value: Number(pValue.toExponential(2)), last_engagement_at: lastAt ? new Date(lastAt).toISOString() : null },
    expiresAt: new Date(t + RECENT_DAYS * DAY_MS),
  };
}

function sentimentTrend(lead: LeadSnapshot, now: Date, valuable: boolean): Candidate | null {
  const t = now.getTime();
  const scored = lead.messages
    .filter((m) => m.direction === 'inbound' && m.sentiment !== null && m.at.getTime() > t - SENTIMENT_DAYS * DAY_MS && m.at.getTime() <= t)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  if (scored.length < 3) return null;
  const recent = scored.slice(-2);
  const earlier = scored.slice(0, -2);
  const mean = (xs: typeof scored) => xs.reduce((s, m) => s + m.sentiment!, 0) / xs.length;
  const recentMean = mean(recent);
  const shift = recentMean - mean(earlier);
  // Both of the last two messages negative, and clearly below how the lead wrote before.
  if (recentMean > -0.2 || shift > -0.3 || recent.some((m) => m.sentiment! >= 0)) return null;
  const priority: Priority = valuable ? 'urgent' : 'high';
  return {
    type: 'churn_risk',
    reason: 'negative_sentiment',
    title: 'Tone turned negative',
    description: `The last two messages from ${lead.name} read negative (mean ${round2(recentMean)}), down ${round2(-shift)} from earlier messages.`,
    confidence: round2(clamp(0.5 + Math.min(-shift, 1) / 2 * Math.min(1, scored.length / 5), 0.05, 0.95)),
    priority,
    data: {
      conversation_ids: recent.map((m) => m.id),
      recent_sentiment: round2(recentMean),
      earlier_sentiment: round2(mean(earlier)),
      messages: scored.map((m) => ({ conversation_id: m.id, at: m.at.toISOString(), sentiment: m.sentiment, intent: m.intent })),
    },
    expiresAt: new Date(recent[recent.length - 1]!.at.getTime() + 30 * DAY_MS),
  };
}

/** Typical days in a status: the organization's 75th percentile, shrunk toward the prior while its sample is small. */
export function typicalDays(stats: OrgStats, status: string): { days: number; n: number } {
  const d = stats.statusDays[status];
  const prior = PRIOR_TYPICAL_DAYS[status] ?? 30;
  if (!d || d.n === 0) return { days: prior, n: 0 };
  const p75 = d.quantiles[QUANTILES.indexOf(0.7)]! + (d.quantiles[QUANTILES.indexOf(0.8)]! - d.quantiles[QUANTILES.indexOf(0.7)]!) / 2;
  return { days: (d.n * p75 + PRIOR_WEIGHT * prior) / (d.n + PRIOR_WEIGHT), n: d.n };
}

function stalled(lead: LeadSnapshot, stats: OrgStats, now: Date, valuable: boolean): Candidate | null {
  const days = (now.getTime() - lead.statusChangedAt.getTime()) / DAY_MS;
  const typical = typicalDays(stats, lead.status);
  // At least a week, so a quick-moving status does not flag every lead that waits over a weekend.
  if (days <= Math.max(typical.days, 7)) return null;
  const d = stats.statusDays[lead.status];
  const share = d && d.n > 0 ? percentileOf(days, d.quantiles, QUANTILES) : 0.75;
  const confidence = (typical.n * share + PRIOR_WEIGHT * 0.75) / (typical.n + PRIOR_WEIGHT);
  return {
    type: 'churn_risk',
    reason: `stalled:${lead.status}`,
    title: `Stalled in ${lead.status.replace(/_/g, ' ')} for ${Math.floor(days)} days`,
    description: `${lead.name} has been in ${lead.status.replace(/_/g, ' ')} for ${Math.floor(days)} days; the organization's leads usually move on within ${Math.round(typical.days)} days.`,
    confidence: round2(clamp(confidence, 0.05, 0.99)),
    priority: valuable ? 'high' : 'medium',
    data: { status: lead.status, days_in_status: Math.floor(days), typical_days: Math.round(typical.days), organization_sample: typical.n, status_changed_at: lead.statusChangedAt.toISOString(), share_of_leads_moving_sooner: round2(share) },
    expiresAt: new Date(now.getTime() + 14 * DAY_MS),
  };
}
