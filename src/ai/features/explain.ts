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

/**
 * Features that measure one thing a person recognises as one fact: a lead's website visits
 * are counted four ways (views, recent views, sessions, days since), and four lines about
 * them read as four reasons. Each family becomes one line with the points summed.
 */
const FAMILIES: Record<string, string> = {
  page_views: 'website', page_views_recent: 'website', sessions: 'website', days_since_web: 'website', contact_views: 'website',
  pricing_views: 'pricing', pricing_views_recent: 'pricing',
  demo_views: 'demo', demo_requests: 'demo',
  email_opens: 'email_engagement', email_clicks: 'email_engagement',
  calls: 'sales_touches', sales_emails: 'sales_touches', days_since_touch: 'sales_touches',
  inbound_messages: 'messages', outbound_messages: 'messages', inbound_share: 'messages', reply_rate: 'messages', reply_hours: 'messages',
  sentiment: 'tone', sentiment_trend: 'tone', positive_share: 'tone', negative_share: 'tone',
  title_seniority: 'title', title_function: 'title',
};
export const familyOf = (feature: string) => FAMILIES[feature] ?? feature;

/** The one line of a family none of whose facts happened yet. */
const FAMILY_ABSENT: Record<string, string> = {
  website: 'No website activity', pricing: 'Never visited the pricing page', demo: 'Has not asked for or looked at a demo',
  email_engagement: 'Has not opened or clicked an email', sales_touches: 'Not contacted yet', messages: 'No conversation yet', title: 'No job title',
};

/** Whether the fact behind a feature is missing for this lead (no visit, no message, field not set). */
export function absent(def: FeatureDef, s: LeadSignals): boolean {
  const j = s.journey;
  const c = s.conversations;
  const a = s.activities;
  switch (def.name) {
    case 'title_seniority': case 'title_function': return !s.jobTitle;
    case 'email_kind': return !s.email;
    case 'phone_plausible': return !s.phone;
    case 'country': return !s.country;
    case 'source': return !s.source;
    case 'campaign': return !s.campaign;
    case 'page_views': return j.pageViews === 0;
    case 'page_views_recent': return j.pageViewsRecent < 0.5;
    case 'sessions': return j.sessions === 0;
    case 'days_since_web': return j.lastAt === null;
    case 'pricing_views': case 'pricing_views_recent': return j.pricingViews === 0;
    case 'demo_views': return j.demoViews === 0;
    case 'contact_views': return j.contactViews === 0;
    case 'demo_requests': return j.demoRequests === 0;
    case 'form_submits': return j.formSubmits === 0;
    case 'email_opens': return j.emailOpens === 0;
    case 'email_clicks': return j.emailClicks === 0;
    case 'calls': return a.calls === 0;
    case 'sales_emails': return a.emails === 0;
    case 'days_since_touch': return a.lastAt === null && c.lastAt === null;
    case 'follow_up_overdue_days': return s.nextFollowUpAt === null;
    case 'reply_hours': return c.replyHours === null;
    case 'inbound_messages': return c.inbound === 0;
    case 'outbound_messages': return c.outbound === 0;
    case 'inbound_share': return c.inbound + c.outbound === 0;
    case 'reply_rate': return c.outbound === 0;
    case 'sentiment': return c.sentiment === null && a.sentiment === null;
    case 'sentiment_trend': return c.sentimentTrend === null;
    case 'positive_share': case 'negative_share': return c.analysed === 0;
    case 'buying_signals': return c.buyingSignals + a.buyingSignals === 0;
    default: {
      if (def.name.startsWith('intent_')) return (c.intents[def.name.slice(7)] ?? 0) === 0;
      if (def.name.startsWith('cf:')) {
        const v = s.customFields[def.name.slice(3)];
        return v === null || v === undefined || v === '';
      }
      return false;
    }
  }
}

/**
 * Features whose "missing" is no fact about the lead but a measurement that could not be
 * taken: a reply rate with no message sent, a tone with nothing analysed, a share of
 * messages without messages. Whatever points the model gives them, they explain nothing.
 */
const UNMEASURED_WHEN_ABSENT = new Set(['reply_rate', 'inbound_share', 'reply_hours', 'sentiment', 'sentiment_trend', 'positive_share', 'negative_share', 'follow_up_overdue_days', 'outbound_messages', 'sales_emails', 'calls']);

/**
 * Whether a factor means something to a person. Dropped: unmeasured features (above), and
 * any missing fact that raises the score ("No message sent yet: +2.7", "Country unknown:
 * +1.1"): the model's baseline arithmetic, not a reason anybody would act on.
 */
export function meaningful(def: FeatureDef, s: LeadSignals, points: number): boolean {
  if (!absent(def, s)) return true;
  if (UNMEASURED_WHEN_ABSENT.has(def.name)) return false;
  return points < 0;
}

const lowerFirst = (t: string) => (/^[A-Z][a-z]/.test(t) ? t.charAt(0).toLowerCase() + t.slice(1) : t);

/**
 * Factors in points, biggest effect first: one line per family of features (points summed),
 * factors that mean nothing to a person left out, and tiny ones (under half a point) too.
 */
export function explain(defs: readonly FeatureDef[], contributions: ArrayLike<number>, baseLogit: number, logit: number, signals: LeadSignals, probability?: (logit: number) => number): Factor[] {
  const scale = pointsPerLogit(baseLogit, logit, probability);
  const families = new Map<string, { members: { def: FeatureDef; points: number; logit: number; absent: boolean }[] }>();
  for (let i = 0; i < defs.length; i++) {
    const def = defs[i]!;
    const c = contributions[i] ?? 0;
    const points = c * scale;
    if (points === 0 || !meaningful(def, signals, points)) continue;
    const key = familyOf(def.name);
    const f = families.get(key) ?? families.set(key, { members: [] }).get(key)!;
    f.members.push({ def, points, logit: c, absent: absent(def, signals) });
  }
  const factors: Factor[] = [];
  for (const [key, { members }] of families) {
    const points = members.reduce((sum, m) => sum + m.points, 0);
    if (Math.abs(points) < 0.5) continue;
    members.sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
    const present = members.filter((m) => !m.absent);
    let text: string;
    if (present.length === 0 && FAMILY_ABSENT[key]) text = FAMILY_ABSENT[key];
    else if (members.length === 1) text = describe(members[0]!.def, signals);
    else {
      // The facts that happened, biggest effect first; each sentence once.
      const parts = [...new Set((present.length > 0 ? present : members).map((m) => describe(m.def, signals)))].slice(0, 3);
      text = parts.map((t, i) => (i === 0 ? t : lowerFirst(t))).join('; ');
    }
    factors.push({ feature: members.length === 1 ? members[0]!.def.name : key, group: members[0]!.def.group, points: Math.round(points * 10) / 10, logit: members.reduce((sum, m) => sum + m.logit, 0), text });
  }
  return factors.sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
}

/**
 * Sub-scores 0–100 per group: 50 is neutral (the group moves the lead neither way), and
 * each group's log-odds move the score along the same logistic curve. A lead with no
 * conversation has no conversational sub-score (null): a 50 or a 38 there would grade
 * talks that never happened. Without `signals`, every group gets a number.
 */
export type SubScores = Record<Exclude<FeatureGroup, 'conversational'>, number> & { conversational: number | null };
export function subScores(defs: readonly FeatureDef[], contributions: ArrayLike<number>, signals?: LeadSignals): SubScores {
  const sums: Record<FeatureGroup, number> = { demographic: 0, behavioral: 0, temporal: 0, conversational: 0 };
  for (let i = 0; i < defs.length; i++) sums[defs[i]!.group] += contributions[i] ?? 0;
  const score = (g: FeatureGroup) => Math.round(100 * sigmoid(sums[g]));
  const none = signals !== undefined && signals.conversations.inbound + signals.conversations.outbound === 0;
  return { demographic: score('demographic'), behavioral: score('behavioral'), temporal: score('temporal'), conversational: none ? null : score('conversational') };
}

const JUST_TOUCHED_MS = 48 * 3_600_000;

/** Concrete next actions from the lead's state and what drives its score. */
export function recommend(signals: LeadSignals, factors: readonly Factor[], score: number): Recommendation[] {
  const out: Recommendation[] = [];
  const s = signals;
  const last = [s.activities.lastAt, s.conversations.lastAt].filter((d): d is Date => d !== null).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  const idle = last ? Math.round((s.asOf.getTime() - last.getTime()) / 86_400_000) : null;
  const overdue = s.nextFollowUpAt ? Math.round((s.asOf.getTime() - s.nextFollowUpAt.getTime()) / 86_400_000) : null;
  if (overdue !== null && overdue > 0) out.push({ action: 'Do the overdue follow-up now', reason: `It was due ${plural(overdue, 'day')} ago.`, priority: 'high' });
  const recentPricing = s.journey.pricingViews > 0 && s.journey.lastAt && s.asOf.getTime() - s.journey.lastAt.getTime() < 7 * 86_400_000;
  // Someone spoke with the lead in the last two days: "call" is what just happened, not what to do next.
  const justTouched = last !== null && s.asOf.getTime() - last.getTime() < JUST_TOUCHED_MS;
  if (recentPricing && !justTouched) out.push({ action: 'Call about pricing this week', reason: `Visited the pricing page ${times(s.journey.pricingViews)}, last within 7 days.`, priority: score >= 50 ? 'high' : 'medium' });
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
