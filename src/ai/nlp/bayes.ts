import { tokenize } from './text.ts';

/**
 * Multinomial naive Bayes over word unigrams and bigrams (plus subject words), trained at
 * build time from the training split (bench/nlp-train.ts) and stored as JSON. It is blended
 * with the rules, never used alone: the rules carry the domain knowledge, the model the
 * vocabulary of the training messages.
 */

export interface NaiveBayesModel {
  classes: string[];
  /** log P(class) */
  prior: number[];
  /** feature → log P(feature | class) per class */
  loglik: Record<string, number[]>;
  /** log P(unseen feature | class) per class */
  unseen: number[];
}

export function bayesFeatures(text: string, subject = ''): string[] {
  const words = tokenize(text)
    .map((t) => t.w)
    .filter((w) => !/^[,;:]$/.test(w))
    .map((w) => (/^\d+([.,]\d+)?$/.test(w) ? '<num>' : w));
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    out.push(words[i]!);
    if (i + 1 < words.length) out.push(words[i]! + ' ' + words[i + 1]!);
  }
  for (const t of tokenize(subject.replace(/^((re|fw|fwd|aw)\s*:\s*)+/gi, ''))) out.push('s:' + t.w);
  return out;
}

export function trainNaiveBayes(docs: string[][], labels: string[], classes: string[], alpha = 0.5): NaiveBayesModel {
  const counts = new Map<string, number[]>();
  const totals = classes.map(() => 0);
  const docsPer = classes.map(() => 0);
  docs.forEach((doc, i) => {
    const c = classes.indexOf(labels[i]!);
    docsPer[c]!++;
    for (const f of new Set(doc)) {
      let row = counts.get(f);
      if (!row) counts.set(f, (row = classes.map(() => 0)));
      row[c]!++;
      totals[c]!++;
    }
  });
  const vocabulary = counts.size + 1;
  const loglik: Record<string, number[]> = {};
  // Sorted keys: the same training data always gives the same file.
  for (const f of [...counts.keys()].sort()) {
    const row = counts.get(f)!;
    if (row.reduce((a, b) => a + b, 0) < 2) continue; // hapaxes add size, not signal
    loglik[f] = row.map((n, c) => round(Math.log((n + alpha) / (totals[c]! + alpha * vocabulary))));
  }
  return {
    classes,
    prior: docsPer.map((n) => round(Math.log((n + 1) / (docs.length + classes.length)))),
    loglik,
    unseen: totals.map((t) => round(Math.log(alpha / (t + alpha * vocabulary)))),
  };
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** Posterior probabilities per class (same order as model.classes). */
export function bayesPosterior(model: NaiveBayesModel, features: string[]): number[] {
  const scores = [...model.prior];
  for (const f of new Set(features)) {
    const row = model.loglik[f];
    if (!row) continue;
    for (let c = 0; c < scores.length; c++) scores[c]! += row[c]! - model.unseen[c]!;
  }
  const max = Math.max(...scores);
  const exp = scores.map((s) => Math.exp(s - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum);
}
