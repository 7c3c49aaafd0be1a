/**
 * Trains the analyser's naive Bayes models (intent, sentiment) on the TRAIN split of
 * datasets/nlp/sales-messages.jsonl and writes src/ai/nlp/nlp-model.json. The blend weights
 * (how much the model counts next to the rules) are chosen by 5-fold cross-validation on
 * the training split only; the test split is never read. Deterministic: same data, same file.
 *   node bin/run-ts.js bench/nlp-train.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bayesFeatures, classifyOwnText, INTENTS, stripQuotedReply, trainNaiveBayes, type NlpModel } from '../src/ai/nlp/index.ts';
import { loadMessages } from './nlp-eval.ts';

const SENTIMENTS = ['positive', 'neutral', 'negative'];
const INTENT_WEIGHTS = [0, 0.5, 1, 1.5, 2, 2.5, 3, 4];
const SENTIMENT_WEIGHTS = [0, 0.5, 1, 1.5, 2, 2.5, 3];
// Raw-valence priors by detected intent and the business neutral band, chosen with the sentiment
// weight by cross-validation on the tuning split: the hand-set values (purchase 1.2, objection
// −1.0, complaint −1.6, unsubscribe −0.5, band 0.3) left most objections and many decisions to
// buy neutral, though the labelling guide calls a refusal negative and a decision positive.
const PRIOR_GRID = {
  purchase: [1.2, 1.6, 2, 2.5, 3],
  objection: [-1, -1.5, -2, -2.5, -3, -3.5],
  complaint: [-1.6, -2.2, -2.8],
  unsubscribe: [-0.5, -1, -1.5],
};
const THRESHOLDS = [0.2, 0.225, 0.25, 0.275, 0.3, 0.325, 0.35];
const FOLDS = 5;

const train = loadMessages().filter((m) => m.split === 'train');
const prepared = train.map((m) => {
  const own = stripQuotedReply(m.text).masked;
  return { m, own, features: bayesFeatures(own, m.subject ?? '') };
});

type SentimentParams = { priors?: Record<string, number>; threshold?: number };

function fit(items: typeof prepared, intentWeight: number, sentimentWeight: number, params: SentimentParams = {}): NlpModel {
  const docs = items.map((p) => p.features);
  return {
    intent: { nb: trainNaiveBayes(docs, items.map((p) => p.m.labels.intent), [...INTENTS]), weight: intentWeight },
    sentiment: { nb: trainNaiveBayes(docs, items.map((p) => p.m.labels.sentiment), SENTIMENTS), weight: sentimentWeight, ...params },
  };
}

function macroF1(pairs: [string, string][]): number {
  let sum = 0;
  for (const c of INTENTS) {
    const tp = pairs.filter(([w, g]) => w === c && g === c).length;
    const fp = pairs.filter(([w, g]) => w !== c && g === c).length;
    const fn = pairs.filter(([w, g]) => w === c && g !== c).length;
    const p = tp + fp ? tp / (tp + fp) : 0;
    const r = tp + fn ? tp / (tp + fn) : 0;
    sum += p + r ? (2 * p * r) / (p + r) : 0;
  }
  return sum / INTENTS.length;
}

function crossValidate(intentWeight: number, sentimentWeight: number) {
  const intentPairs: [string, string][] = [];
  let sentimentRight = 0;
  for (let k = 0; k < FOLDS; k++) {
    const model = fit(prepared.filter((_, i) => i % FOLDS !== k), intentWeight, sentimentWeight);
    prepared.forEach((p, i) => {
      if (i % FOLDS !== k) return;
      const r = classifyOwnText(p.own, p.m.subject ?? '', p.m.direction, model);
      intentPairs.push([p.m.labels.intent, r.intent]);
      if (r.sentiment.label === p.m.labels.sentiment) sentimentRight++;
    });
  }
  return { macroF1: macroF1(intentPairs), sentiment: sentimentRight / prepared.length };
}

let bestIntent = { weight: 0, score: -1 };
for (const w of INTENT_WEIGHTS) {
  const cv = crossValidate(w, 0);
  console.log(`intent weight ${w}: CV macro-F1 ${cv.macroF1.toFixed(3)}`);
  if (cv.macroF1 > bestIntent.score + 1e-9) bestIntent = { weight: w, score: cv.macroF1 };
}
// Sentiment: blend weight, intent priors and band together. The folds' models are fitted once
// per weight; priors and band only change how their outputs are read.
let bestSentiment: { weight: number; score: number; params: SentimentParams } = { weight: 0, score: -1, params: {} };
for (const w of SENTIMENT_WEIGHTS) {
  const folds = Array.from({ length: FOLDS }, (_, k) => fit(prepared.filter((_, i) => i % FOLDS !== k), bestIntent.weight, w));
  let bestForWeight = -1;
  for (const purchase of PRIOR_GRID.purchase) for (const objection of PRIOR_GRID.objection) for (const complaint of PRIOR_GRID.complaint) for (const unsubscribe of PRIOR_GRID.unsubscribe) {
    const priors = { purchase, objection, complaint, unsubscribe };
    // The band does not change the score, only its label: score once, label per band.
    const scored = prepared.map((p, i) => {
      const base = folds[i % FOLDS]!;
      return classifyOwnText(p.own, p.m.subject ?? '', p.m.direction, { ...base, sentiment: { ...base.sentiment, priors } }).sentiment.overall;
    });
    for (const threshold of THRESHOLDS) {
      const label = (x: number) => (x >= threshold ? 'positive' : x <= -threshold ? 'negative' : 'neutral');
      const score = prepared.filter((p, i) => label(scored[i]!) === p.m.labels.sentiment).length / prepared.length;
      bestForWeight = Math.max(bestForWeight, score);
      // Strictly better only: among ties the first (smaller priors, narrower change) stays.
      if (score > bestSentiment.score + 1e-9) bestSentiment = { weight: w, score, params: { priors, threshold } };
    }
  }
  console.log(`sentiment weight ${w}: best CV accuracy ${bestForWeight.toFixed(3)}`);
}
const model = fit(prepared, bestIntent.weight, bestSentiment.weight, bestSentiment.params);
const out = {
  trained_on: `datasets/nlp/sales-messages.jsonl, split=train (${prepared.length} messages)`,
  cross_validation: { folds: FOLDS, intent_macro_f1: Math.round(bestIntent.score * 1000) / 1000, sentiment_accuracy: Math.round(bestSentiment.score * 1000) / 1000 },
  ...model,
};
writeFileSync(join(import.meta.dirname, '..', 'src', 'ai', 'nlp', 'nlp-model.json'), JSON.stringify(out) + '\n');
console.log(`chosen: intent weight ${bestIntent.weight} (CV macro-F1 ${bestIntent.score.toFixed(3)}), sentiment weight ${bestSentiment.weight}, ${JSON.stringify(bestSentiment.params)} (CV accuracy ${bestSentiment.score.toFixed(3)})`);
