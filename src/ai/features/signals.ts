/**
 * Everything the scoring model may know about one lead, as of one moment (`asOf`): the
 * decision time. For a closed lead that is its close, so nothing that happened later (a
 * hand-off note, an onboarding call) can leak into training; for an open lead it is now.
 *
 * The database produces these aggregates (counts, recency-weighted counts, first and last
 * times) per lead in one pass; this module never sees raw rows, so scoring a million leads
 * does not move a million leads' histories into the process.
 *
 * Outcome fields — status, stage, closed_at, deal_value, and the model's own outputs
 * (current_score, conversion_probability, predicted_value, engagement_level) — have no
 * place here: what is not in this type cannot become a feature.
 */
export interface LeadSignals {
  asOf: Date;
  createdAt: Date;
  jobTitle: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
  country: string | null;
  source: string | null;
  campaign: string | null;
  customFields: Record<string, unknown>;
  nextFollowUpAt: Date | null;
  /** Web and email behaviour (journey events before asOf; status changes excluded). */
  journey: {
    pageViews: number;
    /** Page views weighted by recency: each counts 2^(−age / 30 days). */
    pageViewsRecent: number;
    pricingViews: number;
    pricingViewsRecent: number;
    demoViews: number;
    contactViews: number;
    formSubmits: number;
    /** Form submissions asking for a demo or a trial (by form name or page). */
    demoRequests: number;
    emailOpens: number;
    emailClicks: number;
    sessions: number;
    lastAt: Date | null;
  };
  /** Sales activities completed before asOf (meetings only advise: they mark the stage). */
  activities: {
    calls: number;
    emails: number;
    meetings: number;
    other: number;
    lastAt: Date | null;
    buyingSignals: number;
    /** Mean of the analysed sentiment scores, null when none was analysed. */
    sentiment: number | null;
  };
  /** Messages exchanged before asOf. */
  conversations: {
    inbound: number;
    outbound: number;
    /** Inbound messages that answered an outbound one within 7 days. */
    replies: number;
    /** Median hours from an outbound message to the reply, null without replies. */
    replyHours: number | null;
    firstInboundAt: Date | null;
    lastAt: Date | null;
    /** Analysed inbound messages: mean overall sentiment, and latest minus earliest. */
    analysed: number;
    sentiment: number | null;
    sentimentTrend: number | null;
    positive: number;
    negative: number;
    /** Count per primary intent (purchase, pricing_inquiry, demo_request, objection, …). */
    intents: Record<string, number>;
    /** In the lead's own messages only: our outbound mail (a proposal) is not the lead's signal. */
    buyingSignals: number;
  };
}

export const SIGNAL_HALF_LIFE_DAYS = 30;
