/** Offline conversation intelligence (issue 6): pure functions, no I/O. */
export { analyzeActivity, analyzeMessage, classifyOwnText, DEFAULT_MODEL, htmlToText, MAX_TEXT, type NlpModel } from './analyze.ts';
export { bayesFeatures, bayesPosterior, trainNaiveBayes, type NaiveBayesModel } from './bayes.ts';
export { extractEntities, parseAmount, parseMoney } from './entities.ts';
export { classifyIntent, detectUrgency } from './intent.ts';
export { baselineSentimentScore, scoreSentiment, SENTIMENT_THRESHOLD } from './sentiment.ts';
export { findBuyingSignals } from './signals.ts';
export { stripQuotedReply, type StrippedMessage } from './strip.ts';
export { extractTopics } from './topics.ts';
export * from './types.ts';
