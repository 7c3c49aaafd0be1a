import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';
import { FakeLlm } from './helpers/fake-llm.ts';
import { until } from './helpers/wait.ts';

/**
 * The LLM provider through the background analysis job, over a real server and database,
 * with a local server speaking the chat-completions protocol in place of the model.
 */
const fake = new FakeLlm();
let fakeUrl = '';
const KEY = 'sk-integration-abcdef0123456789';
beforeAll(async () => {
  fakeUrl = await fake.start();
});
afterAll(async () => fake.stop());

type Org = Awaited<ReturnType<typeof Client.signup>>;
type Conversation = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function postAndAwaitAnalysis(org: Org, content: string): Promise<Conversation> {
  const lead = (await org.client.post('/api/v1/leads', { first_name: 'Ana', last_name: 'Silva', email: `ana-${Math.random().toString(36).slice(2, 8)}@northwind.example` })).body.id as string;
  const posted = await org.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Re: proposal', content });
  expect(posted.status, JSON.stringify(posted.body)).toBe(201);
  return until('the analysis', async () => {
    const list = (await org.client.get(`/api/v1/leads/${lead}/conversations`)).body.data as Conversation[];
    return list.find((c) => c.id === posted.body.id && c.analyzed_at);
  });
}

const message = (marker: string) => `Hi Sam,\n\nWe are ready to sign for 20 seats at Northwind Traders (${marker}). Budget of $12,000 is approved, please send the contract by 2026-12-04.\n\nBest,\nAna Silva`;

describe(`LLM provider configured (${MODE})`, () => {
  const { url, app } = useServer(() => ({ LEADAI_WORKERS: 'true', LEADAI_LLM_BASE_URL: fakeUrl, LEADAI_LLM_MODEL: 'fake-model', LEADAI_LLM_API_KEY: KEY, LEADAI_LLM_TIMEOUT_MS: '2000' }));
  // The timeout is generous for a loaded CI machine; the 'delay' case answers well past it.
  let enabled: Org;
  let disabled: Org;

  beforeAll(async () => {
    enabled = await Client.signup(url, 'LLM On Co');
    disabled = await Client.signup(url, 'LLM Off Co');
    const patched = await enabled.client.patch('/api/v1/organization', { settings: { ai: { llm_enabled: true } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.settings.ai).toEqual({ llm_enabled: true });
  });

  it('validates the switch: a boolean, and no unknown keys under settings.ai', async () => {
    expect((await enabled.client.patch('/api/v1/organization', { settings: { ai: { llm_enabled: 'yes' } } })).status).toBe(400);
    expect((await enabled.client.patch('/api/v1/organization', { settings: { ai: { llm_enabled: true, model: 'gpt-5' } } })).status).toBe(400);
    // Other settings still merge as before.
    expect((await enabled.client.patch('/api/v1/organization', { settings: { competitors: ['Salesforce'] } })).status).toBe(200);
  });

  it('an organization that switched it on gets the LLM analysis, merged with the deterministic entities', async () => {
    fake.reset();
    const c = await postAndAwaitAnalysis(enabled, message('marker-on'));
    expect(c.metadata.analysis).toEqual({ source: 'llm', model: 'fake-model' });
    expect(c.sentiment).toMatchObject({ overall: 0.91, label: 'positive' });
    expect(c.intent).toEqual({ primary_intent: 'purchase', confidence: 0.93, urgency: 'high' });
    expect(c.topics).toEqual(expect.arrayContaining([{ kind: 'phrase', text: 'llm key phrase' }, { kind: 'category', name: 'pricing' }]));
    expect(c.entities).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'money', value: { amount: 12000, currency: 'USD' } }),
      expect.objectContaining({ type: 'date', value: '2026-12-04' }),
      expect.objectContaining({ type: 'organization', text: 'Northwind Traders' }),
    ]));
    const sent = fake.requests.filter((r) => r.input.text.includes('marker-on'));
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent[0]!.body.model).toBe('fake-model');
  });

  it('an organization with the switch off gets the local analysis, and nothing of it is sent', async () => {
    fake.reset();
    const c = await postAndAwaitAnalysis(disabled, message('marker-off'));
    expect(c.metadata.analysis).toEqual({ source: 'local' });
    expect(c.intent.primary_intent).toBe('purchase');
    expect(c.topics).not.toEqual(expect.arrayContaining([{ kind: 'phrase', text: 'llm key phrase' }]));
    expect(fake.requests.some((r) => JSON.stringify(r.body).includes('marker-off'))).toBe(false);
  });

  it('a message edited while the provider answers keeps no analysis of its old text', async () => {
    fake.reset();
    fake.mode = 'delay';
    fake.delayMs = 300;
    const lead = (await enabled.client.post('/api/v1/leads', { first_name: 'Ed', last_name: 'Edit', email: 'ed@edit.example' })).body.id as string;
    const posted = await enabled.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'inbound', channel: 'email', content: message('marker-old-text') });
    await until('the provider asked about the old text', async () => fake.requests.some((r) => r.input.text.includes('marker-old-text')));
    // The request is answered in 300 ms: the edit lands while the provider is busy.
    const edited = await enabled.client.patch(`/api/v1/conversations/${posted.body.id}`, { content: message('marker-new-text') });
    expect(edited.status).toBe(200);
    const c = await until('the analysis of the new text', async () => {
      const list = (await enabled.client.get(`/api/v1/leads/${lead}/conversations`)).body.data as Conversation[];
      const found = list.find((x) => x.id === posted.body.id && x.analyzed_at);
      return found && fake.requests.some((r) => r.input.text.includes('marker-new-text')) ? found : undefined;
    });
    expect(c.content).toContain('marker-new-text');
    expect(c.metadata.analysis).toEqual({ source: 'llm', model: 'fake-model' });
    fake.mode = 'ok';
  });

  it.each([
    ['http_error', 'error500'],
    ['invalid_json', 'garbage'],
    ['timeout', 'delay'],
  ] as const)('falls back to the local analysis on %s, and the job does not fail', async (reason, mode) => {
    fake.reset();
    fake.mode = mode;
    fake.delayMs = 5_000;
    const c = await postAndAwaitAnalysis(enabled, message(`marker-${mode}`));
    expect(c.metadata.analysis).toEqual({ source: 'local', fallback: reason });
    expect(c.sentiment.label).toBe('positive');
    expect(c.intent.primary_intent).toBe('purchase');
    expect(c.topics).not.toEqual(expect.arrayContaining([{ kind: 'phrase', text: 'llm key phrase' }]));
    expect(fake.requests.some((r) => r.input.text.includes(`marker-${mode}`))).toBe(true);
    const jobs = await withTenant(app().database.db, { organizationId: enabled.organizationId }, (tx) =>
      tx.selectFrom('jobs').select(['status', 'attempts', 'last_error']).where('queue', '=', 'analysis.conversations').execute());
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.filter((j) => j.status === 'failed' || j.last_error !== null)).toEqual([]);
    fake.mode = 'ok';
  });
});

describe(`LLM provider not configured (${MODE})`, () => {
  const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));

  it('an organization that switched it on still gets the local analysis, and nothing is sent', async () => {
    const org = await Client.signup(url, 'No Provider Co');
    expect((await org.client.patch('/api/v1/organization', { settings: { ai: { llm_enabled: true } } })).status).toBe(200);
    fake.reset();
    const c = await postAndAwaitAnalysis(org, message('marker-unconfigured'));
    expect(c.metadata.analysis).toEqual({ source: 'local' });
    expect(fake.requests).toHaveLength(0);
  });
});
