import { describe, expect, it } from 'vitest';
import {
  evaluateLead, fitCalibration, fixedScale, kindOf, priorityOf, scaleFrom,
  type ActivitySnap, type Candidate, type LeadSnapshot, type MessageSnap, type OrgStats,
} from '../src/ai/insights/index.ts';
import { calibrate, isotonic } from '../src/ai/insights/calibration.ts';
import { detectContent } from '../src/ai/insights/content.ts';
import { prioritise } from '../src/ai/insights/priority.ts';

/**
 * Insights people believe (issue 20): no "Call … now" right after a call, confidence that
 * is the share of such insights that came true, priority spread by expected impact, and no
 * content recommendation that does not discriminate.
 */
const NOW = new Date('2026-03-18T15:00:00Z');
const H = 3_600_000;
const D = 24 * H;
const ago = (ms: number) => new Date(NOW.getTime() - ms);
let n = 0;
const id = () => `00000000-0000-4000-9000-${String(++n).padStart(12, '0')}`;

function lead(over: Partial<LeadSnapshot> = {}): LeadSnapshot {
  return {
    id: id(), name: 'Dana Wu', company: 'Initech', status: 'qualified', statusChangedAt: ago(3 * D), createdAt: ago(60 * D), score: 40, conversionProbability: 0.4,
    dealValue: null, predictedValue: null, timezone: 'UTC', activities: [], messages: [], events: [], latestScore: null, ...over,
  };
}
const msg = (over: Partial<MessageSnap> & Pick<MessageSnap, 'direction' | 'at'>): MessageSnap =>
  ({ id: id(), channel: 'email', subject: null, sentiment: null, intent: null, intentConfidence: null, signals: [], competitors: [], content: null, ...over });
const activity = (type: string, at: Date): ActivitySnap => ({ id: id(), type, subject: `${type} logged`, outcome: null, at, sentiment: null, intent: null, signals: [] });

function stats(over: Partial<OrgStats> = {}): OrgStats {
  return {
    computedAt: NOW, timezone: 'UTC', statusDays: {}, hourOfWeek: { sent: new Array<number>(168).fill(2), replied: new Array<number>(168).fill(1) }, content: [], decided: 0, won: 0,
    engagement: { totals: { inbound_message: 50, meeting: 10, call: 20, other_activity: 20, form_submit: 10, email_click: 20, page_view: 200, email_open: 100 }, activeLeads: 100 },
    pricingViewsPerLeadDay: 0.02, valueP75: 50_000, engagedDecided: 0, engagedWon: 0, recentContactHours: 48, calibration: null, priority: fixedScale(), ...over,
  };
}

const purchase = () => msg({ direction: 'inbound', at: ago(3 * H), intentConfidence: 0.8, signals: [{ signal: 'purchase_intent', evidence: 'ready to sign' }] });
const action = (l: LeadSnapshot, s = stats()) => evaluateLead(l, s, NOW).candidates.find((c) => c.type === 'next_best_action');

describe('no contact suggested that the timeline shows just happened', () => {
  it('"Call … now" on a fresh purchase signal, but not after a call logged twenty minutes ago', () => {
    expect(action(lead({ messages: [purchase()] }))).toMatchObject({ reason: 'call_now' });
    const called = action(lead({ messages: [purchase()], activities: [activity('call', ago(20 * 60_000))] }));
    expect(called?.reason).not.toBe('call_now');
    expect(called?.title ?? '').not.toMatch(/^Call/);
  });

  it('a call older than the window, or a window set shorter, brings "Call … now" back', () => {
    expect(action(lead({ messages: [purchase()], activities: [activity('call', ago(3 * D))] }))).toMatchObject({ reason: 'call_now' });
    expect(action(lead({ messages: [purchase()], activities: [activity('call', ago(2 * H))] }), stats({ recentContactHours: 1 }))).toMatchObject({ reason: 'call_now' });
    // The lead rang us (an inbound phone conversation): that call just happened too.
    expect(action(lead({ messages: [purchase(), msg({ direction: 'inbound', channel: 'phone', at: ago(H) })] }))?.reason).not.toBe('call_now');
  });

  it('no re-engagement right after an email went out; the passed-over action is said', () => {
    const events = Array.from({ length: 20 }, (_, i) => ({ id: id(), type: 'page_view', name: '/features', path: '/features', contentKey: 'page:/features', at: ago((20 + i * 3) * D) }));
    expect(action(lead({ events }))).toMatchObject({ reason: 're_engage' });
    const emailed = lead({ events, messages: [msg({ direction: 'outbound', at: ago(5 * H) })] });
    expect(action(emailed)).toBeUndefined();
    // The score's own "Call today" is not repeated on a lead just called.
    const pricing = msg({ direction: 'inbound', at: ago(3 * H), intentConfidence: 0.8, signals: [{ signal: 'pricing_interest', evidence: 'what would 40 seats cost' }] });
    const scored = lead({ messages: [pricing], status: 'qualified', activities: [activity('call', ago(H))], latestScore: { score: 70, at: ago(H), explanation: [], recommendations: [{ action: 'Call today', reason: 'x', priority: 'high' }, { action: 'Send a tailored quote', reason: 'y', priority: 'high' }] } });
    const a = action(scored);
    expect(a).toMatchObject({ reason: 'send_proposal' });
    expect((a!.data as { score_recommendations: { action: string }[] }).score_recommendations.map((r) => r.action)).toEqual(['Send a tailored quote']);
    expect((a!.data as { passed_over: { action: string }[] }).passed_over).toEqual([expect.objectContaining({ action: 'call_now', kind: 'call' })]);
  });
});

describe('confidence is the share of such insights that came true', () => {
  it('fits a non-decreasing curve (pool-adjacent violators)', () => {
    const steps = isotonic([{ raw: 0.1, hit: true }, { raw: 0.2, hit: false }, { raw: 0.3, hit: false }, { raw: 0.9, hit: true }]);
    const rates = steps.map((s) => s.hits / s.n);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(steps.reduce((a, s) => a + s.n, 0)).toBe(4);
  });

  it('a kind that says 0.95 but came true 30 % of the time is brought to about 0.3', () => {
    const rand = (() => { let x = 7; return () => ((x = (x * 48271) % 2147483647) / 2147483647); })();
    const obs = Array.from({ length: 600 }, () => ({ kind: 'buying_signal:conversation_signals', claim: 'won' as const, raw: 0.9 + 0.09 * rand(), won: rand() < 0.3 }));
    const cal = fitCalibration(obs, 2000, 600, 7);
    const raw: Candidate = { type: 'buying_signal', reason: 'conversation_signals', title: 't', description: 'd', confidence: 0.95, priority: 'urgent', data: {}, expiresAt: NOW };
    const c = calibrate(raw, cal);
    expect(c.confidence).toBeGreaterThan(0.24);
    expect(c.confidence).toBeLessThan(0.36);
    expect(c.data).toMatchObject({ confidence_basis: { method: 'isotonic', claim: 'won', raw_confidence: 0.95 } });
    // A churn risk claims the deal is lost: right when it was.
    const churn = fitCalibration(Array.from({ length: 300 }, (_, i) => ({ kind: 'churn_risk:stalled', claim: 'lost' as const, raw: 0.8, won: i % 10 === 0 })), 1000, 300, 7);
    expect(calibrate({ ...raw, type: 'churn_risk', reason: 'stalled:proposal' }, churn).confidence).toBeGreaterThan(0.8);
    expect(kindOf({ type: 'churn_risk', reason: 'stalled:proposal' })).toBe('churn_risk:stalled');
  });

  it('a kind never seen on a decided lead gets the base rate of its claim; no decided lead leaves it as it is', () => {
    const cal = fitCalibration([], 1000, 250, 7);
    const raw: Candidate = { type: 'competitive_threat', reason: 'competitor:globex', title: 't', description: 'd', confidence: 0.85, priority: 'high', data: {}, expiresAt: NOW };
    expect(calibrate(raw, cal).confidence).toBe(0.75);
    expect(calibrate(raw, null).confidence).toBe(0.85);
    // The contact time makes no claim about the outcome: its own confidence stays.
    expect(calibrate({ ...raw, type: 'optimal_contact_time', reason: 'best_window' }, cal).confidence).toBe(0.85);
  });
});

describe('priority from expected impact, spread over the organization', () => {
  it('only the top few per cent of leads are urgent, and a valuable likely lead outranks a cheap unlikely one', () => {
    const rand = (() => { let x = 11; return () => ((x = (x * 48271) % 2147483647) / 2147483647); })();
    const leads = Array.from({ length: 1000 }, () => lead({ conversionProbability: rand() * 0.8, dealValue: 5_000 + 95_000 * rand() ** 3 }));
    const raw: Candidate = { type: 'buying_signal', reason: 'conversation_signals', title: 't', description: 'd', confidence: 0.5, priority: 'urgent', data: {}, expiresAt: NOW };
    // Impacts of a first sweep on the fixed scale give the quantiles of the next.
    const first = leads.map((l) => prioritise(raw, l, fixedScale(30_000)));
    const impacts = first.map((c) => (c.data as { priority_basis: { impact: number } }).priority_basis.impact).sort((a, b) => a - b);
    const q = (p: number) => impacts[Math.floor(p * (impacts.length - 1))]!;
    const scale = scaleFrom(30_000, { n: impacts.length, urgent: q(0.97), high: q(0.85), medium: q(0.5) });
    const priorities = leads.map((l) => prioritise(raw, l, scale).priority);
    const share = (p: string) => priorities.filter((x) => x === p).length / priorities.length;
    expect(share('urgent')).toBeGreaterThan(0);
    expect(share('urgent')).toBeLessThanOrEqual(0.04);
    expect(share('urgent') + share('high')).toBeLessThanOrEqual(0.16);
    expect(share('low')).toBeGreaterThan(0.4);
    const rich = prioritise(raw, lead({ conversionProbability: 0.7, dealValue: 100_000 }), scale);
    const poor = prioritise(raw, lead({ conversionProbability: 0.05, dealValue: 5_000 }), scale);
    expect(rich.priority).toBe('urgent');
    expect(poor.priority).toBe('low');
    expect(priorityOf(0, scale)).toBe('low');
  });

  it('with few leads, fixed thresholds; the same urgent signal on an unlikely lead is not urgent', () => {
    expect(scaleFrom(null, { n: 5, urgent: 0.01, high: 0.005, medium: 0.001 }).n).toBe(0);
    expect(action(lead({ messages: [purchase()], conversionProbability: 0.9 }))).toMatchObject({ priority: 'urgent' });
    expect(action(lead({ messages: [purchase()], conversionProbability: 0.05 }))?.priority).not.toBe('urgent');
  });
});

describe('content that does not discriminate is no insight', () => {
  it('a page whose readers win no more often than readers of anything is not recommended', () => {
    // 40 % of all decided leads won; 60 % of those who read anything; 62 % of this page's readers.
    const content = [{ key: 'page:/blog/roi', label: 'ROI guide', decided: 400, won: 248 }];
    const s = stats({ decided: 2000, won: 800, engagedDecided: 1200, engagedWon: 720, content });
    expect(detectContent(lead(), s, NOW)).toBeNull();
    // Against everyone (the old baseline) the same page looked like a 1.5× winner.
    expect(detectContent(lead(), stats({ decided: 2000, won: 800, content }), NOW)).not.toBeNull();
    // A page that does discriminate still is.
    const strong = stats({ decided: 2000, won: 800, engagedDecided: 1200, engagedWon: 720, content: [{ key: 'page:/customers/acme', label: 'Acme case study', decided: 100, won: 92 }] });
    expect(detectContent(lead(), strong, NOW)).toMatchObject({ reason: 'content:page:/customers/acme' });
  });

  it('a recommendation kind that came true no more often than the base rate on decided leads is not raised', () => {
    const content = [{ key: 'page:/customers/acme', label: 'Acme case study', decided: 100, won: 92 }];
    const replays = (won: number) => Array.from({ length: 200 }, (_, i) => ({ kind: 'content_recommendation:content', claim: 'won' as const, raw: 0.99, won: i < won }));
    const flat = stats({ decided: 2000, won: 600, content, calibration: fitCalibration(replays(60), 2000, 600, 7) });
    const rec = (s: OrgStats) => evaluateLead(lead(), s, NOW).candidates.find((c) => c.type === 'content_recommendation');
    expect(detectContent(lead(), flat, NOW)).not.toBeNull();
    expect(rec(flat)).toBeUndefined();
    // Readers of the recommended pieces won half the time against 30 %: kept, at that confidence.
    const useful = stats({ decided: 2000, won: 600, content, calibration: fitCalibration(replays(100), 2000, 600, 7) });
    expect(rec(useful)?.confidence).toBeGreaterThan(0.4);
  });

  it('a blog post read by the most engaged leads wins no more than leads who read as much: not raised', () => {
    // 43 % of its readers won against 31 % of readers of anything — but its readers read a lot,
    // and leads who read as much won 42 % of the time.
    const post = { key: 'page:/blog/pipeline-forecasting', label: 'Pipeline forecasting', decided: 184, won: 79 };
    const s = stats({ decided: 2042, won: 613, engagedDecided: 1597, engagedWon: 500, content: [{ ...post, expected: 77 }] });
    expect(detectContent(lead(), s, NOW)).toBeNull();
    expect(detectContent(lead(), stats({ decided: 2042, won: 613, engagedDecided: 1597, engagedWon: 500, content: [post] }), NOW)).not.toBeNull();
    // Readers who won far more than leads who read as much: raised, against that matched rate.
    const c = detectContent(lead(), stats({ decided: 2042, won: 613, content: [{ ...post, won: 120, expected: 60 }] }), NOW);
    expect(c).toMatchObject({ data: { base_win_rate: 0.326, baseline: 'decided leads that engaged with as many pieces' } });
  });
});
