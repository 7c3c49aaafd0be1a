/**
 * npm run bench:scoring [-- --quick] — lead scoring through the product's own services on
 * the PostgreSQL server (scoring issue):
 *
 * (a) Demo data (`seedDemo`, 20,000 leads, seed 42, anchor 2026-11-25): 5-fold
 *     cross-validated ROC AUC, log loss and Brier score from `createScoringService(db).evaluate`,
 *     next to the same metrics of the demo's TRUE probabilities (`demo_lead_truth`, readable
 *     only by the owner role) on the same decided leads. Target: within 0.01 AUC of the truth.
 *     Then the deal value if won (`evaluateDealValues`): 5-fold cross-validated mean absolute
 *     error and median absolute % error of the won deals' predicted values, against predicting
 *     the training folds' median and against the segment model it replaced, the held-out
 *     coverage of the 80 % interval; and after training and scoring, the new leads' predicted
 *     values (how many distinct, their spread) and the "New" column's total.
 * (b) UCI Bank Marketing (/work/shared/data/bank-full.csv) imported through the CSV import
 *     exactly as `leadai import FILE --mapping …` does (`importLocalFile`), without the leaking
 *     `duration`, then `evaluate`; next to scikit-learn's figures. Targets: AUC ≥ 0.7986
 *     (HistGradientBoosting), Brier ≤ 0.0811.
 * (c) `train` on ≥ 100,000 decided leads (a demo organization of 150,000 leads), with the
 *     signal read (scoring.queries `loadSignals`, same batches as the service) timed apart.
 *     Target: under 20 s.
 * (d) `rescoreAll` on that organization, end to end (read signals, score, explain, write):
 *     leads/s. Target: 50,000 leads/s.
 *
 * The import refuses rows without an email or an external id, and then rows without a name,
 * email or company; the bank file has none of them. The benchmark writes a temporary copy of
 * the file with two extra leading columns, `row_id` (the row number, mapped to external_id)
 * and `name` ("Client <row>", mapped to full_name; names are not a scoring feature). Nothing
 * else in the file is changed.
 *
 * Databases leadai_bench_scoring_{demo,bank,train} are dropped and recreated at the start and
 * dropped at the end (--keep keeps them). --quick: demo 5,000 leads, training org 20,000;
 * --demo-leads N, --train-leads N, --parts a,b,c (c includes d) to run less while developing.
 * --reuse: part (c) runs on the training database a --keep run left (no seeding); its scores
 * and history are reset before (d), so the first pass is a first scoring again.
 * --floor: after (d), the write floor in rolled-back transactions: one set-based UPDATE of
 * every lead's score fields, and one INSERT of as many lead_scores rows as (d) wrote.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { brierScore, logLoss, rocAuc } from '../src/ai/scoring/metrics.ts';
import { createProgress } from '../src/cli/output.ts';
import { openDatabase, type Database } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { withTenant } from '../src/db/tenant.ts';
import { seedDemo } from '../src/modules/demo/demo.service.ts';
import { importLocalFile } from '../src/modules/imports/imports.service.ts';
import { createOrganization } from '../src/modules/organizations/organizations.service.ts';
import { loadSignals, type SignalRow } from '../src/modules/scoring/scoring.queries.ts';
import { createAnalysisService } from '../src/modules/analysis/analysis.service.ts';
import { createScoringService } from '../src/modules/scoring/scoring.service.ts';
import { printReport } from './report.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'demo-leads': { type: 'string' },
    'train-leads': { type: 'string' },
    seed: { type: 'string', default: '42' },
    anchor: { type: 'string', default: '2026-11-25' },
    bank: { type: 'string', default: process.env.BANK_CSV ?? '/work/shared/data/bank-full.csv' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    floor: { type: 'boolean', default: false },
    /** Which parts to run (c includes d): for development; the benchmark is all three. */
    parts: { type: 'string', default: 'a,b,c' },
    suffix: { type: 'string' },
  },
});
const quick = values.quick === true;
const demoLeads = Number(values['demo-leads'] ?? (quick ? 5_000 : 20_000));
const trainLeads = Number(values['train-leads'] ?? (quick ? 20_000 : 150_000));
const seed = Number(values.seed);
const anchor = new Date(`${values.anchor}T00:00:00Z`);
const parts = new Set(values.parts.split(','));
const FOLDS = 5;
const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
// --suffix NAME: databases of their own, for runs side by side on one server.
const suffix = values.suffix ? `_${values.suffix.replace(/[^a-z0-9_]/gi, '').toLowerCase()}` : '';
const NAMES = { demo: `leadai_bench_scoring_demo${suffix}`, bank: `leadai_bench_scoring_bank${suffix}`, train: `leadai_bench_scoring_train${suffix}` } as const;
const urlOf = (name: string) => {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
};

const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
const selected = ([['a', NAMES.demo], ['b', NAMES.bank], ['c', NAMES.train]] as const).filter(([part]) => parts.has(part)).map(([, name]) => name);
const reusing = values.reuse === true && (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [NAMES.train])).rowCount === 1;
for (const name of selected) {
  if (reusing && name === NAMES.train) continue;
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
}

async function open(name: string): Promise<Database> {
  const database = await openDatabase({ kind: 'server', url: urlOf(name), poolSize: 4 });
  await migrate(database.db);
  return database;
}
const seconds = (since: number) => (performance.now() - since) / 1000;
const r2 = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10_000) / 10_000);
const fmt = (x: number | null | undefined) => (r4(x) === null ? 'n/a' : r4(x)!.toFixed(4));
const triple = (m: { auc?: number | null; logLoss?: number | null; brier?: number | null } | null | undefined) => (m ? `${fmt(m.auc)} / ${fmt(m.logLoss)} / ${fmt(m.brier)}` : 'n/a');
const rows: { metric: string; value: string | number }[] = [];
const json: Record<string, unknown> = { quick, seed, anchor: values.anchor };

// (a) Demo data: cross-validated model vs the demo's true probabilities ---------------------
if (parts.has('a')) {
  const database = await open(NAMES.demo);
  const progress = createProgress(`(a) seeding ${demoLeads.toLocaleString('en-US')} demo leads`, true);
  let t = performance.now();
  const demo = await seedDemo(database, { leads: demoLeads, seed, anchor, onProgress: progress.update });
  progress.stop();
  const seedSeconds = seconds(t);
  await sql`ANALYZE`.execute(database.db);
  // What the running product does next: analyse every conversation (tone, intents), then score.
  t = performance.now();
  const { analysed, activities } = await createAnalysisService(database.db).drain(demo.organizationId);
  const analysisSeconds = seconds(t);
  const scoring = createScoringService(database.db);
  t = performance.now();
  const cv = await scoring.evaluate(demo.organizationId, { folds: FOLDS, seed: 0 });
  const evalSeconds = seconds(t);
  // The plain handle is the owner role: the only one that may read the truth (no RLS grant).
  const truth = (
    await sql<{ p: number; won: boolean }>`
      SELECT t.true_probability AS p, l.status = 'closed_won' AS won
      FROM demo_lead_truth AS t JOIN leads AS l ON l.organization_id = t.organization_id AND l.id = t.lead_id
      WHERE t.organization_id = ${demo.organizationId} AND l.status IN ('closed_won', 'closed_lost')`.execute(database.db)
  ).rows;
  const y = Uint8Array.from(truth, (r) => (r.won ? 1 : 0));
  const p = Float64Array.from(truth, (r) => r.p);
  const t3 = { auc: rocAuc(y, p), logLoss: logLoss(y, p), brier: brierScore(y, p) };
  const gap = cv.roc_auc !== null ? t3.auc - cv.roc_auc : null;
  rows.push(
    { metric: '(a) demo leads (seed, anchor)', value: `${demoLeads.toLocaleString('en-US')} (seed ${seed}, ${values.anchor}), seeded in ${r2(seedSeconds)} s` },
    { metric: '(a) conversations + activities analysed (items/s)', value: `${analysed.toLocaleString('en-US')} + ${activities.toLocaleString('en-US')} in ${r2(analysisSeconds)} s (${Math.round((analysed + activities) / Math.max(1e-9, analysisSeconds)).toLocaleString('en-US')}/s)` },
    { metric: '(a) decided leads (won)', value: `${cv.n.toLocaleString('en-US')} (${cv.positives.toLocaleString('en-US')}); truth rows: ${truth.length.toLocaleString('en-US')}` },
    { metric: `(a) model, ${FOLDS}-fold CV: AUC / log loss / Brier`, value: triple({ auc: cv.roc_auc, logLoss: cv.log_loss, brier: cv.brier }) },
    { metric: '(a)   logistic part / trees part: AUC', value: `${fmt(cv.info.cv.logistic?.auc)} / ${fmt(cv.info.cv.gbdt?.auc)} (blend weight ${fmt(cv.info.blendWeight)}, ${cv.info.calibration.method})` },
    { metric: '(a) true probabilities: AUC / log loss / Brier', value: triple(t3) },
    { metric: '(a) AUC gap (truth − model)', value: gap === null ? 'n/a' : gap.toFixed(4) },
    { metric: '(a) evaluate time (s)', value: r2(evalSeconds) },
    { metric: '(a) target: within 0.01 AUC of the truth', value: gap !== null && gap <= 0.01 ? 'met' : 'missed' },
  );
  json.demo = { leads: demoLeads, decided: cv.n, won: cv.positives, truth_rows: truth.length, model: { roc_auc: r4(cv.roc_auc), log_loss: r4(cv.log_loss), brier: r4(cv.brier), logistic_auc: r4(cv.info.cv.logistic?.auc), gbdt_auc: r4(cv.info.cv.gbdt?.auc), blend_weight: r4(cv.info.blendWeight), calibration: cv.info.calibration.method }, truth: { roc_auc: r4(t3.auc), log_loss: r4(t3.logLoss), brier: r4(t3.brier) }, auc_gap: r4(gap), seed_s: r2(seedSeconds), evaluate_s: r2(evalSeconds) };

  // Deal value if won: k-fold CV on the won deals (each fold's model learned from the other
  // folds), against predicting the training folds' median and the segment model it replaced.
  t = performance.now();
  const deal = await scoring.evaluateDealValues(demo.organizationId, { folds: FOLDS, seed: 0 });
  const dealSeconds = seconds(t);
  // Then as the product runs: train, score every lead, and look at the new leads' values.
  await scoring.train(demo.organizationId, { seed: 0, rescore: 'queued' });
  await scoring.drainQueue(demo.organizationId);
  const fresh = (await withTenant(database.db, { organizationId: demo.organizationId }, (tx) => sql<{ n: number; distinct: number; p10: number; p50: number; p90: number; total: number }>`
    SELECT count(*)::int AS n, count(DISTINCT predicted_value)::int AS distinct,
      percentile_cont(0.1) WITHIN GROUP (ORDER BY predicted_value)::float8 AS p10, percentile_cont(0.5) WITHIN GROUP (ORDER BY predicted_value)::float8 AS p50,
      percentile_cont(0.9) WITHIN GROUP (ORDER BY predicted_value)::float8 AS p90, sum(coalesce(deal_value, predicted_value))::float8 AS total
    FROM leads WHERE status = 'new'`.execute(tx))).rows[0]!;
  const money = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  rows.push(
    { metric: `(a) deal value, ${FOLDS}-fold CV: won deals`, value: deal.wonDeals.toLocaleString('en-US') },
    { metric: '(a) deal value MAE: model / training median / segment model', value: `${money(deal.model.mae)} / ${money(deal.model.medianMae)} / ${money(deal.segments.mae)} (model ÷ median ${(deal.model.mae / deal.model.medianMae).toFixed(3)})` },
    { metric: '(a) deal value median abs. % error: model / median / segments', value: `${pct(deal.model.mdape)} / ${pct(deal.model.medianMdape)} / ${pct(deal.segments.mdape)}` },
    { metric: '(a) deal value 80 % interval: held-out deals inside', value: pct(deal.model.coverage) },
    { metric: '(a) deal value: distinct held-out estimates (model / segments)', value: `${deal.distinct.model.toLocaleString('en-US')} / ${deal.distinct.segments}` },
    { metric: '(a) new leads: n, distinct predicted values, p10 / p50 / p90', value: `${fresh.n}, ${fresh.distinct}, ${money(fresh.p10)} / ${money(fresh.p50)} / ${money(fresh.p90)}` },
    { metric: '(a) "New" column total (deal value, else predicted)', value: money(fresh.total) },
    { metric: '(a) deal value CV time (s)', value: r2(dealSeconds) },
  );
  json.demo = {
    ...(json.demo as object),
    deal_value: {
      folds: FOLDS, won_deals: deal.wonDeals, cv_s: r2(dealSeconds),
      mae: { model: r2(deal.model.mae), median: r2(deal.model.medianMae), segments: r2(deal.segments.mae) },
      mdape: { model: r4(deal.model.mdape), median: r4(deal.model.medianMdape), segments: r4(deal.segments.mdape) },
      coverage_80: r4(deal.model.coverage), distinct_estimates: deal.distinct,
      new_leads: { n: fresh.n, distinct: fresh.distinct, p10: r2(fresh.p10), p50: r2(fresh.p50), p90: r2(fresh.p90), column_total: r2(fresh.total) },
    },
  };
  await database.close();
}

// (b) UCI Bank Marketing through the product's CSV import ----------------------------------
if (parts.has('b')) {
  const database = await open(NAMES.bank);
  const { organization } = await createOrganization(database.db, { name: 'Bank Marketing (UCI)', adminEmail: `bench-${Date.now()}@bench.example`, adminPassword: 'correct horse battery' });
  // The file has no email, id, name or company column, and the import needs an email or an id
  // and a name, email or company per row: a copy with two leading columns, the row number
  // (external_id) and "Client <row>" (full_name). Same delimiter, the rest of each line unchanged.
  const dir = mkdtempSync(join(tmpdir(), 'leadai-bench-scoring-'));
  const file = join(dir, 'bank-full.csv');
  {
    const out = createWriteStream(file);
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(values.bank), crlfDelay: Infinity })) {
      if (line.length === 0) continue;
      const ok = out.write(`${n === 0 ? '"row_id";"name"' : `${n};"Client ${n}"`};${line}\n`);
      n++;
      if (!ok) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    out.end();
    await new Promise<void>((resolve) => out.on('finish', () => resolve()));
  }
  // What a user would pass as --mapping: the outcome, its values, the leaking column left out,
  // the id; and the columns the automatic mapping took for lead fields (job → job_title,
  // contact → full_name, campaign → campaign) kept as custom fields, as the data means them.
  const mapping = {
    columns: { row_id: 'external_id', name: 'full_name', y: 'status', job: 'custom', contact: 'custom', campaign: 'custom' },
    values: { status: { yes: 'closed_won', no: 'closed_lost' } },
    ignore: ['duration'],
  };
  const progress = createProgress('(b) importing bank-full.csv (bytes)', true);
  let t = performance.now();
  const imported = await importLocalFile(database.db, { organizationId: organization.id, path: file, override: mapping, onProgress: progress.update });
  progress.stop();
  const importSeconds = seconds(t);
  rmSync(dir, { recursive: true, force: true });
  if (imported.counts.created === 0) throw new Error(`(b) the import created no lead (${imported.counts.rejected} rejected): see import_errors in ${NAMES.bank} (--keep)`);
  await sql`ANALYZE`.execute(database.db);
  const scoring = createScoringService(database.db);
  t = performance.now();
  const cv = await scoring.evaluate(organization.id, { folds: FOLDS, seed: 0 });
  const evalSeconds = seconds(t);
  const mapped = Object.entries(imported.mapping.columns).map(([c, target]) => `${c}→${target}`).join(', ');
  rows.push(
    { metric: '(b) bank rows imported: created / updated / rejected', value: `${imported.counts.created} / ${imported.counts.updated} / ${imported.counts.rejected}` },
    { metric: '(b) import time (s)', value: r2(importSeconds) },
    { metric: '(b) import rows/s', value: Math.round(imported.counts.rows / importSeconds) },
    { metric: '(b) decided leads (won)', value: `${cv.n.toLocaleString('en-US')} (${cv.positives.toLocaleString('en-US')})` },
    { metric: `(b) model, ${FOLDS}-fold CV: AUC / log loss / Brier`, value: triple({ auc: cv.roc_auc, logLoss: cv.log_loss, brier: cv.brier }) },
    { metric: '(b)   logistic part / trees part: AUC', value: `${fmt(cv.info.cv.logistic?.auc)} / ${fmt(cv.info.cv.gbdt?.auc)} (blend weight ${fmt(cv.info.blendWeight)}, ${cv.info.calibration.method})` },
    { metric: '(b) scikit-learn LR: AUC / log loss / Brier', value: '0.7655 / 0.3014 / 0.0860' },
    { metric: '(b) scikit-learn HistGradientBoosting', value: '0.7986 / 0.2837 / 0.0811' },
    { metric: '(b) evaluate time (s)', value: r2(evalSeconds) },
    { metric: '(b) target: AUC ≥ 0.7986', value: cv.roc_auc !== null && cv.roc_auc >= 0.7986 ? 'met' : 'missed' },
    { metric: '(b) target: Brier ≤ 0.0811', value: cv.brier !== null && cv.brier <= 0.0811 ? 'met' : 'missed' },
  );
  json.bank = {
    rows: imported.counts.rows, created: imported.counts.created, updated: imported.counts.updated, rejected: imported.counts.rejected, import_s: r2(importSeconds), mapping: mapped,
    decided: cv.n, won: cv.positives, model: { roc_auc: r4(cv.roc_auc), log_loss: r4(cv.log_loss), brier: r4(cv.brier), logistic_auc: r4(cv.info.cv.logistic?.auc), gbdt_auc: r4(cv.info.cv.gbdt?.auc), blend_weight: r4(cv.info.blendWeight), calibration: cv.info.calibration.method }, evaluate_s: r2(evalSeconds),
  };
  await database.close();
}

// (c) Training time and (d) batch scoring on a large demo organization ----------------------
if (parts.has('c')) {
  const database = await open(NAMES.train);
  let t = performance.now();
  let organizationId: string;
  if (reusing) {
    // The organization with the leads (createOrganization-only ones have none).
    organizationId = (await sql<{ id: string }>`SELECT organization_id AS id FROM leads GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`.execute(database.db)).rows[0]!.id;
  } else {
    const progress = createProgress(`(c) seeding ${trainLeads.toLocaleString('en-US')} demo leads`, true);
    organizationId = (await seedDemo(database, { leads: trainLeads, seed, anchor, onProgress: progress.update })).organizationId;
    progress.stop();
  }
  const seedSeconds = reusing ? 0 : seconds(t);
  await sql`ANALYZE`.execute(database.db);
  const scoring = createScoringService(database.db);

  // The read alone: the same query and batches (5,000 by id) as the service's loadSignals.
  t = performance.now();
  let read = 0;
  for (let after: string | null = null; ; ) {
    const cursor: string | null = after;
    const batch: SignalRow[] = await withTenant(database.db, { organizationId }, (tx) => loadSignals(tx, { kind: 'closed', after: cursor, limit: 5000 }, new Date()));
    read += batch.length;
    if (batch.length < 5000) break;
    after = batch[batch.length - 1]!.id;
  }
  const readSeconds = seconds(t);

  t = performance.now();
  const trained = await scoring.train(organizationId, { seed: 0 });
  const trainSeconds = seconds(t);
  const fitSeconds = Math.max(0, trainSeconds - readSeconds);
  const total = Number((await database.db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', organizationId).executeTakeFirstOrThrow()).n);

  // (d) Every lead, end to end. The first pass gives every lead its first score, so every
  // lead is explained and gets a history row; a second pass with the same model is the
  // steady state (unchanged scores: no explanation, no history).
  if (reusing) {
    // As after seeding: no score, no history (as the owner role; not timed).
    await sql`DELETE FROM lead_scores WHERE organization_id = ${organizationId}`.execute(database.db);
    await sql`UPDATE leads SET current_score = 0, score_confidence = 0, conversion_probability = NULL, predicted_value = NULL WHERE organization_id = ${organizationId}`.execute(database.db);
    await sql`VACUUM (ANALYZE) leads, lead_scores`.execute(database.db);
  }
  const scoreProgress = createProgress(`(d) rescoring ${total.toLocaleString('en-US')} leads`, true);
  t = performance.now();
  const first = await scoring.rescoreAll(organizationId, (done, all) => scoreProgress.update(done, all ?? total));
  scoreProgress.stop();
  const firstSeconds = seconds(t);
  t = performance.now();
  const second = await scoring.rescoreAll(organizationId);
  const secondSeconds = seconds(t);
  const m = trained.metrics;
  const phases = (p: typeof first.phases) => Object.entries(p).map(([k, ms]) => `${k} ${r2(ms / 1000)}`).join(', ');
  let floor: { update_s: number; update_leads_per_s: number; insert_s: number; insert_rows: number; insert_rows_per_s: number } | null = null;
  if (values.floor) {
    // What the write costs at the least: one statement each, as the owner role, rolled back.
    const client = new pg.Client({ connectionString: urlOf(NAMES.train) });
    await client.connect();
    await client.query('BEGIN');
    let f = performance.now();
    const updated = await client.query('UPDATE leads SET current_score = (current_score + 1) % 101, conversion_probability = 1 - coalesce(conversion_probability, 0) WHERE organization_id = $1', [organizationId]);
    const updateSeconds = seconds(f);
    await client.query('ROLLBACK');
    await client.query('BEGIN');
    f = performance.now();
    const inserted = await client.query(`INSERT INTO lead_scores (organization_id, lead_id, score, confidence, model_version, conversion_probability, demographic_score, behavioral_score, temporal_score, conversational_score, explanation, recommendations)
      SELECT organization_id, lead_id, score, confidence, model_version, conversion_probability, demographic_score, behavioral_score, temporal_score, conversational_score, explanation, recommendations FROM lead_scores WHERE organization_id = $1`, [organizationId]);
    const insertSeconds = seconds(f);
    await client.query('ROLLBACK');
    await client.end();
    floor = { update_s: r2(updateSeconds), update_leads_per_s: Math.round((updated.rowCount ?? 0) / updateSeconds), insert_s: r2(insertSeconds), insert_rows: inserted.rowCount ?? 0, insert_rows_per_s: Math.round((inserted.rowCount ?? 0) / insertSeconds) };
  }
  rows.push(
    { metric: '(c) organization: leads / decided (won)', value: `${total.toLocaleString('en-US')} / ${m.n.toLocaleString('en-US')} (${m.positives.toLocaleString('en-US')}), seeded in ${r2(seedSeconds)} s` },
    { metric: '(c) read signals of the decided leads (s)', value: `${r2(readSeconds)} (${read.toLocaleString('en-US')} leads, ${Math.round(read / readSeconds).toLocaleString('en-US')}/s)` },
    { metric: '(c) train, total (s)', value: r2(trainSeconds) },
    { metric: '(c)   of which model fit etc. ≈ total − read (s)', value: r2(fitSeconds) },
    { metric: '(c) trained model CV: AUC / log loss / Brier', value: triple({ auc: m.roc_auc, logLoss: m.log_loss, brier: m.brier }) },
    { metric: '(c) target: train < 20 s', value: trainSeconds < 20 ? 'met' : 'missed' },
    { metric: '(d) rescoreAll, first scores (s)', value: `${r2(firstSeconds)} (${first.scored.toLocaleString('en-US')} scored, ${first.history.toLocaleString('en-US')} history rows)` },
    { metric: '(d) rescoreAll, first scores: leads/s', value: Math.round(first.scored / firstSeconds) },
    { metric: '(d) rescoreAll, unchanged scores (s)', value: `${r2(secondSeconds)} (${second.scored.toLocaleString('en-US')} scored, ${second.history.toLocaleString('en-US')} history rows)` },
    { metric: '(d) rescoreAll, unchanged scores: leads/s', value: Math.round(second.scored / secondSeconds) },
    { metric: '(d) first scores, phases summed over batches (s)', value: phases(first.phases) },
    { metric: '(d) unchanged scores, phases summed over batches (s)', value: phases(second.phases) },
    ...(floor ? [
      { metric: '(d) floor: one UPDATE of every lead\'s score (s, leads/s)', value: `${floor.update_s} (${floor.update_leads_per_s.toLocaleString('en-US')}/s)` },
      { metric: '(d) floor: one INSERT of the history rows (s, rows/s)', value: `${floor.insert_s} (${floor.insert_rows.toLocaleString('en-US')} rows, ${floor.insert_rows_per_s.toLocaleString('en-US')}/s)` },
    ] : []),
    { metric: '(d) target: 50,000 leads/s', value: first.scored / firstSeconds >= 50_000 ? 'met' : second.scored / secondSeconds >= 50_000 ? 'met (steady state only)' : 'missed' },
  );
  json.train = {
    leads: total, decided: m.n, won: m.positives, seed_s: r2(seedSeconds), read_s: r2(readSeconds), read_leads: read, train_s: r2(trainSeconds), fit_s: r2(fitSeconds), service_training_ms: m.training_ms,
    model: { roc_auc: r4(m.roc_auc), log_loss: r4(m.log_loss), brier: r4(m.brier) },
  };
  json.rescore = {
    first: { scored: first.scored, history: first.history, seconds: r2(firstSeconds), leads_per_s: Math.round(first.scored / firstSeconds), phases_ms: first.phases },
    unchanged: { scored: second.scored, history: second.history, seconds: r2(secondSeconds), leads_per_s: Math.round(second.scored / secondSeconds), phases_ms: second.phases },
    floor,
  };
  await database.close();
}

if (!values.keep) for (const name of selected) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.end();

printReport('bench:scoring', rows);
console.log(`JSON ${JSON.stringify({ bench: 'bench:scoring', detail: json })}`);
