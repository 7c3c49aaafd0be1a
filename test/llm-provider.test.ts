import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { analyzeMessage, stripQuotedReply } from '../src/ai/nlp/index.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { extractJson } from '../src/modules/analysis/llm-analysis.ts';
import { createLlmProvider } from '../src/modules/analysis/llm-provider.ts';
import { FakeLlm } from './helpers/fake-llm.ts';

const fake = new FakeLlm();
let baseUrl = '';
const KEY = 'sk-test-0123456789abcdef';
const TEXT = 'Hi Sam,\n\nWe are ready to sign for 20 seats at Northwind Traders. Budget of $12,000 is approved; please send the contract to ana@northwind.example by 2026-03-02.\n\nBest,\nAna Silva\n\nOn Mon, Sam wrote:\n> SECRET-QUOTED-HISTORY';

/** A logger whose lines the test can read: proves what reaches the logs. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done(); } });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

function provider(overrides: Partial<NonNullable<ReturnType<typeof loadConfig>['llm']>> = {}, now?: () => number) {
  const log = capture();
  const config = { baseUrl, apiKey: KEY, model: 'test-model', timeoutMs: 2_000, concurrency: 2, ...overrides };
  return { llm: createLlmProvider(config, log.logger, now ? { now } : {}), lines: log.lines };
}

function input(text = TEXT) {
  const own = stripQuotedReply(text).masked;
  const local = analyzeMessage({ text, subject: 'Re: proposal', direction: 'inbound', sentAt: new Date('2026-02-20T10:00:00Z') });
  return { args: { text, own, subject: 'Re: proposal', direction: 'inbound' as const }, local };
}

beforeAll(async () => {
  baseUrl = await fake.start();
});
afterAll(async () => fake.stop());
beforeEach(() => fake.reset());

describe('LLM provider configuration', () => {
  it('is off without a base URL, and parsed with defaults when set', () => {
    expect(loadConfig({}).llm).toBeUndefined();
    const c = loadConfig({ LEADAI_LLM_BASE_URL: 'http://localhost:11434/v1/', LEADAI_LLM_MODEL: 'llama3.1', LEADAI_LLM_API_KEY: KEY });
    expect(c.llm).toEqual({ baseUrl: 'http://localhost:11434/v1', apiKey: KEY, model: 'llama3.1', timeoutMs: 15_000, concurrency: 4 });
  });

  it('lists invalid LLM variables with the others and hides the key', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'x', LEADAI_LLM_BASE_URL: 'ftp://models', LEADAI_LLM_TIMEOUT_MS: '-5', LEADAI_LLM_API_KEY: KEY });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT="x"');
    expect(message).toContain('LEADAI_LLM_BASE_URL="ftp://models"');
    expect(message).toContain('LEADAI_LLM_TIMEOUT_MS="-5"');
    expect(message).toContain('LEADAI_LLM_MODEL is required');
    expect(message).not.toContain(KEY);
  });
});

describe('LLM provider against a local chat-completions server', () => {
  it('sends the own text with the key as Bearer, asks for JSON, and merges the answer', async () => {
    const { llm } = provider();
    const { args, local } = input();
    const { analysis, source } = await llm.analyze(args, local);
    expect(source).toEqual({ source: 'llm', model: 'test-model' });
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body.model).toBe('test-model');
    expect(req.body.response_format).toEqual({ type: 'json_object' });
    expect(req.body.messages[0]!.role).toBe('system');
    expect(req.input.text).toContain('ready to sign');
    // Quoted history is not the author's text: it is not sent.
    expect(JSON.stringify(req.body)).not.toContain('SECRET-QUOTED-HISTORY');
    // The LLM decides tone, intent and topics …
    expect(analysis.sentiment).toMatchObject({ overall: 0.91, label: 'positive', confidence: 0.88 });
    expect(analysis.sentiment.emotions.joy).toBe(0.7);
    expect(analysis.intent).toEqual({ primary_intent: 'purchase', confidence: 0.93, urgency: 'high' });
    expect(analysis.topics).toEqual({ key_phrases: ['llm key phrase'], categories: ['pricing'] });
    // … the deterministic entities stay, a quoted organization is added, an invented person is not.
    for (const type of ['money', 'email', 'date'] as const) expect(analysis.entities.some((e) => e.type === type)).toBe(true);
    expect(analysis.entities.filter((e) => e.type === 'money')).toEqual(local.entities.filter((e) => e.type === 'money'));
    expect(analysis.entities).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'organization', text: 'Northwind Traders' })]));
    expect(analysis.entities.some((e) => e.text === 'Nobody In The Text')).toBe(false);
    for (const e of analysis.entities) expect(TEXT.slice(e.start, e.end)).toBe(e.text);
    // Evidence is kept only where it quotes the message, with offsets into it.
    for (const s of analysis.buying_signals) expect(TEXT.slice(s.start, s.end)).toBe(s.evidence);
    expect(analysis.buying_signals).toEqual(expect.arrayContaining([expect.objectContaining({ signal: 'ready_to_buy', evidence: 'We are ready to sign for 20 seats at Nor' })]));
    expect(analysis.buying_signals.some((s) => s.signal === 'invented')).toBe(false);
  });

  it('sends no Authorization header without a key (Ollama, vLLM)', async () => {
    const { llm } = provider({ apiKey: undefined });
    const { args, local } = input();
    expect((await llm.analyze(args, local)).source.source).toBe('llm');
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('reads JSON wrapped in prose, and asks again without response_format where it is refused', async () => {
    fake.mode = 'fenced';
    const { llm } = provider();
    const { args, local } = input();
    expect((await llm.analyze(args, local)).source.source).toBe('llm');
    fake.reset();
    fake.mode = 'no-json-mode';
    expect((await llm.analyze(args, local)).source.source).toBe('llm');
    expect(fake.requests.map((r) => r.body.response_format)).toEqual([{ type: 'json_object' }, undefined]);
    // Remembered: the next message goes without it at once.
    await llm.analyze(args, local);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[2]!.body.response_format).toBeUndefined();
  });

  it.each([
    ['timeout', 'delay'],
    ['http_error', 'error500'],
    ['invalid_json', 'garbage'],
    ['schema', 'schema'],
  ] as const)('falls back to the local analysis on %s, logging no text and no key', async (reason, mode) => {
    fake.mode = mode;
    fake.delayMs = 4_000;
    // Long enough for a loaded machine to answer the other cases; the delay is well past it.
    const { llm, lines } = provider({ timeoutMs: 1_000 });
    const { args, local } = input();
    const started = Date.now();
    const result = await llm.analyze(args, local);
    expect(Date.now() - started).toBeLessThan(3_500);
    expect(result.analysis).toBe(local);
    expect(result.source).toEqual({ source: 'local', fallback: reason });
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(logged).toMatchObject({ level: 40, reason, model: 'test-model' });
    if (reason === 'http_error') expect(logged.status).toBe(500);
    for (const secret of [KEY, 'ready to sign', 'Northwind', 'ana@northwind.example', 'Ana Silva']) expect(lines[0]).not.toContain(secret);
  });

  it('rests after repeated failures (no requests), then tries again', async () => {
    fake.mode = 'error500';
    let clock = 1_000_000;
    const { llm } = provider({}, () => clock);
    const { args, local } = input();
    for (let i = 0; i < 5; i++) await llm.analyze(args, local);
    expect(fake.requests).toHaveLength(5);
    const resting = await llm.analyze(args, local);
    expect(resting.source).toEqual({ source: 'local', fallback: 'circuit_open' });
    expect(fake.requests).toHaveLength(5);
    clock += 31_000;
    fake.mode = 'ok';
    expect((await llm.analyze(args, local)).source.source).toBe('llm');
    expect(fake.requests).toHaveLength(6);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    fake.mode = 'delay';
    fake.delayMs = 150;
    let inFlight = 0;
    let peak = 0;
    const { llm } = provider({ concurrency: 2 });
    const { args, local } = input();
    const original = globalThis.fetch;
    globalThis.fetch = async (...a: Parameters<typeof fetch>) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await original(...a);
      } finally {
        inFlight--;
      }
    };
    try {
      const results = await Promise.all(Array.from({ length: 6 }, () => llm.analyze(args, local)));
      expect(results.every((r) => r.source.source === 'llm')).toBe(true);
    } finally {
      globalThis.fetch = original;
    }
    expect(peak).toBe(2);
  });
});

describe('JSON from a chat reply', () => {
  it('takes plain JSON, a fenced block or the outermost braces, and nothing else', () => {
    expect(extractJson('{"a":1}')).toEqual({ a: 1 });
    expect(extractJson('Result:\n```json\n{"a":2}\n```')).toEqual({ a: 2 });
    expect(extractJson('The answer is {"a":3} as requested')).toEqual({ a: 3 });
    expect(extractJson('no json here')).toBeUndefined();
    expect(extractJson('"just a string"')).toBeUndefined();
  });
});
