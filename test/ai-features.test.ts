import { describe, expect, it } from 'vitest';
import { inferCustomFieldKind } from '../src/ai/features/custom-fields.ts';
import { describe as describeFeature, explain, pointsPerLogit, recommend, subScores } from '../src/ai/features/explain.ts';
import { learnSegmentDealValues, predictSegmentDealValues } from '../src/ai/features/deal-value-segments.ts';
import { encodeLeads, learnFeatureSpace, OTHER } from '../src/ai/features/feature-space.ts';
import { emailKind, phonePlausible, titleFunction, titleSeniority } from '../src/ai/features/lead-profile.ts';
import type { LeadSignals } from '../src/ai/features/signals.ts';
import { FUNCTIONS, TITLES } from '../src/modules/demo/demo.content.ts';

const asOf = new Date('2026-06-01T00:00:00Z');
function lead(over: Partial<LeadSignals> = {}): LeadSignals {
  return {
    asOf, createdAt: new Date('2026-05-01T00:00:00Z'), jobTitle: null, email: null, phone: null, company: null, country: null, source: null, campaign: null,
    customFields: {}, nextFollowUpAt: null,
    journey: { pageViews: 0, pageViewsRecent: 0, pricingViews: 0, pricingViewsRecent: 0, demoViews: 0, contactViews: 0, formSubmits: 0, demoRequests: 0, emailOpens: 0, emailClicks: 0, sessions: 0, lastAt: null },
    activities: { calls: 0, emails: 0, meetings: 0, other: 0, lastAt: null, buyingSignals: 0, sentiment: null },
    conversations: { inbound: 0, outbound: 0, replies: 0, replyHours: null, firstInboundAt: null, lastAt: null, analysed: 0, sentiment: null, sentimentTrend: null, positive: 0, negative: 0, intents: {}, buyingSignals: 0 },
    ...over,
  };
}

describe('lead profile features', () => {
  it('reads seniority and function from free-text titles', () => {
    const cases: [string, string, string][] = [
      ['Chief Revenue Officer', 'c_level', 'sales'], ['Founder & CEO', 'c_level', 'executive'], ['VP of Sales', 'vp', 'sales'],
      ['Head of Marketing', 'vp', 'marketing'], ['Sr. Director, Finance', 'director', 'finance'], ['Director of IT', 'director', 'it'],
      ['Sales Manager', 'manager', 'sales'], ['Account Executive', 'individual', 'sales'], ['Marketing Intern', 'student', 'marketing'],
      ['Software Engineer', 'individual', 'engineering'], ['', 'unknown', 'unknown'], ['Wizard', 'unknown', 'other'],
    ];
    for (const [title, seniority, fn] of cases) {
      expect(titleSeniority(title), title).toBe(seniority);
      expect(titleFunction(title), title).toBe(fn);
    }
  });

  it('places every title the demo generator writes at its true seniority', () => {
    for (const [level, templates] of Object.entries(TITLES)) {
      for (const template of templates) for (const f of FUNCTIONS) {
        const title = template.replace('{f}', f);
        expect(titleSeniority(title), title).toBe(level);
      }
    }
  });

  it('tells corporate, free, disposable, role, invalid and missing addresses apart', () => {
    expect(emailKind('ada@engine.co.uk')).toBe('corporate');
    expect(emailKind('Ada.Lovelace@GMAIL.com')).toBe('free');
    expect(emailKind('x@mailinator.com')).toBe('disposable');
    expect(emailKind('info@acme.com')).toBe('role');
    expect(emailKind('ada@engine')).toBe('invalid');
    expect(emailKind('not an email')).toBe('invalid');
    expect(emailKind(null)).toBe('missing');
  });

  it('judges phone numbers by their digits', () => {
    expect(phonePlausible('+44 20 7946 0000')).toBe(1);
    expect(phonePlausible('(555) 010-0100 ext. 12')).toBe(1);
    expect(phonePlausible('12345')).toBe(0);
    expect(phonePlausible('0000000000')).toBe(0);
    expect(phonePlausible('call me maybe')).toBe(0);
    expect(phonePlausible('')).toBeNaN();
  });
});

describe('custom fields become typed features', () => {
  it('infers numeric, boolean, date and category fields, and ignores ids and free text', () => {
    expect(inferCustomFieldKind([12, '1,200', '3.5', null, 7])).toBe('numeric');
    expect(inferCustomFieldKind(['yes', 'no', 'Yes', true, ''])).toBe('boolean');
    expect(inferCustomFieldKind(['2026-01-02', '2025-12-31T10:00:00Z', null])).toBe('date');
    expect(inferCustomFieldKind(['retail', 'software', 'retail', 'health'])).toBe('category');
    expect(inferCustomFieldKind(Array.from({ length: 200 }, (_, i) => `id-${i}`))).toBe('ignored');
    expect(inferCustomFieldKind([{ a: 1 }, { b: 2 }])).toBe('ignored');
    expect(inferCustomFieldKind([null, undefined, ''])).toBe('ignored');
  });

  it('learns a space once and encodes any lead in it: rare and unseen categories pool, missing stays missing', () => {
    const train = Array.from({ length: 60 }, (_, i) =>
      lead({
        source: i % 2 === 0 ? 'referral' : i === 1 ? 'carrier pigeon' : 'webinar',
        jobTitle: i % 3 === 0 ? 'VP Sales' : null,
        customFields: { employees: String(10 * i), opted_in: i % 2 === 0 ? 'yes' : 'no', signed_up: '2026-05-21', industry: i % 4 === 0 ? 'Retail' : 'Software', row_id: `r${i}` },
      }),
    );
    const space = learnFeatureSpace(train);
    expect(learnFeatureSpace(train)).toEqual(space);
    const names = space.features.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['title_seniority', 'source', 'pricing_views', 'lead_age_days', 'reply_rate', 'cf:employees', 'cf:opted_in', 'cf:signed_up', 'cf:industry']));
    expect(names).not.toContain('cf:row_id');
    const source = space.features.find((f) => f.name === 'source')!;
    expect(source.categories).toEqual(['referral', 'webinar', OTHER]);
    const encoded = encodeLeads(space, [
      lead({ source: 'carrier pigeon', customFields: { employees: '1,500', opted_in: 'YES', signed_up: '2026-05-22', industry: 'Mining' } }),
      lead({ source: null }),
    ]);
    const col = (name: string) => encoded.columns[names.indexOf(name)]!;
    expect(col('source')[0]).toBe(2);
    expect(col('source')[1]).toBeNaN();
    expect(col('cf:employees')[0]).toBe(1500);
    expect(col('cf:opted_in')[0]).toBe(1);
    expect(col('cf:signed_up')[0]).toBe(10);
    expect(col('cf:industry')[0]).toBe(space.features.find((f) => f.name === 'cf:industry')!.categories!.indexOf(OTHER));
    expect(col('lead_age_days')[0]).toBe(31);
    expect(col('reply_rate')[0]).toBeNaN();
    expect(col('title_seniority')[1]).toBeNaN();
  });
});

describe('explanations in points and words', () => {
  const space = learnFeatureSpace([lead()]);
  const defs = space.features;
  const s = lead({
    jobTitle: 'VP of Sales', email: 'ana@gmail.com', nextFollowUpAt: new Date('2026-05-29T00:00:00Z'),
    journey: { ...lead().journey, pricingViews: 3, pricingViewsRecent: 2.6, lastAt: new Date('2026-05-30T00:00:00Z') },
  });

  it('turns log-odds contributions into points that add up exactly to the distance from the base score', () => {
    const contributions: number[] = defs.map((_, i) => (i % 5 === 0 ? 0.4 : i % 7 === 0 ? -0.3 : 0));
    const base = -1.2;
    const logit = base + contributions.reduce((a, b) => a + b, 0);
    const scale = pointsPerLogit(base, logit);
    const total = contributions.reduce((a, c) => a + c * scale, 0);
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    expect(total).toBeCloseTo(100 * (sigmoid(logit) - sigmoid(base)), 9);
    // Close to the base the scale is the curve's slope.
    expect(pointsPerLogit(0, 1e-12)).toBeCloseTo(25, 6);
    const factors = explain(defs, contributions, base, logit, s);
    expect(factors.length).toBeGreaterThan(0);
    expect(Math.abs(factors[0]!.points)).toBeGreaterThanOrEqual(Math.abs(factors[factors.length - 1]!.points));
    const sub = subScores(defs, contributions);
    expect(Object.keys(sub).sort()).toEqual(['behavioral', 'conversational', 'demographic', 'temporal']);
    expect(Object.values(sub).every((v) => v !== null && v >= 0 && v <= 100)).toBe(true);
  });

  it('says what it means in words a salesperson uses', () => {
    const d = (name: string) => describeFeature(defs.find((f) => f.name === name)!, s);
    expect(d('pricing_views')).toBe('Visited the pricing page 3 times');
    expect(d('title_seniority')).toBe('VP of Sales (VP level)');
    expect(d('email_kind')).toBe('Personal email address (gmail.com)');
    expect(d('follow_up_overdue_days')).toBe('Follow-up overdue by 3 days');
    // The tone sentence reads the same source as the feature: messages first, else calls.
    const tone = (over: Partial<LeadSignals>) => describeFeature(defs.find((f) => f.name === 'sentiment')!, lead(over));
    expect(tone({})).toBe('Tone not analysed yet');
    expect(tone({ activities: { ...lead().activities, calls: 1, sentiment: 0.84 } })).toBe('Calls sound positive');
    expect(tone({ conversations: { ...lead().conversations, analysed: 2, sentiment: -0.5 }, activities: { ...lead().activities, sentiment: 0.84 } })).toBe('Replies sound negative');
  });

  it('recommends concrete next actions from the state of the lead', () => {
    const actions = recommend(s, [], 72).map((r) => r.action);
    expect(actions[0]).toBe('Do the overdue follow-up now');
    expect(actions).toContain('Call about pricing this week');
    expect(actions).toContain('Call today');
    expect(recommend(lead(), [], 10).length).toBeGreaterThan(0);
  });
});

describe('deal size by segment (the model stored before the regression)', () => {
  it('groups won deals by the fit feature that explains their size best, and shrinks small groups', () => {
    const won = Array.from({ length: 80 }, (_, i) => lead({ customFields: { segment: i % 2 === 0 ? 'enterprise' : 'smb', colour: ['red', 'blue'][i % 3 === 0 ? 0 : 1] } }));
    const values = won.map((_, i) => (i % 2 === 0 ? 50_000 : 5_000) * (1 + (i % 5) / 20));
    const space = learnFeatureSpace(won);
    const model = learnSegmentDealValues(encodeLeads(space, won), values);
    expect(model.feature).toBe('cf:segment');
    expect(model.explained).toBeGreaterThan(0.9);
    const [big, small, unknown] = predictSegmentDealValues(model, encodeLeads(space, [
      lead({ customFields: { segment: 'enterprise' } }), lead({ customFields: { segment: 'smb' } }), lead(),
    ]));
    expect(big!).toBeGreaterThan(40_000);
    expect(small!).toBeLessThan(8_000);
    expect(unknown).toBe(model.overall);
    expect(predictSegmentDealValues(learnSegmentDealValues(encodeLeads(space, []), []), encodeLeads(space, [lead()]))).toEqual([null]);
  });
});
