import { BOOSTERS, CONTRAST_AFTER, CONTRAST_BEFORE, EMOTION_WORDS, NEGATORS, PHRASE_VALENCE, POLITE, SALES_PHRASE_VALENCE, TECHNICAL, WORD_VALENCE } from './lexicon.ts';
import { sentences, tokenize, type Token } from './text.ts';
import { EMOTIONS, type Emotion, type Sentiment, type SentimentLabel } from './types.ts';

/**
 * Lexicon + rules sentiment: phrase and word valences, negation (flip and damp within three
 * words), intensifiers and dampeners, contrast ("…, but …" weighs the clause after it,
 * "Although …, …" the main clause), capitals and exclamation marks, polite formulas damped,
 * questions damped. The sum is squashed to [−1, 1] like VADER's compound score.
 */

/** Label cut-offs on the squashed score: business mail is politer than reviews, so its neutral band is wider. */
export const SENTIMENT_THRESHOLD = 0.3;
export const GENERAL_THRESHOLD = 0.05;
const ALPHA = 15;
const NEGATION_FACTOR = -0.74;
const POLITE_FACTOR = 0.35;
const QUESTION_FACTOR = 0.6;
/**
 * Sarcasm markers: in a sentence with one, praise means its opposite ("Oh great, another
 * delay.", "Yeah right.", "Just what we needed."). Positive words there are flipped, and the
 * marker alone leans negative.
 */
const SARCASM = /\b(?:yeah,? right|as if|thanks for nothing|just what (?:we|i) (?:needed|wanted)|oh,? (?:great|wonderful|fantastic|perfect|joy|lovely|brilliant)|(?:great|wonderful|fantastic|perfect|brilliant|lovely),? (?:another|yet another|more)|what a (?:surprise|shock))\b|\/s\b|🙄/u;
const SARCASM_LEAN = -1;
const MAX_PHRASE = 4;

export interface SentimentOptions {
  /** Treat politeness formulas ("thanks", "hope") as weak, as in business mail. Default true. */
  business?: boolean;
  /** Added to the raw valence sum before squashing: the message's communicative act (see INTENT_PRIOR). */
  prior?: number;
  /** Business label cut-off on the squashed score; the trained model carries one learned on the tuning split. */
  threshold?: number;
}

/**
 * Raw-valence prior by intent: deciding to buy is positive, complaining negative, whatever the words.
 * The defaults for callers without a trained model; nlp-model.json carries priors chosen by
 * cross-validation on the tuning split (bench/nlp-train.ts).
 */
export const INTENT_PRIOR: Record<string, number> = { purchase: 1.2, complaint: -1.6, objection: -1.0, unsubscribe: -0.5 };
const TECHNICAL_FACTOR = 0.35;

interface Hit {
  valence: number;
  /** Token index of the hit's first and last token. */
  first: number;
  last: number;
  key: string;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function findHits(tokens: Token[], business: boolean): Hit[] {
  const hits: Hit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let matched = false;
    for (let n = Math.min(MAX_PHRASE, tokens.length - i); n >= 2; n--) {
      let key = tokens[i]!.w;
      for (let k = 1; k < n; k++) key += ' ' + tokens[i + k]!.w;
      const v = (business ? SALES_PHRASE_VALENCE.get(key) : undefined) ?? PHRASE_VALENCE.get(key);
      if (v !== undefined) {
        hits.push({ valence: v, first: i, last: i + n - 1, key });
        i += n - 1;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const w = tokens[i]!.w;
    const v = WORD_VALENCE.get(w) ?? (w.endsWith("n't") ? undefined : WORD_VALENCE.get(w.replace(/'s$/, '')));
    if (v !== undefined) hits.push({ valence: v, first: i, last: i, key: w });
  }
  return hits;
}

function sentenceScore(sentence: Token[], business: boolean, allCapsText: boolean, emotions: Record<Emotion, number>, sarcastic: boolean): { score: number; hits: number } {
  const hits = findHits(sentence, business);
  if (hits.length === 0) return { score: sarcastic ? SARCASM_LEAN : 0, hits: sarcastic ? 1 : 0 };
  // Contrast: the clause after "but" outweighs the one before it.
  let pivot = -1;
  for (let i = 0; i < sentence.length; i++) {
    const w = sentence[i]!.w;
    if (CONTRAST_AFTER.has(w) && i > 0) {
      pivot = i;
      break;
    }
    if (i === 0 && CONTRAST_BEFORE.has(w)) {
      const comma = sentence.findIndex((t) => t.w === ',');
      if (comma > 0) {
        pivot = comma;
        break;
      }
    }
  }
  let total = 0;
  for (const hit of hits) {
    let v = hit.valence;
    if (v === 0) continue;
    if (business && POLITE.has(hit.key)) v *= POLITE_FACTOR;
    if (business && TECHNICAL.has(hit.key)) v *= TECHNICAL_FACTOR;
    // Intensifiers and dampeners in the three words before.
    for (let back = 1; back <= 3; back++) {
      const t = sentence[hit.first - back];
      if (!t || t.w === ',' || t.w === ';') break;
      const b = BOOSTERS.get(t.w);
      if (b !== undefined) v += Math.sign(v) * b * (1 - 0.05 * (back - 1)) * Math.max(1, Math.abs(v) / 2);
    }
    // Negation in the three words before (not across a comma), unless the phrase holds it.
    const selfNegated = hit.key.includes(' ') && NEGATORS.has(hit.key.split(' ')[0]!);
    let negated = false;
    if (!selfNegated) {
      for (let back = 1; back <= 3; back++) {
        const t = sentence[hit.first - back];
        if (!t || t.w === ',' || t.w === ';' || t.w === 'but') break;
        if (NEGATORS.has(t.w) || t.w.endsWith("n't")) {
          negated = true;
          break;
        }
      }
    }
    if (negated) v *= NEGATION_FACTOR;
    const raw = sentence[hit.first]!.raw;
    if (!allCapsText && raw.length > 1 && raw === raw.toUpperCase() && /\p{L}/u.test(raw)) v += Math.sign(v) * 0.73;
    if (pivot >= 0) v *= hit.first < pivot ? 0.5 : 1.5;
    if (sarcastic && v > 0) v = -v;
    if (!negated) {
      for (const e of EMOTIONS) if (EMOTION_WORDS[e].has(hit.key)) emotions[e] += Math.abs(v);
    } else if (hit.valence > 0) emotions.sadness += Math.abs(v) * 0.5;
    total += v;
  }
  if (sarcastic) total += SARCASM_LEAN;
  const last = sentence[sentence.length - 1]!.w;
  if (last === '?') total *= QUESTION_FACTOR;
  const bangs = sentence.filter((t) => t.w === '!').length;
  if (bangs > 0 && total !== 0) total += Math.sign(total) * Math.min(3, bangs) * 0.292;
  return { score: total, hits: hits.length };
}

export function scoreSentiment(text: string, options: SentimentOptions = {}): Sentiment {
  const business = options.business ?? true;
  const tokens = tokenize(text);
  const letters = text.replace(/[^\p{L}]/gu, '');
  const allCapsText = letters.length > 0 && letters === letters.toUpperCase();
  const emotions = Object.fromEntries(EMOTIONS.map((e) => [e, 0])) as Record<Emotion, number>;
  // Emotion words that carry no valence (e.g. "risk" has some; "surprised" none) still count.
  for (const t of tokens) for (const e of EMOTIONS) if (!WORD_VALENCE.has(t.w) && EMOTION_WORDS[e].has(t.w)) emotions[e] += 1;
  const sents = sentences(text, tokens);
  const scores: number[] = [];
  let evidence = 0;
  for (let k = 0; k < sents.length; k++) {
    const s = sents[k]!;
    // The sentence's own text up to the next one, trailing "/s" or emoji included.
    const span = text.slice(s[0]!.start, sents[k + 1]?.[0]?.start ?? text.length).toLowerCase();
    const r = sentenceScore(s, business, allCapsText, emotions, SARCASM.test(span));
    scores.push(r.score);
    evidence += r.hits;
  }
  // Sentence-initial contrast ("… . But …") shifts weight to the later sentence.
  for (let i = 1; i < sents.length; i++) {
    const first = sents[i]![0]!.w;
    if (first === 'but' || first === 'however' || first === 'unfortunately') {
      scores[i - 1] = scores[i - 1]! * 0.5;
      scores[i] = scores[i]! * 1.5;
    }
  }
  const sum = scores.reduce((a, b) => a + b, 0) + (options.prior ?? 0);
  const overall = sum / Math.sqrt(sum * sum + ALPHA);
  const threshold = business ? (options.threshold ?? SENTIMENT_THRESHOLD) : GENERAL_THRESHOLD;
  const label: SentimentLabel = overall >= threshold ? 'positive' : overall <= -threshold ? 'negative' : 'neutral';
  const margin = label === 'neutral' ? threshold - Math.abs(overall) : Math.abs(overall) - threshold;
  const confidence = Math.min(0.99, 0.5 + margin + (label === 'neutral' ? (evidence === 0 ? 0.3 : 0) : Math.min(0.2, evidence * 0.04)));
  const emo = Object.fromEntries(EMOTIONS.map((e) => [e, round(1 - Math.exp(-0.6 * emotions[e]))])) as Record<Emotion, number>;
  return { overall: round(overall), label, confidence: round(confidence), emotions: emo };
}

/** The classic baseline, for the benchmark: a plain valence sum with simple negation. */
export function baselineSentimentScore(text: string): number {
  const tokens = tokenize(text);
  let sum = 0;
  for (let i = 0; i < tokens.length; i++) {
    const v = WORD_VALENCE.get(tokens[i]!.w);
    if (v === undefined) continue;
    let negated = false;
    for (let back = 1; back <= 3; back++) {
      const t = tokens[i - back];
      if (t && (NEGATORS.has(t.w) || t.w.endsWith("n't"))) negated = true;
    }
    sum += negated ? -v : v;
  }
  return sum / Math.sqrt(sum * sum + ALPHA);
}
