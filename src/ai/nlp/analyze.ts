import { bayesFeatures, bayesPosterior, type NaiveBayesModel } from './bayes.ts';
import { extractEntities } from './entities.ts';
import trained from './nlp-model.json' with { type: 'json' };
import { classifyIntent, detectUrgency } from './intent.ts';
import { INTENT_PRIOR, scoreSentiment } from './sentiment.ts';
import { findBuyingSignals } from './signals.ts';
import { stripQuotedReply } from './strip.ts';
import { extractTopics } from './topics.ts';
import type { ActivityAnalysis, ActivityInput, Intent, MessageAnalysis, MessageInput } from './types.ts';

/** The longest text analysed; beyond it (pasted logs, whole threads) the rest is ignored. */
export const MAX_TEXT = 50_000;

/** Removes HTML tags and entities from an HTML body, keeping line structure (for <br>, <p>, <div>). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<blockquote[\s\S]*?<\/blockquote>/gi, (q) => q.replace(/<br\s*\/?>|<\/p>|<\/div>/gi, '\n').replace(/<[^>]+>/g, '').split('\n').map((l) => '> ' + l).join('\n'))
    .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/li>|<\/tr>|<\/h\d>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&euro;/g, '€')
    .replace(/&pound;/g, '£');
}

/** The trained part of the analyser: naive Bayes models for intent and sentiment and their blend weights. */
export interface NlpModel {
  intent: { nb: NaiveBayesModel; weight: number };
  /**
   * `priors` (raw valence by detected intent) and `threshold` (the business neutral band) are
   * learned with the blend weight; absent in older model files, where the built-in ones apply.
   */
  sentiment: { nb: NaiveBayesModel; weight: number; priors?: Record<string, number>; threshold?: number };
}

export const DEFAULT_MODEL = trained as unknown as NlpModel;

/** Intent and sentiment of the author's own text (quoted history and signature already blanked). */
export function classifyOwnText(own: string, subject: string, direction: 'inbound' | 'outbound', model: NlpModel | null = DEFAULT_MODEL) {
  const features = model ? bayesFeatures(own, subject) : [];
  const lean = model && model.intent.weight > 0 ? { classes: model.intent.nb.classes, posterior: bayesPosterior(model.intent.nb, features), weight: model.intent.weight } : undefined;
  const { intent, confidence } = complaintFromTone(own, classifyIntent(own, subject, direction, lean));
  let sentimentLean = 0;
  if (model && model.sentiment.weight > 0) {
    const p = bayesPosterior(model.sentiment.nb, features);
    const classes = model.sentiment.nb.classes;
    sentimentLean = model.sentiment.weight * ((p[classes.indexOf('positive')] ?? 0) - (p[classes.indexOf('negative')] ?? 0));
  }
  const priors = model?.sentiment.priors ?? INTENT_PRIOR;
  const sentiment = scoreSentiment(own, { prior: (priors[intent] ?? 0) * confidence + sentimentLean, threshold: model?.sentiment.threshold });
  return { intent, confidence, sentiment };
}

/** A problem report or an unclassified message written in a clearly negative tone is a complaint. */
export const COMPLAINT_TONE = -0.45;

function complaintFromTone(own: string, c: { intent: Intent; confidence: number }): { intent: Intent; confidence: number } {
  if (c.intent !== 'other' && c.intent !== 'support') return c;
  const tone = scoreSentiment(own).overall;
  if (tone > COMPLAINT_TONE) return c;
  return { intent: 'complaint', confidence: Math.round(Math.min(0.9, 0.5 + (COMPLAINT_TONE - tone)) * 1000) / 1000 };
}

/**
 * Sentiment, intent (with urgency), topics, entities and buying signals for one message.
 * The quoted history and the signature are removed before sentiment and intent; entities
 * also come from the signature (names, phones). All offsets index `input.text`.
 */
export function analyzeMessage(input: MessageInput, model: NlpModel | null = DEFAULT_MODEL): MessageAnalysis {
  const raw = input.text ?? '';
  const text = raw.length > MAX_TEXT ? raw.slice(0, MAX_TEXT) : raw;
  const stripped = stripQuotedReply(text);
  const own = stripped.masked;
  // Relative dates need a reference time: the message's, else now.
  const sentAt = input.sentAt ?? new Date();
  const { intent, confidence, sentiment } = classifyOwnText(own, input.subject ?? '', input.direction ?? 'inbound', model);
  const entities = extractEntities(stripped.withSignature, {
    sentAt,
    competitors: input.competitors,
    products: input.products,
    signature: stripped.signature,
  });
  const dates = entities.filter((e) => e.type === 'date' && e.start < (stripped.signature?.start ?? Infinity)).map((e) => e.value as string);
  const urgency = detectUrgency(own, dates, sentAt);
  let phraseText = own;
  for (const e of entities) if (e.type === 'email' || e.type === 'url' || e.type === 'phone' || e.type === 'person') phraseText = phraseText.slice(0, e.start) + ' '.repeat(e.end - e.start) + phraseText.slice(e.end);
  const topics = extractTopics(input.subject ? `${input.subject}\n${phraseText}` : phraseText, { competitorMentioned: entities.some((e) => e.type === 'competitor') });
  const buying_signals = findBuyingSignals(own);
  return { sentiment, intent: { primary_intent: intent, confidence, urgency }, topics, entities, buying_signals };
}

/**
 * Activities (calls, meetings, tasks): the subject, description and outcome read as one note.
 * Buying-signal offsets index that note: `[subject, description, outcome]` (non-empty ones) joined by "\n".
 */
export function analyzeActivity(input: ActivityInput, model: NlpModel | null = DEFAULT_MODEL): ActivityAnalysis {
  const text = [input.subject, input.description, input.outcome].filter((s): s is string => typeof s === 'string' && s.trim() !== '').join('\n');
  if (text === '') return { sentiment_score: 0, intent_detected: null, buying_signals: [] };
  const own = stripQuotedReply(text).masked;
  const { intent, confidence, sentiment } = classifyOwnText(own, '', 'inbound', model);
  return {
    sentiment_score: sentiment.overall,
    intent_detected: intent === 'other' || confidence < 0.3 ? null : intent,
    buying_signals: findBuyingSignals(own),
  };
}
