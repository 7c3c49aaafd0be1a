import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeLlmRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[]; response_format?: { type: string }; temperature?: number };
  /** The message the analyser sent, decoded from the user turn. */
  input: { direction: string; subject: string | null; text: string };
}

export type FakeLlmMode = 'ok' | 'delay' | 'error500' | 'garbage' | 'schema' | 'fenced' | 'no-json-mode';

/**
 * A local server that speaks the OpenAI chat-completions protocol, for tests: it answers
 * `POST /v1/chat/completions` with a canned analysis built from the request, and can be told
 * to stall, fail with 500, answer garbage or a wrong shape, wrap the JSON in prose, or refuse
 * `response_format` like a server without a JSON mode.
 */
export class FakeLlm {
  requests: FakeLlmRequest[] = [];
  mode: FakeLlmMode = 'ok';
  delayMs = 2_000;
  private server: Server | undefined;

  /** The analysis the fake "model" returns for a message; tests may replace it. */
  answer = (input: FakeLlmRequest['input']): Record<string, unknown> => {
    // A real quote from the message: its first long line.
    const quote = (input.text.split('\n').find((l) => l.trim().length > 20) ?? input.text).trim().slice(0, 40);
    return {
      sentiment: { overall: 0.91, label: 'positive', confidence: 0.88, emotions: { joy: 0.7, trust: 0.6 } },
      intent: { primary_intent: 'purchase', confidence: 0.93, urgency: 'high' },
      topics: { key_phrases: ['llm key phrase'], categories: ['pricing', 'not_a_category'] },
      entities: [{ type: 'organization', text: 'Northwind Traders' }, { type: 'person', text: 'Nobody In The Text' }],
      buying_signals: [
        { signal: 'ready_to_buy', evidence: quote },
        { signal: 'invented', evidence: 'words that are not in the message' },
      ],
    };
  };

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => void this.handle(req.url ?? '', req.headers, raw, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  reset() {
    this.requests = [];
    this.mode = 'ok';
  }

  private async handle(path: string, headers: IncomingHttpHeaders, raw: string, res: ServerResponse) {
    const send = (status: number, body: string) => {
      if (!res.writableEnded) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      }
    };
    if (path !== '/v1/chat/completions') return send(404, JSON.stringify({ error: { message: 'not found' } }));
    const body = JSON.parse(raw) as FakeLlmRequest['body'];
    const user = body.messages.find((m) => m.role === 'user')?.content ?? '{}';
    const input = JSON.parse(user) as FakeLlmRequest['input'];
    this.requests.push({ path, headers, body, input });
    if (this.mode === 'no-json-mode' && body.response_format) {
      return send(400, JSON.stringify({ error: { message: 'response_format is not supported by this server' } }));
    }
    if (this.mode === 'delay') await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.mode === 'error500') return send(500, JSON.stringify({ error: { message: 'internal error' } }));
    let content: string;
    if (this.mode === 'garbage') content = 'Sure! Here is what I think: the customer seems happy (no JSON, sorry)';
    else if (this.mode === 'schema') content = JSON.stringify({ sentiment: 'very positive', intent: 42 });
    else if (this.mode === 'fenced' || this.mode === 'no-json-mode') content = 'Here is the analysis:\n```json\n' + JSON.stringify(this.answer(input), null, 2) + '\n```\nHope this helps.';
    else content = JSON.stringify(this.answer(input));
    send(200, JSON.stringify({
      id: 'chatcmpl-test', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
    }));
  }
}
