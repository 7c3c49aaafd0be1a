/**
 * Scoring-model evaluation: `node bin/run-ts.js bench/scoring-model.bench.ts [--quick] [--json]`.
 *
 * 1. UCI Bank Marketing (/work/shared/data/bank-full.csv, or $BANK_CSV) without the leaking
 *    `duration` column: 5-fold stratified CV of the logistic model, the GBDT and the full
 *    scoring model (blend + calibration), next to scikit-learn's reference figures.
 * 2. Speed: GBDT training on a synthetic 100,000 × 40 dataset and prediction of 1,000,000 rows.
 * 3. A high-cardinality category (generated, known truth; bench/high-cardinality.ts): 20,000
 *    leads whose strongest column is a campaign id with 500 Zipf-distributed levels. LeadAI as
 *    the product trains it (feature space, scoring model) next to a plain L2 logistic regression
 *    on one-hot of every level fitted here. `--high-cardinality` runs this part alone,
 *    `--skip-speed` all but part 2.
 *
 * The column kinds are detected from the values; src/ai knows no column names.
 */
import { readFileSync } from 'node:fs';
import {
  evaluate,
  foldIndices,
  predictGbdtRaw,
  predictLogisticRaw,
  predictScores,
  scoreWithConfidence,
  sigmoid,
  stratifiedKFold,
  subsetMatrix,
  trainGbdt,
  trainLogistic,
  trainScoringModel,
  type Dataset,
  type FeatureMeta,
  type Metrics,
} from '../src/ai/scoring/index.ts';
import { createRng } from '../src/ai/scoring/random.ts';
import { compareOnHighCardinality, highCardinalityLeads } from './high-cardinality.ts';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const CSV = process.env.BANK_CSV ?? '/work/shared/data/bank-full.csv';

function parseCsvLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** A CSV as a Dataset: a column is numeric when every non-empty value parses as a number. */
function loadCsv(path: string, outcome: string, positive: string, drop: string[]): Dataset {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = parseCsvLine(lines[0]!, ';');
  const rows = lines.slice(1).map((l) => parseCsvLine(l, ';'));
  const yIdx = header.indexOf(outcome);
  const y = Uint8Array.from(rows, (r) => (r[yIdx] === positive ? 1 : 0));
  const features: FeatureMeta[] = [];
  const columns: Float64Array[] = [];
  header.forEach((name, j) => {
    if (j === yIdx || drop.includes(name)) return;
    const raw = rows.map((r) => (r[j] ?? '').trim());
    const numeric = raw.every((v) => v === '' || Number.isFinite(Number(v)));
    if (numeric) {
      features.push({ name, kind: 'numeric', group: 'demographic' });
      columns.push(Float64Array.from(raw, (v) => (v === '' ? Number.NaN : Number(v))));
    } else {
      const counts = new Map<string, number>();
      for (const v of raw) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
      const categories = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
      const code = new Map(categories.map((c, i) => [c, i]));
      features.push({ name, kind: 'categorical', group: 'demographic', categories });
      columns.push(Float64Array.from(raw, (v) => code.get(v) ?? Number.NaN));
    }
  });
  return { features, columns, y };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const sd = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / Math.max(1, a.length - 1));

interface Row {
  model: string;
  auc: number;
  aucSd: number;
  logLoss: number;
  brier: number;
  fitSeconds: number;
}

function summarise(model: string, ms: Metrics[], seconds: number): Row {
  return { model, auc: mean(ms.map((m) => m.auc)), aucSd: sd(ms.map((m) => m.auc)), logLoss: mean(ms.map((m) => m.logLoss)), brier: mean(ms.map((m) => m.brier)), fitSeconds: seconds };
}

function bank(): Row[] {
  const d = loadCsv(CSV, 'y', 'yes', ['duration']);
  const n = d.y.length;
  console.log(`bank-full: ${n} rows, ${d.features.length} features (${d.features.filter((f) => f.kind === 'categorical').length} categorical), ${d.y.reduce((s, v) => s + v, 0)} positives; duration dropped`);
  const fold = stratifiedKFold(d.y, 5, 42);
  const res: Record<string, Metrics[]> = { logistic: [], gbdt: [], scoring: [] };
  const time: Record<string, number> = { logistic: 0, gbdt: 0, scoring: 0 };
  let iters = 0;
  for (let f = 0; f < 5; f++) {
    const { train, test } = foldIndices(fold, f);
    const tx = subsetMatrix(d, test);
    const ty = Uint8Array.from(test, (i) => d.y[i]!);
    let t = performance.now();
    const lr = trainLogistic(d, train);
    time.logistic! += performance.now() - t;
    res.logistic!.push(evaluate(ty, Float64Array.from(predictLogisticRaw(lr, tx), sigmoid)));
    t = performance.now();
    const g = trainGbdt({ dataset: d, rows: train }, { seed: f });
    time.gbdt! += performance.now() - t;
    iters += g.info.iterations;
    res.gbdt!.push(evaluate(ty, Float64Array.from(predictGbdtRaw(g, tx), sigmoid)));
    if (!quick) {
      t = performance.now();
      const trainSet: Dataset = { features: d.features, columns: d.columns.map((c) => Float64Array.from(train, (i) => c[i]!)), y: Uint8Array.from(train, (i) => d.y[i]!) };
      const sm = trainScoringModel(trainSet, { seed: f });
      time.scoring! += performance.now() - t;
      res.scoring!.push(evaluate(ty, predictScores(sm, tx).probability));
      if (f === 0) {
        const c = scoreWithConfidence(sm, tx).confidence;
        const sorted = Float64Array.from(c).sort();
        console.log(`  fold 0 scoring model: β = ${sm.blendWeight.toFixed(3)}, calibration ${sm.calibrator.method}, confidence p10/p50/p90 = ${[0.1, 0.5, 0.9].map((q) => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(3)).join(' / ')}`);
      }
    }
  }
  console.log(`  GBDT mean iterations after early stopping: ${(iters / 5).toFixed(0)}`);
  const rows = [summarise('LogisticRegression (prior-centred MAP, λ = 1)', res.logistic!, time.logistic! / 1000), summarise('GBDT (histogram, defaults)', res.gbdt!, time.gbdt! / 1000)];
  if (!quick) rows.push(summarise('Scoring model (CV blend + calibration)', res.scoring!, time.scoring! / 1000));
  return rows;
}

function synthetic(n: number, nf: number, seed: number): Dataset {
  const rng = createRng(seed);
  const features: FeatureMeta[] = [];
  const columns: Float64Array[] = [];
  for (let j = 0; j < nf; j++) {
    const cat = j % 8 === 7;
    features.push({ name: `f${j}`, kind: cat ? 'categorical' : 'numeric', group: 'behavioral', ...(cat ? { categories: Array.from({ length: 20 }, (_, c) => `c${c}`) } : {}) });
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = rng() < 0.05 ? Number.NaN : cat ? Math.floor(rng() * 20) : rng() * 2 - 1;
    columns.push(c);
  }
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = (j: number) => (columns[j]![i]! === columns[j]![i]! ? columns[j]![i]! : 0);
    const z = -1 + 1.5 * v(0) - v(1) + Math.sin(3 * v(2)) + (v(3) * v(4) > 0 ? 0.8 : -0.8) + (v(7) % 4 === 0 ? 1 : 0) + 0.3 * v(5);
    y[i] = rng() < sigmoid(z) ? 1 : 0;
  }
  return { features, columns, y };
}

function speed() {
  const d = synthetic(100_000, 40, 7);
  let t = performance.now();
  const g = trainGbdt({ dataset: d });
  const trainS = (performance.now() - t) / 1000;
  t = performance.now();
  const g2 = trainGbdt({ dataset: d }, { earlyStopping: false, maxIterations: 100, learningRate: 0.1 });
  const train100S = (performance.now() - t) / 1000;
  const big = synthetic(quick ? 200_000 : 1_000_000, 40, 8);
  t = performance.now();
  predictGbdtRaw(g, big);
  const predS = (performance.now() - t) / 1000;
  const rows = big.y.length;
  t = performance.now();
  const lrModel = trainLogistic(d);
  const lrS = (performance.now() - t) / 1000;
  t = performance.now();
  predictLogisticRaw(lrModel, big);
  const lrPredS = (performance.now() - t) / 1000;
  return {
    gbdtTrainSeconds: trainS,
    gbdtIterations: g.info.iterations,
    gbdtLeaves: g.info.leaves,
    gbdtTrain100IterSeconds: train100S,
    gbdt100Leaves: g2.info.leaves,
    predictRows: rows,
    gbdtPredictRowsPerSecond: rows / predS,
    logisticTrainSeconds: lrS,
    logisticPredictRowsPerSecond: rows / lrPredS,
  };
}

const REFERENCE = [
  { model: 'sklearn base rate', auc: 0.5, logLoss: 0.3609, brier: 0.1033 },
  { model: 'sklearn LogisticRegression(C=1)', auc: 0.7655, logLoss: 0.3014, brier: 0.086 },
  { model: 'sklearn HistGradientBoostingClassifier', auc: 0.7986, logLoss: 0.2837, brier: 0.0811 },
];

function highCardinality() {
  const o = { n: quick ? 8_000 : 20_000, levels: quick ? 250 : 500, zipf: 1, levelSd: 1, seed: 1 };
  const set = highCardinalityLeads(o);
  console.log(`\nHigh-cardinality category (generated): ${o.n} leads, campaign with ${o.levels} levels (Zipf ${o.zipf}, effects N(0, ${o.levelSd}²)), visits, days idle, plan; ${set.dataset.y.reduce((a, v) => a + v, 0)} won`);
  const plain = compareOnHighCardinality(set, 5, 42, { prior: false });
  const withPrior = compareOnHighCardinality(set, 5, 42, { prior: true });
  console.log('5-fold stratified CV (held-out means)');
  console.log('| model | ROC AUC | log loss | fit time (5 folds) |\n|---|---|---|---|');
  console.log(`| LeadAI: feature space + scoring model (${plain.levelsKept.toFixed(0)} levels kept) | ${plain.leadai.auc.toFixed(4)} | ${plain.leadai.logLoss.toFixed(4)} | ${plain.leadaiSeconds.toFixed(1)} s |`);
  console.log(`| LeadAI as above, with the cold-start prior (as the product trains) | ${withPrior.leadai.auc.toFixed(4)} | ${withPrior.leadai.logLoss.toFixed(4)} | ${withPrior.leadaiSeconds.toFixed(1)} s |`);
  console.log(`| plain L2 logistic regression (C = 1), one-hot of every level | ${plain.plain.auc.toFixed(4)} | ${plain.plain.logLoss.toFixed(4)} | |`);
  console.log(`| the true probabilities | ${plain.truth.auc.toFixed(4)} | ${plain.truth.logLoss.toFixed(4)} | |`);
  return { noPrior: plain, withPrior };
}

if (args.has('--high-cardinality')) {
  const h = highCardinality();
  if (args.has('--json')) console.log(JSON.stringify({ highCardinality: h }));
  process.exit(0);
}

const bankRows = bank();
console.log('\n5-fold stratified CV, bank-full without duration (held-out means)');
console.log('| model | ROC AUC | log loss | Brier | fit time (5 folds) |\n|---|---|---|---|---|');
for (const r of bankRows) console.log(`| ${r.model} | ${r.auc.toFixed(4)} ± ${r.aucSd.toFixed(4)} | ${r.logLoss.toFixed(4)} | ${r.brier.toFixed(4)} | ${r.fitSeconds.toFixed(1)} s |`);
for (const r of REFERENCE) console.log(`| ${r.model} (reference) | ${r.auc.toFixed(4)} | ${r.logLoss.toFixed(4)} | ${r.brier.toFixed(4)} | |`);
const gb = bankRows[1]!;
console.log(`GBDT target AUC ≥ 0.7986: ${gb.auc >= 0.7986 ? 'met' : 'NOT met'}; Brier ≤ 0.0811: ${gb.brier <= 0.0811 ? 'met' : 'NOT met'}`);

const s = args.has('--skip-speed') ? null : speed();
if (s) {
console.log('\nSpeed (one core)');
console.log(`GBDT training, 100,000 × 40 (defaults, early stopping): ${s.gbdtTrainSeconds.toFixed(2)} s, ${s.gbdtIterations} trees, ${s.gbdtLeaves} leaves`);
console.log(`GBDT training, 100,000 × 40, 100 trees at lr 0.1 without early stopping: ${s.gbdtTrain100IterSeconds.toFixed(2)} s`);
console.log(`GBDT prediction: ${Math.round(s.gbdtPredictRowsPerSecond).toLocaleString('en')} rows/s over ${s.predictRows.toLocaleString('en')} rows`);
console.log(`Logistic training 100,000 × 40: ${s.logisticTrainSeconds.toFixed(2)} s; prediction ${Math.round(s.logisticPredictRowsPerSecond).toLocaleString('en')} rows/s`);
}
const h = highCardinality();
if (args.has('--json')) console.log(JSON.stringify({ bank: bankRows, speed: s, highCardinality: h }));
