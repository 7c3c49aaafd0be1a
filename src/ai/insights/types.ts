/**
 * Shapes of the insights engine (issue 6). Detectors are pure: they read a lead snapshot
 * and the organization's statistics and return candidate insights. Pure data, no behaviour.
 */

export const INSIGHT_TYPES = ['buying_signal', 'churn_risk', 'optimal_contact_time', 'content_recommendation', 'next_best_action', 'competitive_threat'] as const;
export type InsightType = (typeof INSIGHT_TYPES)[number];
/**
 * The kinds that tell a person to reach out (when to call, what to send, call now, send a
 * proposal, re-engage): never raised for a lead who may not be contacted. The others
 * (buying signals, risks, competitors) describe the lead and stay.
 */
export const SUGGESTS_CONTACT: ReadonlySet<InsightType> = new Set(['optimal_contact_time', 'content_recommendation', 'next_best_action']);
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export type EngagementLevel = 'unknown' | 'low' | 'medium' | 'high' | 'very_high';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** An insight a detector proposes. `reason` is its dedupe key within (lead, type). */
export interface Candidate {
  type: InsightType;
  reason: string;
  title: string;
  description: string;
  /** 0–1. */
  confidence: number;
  priority: Priority;
  /** The evidence: which events, messages and factors, and the figures behind the decision. */
  data: Record<string, unknown>;
  expiresAt: Date;
}

export interface SignalSnap {
  signal: string;
  evidence: string;
}

export interface ActivitySnap {
  id: string;
  type: string;
  subject: string | null;
  outcome: string | null;
  at: Date;
  sentiment: number | null;
  intent: string | null;
  signals: SignalSnap[];
}

export interface MessageSnap {
  id: string;
  direction: 'inbound' | 'outbound';
  channel: string;
  subject: string | null;
  at: Date;
  /** From the analyser, −1…1; null while not analysed. */
  sentiment: number | null;
  intent: string | null;
  intentConfidence: number | null;
  signals: SignalSnap[];
  /** Competitor entities (the organization's configured names), offsets into `content`. */
  competitors: { name: string; start: number; end: number }[];
  /** Only loaded for messages that mention a competitor (for the context around it). */
  content: string | null;
}

export interface EventSnap {
  id: string;
  type: string;
  name: string;
  /** The URL path, lower case, without query (null when the event has no URL). */
  path: string | null;
  /** What the event engaged with, when it is content: 'page:/blog/x' or 'asset:ebook'. */
  contentKey: string | null;
  at: Date;
}

export interface ScoreSnap {
  score: number;
  at: Date;
  explanation: { feature: string; points: number; text: string }[];
  recommendations: { action: string; reason: string; priority: string }[];
}

export interface LeadSnapshot {
  id: string;
  name: string;
  company: string | null;
  status: string;
  statusChangedAt: Date;
  createdAt: Date;
  score: number;
  /** The scoring model's calibrated P(won), null before the lead was scored. */
  conversionProbability: number | null;
  dealValue: number | null;
  predictedValue: number | null;
  /** The lead's own IANA time zone (custom field `timezone`), when it has a valid one. */
  timezone: string | null;
  activities: ActivitySnap[];
  messages: MessageSnap[];
  events: EventSnap[];
  latestScore: ScoreSnap | null;
}

/** Per status: how long the organization's leads in it have been there, in days. */
export interface StatusDuration {
  n: number;
  /** Days at the quantiles 0.1, 0.2 … 0.9 and 0.95 (QUANTILES). */
  quantiles: number[];
}
export const QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95] as const;

export interface ContentStat {
  key: string;
  label: string;
  /** Decided leads that engaged with it before the decision, and how many of them were won. */
  decided: number;
  won: number;
  /**
   * Wins expected of those readers had the piece made no difference: the win rate of decided
   * leads that engaged with as many pieces, summed over the readers. Absent: the baseline is
   * the win rate of leads that engaged with any content.
   */
  expected?: number;
}

/** Engagement categories, each counted with exponential decay (see engagement.ts). */
export const ENGAGEMENT_CATEGORIES = ['inbound_message', 'meeting', 'call', 'other_activity', 'form_submit', 'email_click', 'page_view', 'email_open'] as const;
export type EngagementCategory = (typeof ENGAGEMENT_CATEGORIES)[number];

export interface OrgStats {
  computedAt: Date;
  /** The organization's IANA time zone (settings.timezone, else UTC). */
  timezone: string;
  statusDays: Record<string, StatusDuration>;
  /** Outbound messages per hour of the week (Monday 00:00 = 0, org time) and how many got an inbound reply within REPLY_WINDOW_HOURS. */
  hourOfWeek: { sent: number[]; replied: number[] };
  content: ContentStat[];
  decided: number;
  won: number;
  /** Decided leads that engaged with any content before their decision, and how many were won: the baseline a piece must beat. */
  engagedDecided: number;
  engagedWon: number;
  /** Hours after a call or an email in which no insight suggests another one (settings.insights.recent_contact_hours). */
  recentContactHours: number;
  /** What confidence means, learned from the organization's decided leads (null: not learned yet). */
  calibration: Calibration | null;
  /** How impact maps to priority in this organization. */
  priority: PriorityScale;
  /** Decayed engagement per category, summed over the leads active in the last 90 days, and how many those are. */
  engagement: { totals: Record<EngagementCategory, number>; activeLeads: number };
  /** Pricing page views per active lead per day over the last 90 days. */
  pricingViewsPerLeadDay: number;
  /** The 75th percentile of deal/predicted value of open leads (null without any). */
  valueP75: number | null;
}

export const REPLY_WINDOW_HOURS = 48;

/** One step of a calibration curve: raw confidences up to `upTo` map to `rate` (see calibration.ts). */
export interface CalibrationStep { upTo: number; n: number; hits: number; rate: number }
export interface KindCalibration { n: number; hits: number; rate: number; steps: CalibrationStep[] }
export interface Calibration {
  /** Decided leads replayed, and how many of them were won. */
  decided: number;
  won: number;
  horizonDays: number;
  kinds: Record<string, KindCalibration>;
}

/** How impact maps to priority in an organization (see priority.ts). */
export interface PriorityScale {
  /** The organization's median deal (or predicted) value of open leads; null without any. */
  valueMedian: number | null;
  /** The lowest impact of the top URGENT_SHARE, HIGH_SHARE, MEDIUM_SHARE of the leads with an open insight. */
  thresholds: { urgent: number; high: number; medium: number };
  /** Leads with an open insight the quantiles were computed on (0: fixed thresholds). */
  n: number;
}
