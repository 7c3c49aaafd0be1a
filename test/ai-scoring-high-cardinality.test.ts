import { describe, expect, it } from 'vitest';
import { compareOnHighCardinality, highCardinalityLeads } from '../bench/high-cardinality.ts';
import { explainLead, predictScores, scoringModelFromJson, scoringModelToJson, trainScoringModel } from '../src/ai/scoring/index.ts';
import { conditionalEffects, crossFitted, encodingTable, levelCounts } from '../src/ai/scoring/target-encoding.ts';

/**
 * Issue 20: on leads whose strongest column is a high-cardinality category (hundreds of campaign
 * ids, most seen a handful of times), LeadAI must not lose to a plain regularised logistic
 * regression on one-hot of every level. The feature space used to keep 40 levels at most (the
 * rest pooled as "(other)"); such columns are now target statistics, shrunk and cross-fitted.
 */
describe('a high-cardinality category', () => {
  it('LeadAI as the product trains it is not worse than a plain one-hot L2 logistic regression', () => {
    // 400 campaigns with flat Zipf frequencies: the 40 most frequent carry a fifth of the leads.
    const set = highCardinalityLeads({ n: 4000, levels: 400, zipf: 0.6, levelSd: 1, seed: 3 });
    const r = compareOnHighCardinality(set, 3, 42, { prior: false });
    // The campaign column keeps its levels (those seen 3+ times in the 2,667 training leads).
    expect(r.levelsKept).toBeGreaterThan(200);
    // Cross-validated, same folds; "within noise" is half a hundredth of AUC here. Measured:
    // LeadAI 0.7657, plain 0.7646 (log loss 0.0004 lower); with the 40-level feature space it
    // was 0.7507 (log loss 0.0058 higher).
    expect(r.leadai.auc).toBeGreaterThan(r.plain.auc - 0.005);
    expect(r.leadai.logLoss).toBeLessThan(r.plain.logLoss + 0.003);
    // And the truth is still better than both: the data is not trivially separable.
    expect(r.truth.auc).toBeGreaterThan(r.leadai.auc);
  }, 300_000);

  it('target statistics never see the row they encode, and shrink rare levels towards the target', () => {
    const k = 30;
    const n = 600;
    const codes = Float64Array.from({ length: n }, (_, i) => (i * 7) % k);
    const y = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const before = crossFitted(codes, y, rows, k, null, 0.5);
    const offset = new Float64Array(n).fill(-0.7);
    const effBefore = conditionalEffects(codes, y, rows, k, offset, null);
    for (const i of [0, 5, 123]) {
      const flipped = Uint8Array.from(y);
      flipped[i] = 1 - flipped[i]!;
      // The flipped row's own value is unchanged: its outcome is not in it.
      expect(crossFitted(codes, flipped, rows, k, null, 0.5)[i]).toBe(before[i]);
      expect(conditionalEffects(codes, flipped, rows, k, offset, null).fitted[i]).toBeCloseTo(effBefore.fitted[i]!, 2);
    }
    // Shrinkage: one win in one lead says less than 40 wins in 40 leads; an unseen level is the base rate.
    const big = new Float64Array(200);
    const label = new Uint8Array(200);
    for (let i = 0; i < 200; i++) {
      big[i] = i < 40 ? 0 : i === 40 ? 1 : 2 + (i % 20);
      label[i] = i <= 40 ? 1 : i % 4 === 0 ? 1 : 0;
    }
    const table = encodingTable(levelCounts(big, label, Int32Array.from({ length: 200 }, (_, i) => i), 30), null, 0.5);
    expect(table[0]!).toBeGreaterThan(table[1]!);
    expect(table[1]!).toBeGreaterThan(0);
    expect(table[29]).toBeCloseTo(0, 12);
  });

  it('a model with target-encoded columns round-trips through JSON and its explanations add up', () => {
    const set = highCardinalityLeads({ n: 3000, levels: 120, zipf: 1, levelSd: 1, seed: 5 });
    const d = set.dataset;
    const model = trainScoringModel(d, { seed: 1, gbdtRamp: [0, 1] });
    expect(model.logistic.encodings?.[0]?.length).toBe(121);
    const back = scoringModelFromJson(JSON.parse(JSON.stringify(scoringModelToJson(model))));
    const x = { columns: d.columns.map((c) => c.slice(0, 200)) };
    expect(Array.from(predictScores(back, x).probability)).toEqual(Array.from(predictScores(model, x).probability));
    if (model.gbdt) expect(model.gbdt.encodings?.[0]?.length).toBe(121);
    for (const i of [0, 17, 99]) {
      const e = explainLead(model, d.columns.map((c) => c[i]!));
      const sum = e.contributions.reduce((s, c) => s + c.value, e.baseValue);
      expect(sum).toBeCloseTo(e.raw, 9);
      expect(e.raw).toBeCloseTo(predictScores(model, { columns: d.columns.map((c) => c.slice(i, i + 1)) }).raw[0]!, 9);
    }
  }, 120_000);
});
