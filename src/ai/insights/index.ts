import { detectBuyingSignals } from './buying-signal.ts';
import { calibrate, liftOf, MIN_LIFT } from './calibration.ts';
import { detectChurnRisk } from './churn-risk.ts';
import { detectCompetitiveThreats } from './competitive.ts';
import { optimalContactTime, type ContactTime } from './contact-time.ts';
import { detectContent } from './content.ts';
import { communicationPreference, engagementLevel, type CommunicationPreference } from './engagement.ts';
import { nextBestAction } from './next-action.ts';
import { prioritise } from './priority.ts';
import type { Candidate, EngagementLevel, LeadSnapshot, OrgStats } from './types.ts';

export * from './types.ts';
export type { ContactTime } from './contact-time.ts';
export type { CommunicationPreference } from './engagement.ts';
export { isTimeZone } from './time.ts';
export { PRICING_PATH } from './buying-signal.ts';
export { claimOf, fitCalibration, kindOf, liftOf, type Claim } from './calibration.ts';
export { fixedScale, priorityOf, scaleFrom, URGENT_SHARE, HIGH_SHARE, MEDIUM_SHARE } from './priority.ts';
export { recentContactHours, DEFAULT_RECENT_CONTACT_HOURS } from './recent-contact.ts';

export interface LeadEvaluation {
  candidates: Candidate[];
  engagement: { level: EngagementLevel; score: number; ratio: number | null };
  communicationPreference: CommunicationPreference;
  optimalContactTime: ContactTime | null;
}

/**
 * Every detector over one lead, as the detectors see it: raw confidence (the detector's own
 * certainty about its evidence) and the detector's severity as priority. The calibration
 * replays this on decided leads.
 */
export function detectAll(lead: LeadSnapshot, stats: OrgStats, now: Date): { candidates: Candidate[]; contact: ReturnType<typeof optimalContactTime> } {
  const contact = optimalContactTime(lead, stats, now);
  const candidates: Candidate[] = [
    ...detectBuyingSignals(lead, stats, now),
    ...detectChurnRisk(lead, stats, now),
    ...detectCompetitiveThreats(lead, now),
    ...(contact.candidate ? [contact.candidate] : []),
  ];
  const content = detectContent(lead, stats, now);
  if (content) candidates.push(content);
  const action = nextBestAction(lead, stats, candidates, now);
  if (action) candidates.push(action);
  // An insight that has already run out is not raised at all.
  return { candidates: candidates.filter((c) => c.expiresAt.getTime() > now.getTime()), contact };
}

/**
 * Every detector over one lead: the candidate insights, their confidence calibrated on the
 * organization's outcomes and their priority from expected impact, and the behavioural
 * fields of the lead.
 */
export function evaluateLead(lead: LeadSnapshot, stats: OrgStats, now: Date): LeadEvaluation {
  const { candidates, contact } = detectAll(lead, stats, now);
  return {
    candidates: candidates
      // A recommendation whose kind came true no more often than the base rate on the decided
      // leads does not discriminate: one piece on every lead at "99 %" is no insight.
      .filter((c) => c.type !== 'content_recommendation' || (liftOf(c, stats.calibration) ?? Infinity) >= MIN_LIFT)
      .map((c) => prioritise(calibrate(c, stats.calibration), lead, stats.priority)),
    engagement: engagementLevel(lead, stats, now),
    communicationPreference: communicationPreference(lead),
    optimalContactTime: contact.value,
  };
}
