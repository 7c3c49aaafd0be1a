/**
 * Evaluation of the offline analyser on the labelled sets in datasets/nlp/: shared by
 * `npm run bench:nlp` and the regression test (test/ai-nlp-eval.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { analyzeMessage, baselineSentimentScore, INTENTS, scoreSentiment, type Intent, type SentimentLabel } from '../src/ai/nlp/index.ts';

const DIR = join(import.meta.dirname, '..', 'datasets', 'nlp');

export interface LabelledMessage {
  id: string;
  text: string;
  subject?: string;
  direction: 'inbound' | 'outbound';
  channel: 'email' | 'chat' | 'call_note';
  industry: string;
  sent_at: string;
  labels: { intent: Intent; sentiment: SentimentLabel; entities: { type: string; text: string; value?: unknown }[] };
  split: 'train' | 'test';
}

export interface GeneralSentence {
  id: string;
  text: string;
  domain: string;
  label: SentimentLabel;
}

const readJsonl = <T>(file: string): T[] =>
  readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

export const loadMessages = () => readJsonl<LabelledMessage>('sales-messages.jsonl');
export const loadGeneral = () => readJsonl<GeneralSentence>('general-sentences.jsonl');
export const loadSettings = () => JSON.parse(readFileSync(join(DIR, 'org-settings.json'), 'utf8')) as Record<string, { competitors: string[]; products: string[] }>;

export function analyzeLabelled(m: LabelledMessage, settings = loadSettings()) {
  const org = settings[m.industry] ?? { competitors: [], products: [] };
  return analyzeMessage({ text: m.text, subject: m.subject, direction: m.direction, sentAt: new Date(m.sent_at), competitors: org.competitors, products: org.products });
}

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  n: number;
  perClass: Record<Intent, ClassMetrics>;
  macroF1: number;
  intentAccuracy: number;
  sentimentAccuracy: number;
  entity: { precision: number; recall: number; f1: number; perType: Record<string, { tp: number; fp: number; fn: number }> };
  errors: { id: string; kind: string; expected: string; got: string }[];
}

const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

export function evaluate(messages: LabelledMessage[]): Evaluation {
  const settings = loadSettings();
  const tp = new Map<Intent, number>();
  const fp = new Map<Intent, number>();
  const fn = new Map<Intent, number>();
  let sentimentRight = 0;
  let intentRight = 0;
  const perType: Record<string, { tp: number; fp: number; fn: number }> = {};
  const errors: Evaluation['errors'] = [];
  for (const m of messages) {
    const a = analyzeLabelled(m, settings);
    const got = a.intent.primary_intent;
    const want = m.labels.intent;
    if (got === want) {
      tp.set(want, (tp.get(want) ?? 0) + 1);
      intentRight++;
    } else {
      fp.set(got, (fp.get(got) ?? 0) + 1);
      fn.set(want, (fn.get(want) ?? 0) + 1);
      errors.push({ id: m.id, kind: 'intent', expected: want, got });
    }
    if (a.sentiment.label === m.labels.sentiment) sentimentRight++;
    else errors.push({ id: m.id, kind: 'sentiment', expected: m.labels.sentiment, got: `${a.sentiment.label} (${a.sentiment.overall})` });
    // Entities: multiset match on (type, text).
    const gold = m.labels.entities.map((e) => `${e.type}|${e.text}`);
    const pred = a.entities.map((e) => `${e.type}|${e.text}`);
    const remaining = [...gold];
    for (const p of pred) {
      const type = p.split('|')[0]!;
      perType[type] ??= { tp: 0, fp: 0, fn: 0 };
      const i = remaining.indexOf(p);
      if (i >= 0) {
        remaining.splice(i, 1);
        perType[type].tp++;
      } else {
        perType[type].fp++;
        errors.push({ id: m.id, kind: 'entity+', expected: '', got: p });
      }
    }
    for (const g of remaining) {
      const type = g.split('|')[0]!;
      perType[type] ??= { tp: 0, fp: 0, fn: 0 };
      perType[type].fn++;
      errors.push({ id: m.id, kind: 'entity-', expected: g, got: '' });
    }
  }
  const perClass = {} as Record<Intent, ClassMetrics>;
  for (const c of INTENTS) {
    const t = tp.get(c) ?? 0;
    const p = t + (fp.get(c) ?? 0) === 0 ? 0 : t / (t + (fp.get(c) ?? 0));
    const r = t + (fn.get(c) ?? 0) === 0 ? 0 : t / (t + (fn.get(c) ?? 0));
    perClass[c] = { precision: p, recall: r, f1: f1(p, r), support: t + (fn.get(c) ?? 0) };
  }
  const present = INTENTS.filter((c) => perClass[c].support > 0);
  const macroF1 = present.reduce((s, c) => s + perClass[c].f1, 0) / Math.max(1, present.length);
  const etp = Object.values(perType).reduce((s, x) => s + x.tp, 0);
  const efp = Object.values(perType).reduce((s, x) => s + x.fp, 0);
  const efn = Object.values(perType).reduce((s, x) => s + x.fn, 0);
  const ep = etp / Math.max(1, etp + efp);
  const er = etp / Math.max(1, etp + efn);
  return {
    n: messages.length,
    perClass,
    macroF1,
    intentAccuracy: intentRight / Math.max(1, messages.length),
    sentimentAccuracy: sentimentRight / Math.max(1, messages.length),
    entity: { precision: ep, recall: er, f1: f1(ep, er), perType },
    errors,
  };
}

/** VADER's conventional cut-off for its compound score. */
export const BASELINE_THRESHOLD = 0.05;

let wink: ReturnType<typeof winkNLP> | undefined;
/** wink-nlp's own sentiment score (its bundled lexicon), as a second reference. */
export function winkSentimentScore(text: string): number {
  wink ??= winkNLP(model);
  return wink.readDoc(text).out(wink.its.sentiment) as unknown as number;
}

const toLabel = (score: number, threshold: number): SentimentLabel => (score >= threshold ? 'positive' : score <= -threshold ? 'negative' : 'neutral');

export function evaluateGeneral(sentences: GeneralSentence[]) {
  let ours = 0;
  let baseline = 0;
  let winkRight = 0;
  const errors: { id: string; expected: string; got: string }[] = [];
  for (const s of sentences) {
    const label = scoreSentiment(s.text, { business: false }).label;
    if (label === s.label) ours++;
    else errors.push({ id: s.id, expected: s.label, got: label });
    if (toLabel(baselineSentimentScore(s.text), BASELINE_THRESHOLD) === s.label) baseline++;
    if (toLabel(winkSentimentScore(s.text), BASELINE_THRESHOLD) === s.label) winkRight++;
  }
  const n = Math.max(1, sentences.length);
  return { n: sentences.length, ours: ours / n, baseline: baseline / n, wink: winkRight / n, errors };
}
