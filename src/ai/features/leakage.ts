import { rocAuc } from '../scoring/metrics.ts';
import type { EncodedLeads } from './feature-space.ts';

/**
 * The last line of the leakage guard. Outcome fields never reach the features (see
 * signals.ts), but an organization's own columns can carry the outcome under another name
 * ("Converted", "Contract signed", "Customer since"). A single feature that separates won
 * from lost almost perfectly on its own is far more likely such a column than a real
 * predictor: it is left out of the model, and the model's metrics say so.
 */
export const LEAK_AUC = 0.98;
const MIN_ROWS = 50;

export function singleFeatureAuc(column: Float64Array, kind: 'numeric' | 'categorical', y: Uint8Array): number {
  const n = y.length;
  const score = new Float64Array(n);
  if (kind === 'categorical') {
    // Each category scored by its own win rate (missing as a category of its own).
    const won = new Map<number, number>();
    const all = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const c = Number.isNaN(column[i]!) ? -1 : column[i]!;
      all.set(c, (all.get(c) ?? 0) + 1);
      won.set(c, (won.get(c) ?? 0) + y[i]!);
    }
    for (let i = 0; i < n; i++) {
      const c = Number.isNaN(column[i]!) ? -1 : column[i]!;
      score[i] = won.get(c)! / all.get(c)!;
    }
  } else {
    for (let i = 0; i < n; i++) score[i] = Number.isNaN(column[i]!) ? -Number.MAX_VALUE : column[i]!;
  }
  const auc = rocAuc(y, score);
  return Math.max(auc, 1 - auc);
}

/** Names of features that look like the outcome itself (empty below 50 decided leads). */
export function suspectedLeaks(encoded: EncodedLeads, y: Uint8Array): { feature: string; auc: number }[] {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  if (y.length < MIN_ROWS || pos === 0 || pos === y.length) return [];
  const out: { feature: string; auc: number }[] = [];
  encoded.features.forEach((f, j) => {
    const auc = singleFeatureAuc(encoded.columns[j]!, f.kind, y);
    if (auc >= LEAK_AUC) out.push({ feature: f.name, auc: Math.round(auc * 1000) / 1000 });
  });
  return out;
}
