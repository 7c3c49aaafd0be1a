import { sigmoid } from '../../shared/random.ts';
import type { Industry, Seniority, SizeBand, Source } from './demo.content.ts';

/**
 * The hidden generative process of the demo data (documented in docs/demo-data.md).
 *
 * A lead's true conversion probability is a logistic function of four driver groups,
 * each computed only from things the product stores and a model may learn from:
 *  - fit:       seniority of the job title, company size and industry (custom fields),
 *               email domain kind, lead source;
 *  - behaviour: pricing-page visits, a demo request, other page views, email clicks;
 *  - recency:   days between the last touch and the decision (close, or today);
 *  - tone:      balance of positive and negative inbound messages, and how many there are.
 * Country, campaign, phone and the other custom fields carry no signal on purpose: a good
 * model learns to ignore them.
 */
export const GENERATOR_VERSION = 'demo-1';

export const WEIGHTS = {
  intercept: -1.9,
  seniority: { c_level: 0.9, vp: 0.75, director: 0.5, manager: 0.2, individual: -0.1, student: -1.0 } satisfies Record<Seniority, number>,
  size: { '1-10': -0.5, '11-50': -0.15, '51-200': 0.15, '201-1000': 0.35, '1001-5000': 0.45, '5001+': 0.25 } satisfies Record<SizeBand, number>,
  industry: {
    Software: 0.45, 'Financial Services': 0.3, Healthcare: 0.2, Manufacturing: 0.05, Retail: -0.05,
    Logistics: 0.0, Education: -0.35, 'Non-profit': -0.5, Government: -0.25, Media: 0.1,
    'Real Estate': -0.1, 'Professional Services': 0.15,
  } satisfies Record<Industry, number>,
  emailKind: { corporate: 0.25, free: -0.45, invalid: -0.9 },
  source: {
    website: 0.1, organic_search: 0.1, paid_search: -0.1, referral: 0.6, linkedin: 0.0,
    webinar: 0.25, event: 0.2, partner: 0.4, cold_outreach: -0.5, purchased_list: -0.8,
  } satisfies Record<Source, number>,
  behaviour: { pricingVisits: 0.5, demoRequest: 0.7, otherPageViews: 0.15, emailClicks: 0.3 },
  recency: { perDay: -0.035, capDays: 60 },
  tone: { balance: 1.0, inboundMessages: 0.3 },
} as const;

export type EmailKind = keyof typeof WEIGHTS.emailKind;

export interface TruthInputs {
  seniority: Seniority;
  sizeBand: SizeBand;
  industry: Industry;
  emailKind: EmailKind;
  source: Source;
  pricingVisits: number;
  demoRequested: boolean;
  otherPageViews: number;
  emailClicks: number;
  daysSinceLastTouch: number;
  inboundPositive: number;
  inboundNegative: number;
  inboundTotal: number;
}

export interface Truth {
  probability: number;
  drivers: { fit: number; behaviour: number; recency: number; tone: number; logit: number };
}

export function trueProbability(x: TruthInputs): Truth {
  const w = WEIGHTS;
  const fit =
    w.seniority[x.seniority] + w.size[x.sizeBand] + w.industry[x.industry] + w.emailKind[x.emailKind] + w.source[x.source];
  const behaviour =
    w.behaviour.pricingVisits * Math.log1p(x.pricingVisits) +
    (x.demoRequested ? w.behaviour.demoRequest : 0) +
    w.behaviour.otherPageViews * Math.log1p(x.otherPageViews) +
    w.behaviour.emailClicks * Math.log1p(x.emailClicks);
  const recency = w.recency.perDay * Math.min(x.daysSinceLastTouch, w.recency.capDays);
  const balance = x.inboundTotal > 0 ? (x.inboundPositive - x.inboundNegative) / x.inboundTotal : 0;
  const tone = w.tone.balance * balance + w.tone.inboundMessages * Math.log1p(x.inboundTotal);
  const logit = w.intercept + fit + behaviour + recency + tone;
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return {
    probability: sigmoid(logit),
    drivers: { fit: round(fit), behaviour: round(behaviour), recency: round(recency), tone: round(tone), logit: round(logit) },
  };
}
