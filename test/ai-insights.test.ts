import { describe, expect, it } from 'vitest';
import { evaluateLead, fixedScale, QUANTILES, type EventSnap, type LeadSnapshot, type MessageSnap, type OrgStats } from '../src/ai/insights/index.ts';
import { detectBuyingSignals } from '../src/ai/insights/buying-signal.ts';
import { detectChurnRisk } from '../src/ai/insights/churn-risk.ts';
import { detectCompetitiveThreats } from '../src/ai/insights/competitive.ts';
import { optimalContactTime } from '../src/ai/insights/contact-time.ts';
import { detectContent } from '../src/ai/insights/content.ts';
import { communicationPreference, engagementLevel } from '../src/ai/insights/engagement.ts';
import { nextBestAction } from '../src/ai/insights/next-action.ts';
import { hourOfWeek } from '../src/ai/insights/time.ts';

/**
 * The detectors on their own: each insight type raised by a realistic lead and not by its
 * near miss, which differs in the one thing that should matter.
 */
const NOW = new Date('2026-03-18T15:00:00Z'); // a Wednesday
const H = 3_600_000;
const D = 24 * H;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

function lead(over: Partial<LeadSnapshot> = {}): LeadSnapshot {
  return {
    id: id(), name: 'Dana Wu', company: 'Initech', status: 'qualified', statusChangedAt: ago(3 * D), createdAt: ago(60 * D), score: 40, conversionProbability: null,
    dealValue: null, predictedValue: null, timezone: 'UTC', activities: [], messages: [], events: [], latestScore: null, ...over,
  };
}

function msg(over: Partial<MessageSnap> & Pick<MessageSnap, 'direction' | 'at'>): MessageSnap {
  return { id: id(), channel: 'email', subject: null, sentiment: null, intent: null, intentConfidence: null, signals: [], competitors: [], content: null, ...over };
}

function view(path: string, at: Date, type = 'page_view'): EventSnap {
  return { id: id(), type, name: path, path, contentKey: path.includes('pricing') ? null : `page:${path}`, at };
}

function stats(over: Partial<OrgStats> = {}): OrgStats {
  const sent = new Array<number>(168).fill(2);
  const replied = new Array<number>(168).fill(1);
  return {
    computedAt: NOW, timezone: 'UTC', statusDays: {}, hourOfWeek: { sent, replied }, content: [], decided: 0, won: 0,
    engagement: { totals: { inbound_message: 50, meeting: 10, call: 20, other_activity: 20, form_submit: 10, email_click: 20, page_view: 200, email_open: 100 }, activeLeads: 100 },
    pricingViewsPerLeadDay: 0.02, valueP75: 50_000, engagedDecided: 0, engagedWon: 0, recentContactHours: 48, calibration: null, priority: fixedScale(), ...over,
  };
}

describe('buying_signal', () => {
  it('three pricing visits in a day, against a quiet baseline, are a spike', () => {
    const l = lead({ events: [view('/pricing', ago(5 * H)), view('/pricing', ago(3 * H)), view('/pricing/enterprise', ago(1 * H)), view('/blog/x', ago(20 * D))] });
    const [spike] = detectBuyingSignals(l, stats(), NOW);
    expect(spike).toMatchObject({ type: 'buying_signal', reason: 'pricing_spike', priority: 'high' });
    expect(spike!.confidence).toBeGreaterThan(0.9);
    expect((spike!.data as { event_ids: string[] }).event_ids).toHaveLength(3);
    expect(spike!.expiresAt.getTime()).toBeGreaterThan(NOW.getTime());
  });

  it('near miss: three pricing visits spread over a week are no spike; nor are two in a day', () => {
    const spread = lead({ events: [view('/pricing', ago(6 * D)), view('/pricing', ago(3 * D)), view('/pricing', ago(1 * H))] });
    const two = lead({ events: [view('/pricing', ago(3 * H)), view('/pricing', ago(1 * H))] });
    expect(detectBuyingSignals(spread, stats(), NOW)).toEqual([]);
    expect(detectBuyingSignals(two, stats(), NOW)).toEqual([]);
  });

  it('near miss: a lead that looks at pricing three times every day has no spike', () => {
    const events = Array.from({ length: 60 }, (_, d) => [1, 3, 5].map((h) => view('/pricing', ago(d * D + h * H)))).flat();
    expect(detectBuyingSignals(lead({ events }), stats(), NOW).filter((c) => c.reason === 'pricing_spike')).toEqual([]);
  });

  it("the lead's own words: purchase intent is urgent; the rep's proposal mail saying 'pricing' is not a signal", () => {
    const theirs = lead({ messages: [msg({ direction: 'inbound', at: ago(2 * H), intent: 'purchase', intentConfidence: 0.8, signals: [{ signal: 'purchase_intent', evidence: 'ready to move forward' }] })] });
    const ours = lead({ messages: [msg({ direction: 'outbound', at: ago(2 * H), signals: [{ signal: 'pricing_interest', evidence: 'send the pricing' }] })] });
    const [c] = detectBuyingSignals(theirs, stats(), NOW);
    expect(c).toMatchObject({ reason: 'conversation_signals', priority: 'urgent' });
    expect(c!.description).toMatch(/ready to move forward/);
    expect(detectBuyingSignals(ours, stats(), NOW)).toEqual([]);
  });
});

describe('churn_risk', () => {
  const busy = (fromDays: number, toDays: number, every: number) => Array.from({ length: Math.floor((toDays - fromDays) / every) }, (_, i) => view('/features', ago((fromDays + i * every) * D)));

  it('engagement that stopped after weeks of activity is decay', () => {
    const l = lead({ events: busy(20, 80, 3) });
    const c = detectChurnRisk(l, stats(), NOW).find((x) => x.reason === 'engagement_decay');
    expect(c).toBeDefined();
    expect(c!.confidence).toBeGreaterThan(0.95);
  });

  it('near miss: the same lead still visiting at its usual rate is not decaying', () => {
    const l = lead({ events: [...busy(20, 80, 3), ...busy(1, 14, 3)] });
    expect(detectChurnRisk(l, stats(), NOW).find((x) => x.reason === 'engagement_decay')).toBeUndefined();
  });

  it('the last two messages negative after positive ones is a negative trend; one bad message is not', () => {
    const earlier = [msg({ direction: 'inbound', at: ago(20 * D), sentiment: 0.6 }), msg({ direction: 'inbound', at: ago(15 * D), sentiment: 0.4 })];
    const trend = lead({ messages: [...earlier, msg({ direction: 'inbound', at: ago(5 * D), sentiment: -0.5 }), msg({ direction: 'inbound', at: ago(1 * D), sentiment: -0.6 })] });
    const blip = lead({ messages: [...earlier, msg({ direction: 'inbound', at: ago(5 * D), sentiment: 0.3 }), msg({ direction: 'inbound', at: ago(1 * D), sentiment: -0.6 })] });
    expect(detectChurnRisk(trend, stats(), NOW).find((x) => x.reason === 'negative_sentiment')).toMatchObject({ priority: 'high' });
    expect(detectChurnRisk(blip, stats(), NOW).find((x) => x.reason === 'negative_sentiment')).toBeUndefined();
  });

  it("stalled: longer in proposal than the organization's leads usually stay; near miss: within the usual time", () => {
    // Thirty leads in proposal, their days spread 1…20 (p75 ≈ 15).
    const s = stats({ statusDays: { proposal: { n: 30, quantiles: QUANTILES.map((q) => 1 + 19 * q) } } });
    const stuck = lead({ status: 'proposal', statusChangedAt: ago(40 * D) });
    const usual = lead({ status: 'proposal', statusChangedAt: ago(12 * D) });
    const c = detectChurnRisk(stuck, s, NOW).find((x) => x.reason === 'stalled:proposal');
    expect(c).toBeDefined();
    expect((c!.data as { typical_days: number }).typical_days).toBeLessThan(20);
    expect(detectChurnRisk(usual, s, NOW).find((x) => x.reason.startsWith('stalled'))).toBeUndefined();
    // Closed leads cannot churn.
    expect(detectChurnRisk(lead({ status: 'closed_won', statusChangedAt: ago(400 * D) }), s, NOW)).toEqual([]);
  });
});

describe('optimal_contact_time', () => {
  // Mondays are weekday 0: Tuesday 10:00 UTC on each of the last six weeks, and Friday 16:00.
  const tuesday10 = (w: number) => new Date(Date.UTC(2026, 2, 17, 10) - w * 7 * D);
  const friday16 = (w: number) => new Date(Date.UTC(2026, 2, 13, 16) - w * 7 * D);

  it('a lead who answers Tuesday mornings and not Friday afternoons gets Tuesday 10:00–12:00', () => {
    const messages = [0, 1, 2, 3].flatMap((w) => [
      msg({ direction: 'outbound', at: tuesday10(w) }), msg({ direction: 'inbound', at: new Date(tuesday10(w).getTime() + H) }),
      msg({ direction: 'outbound', at: friday16(w) }),
    ]);
    const r = optimalContactTime(lead({ messages }), stats(), NOW);
    expect(hourOfWeek(tuesday10(0), 'UTC')).toBe(24 + 10);
    expect(r.value).toMatchObject({ day_of_week: 'Tuesday', hour_start: expect.any(Number), timezone: 'UTC', source: 'lead', lead_touches: 8, lead_replies: 4 });
    expect([9, 10]).toContain(r.value!.hour_start);
    expect(r.candidate).toMatchObject({ type: 'optimal_contact_time', reason: 'best_window' });
    expect(r.candidate!.confidence).toBeGreaterThanOrEqual(0.75);
    expect(r.value!.estimated_response_rate).toBeGreaterThan(r.value!.baseline_response_rate);
  });

  it('reads the hours in the lead\'s own time zone', () => {
    const messages = [0, 1, 2, 3].flatMap((w) => [msg({ direction: 'outbound', at: tuesday10(w) }), msg({ direction: 'inbound', at: new Date(tuesday10(w).getTime() + H) }), msg({ direction: 'outbound', at: friday16(w) })]);
    const r = optimalContactTime(lead({ messages, timezone: 'Asia/Tokyo' }), stats(), NOW);
    expect(r.value!.timezone).toBe('Asia/Tokyo');
    expect(r.value!.day_of_week).toBe('Tuesday');
    expect([18, 19]).toContain(r.value!.hour_start); // 10:00 UTC is 19:00 in Tokyo
  });

  it('near miss: replies spread over random hours single out no window (the organization\'s best is still stored)', () => {
    const hours = [9, 13, 17, 11, 15, 10];
    const messages = hours.flatMap((h, i) => {
      const at = new Date(Date.UTC(2026, 2, 2 + i, h));
      return i % 2 === 0 ? [msg({ direction: 'outbound', at }), msg({ direction: 'inbound', at: new Date(at.getTime() + 2 * H) })] : [msg({ direction: 'outbound', at })];
    });
    const r = optimalContactTime(lead({ messages }), stats(), NOW);
    expect(r.candidate).toBeNull();
    expect(r.value).not.toBeNull();
    // No history at all: the organization's best window, no insight.
    const cold = optimalContactTime(lead(), stats(), NOW);
    expect(cold.value?.source).toBe('organization');
    expect(cold.candidate).toBeNull();
  });
});

describe('content_recommendation', () => {
  const s = stats({
    decided: 100, won: 25,
    content: [
      { key: 'page:/customers/fintech', label: 'Fintech case study', decided: 20, won: 14 },
      { key: 'page:/blog/gdpr', label: 'GDPR for sales', decided: 40, won: 10 },
    ],
  });

  it('recommends the case study that won leads read before converting', () => {
    const c = detectContent(lead(), s, NOW);
    expect(c).toMatchObject({ type: 'content_recommendation', reason: 'content:page:/customers/fintech' });
    expect((c!.data as { lift: number }).lift).toBeGreaterThan(1.5);
  });

  it('near miss: not what the lead has already seen, nor content read by winners and losers alike', () => {
    expect(detectContent(lead({ events: [view('/customers/fintech', ago(2 * D))] }), s, NOW)).toBeNull();
    expect(detectContent(lead(), stats({ decided: 100, won: 25, content: [{ key: 'page:/blog/gdpr', label: 'GDPR', decided: 40, won: 10 }] }), NOW)).toBeNull();
  });
});

describe('competitive_threat', () => {
  const content = 'Honestly we are also evaluating Globex, their pricing is lower and the delays on your side frustrate us.';
  const start = content.indexOf('Globex');

  it("a competitor named in the lead's own message, with the sentence around it and its tone", () => {
    const l = lead({ status: 'negotiation', messages: [msg({ direction: 'inbound', at: ago(D), sentiment: -0.4, content, competitors: [{ name: 'Globex', start, end: start + 6 }] })] });
    const [c] = detectCompetitiveThreats(l, NOW);
    expect(c).toMatchObject({ type: 'competitive_threat', reason: 'competitor:globex', priority: 'urgent' });
    expect((c!.data as { mentions: { context: string }[] }).mentions[0]!.context).toMatch(/evaluating Globex, their pricing is lower/);
  });

  it('near miss: the rep naming the competitor, or a mention months ago', () => {
    const ours = lead({ messages: [msg({ direction: 'outbound', at: ago(D), content, competitors: [{ name: 'Globex', start, end: start + 6 }] })] });
    const old = lead({ messages: [msg({ direction: 'inbound', at: ago(200 * D), content, competitors: [{ name: 'Globex', start, end: start + 6 }] })] });
    expect(detectCompetitiveThreats(ours, NOW)).toEqual([]);
    expect(detectCompetitiveThreats(old, NOW)).toEqual([]);
  });
});

describe('next_best_action', () => {
  it('call now on a fresh urgent signal; send a proposal to a qualified lead that looked at pricing days ago; re-engage a fading one', () => {
    const hot = lead({ messages: [msg({ direction: 'inbound', at: ago(3 * H), intentConfidence: 0.8, signals: [{ signal: 'purchase_intent', evidence: 'ready to sign' }] })] });
    expect(evaluateLead(hot, stats(), NOW).candidates.find((c) => c.type === 'next_best_action')).toMatchObject({ reason: 'call_now', priority: 'urgent' });

    const pricing = lead({ status: 'qualified', messages: [msg({ direction: 'inbound', at: ago(5 * D), intentConfidence: 0.7, signals: [{ signal: 'pricing_interest', evidence: 'how much would it cost' }] })] });
    expect(evaluateLead(pricing, stats(), NOW).candidates.find((c) => c.type === 'next_best_action')).toMatchObject({ reason: 'send_proposal' });

    const threatened = lead({ status: 'negotiation', messages: [msg({ direction: 'inbound', at: ago(5 * D), competitors: [{ name: 'Globex', start: 0, end: 6 }], content: 'Globex is cheaper' })] });
    expect(evaluateLead(threatened, stats(), NOW).candidates.find((c) => c.type === 'next_best_action')).toMatchObject({ reason: 'escalate_to_manager' });

    const fading = lead({ events: Array.from({ length: 20 }, (_, i) => view('/features', ago((20 + i * 3) * D))) });
    expect(evaluateLead(fading, stats(), NOW).candidates.find((c) => c.type === 'next_best_action')).toMatchObject({ reason: 're_engage' });
  });

  it('near miss: a proposal already sent, or nothing going on, gives no action', () => {
    const pricing = lead({ status: 'qualified', messages: [msg({ direction: 'inbound', at: ago(5 * D), signals: [{ signal: 'pricing_interest', evidence: 'how much' }] })] });
    const sent = { ...pricing, activities: [{ id: id(), type: 'proposal', subject: 'Proposal', outcome: null, at: ago(2 * D), sentiment: null, intent: null, signals: [] }] };
    expect(evaluateLead(sent, stats(), NOW).candidates.find((c) => c.type === 'next_best_action')).toBeUndefined();
    expect(nextBestAction(lead(), stats(), [], NOW)).toBeNull();
  });
});

describe('engagement and communication preference', () => {
  it('levels leads against the organization\'s average active lead', () => {
    const quiet = lead({ events: [view('/blog/a', ago(80 * D))] });
    const busy = lead({ messages: Array.from({ length: 6 }, (_, i) => msg({ direction: 'inbound', at: ago(i * D) })), events: Array.from({ length: 10 }, (_, i) => view('/features', ago(i * D))) });
    expect(engagementLevel(lead(), stats(), NOW).level).toBe('unknown');
    expect(engagementLevel(quiet, stats(), NOW).level).toBe('low');
    expect(['high', 'very_high']).toContain(engagementLevel(busy, stats(), NOW).level);
  });

  it('finds the channel the lead uses and how fast it answers', () => {
    const t = ago(10 * D).getTime();
    const l = lead({ messages: [
      msg({ direction: 'outbound', at: new Date(t), channel: 'email' }), msg({ direction: 'inbound', at: new Date(t + 2 * H), channel: 'chat' }),
      msg({ direction: 'outbound', at: new Date(t + D), channel: 'email' }), msg({ direction: 'inbound', at: new Date(t + D + 4 * H), channel: 'chat' }),
      msg({ direction: 'outbound', at: new Date(t + 3 * D), channel: 'phone' }),
    ] });
    const p = communicationPreference(l);
    expect(p.preferred_channel).toBe('chat');
    expect(p.response_rate).toBe(0.67);
    expect(p.channels.find((c) => c.channel === 'email')).toMatchObject({ sent: 2, replied: 2, response_rate: 1, median_reply_hours: 3 });
    expect(communicationPreference(lead()).preferred_channel).toBeNull();
  });
});
