import { describe, expect, it } from 'vitest';
import { analyzeActivity, analyzeMessage, bayesFeatures, DEFAULT_MODEL, extractEntities, htmlToText, INTENTS, parseMoney, scoreSentiment, stripQuotedReply, trainNaiveBayes, type Intent } from '../src/ai/nlp/index.ts';
import { evaluate, evaluateGeneral, loadGeneral, loadMessages } from '../bench/nlp-eval.ts';

const sentAt = new Date('2026-11-25T10:00:00Z'); // a Wednesday
const analyze = (text: string, extra: Partial<Parameters<typeof analyzeMessage>[0]> = {}) => analyzeMessage({ text, sentAt, ...extra });

describe('quoted history and signatures', () => {
  it('strips "On … wrote:" history and "> " lines, keeping offsets', () => {
    const text = 'Sounds good, send the contract.\n\nOn Mon, Nov 23, 2026 at 9:00 AM Sam <sam@x.com> wrote:\n> This is terrible, we hate it.';
    const s = stripQuotedReply(text);
    expect(s.reply).toBe('Sounds good, send the contract.');
    expect(s.masked).toHaveLength(text.length);
    expect(s.quoted[0]!.start).toBe(text.indexOf('On Mon'));
  });

  it('strips Outlook "From: … Sent: …" blocks and -----Original Message-----', () => {
    const outlook = 'Approved on our side.\n\nFrom: Marek Novak\nSent: Wednesday, 22 April 2026 08:41\nTo: Jürgen\nSubject: quote\n\nI am disappointed.';
    expect(stripQuotedReply(outlook).reply).toBe('Approved on our side.');
    const original = 'Fine by me.\n-----Original Message-----\nFrom: A\nAwful service.';
    expect(stripQuotedReply(original).reply).toBe('Fine by me.');
  });

  it('separates signatures: "--", "Best regards, Name", "Sent from my iPhone", multilingual sign-offs', () => {
    expect(stripQuotedReply('Call me tomorrow.\n-- \nAnna Berg\nCEO').reply).toBe('Call me tomorrow.');
    expect(stripQuotedReply('Call me tomorrow.\n\nBest regards,\nAnna Berg\nAcme Ltd').reply).toBe('Call me tomorrow.');
    expect(stripQuotedReply('Yes, go ahead.\n\nSent from my iPhone').reply).toBe('Yes, go ahead.');
    expect(stripQuotedReply('Bitte senden Sie das Angebot.\n\nMit freundlichen Grüßen\nJonas Weber').reply).toBe('Bitte senden Sie das Angebot.');
    const s = stripQuotedReply('Thanks for the quick reply.\n\nCheers,\nTom');
    expect(s.signature).not.toBeNull();
    expect(s.reply).toBe('Thanks for the quick reply.');
  });

  it('does not let a hostile quote decide a friendly reply (and vice versa)', () => {
    const friendly = analyze('We loved the demo and are ready to move forward!\n\nOn Tue, Mar 3, 2026, Sam wrote:\n> Please unsubscribe me, this is terrible and unacceptable.');
    expect(friendly.sentiment.label).toBe('positive');
    expect(friendly.intent.primary_intent).toBe('purchase');
    const hostile = analyze('This is unacceptable. We were charged twice and nobody has responded.\n\n> Hi! Great to hear you love the product, thanks so much!');
    expect(hostile.sentiment.label).toBe('negative');
    expect(hostile.intent.primary_intent).toBe('complaint');
  });

  it('turns HTML e-mail bodies into text with blockquotes as quotes', () => {
    const text = htmlToText('<p>Looks great, please send the order form.</p><blockquote>We are not interested.</blockquote>');
    expect(stripQuotedReply(text).reply).toBe('Looks great, please send the order form.');
  });
});

describe('sentiment', () => {
  it('handles negation', () => {
    expect(scoreSentiment('We are not interested.').label).toBe('negative');
    expect(scoreSentiment('Honestly, not bad at all.', { business: false }).label).toBe('positive');
    expect(scoreSentiment('The onboarding was not good.', { business: false }).label).toBe('negative');
  });

  it('reads sarcasm markers: praise next to one means its opposite', () => {
    expect(scoreSentiment('Oh great, another delay on the rollout.').label).toBe('negative');
    expect(scoreSentiment('Yeah right, like that will ship on time.').label).toBe('negative');
    expect(scoreSentiment('Wonderful, another invoice error.').label).toBe('negative');
    expect(scoreSentiment('Sure, that went really well /s').label).toBe('negative');
    expect(scoreSentiment('Love the new dashboard 🙄').label).toBe('negative');
    // The same words without a marker stay positive.
    expect(scoreSentiment('Great job team, the demo was excellent!').label).toBe('positive');
    expect(scoreSentiment('Thanks for the quick reply, looks great.').label).toBe('positive');
  });

  it('handles intensifiers', () => {
    const plain = scoreSentiment('The demo was good.').overall;
    expect(scoreSentiment('The demo was very good.').overall).toBeGreaterThan(plain);
    expect(scoreSentiment('The demo was extremely good!').overall).toBeGreaterThan(scoreSentiment('The demo was very good.').overall);
  });

  it('weighs the clause after "but"', () => {
    expect(scoreSentiment('The product is great, but the price is terrible and unacceptable.').label).toBe('negative');
    expect(scoreSentiment('The setup was painful, but the team is amazing and we love it.').label).toBe('positive');
    expect(scoreSentiment('Although the first act is slow, the ending is brilliant.', { business: false }).label).toBe('positive');
  });

  it('returns a score in [-1, 1], a confidence and all eight emotions', () => {
    const s = scoreSentiment('I am furious and disappointed, this is a disaster!');
    expect(s.overall).toBeGreaterThanOrEqual(-1);
    expect(s.overall).toBeLessThan(-0.5);
    expect(s.confidence).toBeGreaterThan(0);
    expect(Object.keys(s.emotions).sort()).toEqual(['anger', 'anticipation', 'disgust', 'fear', 'joy', 'sadness', 'surprise', 'trust']);
    expect(s.emotions.anger).toBeGreaterThan(0);
  });

  it('copes with empty and huge messages', () => {
    expect(analyze('').sentiment.label).toBe('neutral');
    expect(analyze('').intent.primary_intent).toBe('other');
    const huge = analyze('We love it. '.repeat(20_000));
    expect(huge.sentiment.label).toBe('positive');
  });
});

describe('intent', () => {
  const cases: [Intent, string][] = [
    ['purchase', "We're ready to move forward - please send over the order form and we'll sign this week."],
    ['pricing_inquiry', 'How much does the Business plan cost for 25 users? Any discount for annual billing?'],
    ['demo_request', 'Could we book a demo for my team next week?'],
    ['meeting_scheduling', 'Does Tuesday at 3pm work for a quick call? Happy to send a calendar invite.'],
    ['information_request', 'Does your platform integrate with SAP? Could you send the API documentation?'],
    ['objection', "Thanks, but it's too expensive for us and we already use another tool."],
    ['complaint', 'This is unacceptable - we were charged twice and nobody has responded to my emails.'],
    ['support', "I can't log in since this morning, I get an error after entering my password."],
    ['unsubscribe', 'Please remove me from your mailing list.'],
    ['out_of_office', 'I am out of the office until Monday with limited access to email.'],
    ['other', 'Thanks, received. I forwarded it to our finance team.'],
  ];
  it.each(cases)('%s', (intent, text) => {
    expect(analyze(text).intent.primary_intent).toBe(intent);
  });

  it('derives urgency from words, deadlines and dates', () => {
    expect(analyze('Our production is down, we need help ASAP.').intent.urgency).toBe('high');
    expect(analyze('Please send the quote by tomorrow.').intent.urgency).toBe('high');
    expect(analyze('Could we talk next Friday about pricing?').intent.urgency).toBe('medium');
    expect(analyze('We might look at this again in the spring.').intent.urgency).toBe('low');
  });
});

describe('entities', () => {
  const find = (text: string, type: string, extra = {}) => extractEntities(text, { sentAt, ...extra }).filter((e) => e.type === type);

  it('reads money with its currency', () => {
    expect(parseMoney('$12k')).toEqual({ amount: 12_000, currency: 'USD' });
    expect(parseMoney('€4.500,00')).toEqual({ amount: 4500, currency: 'EUR' });
    expect(parseMoney('12,000 USD')).toEqual({ amount: 12_000, currency: 'USD' });
    expect(parseMoney('£2,340.50')).toEqual({ amount: 2340.5, currency: 'GBP' });
    const money = find('Budget is $12k, the quote was €4.500,00 and the renewal 12,000 USD.', 'money');
    expect(money.map((m) => m.text)).toEqual(['$12k', '€4.500,00', '12,000 USD']);
    expect(money[1]!.value).toEqual({ amount: 4500, currency: 'EUR' });
  });

  it('resolves relative dates against sentAt', () => {
    const dates = find('Can you deliver next Friday, or at least by end of month? Payment on the 3rd.', 'date');
    expect(dates.map((d) => [d.text, d.value])).toEqual([
      ['next Friday', '2026-12-04'],
      ['end of month', '2026-11-30'],
      ['the 3rd', '2026-12-03'],
    ]);
    expect(find('Let us talk tomorrow.', 'date')[0]!.value).toBe('2026-11-26');
  });

  it('finds phones, e-mails and URLs with exact offsets', () => {
    const text = 'Call me at +1 (415) 555-0134 or 0161 496 0735, mail john@acme.com, see https://acme.com/pricing.';
    const all = extractEntities(text, { sentAt });
    for (const e of all) expect(text.slice(e.start, e.end)).toBe(e.text);
    expect(all.filter((e) => e.type === 'phone').map((e) => e.value)).toEqual(['+14155550134', '+441614960735']);
    expect(all.find((e) => e.type === 'email')!.text).toBe('john@acme.com');
    expect(all.find((e) => e.type === 'url')!.text).toBe('https://acme.com/pricing');
  });

  it("matches the organization's competitors and products", () => {
    const text = 'We compared hubspot and Square, and we like Brightlane CRM. A square meeting room is fine.';
    const e = extractEntities(text, { sentAt, competitors: ['HubSpot', 'Square'], products: ['Brightlane CRM'] });
    expect(e.filter((x) => x.type === 'competitor').map((x) => x.text)).toEqual(['hubspot', 'Square']);
    expect(e.filter((x) => x.type === 'product').map((x) => x.text)).toEqual(['Brightlane CRM']);
  });

  it('finds people and organizations from greetings, sign-offs and legal suffixes', () => {
    const a = analyze('Hi Maya,\n\nPlease send the order form.\n\nBest regards,\nDerek Olsen\nHead of Operations, Tallgrass Analytics Inc.');
    expect(a.entities.filter((e) => e.type === 'person').map((e) => e.text)).toEqual(['Maya', 'Derek Olsen']);
    expect(a.entities.filter((e) => e.type === 'organization').map((e) => e.text)).toEqual(['Tallgrass Analytics Inc.']);
  });
});

describe('buying signals and activities', () => {
  it('reports each signal with its evidence span', () => {
    const text = 'Our CFO approved the budget. We need it live by March and want to add 20 more seats - please send over the contract.';
    const a = analyze(text);
    expect(a.buying_signals.length).toBeGreaterThanOrEqual(3);
    for (const s of a.buying_signals) expect(text.slice(s.start, s.end)).toBe(s.evidence);
    expect(a.buying_signals.map((s) => s.signal)).toEqual(expect.arrayContaining(['contract_request', 'expansion_interest']));
  });

  it('analyses activities from subject, description and outcome', () => {
    const r = analyzeActivity({ subject: 'Call with Dana', description: 'She loved the demo and is ready to move forward.', outcome: 'Send the contract today' });
    expect(r.sentiment_score).toBeGreaterThan(0.3);
    expect(r.intent_detected).toBe('purchase');
    expect(r.buying_signals.length).toBeGreaterThan(0);
    expect(analyzeActivity({ subject: null, description: '', outcome: null })).toEqual({ sentiment_score: 0, intent_detected: null, buying_signals: [] });
  });
});

describe('trained part', () => {
  it('trains deterministically and ships a model for every intent', () => {
    const docs = ['send the contract', 'how much is it', 'send me the price'].map((t) => bayesFeatures(t));
    const a = trainNaiveBayes(docs, ['purchase', 'pricing_inquiry', 'pricing_inquiry'], ['purchase', 'pricing_inquiry']);
    expect(trainNaiveBayes(docs, ['purchase', 'pricing_inquiry', 'pricing_inquiry'], ['purchase', 'pricing_inquiry'])).toEqual(a);
    expect(DEFAULT_MODEL.intent.nb.classes).toEqual([...INTENTS]);
    expect(DEFAULT_MODEL.sentiment.nb.classes).toEqual(['positive', 'neutral', 'negative']);
  });

  it('still works on rules alone (no trained model)', () => {
    expect(analyzeMessage({ text: 'Please remove me from your mailing list.' }, null).intent.primary_intent).toBe('unsubscribe');
  });
});

describe('held-out evaluation (datasets/nlp)', () => {
  // The figures reached on the held-out split when the analyser was frozen; a regression fails here.
  const test = loadMessages().filter((m) => m.split === 'test');
  const e = evaluate(test);
  it('keeps the set large and the split honest', () => {
    expect(loadMessages().length).toBeGreaterThanOrEqual(400);
    expect(test.length / loadMessages().length).toBeGreaterThan(0.3);
  });
  // Reached when frozen: macro-F1 0.875, sentiment 0.825 (the 0.85 target is missed), entity F1 0.934.
  it('intent macro-F1', () => expect(e.macroF1).toBeGreaterThanOrEqual(0.87));
  it('sentiment accuracy', () => expect(e.sentimentAccuracy).toBeGreaterThanOrEqual(0.82));
  it('entity F1', () => expect(e.entity.f1).toBeGreaterThanOrEqual(0.93));
  it('general text: not worse than the VADER-style baseline', () => {
    const g = evaluateGeneral(loadGeneral());
    expect(g.ours).toBeGreaterThanOrEqual(g.baseline);
  });
});
