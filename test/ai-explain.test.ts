import { describe, expect, it } from 'vitest';
import { explain, recommend, subScores } from '../src/ai/features/explain.ts';
import { learnFeatureSpace } from '../src/ai/features/feature-space.ts';
import type { LeadSignals } from '../src/ai/features/signals.ts';

/**
 * Explanations a salesperson believes (issue 20): one line per kind of fact, no line that
 * means nothing ("No message sent yet: +2.7"), and no conversational grade without a
 * conversation.
 */
const asOf = new Date('2026-06-01T00:00:00Z');
function lead(over: Partial<LeadSignals> = {}): LeadSignals {
  return {
    asOf, createdAt: new Date('2026-05-01T00:00:00Z'), jobTitle: null, email: 'ana@initech.example', phone: null, company: null, country: null, source: null, campaign: null,
    customFields: {}, nextFollowUpAt: null,
    journey: { pageViews: 0, pageViewsRecent: 0, pricingViews: 0, pricingViewsRecent: 0, demoViews: 0, contactViews: 0, formSubmits: 0, demoRequests: 0, emailOpens: 0, emailClicks: 0, sessions: 0, lastAt: null },
    activities: { calls: 0, emails: 0, meetings: 0, other: 0, lastAt: null, buyingSignals: 0, sentiment: null },
    conversations: { inbound: 0, outbound: 0, replies: 0, replyHours: null, firstInboundAt: null, lastAt: null, analysed: 0, sentiment: null, sentimentTrend: null, positive: 0, negative: 0, intents: {}, buyingSignals: 0 },
    ...over,
  };
}
const defs = learnFeatureSpace([lead()]).features;
/** Contributions (log-odds) by feature name; every other feature contributes nothing. */
const contributions = (by: Record<string, number>) => defs.map((d) => by[d.name] ?? 0);
const base = -1;
const run = (s: LeadSignals, by: Record<string, number>) => {
  const c = contributions(by);
  return explain(defs, c, base, base + c.reduce((a, b) => a + b, 0), s);
};

describe('explanations', () => {
  it('merges the features of one kind into one line with the points summed', () => {
    const quiet = lead();
    const factors = run(quiet, { page_views: -0.2, page_views_recent: -0.15, sessions: -0.1, days_since_web: -0.1, title_seniority: 0.3 });
    const web = factors.filter((f) => /website/i.test(f.text));
    expect(web).toHaveLength(1);
    expect(web[0]).toMatchObject({ feature: 'website', text: 'No website activity' });
    // The sum of the four, in points: more than any single one would be.
    const single = run(quiet, { page_views: -0.2 }).find((f) => f.feature === 'page_views')!;
    expect(web[0]!.points).toBeLessThan(single.points);
    // An active visitor reads the facts that happened, once each, in one line.
    const active = lead({ journey: { ...lead().journey, pageViews: 12, pageViewsRecent: 8, sessions: 4, lastAt: new Date('2026-05-30T00:00:00Z') } });
    const [line] = run(active, { page_views: 0.3, page_views_recent: 0.2, sessions: 0.1, days_since_web: 0.1 });
    expect(line!.text).toMatch(/^Viewed 12 pages on the website; .*4 website visits/);
  });

  it('drops factors that mean nothing to a person', () => {
    const s = lead({ journey: { ...lead().journey, pricingViews: 2, pricingViewsRecent: 1.8, lastAt: new Date('2026-05-30T00:00:00Z') } });
    const factors = run(s, { reply_rate: 0.4, country: 0.3, sentiment: -0.3, pricing_views: 0.5, email_clicks: -0.3 });
    const texts = factors.map((f) => f.text);
    expect(texts).not.toContain('No message sent yet');
    expect(texts).not.toContain('Country unknown');
    expect(texts).not.toContain('Tone not analysed yet');
    // What the lead did, and a missing fact that lowers the score, stay.
    expect(texts).toContain('Visited the pricing page twice');
    expect(texts).toContain('Has not opened or clicked an email');
  });

  it('gives no conversational sub-score to a lead with no conversation', () => {
    const c = contributions({ reply_rate: 0.4, inbound_messages: -0.3, title_seniority: 0.2 });
    expect(subScores(defs, c, lead()).conversational).toBeNull();
    expect(subScores(defs, c, lead()).demographic).toBeGreaterThan(50);
    const talking = lead({ conversations: { ...lead().conversations, inbound: 1, outbound: 2, replies: 1 } });
    expect(subScores(defs, c, talking).conversational).toEqual(expect.any(Number));
  });

  it('does not recommend a pricing call minutes after a call', () => {
    const pricing = { ...lead().journey, pricingViews: 3, pricingViewsRecent: 2.8, lastAt: new Date('2026-05-30T00:00:00Z') };
    const called = lead({ journey: pricing, activities: { ...lead().activities, calls: 1, lastAt: new Date(asOf.getTime() - 20 * 60_000) } });
    expect(recommend(called, [], 70).map((r) => r.action)).not.toContain('Call about pricing this week');
    const notCalled = lead({ journey: pricing, activities: { ...lead().activities, calls: 1, lastAt: new Date(asOf.getTime() - 5 * 86_400_000) } });
    expect(recommend(notCalled, [], 70).map((r) => r.action)).toContain('Call about pricing this week');
  });
});
