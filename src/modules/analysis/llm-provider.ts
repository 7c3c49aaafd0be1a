import type { MessageAnalysis } from '../../ai/nlp/types.ts';
import type { Config } from '../../config.ts';
import type { Logger } from '../../shared/logger.ts';
import { extractJson, LlmAnswer, mergeAnalysis, SYSTEM_PROMPT, userMessage, type AnalysisSource, type LlmFailure } from './llm-analysis.ts';

/**
 * The optional LLM provider: one OpenAI-compatible `POST {base}/chat/completions` per message.
 * Plain fetch + zod rather than the `openai` package: one endpoint is used, the answer is
 * validated by our own schema anyway, and servers that only speak part of the protocol
 * (Ollama, vLLM, llama.cpp) are easier to meet without an SDK's retries and request shapes.
 *
 * It never fails the analysis: on timeout, an HTTP or network error, a reply that is not
 * JSON or not our schema, the local analysis is kept and a warning logged — with the
 * reason and status only, never the message text or the key.
 */
export interface LlmProvider {
  readonly model: string;
  /** The local analysis, refined by the LLM when it answers well; `source` says which it is. */
  analyze(input: { text: string; own: string; subject?: string; direction: 'inbound' | 'outbound' }, local: MessageAnalysis): Promise<{ analysis: MessageAnalysis; source: AnalysisSource }>;
  /** How many requests may run at once: the analysis job sizes its batches by it. */
  readonly concurrency: number;
}

/** After this many failures in a row the provider rests (no requests) before trying again. */
const BREAKER_THRESHOLD = 5;
const BREAKER_BASE_MS = 30_000;
const BREAKER_MAX_MS = 10 * 60_000;

class LlmError extends Error {
  constructor(readonly reason: LlmFailure, readonly status?: number) {
    super(reason);
  }
}

export function createLlmProvider(config: NonNullable<Config['llm']>, logger: Logger, options: { now?: () => number } = {}): LlmProvider {
  const now = options.now ?? Date.now;
  const url = `${config.baseUrl}/chat/completions`;
  // Servers that refuse `response_format` (400) are asked again without it, and then never with it.
  let jsonMode = true;
  let failures = 0;
  let openUntil = 0;
  let active = 0;
  const waiting: (() => void)[] = [];

  async function slot<T>(fn: () => Promise<T>): Promise<T> {
    // A finished request hands its slot straight to the next waiter, so a newcomer can never
    // slip in between and exceed the bound.
    if (active >= config.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  }

  async function post(body: Record<string, unknown>): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), config.timeoutMs);
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal });
      // The body is read under the same deadline: a server may send headers and then stall.
      const text = await res.text();
      return new Response(text, { status: res.status });
    } catch {
      throw new LlmError(controller.signal.aborted ? 'timeout' : 'network');
    } finally {
      clearTimeout(timer);
    }
  }

  async function complete(input: Parameters<LlmProvider['analyze']>[0]): Promise<LlmAnswer> {
    const messages = [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: userMessage({ text: input.own, subject: input.subject, direction: input.direction }) },
    ];
    const base = { model: config.model, messages, temperature: 0, stream: false };
    let res = await post(jsonMode ? { ...base, response_format: { type: 'json_object' } } : base);
    if (res.status === 400 && jsonMode && /response_format|json_object/i.test(await res.clone().text())) {
      jsonMode = false;
      res = await post(base);
    }
    if (!res.ok) throw new LlmError('http_error', res.status);
    let content: unknown;
    try {
      const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
      content = body.choices?.[0]?.message?.content;
    } catch {
      throw new LlmError('invalid_json');
    }
    if (typeof content !== 'string') throw new LlmError('invalid_json');
    const json = extractJson(content);
    if (json === undefined) throw new LlmError('invalid_json');
    const parsed = LlmAnswer.safeParse(json);
    if (!parsed.success) throw new LlmError('schema');
    return parsed.data;
  }

  return {
    model: config.model,
    concurrency: config.concurrency,
    async analyze(input, local) {
      if (now() < openUntil) return { analysis: local, source: { source: 'local', fallback: 'circuit_open' } };
      try {
        const answer = await slot(() => complete(input));
        failures = 0;
        return { analysis: mergeAnalysis(local, answer, input.own, input.text), source: { source: 'llm', model: config.model } };
      } catch (error) {
        const reason: LlmFailure = error instanceof LlmError ? error.reason : 'schema';
        failures++;
        const fields: Record<string, unknown> = { reason, model: config.model, consecutive_failures: failures };
        if (error instanceof LlmError && error.status !== undefined) fields.status = error.status;
        if (failures >= BREAKER_THRESHOLD) {
          // Doubling rest: a provider that is down is not asked once per message.
          const rest = Math.min(BREAKER_MAX_MS, BREAKER_BASE_MS * 2 ** (failures - BREAKER_THRESHOLD));
          openUntil = now() + rest;
          fields.paused_ms = rest;
        }
        logger.warn(fields, 'LLM analysis failed; the local analysis is used');
        return { analysis: local, source: { source: 'local', fallback: reason } };
      }
    },
  };
}
