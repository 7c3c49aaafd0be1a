import type { LogisticPrior } from '../scoring/logistic.ts';
import type { FeatureSpace } from './feature-space.ts';

/**
 * The cold-start model: what B2B sales experience says before an organization has any
 * outcomes of its own. In raw feature units (counts are log(1 + n), days are days), with
 * the intercept at a 25 % win rate among decided leads. The organization's data moves every
 * weight away from here continuously (a Bayesian prior, see ai/scoring/model.ts); features
 * not listed start at zero and are learned from data alone.
 *
 * Documented in docs/scoring.md; changing a weight changes every new organization's first
 * scores, so each one is a judgement call written down, not a fitted number.
 */
const NUMERIC: NonNullable<LogisticPrior['numeric']> = {
  // Behaviour: intent shown on the website and in email.
  pricing_views: { slope: 0.45 },
  pricing_views_recent: { slope: 0.25 },
  demo_views: { slope: 0.4 },
  contact_views: { slope: 0.3 },
  form_submits: { slope: 0.2 },
  demo_requests: { slope: 0.6 },
  email_clicks: { slope: 0.25 },
  email_opens: { slope: 0.05 },
  page_views: { slope: 0.1 },
  calls: { slope: 0.1 },
  phone_plausible: { slope: 0.15, center: 0.5 },
  // Time: leads go cold.
  days_since_touch: { slope: -0.025, center: 7 },
  follow_up_overdue_days: { slope: -0.01 },
  // Conversations: a lead that writes, replies and sounds positive is buying.
  inbound_messages: { slope: 0.3 },
  reply_rate: { slope: 0.6, center: 0.3 },
  sentiment: { slope: 0.8 },
  positive_share: { slope: 0.6, center: 0.3 },
  negative_share: { slope: -0.8, center: 0.1 },
  intent_purchase: { slope: 0.5 },
  intent_pricing_inquiry: { slope: 0.4 },
  intent_demo_request: { slope: 0.4 },
  intent_meeting_scheduling: { slope: 0.3 },
  intent_objection: { slope: -0.3 },
  intent_complaint: { slope: -0.3 },
  intent_unsubscribe: { slope: -1.5 },
  buying_signals: { slope: 0.3 },
};

const CATEGORICAL: Record<string, Record<string, number>> = {
  title_seniority: { c_level: 0.6, vp: 0.5, director: 0.35, manager: 0.1, individual: -0.1, student: -0.8 },
  email_kind: { corporate: 0.25, role: 0, free: -0.35, disposable: -1.0, invalid: -0.8, missing: -0.3 },
  // Sources are the organization's own words; these are the common ones, matched loosely.
  source: {
    referral: 0.5, partner: 0.35, webinar: 0.2, event: 0.15, trade_show: 0.15, inbound: 0.15, website: 0.1, organic_search: 0.1, organic: 0.1,
    paid_search: 0, social: -0.05, paid_social: -0.1, content: 0, cold_outreach: -0.4, outbound: -0.3, purchased_list: -0.7, list_purchase: -0.7,
  },
};

export const PRIOR_STRENGTH = 100;

const key = (s: string) => s.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '');

/** The prior for one organization's feature space (its own category spellings). */
export function priorFor(space: FeatureSpace): LogisticPrior {
  const numeric: NonNullable<LogisticPrior['numeric']> = {};
  const categorical: Record<string, Record<string, number>> = {};
  for (const f of space.features) {
    // Every numeric feature gets the organization's typical value and spread (see
    // FeatureDef); listed ones also a slope, pivoting at their stated centre or the median.
    if (f.kind === 'numeric') numeric[f.name] = { slope: 0, ...NUMERIC[f.name], ...(NUMERIC[f.name]?.center === undefined && f.center !== undefined ? { center: f.center } : {}), ...(f.scale !== undefined ? { scale: f.scale } : {}) };
    const table = CATEGORICAL[f.name];
    if (f.kind === 'categorical' && table && f.categories) {
      const effects: Record<string, number> = {};
      for (const c of f.categories) {
        const w = table[key(c)];
        if (w !== undefined) effects[c] = w;
      }
      if (Object.keys(effects).length > 0) categorical[f.name] = effects;
    }
  }
  // Strength 100 (precision of each standardised weight): one more outcome moves another lead's
  // score by at most ~5 points at any stage (measured on the demo data from 0 to 100 outcomes,
  // docs/scoring.md) instead of up to ~30 at the default 10; the data still dominates from a
  // few hundred outcomes, and the trees, which have no prior, ramp in from 25.
  return { intercept: Math.log(0.25 / 0.75), numeric, categorical, strength: PRIOR_STRENGTH };
}
