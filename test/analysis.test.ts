import { beforeAll, describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';
import { until } from './helpers/wait.ts';

// Workers on: analysis and rescoring run in the background, as in production.
const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
let org: Awaited<ReturnType<typeof Client.signup>>;

beforeAll(async () => {
  org = await Client.signup(url, 'Analysis Co');
  await org.client.patch('/api/v1/organization', { settings: { competitors: ['Salesforce'], products: ['Pro plan'] } });
});

describe(`conversation analysis in the background (${MODE})`, () => {
  it('analyses a new message: sentiment, intent, topics, entities, buying signals; then rescores its lead', async () => {
    const lead = (await org.client.post('/api/v1/leads', { first_name: 'Ana', last_name: 'Silva', email: 'ana@acme.example' })).body.id as string;
    const first = await until('the first score', async () => { const s = (await org.client.get(`/api/v1/leads/${lead}/score`)).body; return s.scored_at ? s : null; });
    const text = 'Hi Sam,\n\nGreat news: we are ready to move forward with 20 seats of the Pro plan. Can you send the contract by next Friday? Budget of $12,000 is approved.\nWe compared it with Salesforce and yours is a better fit.\n\nBest regards,\nAna Silva\n\nOn Mon, 2 Nov 2026, Sam wrote:\n> Are you still evaluating? This is terrible timing, sorry.';
    const posted = await org.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Re: proposal', content: text });
    expect(posted.status).toBe(201);
    const analysed = await until('the analysis', async () => {
      const list = (await org.client.get(`/api/v1/leads/${lead}/conversations`)).body.data as { id: string; analyzed_at: string | null }[];
      return list.find((c) => c.id === posted.body.id && c.analyzed_at) as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
    });
    expect(analysed.sentiment.label).toBe('positive');
    expect(analysed.intent.primary_intent).toBe('purchase');
    expect(analysed.entities).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'money', value: { amount: 12000, currency: 'USD' } }),
      expect.objectContaining({ type: 'competitor', text: 'Salesforce' }),
      expect.objectContaining({ type: 'product', text: 'Pro plan' }),
      expect.objectContaining({ type: 'date' }),
    ]));
    expect(analysed.topics).toEqual(expect.arrayContaining([{ kind: 'category', name: 'competitor' }]));
    expect((analysed.metadata.buying_signals as unknown[]).length).toBeGreaterThan(0);
    // The analysis changed the conversation: the lead is rescored with the tone and intent in it.
    // Posting the message rescores the lead at once (one more inbound message); the rescore
    // that follows the analysis is the one that reads its tone: wait for that one.
    const after = await until('the rescore after the analysis', async () => {
      const s = (await org.client.get(`/api/v1/leads/${lead}/score`)).body;
      // The tone features are one line ('tone') when more than one of them moves the score.
      return s.explanation.some((f: { feature: string }) => f.feature === 'sentiment' || f.feature === 'tone') ? s : null;
    });
    expect(after.score).toBeGreaterThan(first.score);
    expect(after.explanation.map((f: { feature: string; text: string }) => f.text).join(' | ')).toMatch(/Replies sound positive/);
  });

  it('analyses a message again when its text changes', async () => {
    const lead = (await org.client.post('/api/v1/leads', { first_name: 'Bo', last_name: 'Berg', email: 'bo@berg.example' })).body.id as string;
    const posted = await org.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'inbound', channel: 'email', content: 'Thanks, this looks great and we love the demo!' });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const conv = posted.body.id as string;
    const get = async () => ((await org.client.get(`/api/v1/leads/${lead}/conversations`)).body.data as Record<string, any>[]).find((c) => c.id === conv)!; // eslint-disable-line @typescript-eslint/no-explicit-any
    await until('the first analysis', async () => ((await get()).analyzed_at ? true : null));
    expect((await get()).sentiment.label).toBe('positive');
    await org.client.patch(`/api/v1/conversations/${conv}`, { content: 'This is unacceptable. The product broke twice this week and nobody answered our tickets. Cancel our trial.' });
    const again = await until('the second analysis', async () => { const c = await get(); return c.analyzed_at && c.sentiment.label === 'negative' ? c : null; });
    expect(['complaint', 'unsubscribe']).toContain(again.intent.primary_intent);
  });

  it('analyses activities too, and again when their text changes', async () => {
    const lead = (await org.client.post('/api/v1/leads', { first_name: 'Cy', last_name: 'Call', email: 'cy@call.example' })).body.id as string;
    const posted = await org.client.post(`/api/v1/leads/${lead}/activities`, {
      type: 'call', subject: 'Call with Cy', description: 'Great call. They love the product and want to move forward; asked us to send the contract this week.', outcome: 'connected', completed_at: new Date().toISOString(),
    });
    expect(posted.status).toBe(201);
    const id = posted.body.id as string;
    const get = async () => ((await org.client.get(`/api/v1/leads/${lead}/activities`)).body.data as Record<string, any>[]).find((a) => a.id === id)!; // eslint-disable-line @typescript-eslint/no-explicit-any
    const first = await until('the activity analysis', async () => { const a = await get(); return a.analyzed_at ? a : null; });
    expect(first.sentiment_score).toBeGreaterThan(0.2);
    expect(first.buying_signals.length).toBeGreaterThan(0);
    await org.client.patch(`/api/v1/activities/${id}`, { description: 'Terrible call. They are furious about the outage and will not renew.' });
    const again = await until('the second activity analysis', async () => { const a = await get(); return a.analyzed_at && a.sentiment_score < 0 ? a : null; });
    expect(again.sentiment_score).toBeLessThan(0);
  });
});
