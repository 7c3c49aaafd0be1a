import type { FeatureDef, FeatureGroup } from './feature-space.ts';
import { emailKind, titleFunction, titleSeniority } from './lead-profile.ts';
import type { LeadSignals } from './signals.ts';

/**
 * Turns a model's per-feature contributions (log-odds) into what a salesperson reads:
 * points on the 0–100 score with a sentence each, the four sub-scores, and next actions.
 */
export interface Factor {
  feature: string;
  group: FeatureGroup;
  /** Signed share of the score, in points; all factors sum to score − base score. */
  points: number;
  /** The raw contribution in log-odds (sums to the model's logit minus its base). */
  logit: number;
  text: string;
}

export interface Recommendation {
  action: string;
  reason: string;
  priority: 'high' | 'medium' | 'low';
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const SENIORITY_WORDS = { c_level: 'C-level', vp: 'VP level', director: 'director level', manager: 'manager level', individual: 'individual contributor', student: 'student', unknown: 'seniority unclear' } as const;

/**
 * Points per unit of log-odds between the base and this lead: the secant of the score
 * curve, so the points add up exactly to the score's distance from the base score, and
 * tend to the curve's slope when the two are close.
 */
export function pointsPerLogit(baseLogit: number, logit: number, probability: (logit: number) => number = sigmoid): number {
  const d = logit - baseLogit;
  if (Math.abs(d) < 1e-9) {
    const h = 1e-4;
    return (100 * (probability(baseLogit + h) - probability(baseLogit - h))) / (2 * h);
  }
  return (100 * (probability(logit) - probability(baseLogit))) / d;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const times = (n: number) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);
const daysAgo = (from: Date | null, asOf: Date) => (from ? Math.round((asOf.getTime() - from.getTime()) / 86_400_000) : null);

/** The sentence for one feature of one lead, from its signals (never from encoded values). */
export function describe(def: FeatureDef, s: LeadSignals): string {
  const j = s.journey;
  const c = s.conversations;
  switch (def.name) {
    case 'title_seniority': return s.jobTitle ? `${s.jobTitle} (${SENIORITY_WORDS[titleSeniority(s.jobTitle)]})` : 'No job title';
    case 'title_function': return s.jobTitle ? `Works in ${titleFunction(s.jobTitle).replace('_', ' ')}` : 'Job function unknown';
    case 'email_kind': {
      const kind = emailKind(s.email);
      const domain = s.email?.split('@')[1];
      return kind === 'corporate' ? `Company email address (${domain})` : kind === 'free' ? `Personal email address (${domain})` : kind === 'missing' ? 'No email address' : kind === 'role' ? `Shared mailbox (${s.email})` : kind === 'disposable' ? `Throwaway email address (${domain})` : `Email address looks invalid (${s.email})`;
    }
    case 'phone_plausible': return s.phone ? (s.phone.replace(/\D/g, '').length >= 7 ? 'Phone number on file' : `Phone number looks wrong (${s.phone})`) : 'No phone number';
    case 'country': return s.country ? `Based in ${s.country}` : 'Country unknown';
    case 'source': return s.source ? `Came from ${s.source}` : 'Source unknown';
    case 'campaign': return s.campaign ? `Campaign: ${s.campaign}` : 'No campaign';
    case 'page_views': return `Viewed ${plural(j.pageViews, 'page')} on the website`;
    case 'page_views_recent': return `${plural(Math.round(j.pageViewsRecent), 'page view')} in recent weeks (weighted by recency)`;
    case 'pricing_views': return j.pricingViews > 0 ? `Visited the pricing page ${times(j.pricingViews)}` : 'Never visited the pricing page';
    case 'pricing_views_recent': return j.pricingViews > 0 ? `Visited the pricing page recently (${plural(j.pricingViews, 'visit')}, last ${daysAgo(j.lastAt, s.asOf) ?? '?'} days ago)` : 'No recent pricing page visit';
    case 'demo_views': return j.demoViews > 0 ? `Looked at the demo or trial page ${times(j.demoViews)}` : 'Never looked at the demo page';
    case 'contact_views': return j.contactViews > 0 ? `Opened the contact page ${times(j.contactViews)}` : 'Never opened the contact page';
    case 'demo_requests': return j.demoRequests > 0 ? `Asked for a demo or trial ${times(j.demoRequests)}` : 'Has not asked for a demo';
    case 'form_submits': return j.formSubmits > 0 ? `Submitted ${plural(j.formSubmits, 'form')}` : 'Submitted no form';
    case 'email_opens': return `Opened ${plural(j.emailOpens, 'email')}`;
    case 'email_clicks': return j.emailClicks > 0 ? `Clicked links in emails ${times(j.emailClicks)}` : 'Never clicked an email link';
    case 'sessions': return `${plural(j.sessions, 'website visit')}`;
    case 'calls': return `${plural(s.activities.calls, 'call')} logged`;
    case 'sales_emails': return `${plural(s.activities.emails, 'sales email')} sent`;
    case 'lead_age_days': return `Lead for ${plural(daysAgo(s.createdAt, s.asOf) ?? 0, 'day')}`;
    case 'days_since_touch': {
      const last = [s.activities.lastAt, c.lastAt].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
      const d = daysAgo(last, s.asOf);
      return d === null ? 'Never contacted' : d === 0 ? 'Contacted today' : `Last call, email or meeting ${plural(d, 'day')} ago`;
    }
    case 'days_since_web': { const d = daysAgo(j.lastAt, s.asOf); return d === null ? 'Never on the website' : `Last on the website ${plural(d, 'day')} ago`; }
    case 'reply_hours': return c.replyHours === null ? 'Has not replied yet' : `Replies within ${c.replyHours < 24 ? plural(Math.round(c.replyHours), 'hour') : plural(Math.round(c.replyHours / 24), 'day')} (median)`;
    case 'follow_up_overdue_days': { const d = s.nextFollowUpAt ? Math.round((s.asOf.getTime() - s.nextFollowUpAt.getTime()) / 86_400_000) : null; return d === null ? 'No follow-up scheduled' : d > 0 ? `Follow-up overdue by ${plural(d, 'day')}` : 'Follow-up scheduled'; }
    case 'inbound_messages': return c.inbound > 0 ? `Wrote ${plural(c.inbound, 'message')}` : 'Has not written yet';
    case 'outbound_messages': return `${plural(c.outbound, 'message')} sent to the lead`;
    case 'inbound_share': return `${Math.round((100 * c.inbound) / Math.max(1, c.inbound + c.outbound))} % of the messages came from the lead`;
    case 'reply_rate': return c.outbound > 0 ? `Answered ${c.replies} of ${plural(c.outbound, 'message')}` : 'No message sent yet';
    case 'sentiment': {
      // The same source as the feature: the lead's own messages, else the calls logged with them.
      const tone = c.sentiment ?? s.activities.sentiment;
      const what = c.sentiment !== null ? 'Replies sound' : 'Calls sound';
      return tone === null ? 'Tone not analysed yet' : tone > 0.2 ? `${what} positive` : tone < -0.2 ? `${what} negative` : `${what} neutral`;
    }
    case 'sentiment_trend': return c.sentimentTrend === null ? 'Tone trend unknown' : c.sentimentTrend > 0.1 ? 'Tone is warming up' : c.sentimentTrend < -0.1 ? 'Tone is cooling down' : 'Tone is steady';
    case 'positive_share': return `${plural(c.positive, 'positive reply', 'positive replies')} of ${c.analysed}`;
    case 'negative_share': return `${plural(c.negative, 'negative reply', 'negative replies')} of ${c.analysed}`;
    case 'buying_signals': { const n = c.buyingSignals + s.activities.buyingSignals; return n > 0 ? `${plural(n, 'buying signal')} in conversations` : 'No buying signal yet'; }
    default: {
      if (def.name.startsWith('intent_')) {
        const intent = def.name.slice(7);
        const n = c.intents[intent] ?? 0;
        return n > 0 ? `Asked about ${intent.replace('_', ' ')} (${plural(n, 'message')})` : `No ${intent.replace('_', ' ')} message`;
      }
      if (def.name.startsWith('cf:')) {
        const key = def.name.slice(3);
        const value = s.customFields[key];
        return value === null || value === undefined || value === '' ? `${key}: not set` : `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`;
      }
      return def.label;
    }
  }
}

/** Factors in points, biggest effect first; tiny ones (under half a point) left out. */
export function explain(defs: readonly FeatureDef[], contributions: ArrayLike<number>, baseLogit: number, logit: number, signals: LeadSignals, probability?: (logit: number) => number): Factor[] {
  const scale = pointsPerLogit(baseLogit, logit, probability);
  const factors: Factor[] = [];
  for (let i = 0; i < defs.length; i++) {
    const c = contributions[i] ?? 0;
    const points = c * scale;
    if (Math.abs(points) < 0.5) continue;
    factors.push({ feature: defs[i]!.name, group: defs[i]!.group, points: Math.round(points * 10) / 10, logit: c, text: describe(defs[i]!, signals) });
  }
  return factors.sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
}

/**
 * Sub-scores 0–100 per group: 50 is neutral (the group moves the lead neither way), and
 * each group's log-odds move the score along the same logistic curve.
 */
export function subScores(defs: readonly FeatureDef[], contributions: ArrayLike<number>): Record<FeatureGroup, number> {
  const sums: Record<FeatureGroup, number> = { demographic: 0, behavioral: 0, temporal: 0, conversational: 0 };
  for (let i = 0; i < defs.length; i++) sums[defs[i]!.group] += contributions[i] ?? 0;
  const out = {} as Record<FeatureGroup, number>;
  for (const g of Object.keys(sums) as FeatureGroup[]) out[g] = Math.round(100 * sigmoid(sums[g]));
  return out;
}

/** Concrete next actions from the lead's state and what drives its score. */
export function recommend(signals: LeadSignals, factors: readonly Factor[], score: number): Recommendation[] {
  const out: Recommendation[] = [];
  const s = signals;
  const last = [s.activities.lastAt, s.conversations.lastAt].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  const idle = last ? Math.round((s.asOf.getTime() - last.getTime()) / 86_400_000) : null;
  const overdue = s.nextFollowUpAt ? Math.round((s.asOf.getTime() - s.nextFollowUpAt.getTime()) / 86_400_000) : null;
  if (overdue !== null && overdue > 0) out.push({ action: 'Do the overdue follow-up now', reason: `It was due ${plural(overdue, 'day')} ago.`, priority: 'high' });
  const recentPricing = s.journey.pricingViews > 0 && s.journey.lastAt && s.asOf.getTime() - s.journey.lastAt.getTime() < 7 * 86_400_000;
  if (recentPricing) out.push({ action: 'Call about pricing this week', reason: `Visited the pricing page ${times(s.journey.pricingViews)}, last within 7 days.`, priority: score >= 50 ? 'high' : 'medium' });
  if ((s.journey.demoViews > 0 || s.journey.demoRequests > 0 || (s.conversations.intents.demo_request ?? 0) > 0) && s.activities.meetings === 0) out.push({ action: 'Offer a demo', reason: 'Showed interest in a demo but has had no meeting yet.', priority: 'high' });
  if ((s.conversations.intents.pricing_inquiry ?? 0) > 0) out.push({ action: 'Send a tailored quote', reason: 'Asked about pricing in a message.', priority: 'high' });
  if ((s.conversations.intents.objection ?? 0) > 0 || (s.conversations.sentiment !== null && s.conversations.sentiment < -0.2)) out.push({ action: 'Address the concern in the last reply before pitching further', reason: 'Recent replies raise an objection or sound negative.', priority: 'medium' });
  if (score >= 60 && (idle === null || idle >= 7)) out.push({ action: 'Call today', reason: idle === null ? `Score ${score} and nobody has contacted this lead yet.` : `Score ${score} and no touch for ${plural(idle, 'day')}.`, priority: 'high' });
  else if (idle !== null && idle >= 14 && score >= 30) out.push({ action: 'Re-engage with a short personal email', reason: `No touch for ${plural(idle, 'day')}.`, priority: 'medium' });
  if (s.conversations.outbound >= 3 && s.conversations.replies === 0) out.push({ action: 'Try another channel (phone or LinkedIn)', reason: `${plural(s.conversations.outbound, 'message')} sent without a reply.`, priority: 'medium' });
  const kind = emailKind(s.email);
  if (kind === 'invalid' || kind === 'missing') out.push({ action: 'Get a working email address', reason: kind === 'missing' ? 'No email address on file.' : `The address ${s.email} looks invalid.`, priority: 'low' });
  if (!s.phone && score >= 40) out.push({ action: 'Find a phone number', reason: 'Promising lead without a phone number.', priority: 'low' });
  if (out.length === 0) {
    const top = factors.find((f) => f.points < 0);
    out.push(top ? { action: 'Nurture with useful content', reason: `Held back by: ${top.text.toLowerCase()}.`, priority: 'low' } : { action: 'Keep the conversation going', reason: 'Nothing urgent stands out.', priority: 'low' });
  }
  const order = { high: 0, medium: 1, low: 2 };
  return out.sort((a, b) => order[a.priority] - order[b.priority]).slice(0, 5);
}
