import { z } from 'zod';
import { EMOTIONS, INTENTS, TOPIC_CATEGORIES, type BuyingSignal, type Entity, type MessageAnalysis } from '../../ai/nlp/types.ts';

/**
 * The LLM provider's contract, without I/O: the prompt, the schema its answer must meet, how
 * JSON is dug out of a chat reply, and how the answer is merged with the local analysis.
 * Types come from ai/nlp/types.ts directly: importing the analyser's index would load it.
 */

/** Where a stored analysis came from (conversations.metadata.analysis). */
export type AnalysisSource = { source: 'llm'; model: string } | { source: 'local'; fallback?: LlmFailure };

export type LlmFailure = 'timeout' | 'http_error' | 'network' | 'invalid_json' | 'schema' | 'circuit_open';

/** Longest own text sent; longer mail is cut (the local analyser has already read all of it). */
export const LLM_MAX_TEXT = 8_000;

export const SYSTEM_PROMPT = `You analyse one sales e-mail, chat message or call note for a CRM. Reply with one JSON object only, no prose, with exactly these keys:
{"sentiment":{"overall":number from -1 to 1,"label":"positive"|"neutral"|"negative","confidence":number 0..1,"emotions":{${EMOTIONS.map((e) => `"${e}":0..1`).join(',')}}},
"intent":{"primary_intent":one of ${INTENTS.map((i) => `"${i}"`).join('|')},"confidence":number 0..1,"urgency":"low"|"medium"|"high"},
"topics":{"key_phrases":[up to 8 short phrases from the text],"categories":[any of ${TOPIC_CATEGORIES.map((c) => `"${c}"`).join('|')}]},
"entities":[{"type":"person"|"organization","text":exact substring of the message}],
"buying_signals":[{"signal":short snake_case name such as budget_approved, decision_maker_involved, timeline_set, ready_to_buy,"evidence":exact substring of the message}]}
Sentiment is the author's attitude toward the vendor, product or deal: politeness formulas ("thanks", "best regards") are not positive; a calm problem report, a pricing question or scheduling is neutral; refusing or choosing a competitor is negative; deciding to buy is positive. With mixed feelings the clause after "but" decides.`;

const unit = z.number().finite().min(0).max(1);

export const LlmAnswer = z.object({
  sentiment: z.object({
    overall: z.number().finite().min(-1).max(1),
    label: z.enum(['positive', 'neutral', 'negative']),
    confidence: unit.optional(),
    emotions: z.partialRecord(z.enum(EMOTIONS), unit).optional(),
  }),
  intent: z.object({
    primary_intent: z.enum(INTENTS),
    confidence: unit.optional(),
    urgency: z.enum(['low', 'medium', 'high']).optional(),
  }),
  topics: z
    .object({
      key_phrases: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
      // Unknown categories are dropped, not fatal: the taxonomy is ours, the model may stray.
      categories: z.array(z.string()).max(20).optional(),
    })
    .optional(),
  entities: z.array(z.object({ type: z.string(), text: z.string().min(1).max(200) })).max(100).optional(),
  buying_signals: z.array(z.object({ signal: z.string().trim().min(1).max(80), evidence: z.string().min(1).max(500) })).max(50).optional(),
});
export type LlmAnswer = z.infer<typeof LlmAnswer>;

/** The user message: the author's own words (quoted history and signature already blanked). */
export function userMessage(input: { text: string; subject?: string; direction: 'inbound' | 'outbound' }): string {
  const text = input.text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim().slice(0, LLM_MAX_TEXT);
  return JSON.stringify({ direction: input.direction, subject: input.subject ?? null, text });
}

/**
 * JSON from a chat reply: the whole content, else a ```json fence, else the outermost braces
 * (models without a JSON mode wrap the object in prose). Undefined when none parses.
 */
export function extractJson(content: string): unknown {
  const attempts = [content.trim()];
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(content);
  if (fence) attempts.push(fence[1]!.trim());
  const first = content.indexOf('{');
  const last = content.lastIndexOf('}');
  if (first >= 0 && last > first) attempts.push(content.slice(first, last + 1));
  for (const a of attempts) {
    try {
      const value: unknown = JSON.parse(a);
      if (value !== null && typeof value === 'object') return value;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** The span of `needle` in `own` (exact, else ignoring case), so evidence indexes the text. */
function locate(own: string, needle: string, from = 0): { start: number; end: number } | undefined {
  const n = needle.trim();
  if (n === '') return undefined;
  let i = own.indexOf(n, from);
  if (i < 0) i = own.toLowerCase().indexOf(n.toLowerCase(), from);
  return i < 0 ? undefined : { start: i, end: i + n.length };
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;

/**
 * The LLM's reading merged into the local one. The LLM decides sentiment, intent and topics;
 * the deterministic entities (e-mails, phones, money, dates, URLs, configured names) stay as
 * the local analyser found them, and the LLM only adds people and organizations it quotes.
 * Evidence it cannot quote from `own` is dropped: every offset still indexes the text.
 * `own` is the analysed text with quoted history and signature blanked (same offsets as the text).
 */
export function mergeAnalysis(local: MessageAnalysis, answer: LlmAnswer, own: string, text: string): MessageAnalysis {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const emotions = { ...local.sentiment.emotions };
  for (const [k, v] of Object.entries(answer.sentiment.emotions ?? {})) if (v !== undefined) emotions[k as keyof typeof emotions] = round(v);
  const categories = answer.topics?.categories?.filter((c): c is (typeof TOPIC_CATEGORIES)[number] => (TOPIC_CATEGORIES as readonly string[]).includes(c));
  const entities: Entity[] = [...local.entities];
  for (const e of answer.entities ?? []) {
    if (e.type !== 'person' && e.type !== 'organization') continue;
    // Entities may sit in the signature (names), so they are found in the text, outside quotes only when `own` has them.
    const span = locate(own, e.text) ?? locate(text, e.text);
    if (!span || entities.some((x) => overlaps(x, span))) continue;
    entities.push({ type: e.type, text: text.slice(span.start, span.end), start: span.start, end: span.end });
  }
  entities.sort((a, b) => a.start - b.start);
  const signals: BuyingSignal[] = [...local.buying_signals];
  for (const s of answer.buying_signals ?? []) {
    const span = locate(own, s.evidence);
    if (!span || signals.some((x) => x.signal === s.signal && overlaps(x, span))) continue;
    signals.push({ signal: s.signal.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, ''), evidence: text.slice(span.start, span.end), start: span.start, end: span.end });
  }
  signals.sort((a, b) => a.start - b.start);
  return {
    sentiment: {
      overall: round(answer.sentiment.overall),
      label: answer.sentiment.label,
      confidence: round(answer.sentiment.confidence ?? local.sentiment.confidence),
      emotions,
    },
    intent: {
      primary_intent: answer.intent.primary_intent,
      confidence: round(answer.intent.confidence ?? local.intent.confidence),
      urgency: answer.intent.urgency ?? local.intent.urgency,
    },
    topics: {
      key_phrases: answer.topics?.key_phrases?.slice(0, 10) ?? local.topics.key_phrases,
      categories: categories ?? local.topics.categories,
    },
    entities,
    buying_signals: signals,
  };
}
