import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config.ts';
import type { Database } from '../db/connect.ts';
import { resolveCliOrganization } from './organization.ts';
import { createScoringService } from '../modules/scoring/scoring.service.ts';
import { createProgress, printJson, printTable } from './output.ts';

type WithDatabase = <T>(config: ReturnType<typeof loadConfig>, fn: (database: Database) => Promise<T>) => Promise<T>;

const folds = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > 20) throw new InvalidArgumentError('--folds must be a whole number from 2 to 20.');
  return n;
};

const fmt = (x: unknown) => (typeof x === 'number' ? Math.round(x * 10_000) / 10_000 : x ?? '—');

/** `leadai model …` and `leadai score`: the scoring model from the command line. */
export function registerScoringCommands(program: Command, withDatabase: WithDatabase): void {
  const model = program.command('model').description('Train, evaluate and list the lead-scoring models.');

  model
    .command('train')
    .description("Train a new model on the organization's decided leads (closed won / lost), make it active and rescore every lead.")
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--seed <n>', 'random seed for the cross-validation folds', (v) => Number.parseInt(v, 10), 0)
    .option('--json', 'print the new model as JSON')
    .action(async (opts: { org?: string; seed: number; json?: boolean }) => {
      await withDatabase(loadConfig(), async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org);
        const scoring = createScoringService(database.db);
        const progress = createProgress('Reading decided leads', !opts.json);
        const trained = await scoring.train(org.id, { seed: opts.seed, rescore: 'queued', onProgress: (done, total) => progress.update(done, total ?? done) });
        progress.stop();
        const rescoring = createProgress('Rescoring leads', !opts.json);
        const rescored = await scoring.drainQueue(org.id, (done, total) => rescoring.update(done, total ?? done));
        rescoring.stop();
        const m = trained.metrics;
        if (opts.json) return printJson({ version: trained.version, algorithm: trained.algorithm, training_size: trained.training_size, positives: trained.positives, metrics: m, rescored: rescored.scored });
        console.log(`Model ${trained.version} (${trained.algorithm}) trained on ${trained.training_size} decided leads (${trained.positives} won) and activated.`);
        printTable([{ roc_auc: fmt(m.roc_auc), log_loss: fmt(m.log_loss), brier: fmt(m.brier), folds: m.folds, trees_weight: fmt(m.blend_weight), prior_share: fmt(m.prior_share), calibration: m.calibration_method }]);
        if (m.leaked_features.length > 0) console.log(`Left out as likely outcome columns: ${m.leaked_features.map((l) => `${l.feature} (AUC ${l.auc} alone)`).join(', ')}`);
        console.log(`Rescored ${rescored.scored} leads.`);
      });
    });

  model
    .command('evaluate')
    .description('Cross-validate the model on the decided leads without storing it: ROC AUC, log loss, Brier score, calibration.')
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--folds <k>', 'number of folds', folds, 5)
    .option('--seed <n>', 'random seed for the folds', (v) => Number.parseInt(v, 10), 0)
    .option('--json', 'print the metrics as JSON')
    .action(async (opts: { org?: string; folds: number; seed: number; json?: boolean }) => {
      await withDatabase(loadConfig(), async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org);
        const r = await createScoringService(database.db).evaluate(org.id, { folds: opts.folds, seed: opts.seed });
        if (opts.json) return printJson({ roc_auc: r.roc_auc, log_loss: r.log_loss, brier: r.brier, n: r.n, positives: r.positives, folds: r.folds, logistic: r.info.cv.logistic, gbdt: r.info.cv.gbdt, blend_weight: r.info.blendWeight });
        if (r.folds === 0) console.log(`Only ${r.n} decided leads (${r.positives} won): too few to cross-validate; the model runs on its prior.`);
        printTable([{ n: r.n, won: r.positives, folds: r.folds, roc_auc: fmt(r.roc_auc), log_loss: fmt(r.log_loss), brier: fmt(r.brier), trees_weight: fmt(r.info.blendWeight) }]);
      });
    });

  model
    .command('list')
    .description('List the trained models, newest first, with their cross-validated metrics.')
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--json', 'print as JSON')
    .action(async (opts: { org?: string; json?: boolean }) => {
      await withDatabase(loadConfig(), async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org);
        const rows = await createScoringService(database.db).listModels(org.id);
        if (opts.json) return printJson(rows);
        printTable(rows.map((r) => {
          const m = r.metrics as Record<string, unknown>;
          return { version: r.version, active: r.is_active ? 'yes' : '', algorithm: r.algorithm, trained: r.trained_at, leads: r.training_size, won: r.positives, roc_auc: fmt(m.roc_auc), brier: fmt(m.brier) };
        }));
      });
    });

  program
    .command('score')
    .description('Score the leads waiting for a score (after changes), or every lead with --all.')
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--all', 'rescore every lead of the organization')
    .option('--json', 'print the counts as JSON')
    .action(async (opts: { org?: string; all?: boolean; json?: boolean }) => {
      await withDatabase(loadConfig(), async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org);
        const scoring = createScoringService(database.db);
        const progress = createProgress('Scoring leads', !opts.json);
        const started = performance.now();
        const update = (done: number, total: number | undefined) => progress.update(done, total ?? done);
        const r = opts.all ? await scoring.rescoreAll(org.id, update) : await scoring.drainQueue(org.id, update);
        progress.stop();
        const seconds = (performance.now() - started) / 1000;
        if (opts.json) return printJson({ scored: r.scored, history_rows: r.history, seconds: Math.round(seconds * 100) / 100 });
        console.log(`Scored ${r.scored} leads in ${seconds.toFixed(1)} s (${r.history} score changes recorded).`);
      });
    });
}
