import { detectBuyingSignals } from './buying-signal.ts';
import { detectChurnRisk } from './churn-risk.ts';
import { detectCompetitiveThreats } from './competitive.ts';
import { optimalContactTime, type ContactTime } from './contact-time.ts';
import { detectContent } from './content.ts';
import { communicationPreference, engagementLevel, type CommunicationPreference } from './engagement.ts';
import { nextBestAction } from './next-action.ts';
import type { Candidate, EngagementLevel, LeadSnapshot, OrgStats } from './types.ts';

export * from './types.ts';
export type { ContactTime } from './contact-time.ts';
export type { CommunicationPreference } from './engagement.ts';
export { isTimeZone } from './time.ts';
export { PRICING_PATH } from './buying-signal.ts';

export interface LeadEvaluation {
  candidates: Candidate[];
  engagement: { level: EngagementLevel; score: number; ratio: number | null };
  communicationPreference: CommunicationPreference;
  optimalContactTime: ContactTime | null;
}

/** Every detector over one lead: the candidate insights and the behavioural fields of the lead. */
export function evaluateLead(lead: LeadSnapshot, stats: OrgStats, now: Date): LeadEvaluation {
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
  return {
    candidates: candidates.filter((c) => c.expiresAt.getTime() > now.getTime()),
    engagement: engagementLevel(lead, stats, now),
    communicationPreference: communicationPreference(lead),
    optimalContactTime: contact.value,
  };
}
