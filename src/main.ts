import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { loadConfig, type Config } from './config.ts';
import { openDatabase, type Database } from './db/connect.ts';
import { liveHolder } from './db/data-dir-lock.ts';
import { importViaServer } from './cli/import-via-server.ts';
import { migrate } from './db/migrate.ts';
import type { createApp } from './app.ts';
import { createOrganization, listOrganizations } from './modules/organizations/organizations.service.ts';
import { resolveCliOrganization } from './cli/organization.ts';
import { readFile, writeFile } from 'node:fs/promises';
import { DomainError } from './shared/errors.ts';
import { VERSION } from './modules/system/system.service.ts';
import { createLogger, flushLogger } from './shared/logger.ts';
import { createProgress, printJson, printTable, reportError } from './cli/output.ts';
import { registerScoringCommands } from './cli/scoring-commands.ts';
import { registerAnalyzeCommand } from './cli/analyze-command.ts';
import { registerInsightsCommand } from './cli/insights-command.ts';
import { registerForecastCommand } from './cli/forecast-command.ts';
import { registerForecastSeries } from './cli/forecast-series-command.ts';
import { registerMetricsCommand } from './cli/metrics-command.ts';
import { registerPrivacyCommand } from './cli/privacy-command.ts';
import { registerRetentionCommand } from './cli/retention-command.ts';
import { requestFullRollup } from './modules/metrics/metrics.service.ts';

/**
 * The `leadai` command line. Each command opens the configured database (embedded by
 * default, DATABASE_URL for a server), applies pending migrations, does one job, exits.
 */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // Commander has already printed help, the version or a usage error.
    process.exitCode = error instanceof CommanderError ? error.exitCode : reportError(error, running);
  }
}

// The whole server (app.ts), the demo generator (faker) and the import pipeline are loaded by the
// commands that use them, not by every start: about 2.5 s of CPU off `leadai --help`, `org list`…
/** The demo generator's DEFAULT_DEMO_SEED (a test pins that they agree). */
export const DEMO_SEED = 42;

/** The command being run ('serve', 'model train' …): the data folder's lock names it to other processes. */
let running = 'leadai';

const integer = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
  }
  return n;
};

async function withDatabase<T>(config: Config, fn: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(config.database, { purpose: running });
  try {
    await migrate(database.db);
    return await fn(database);
  } finally {
    await database.close();
  }
}

export function buildProgram(): Command {
  const program = new Command('leadai')
    .description('LeadAI: self-hostable, AI-native lead management.\nUses the embedded database in ./data (LEADAI_DATA_DIR), or the PostgreSQL server in DATABASE_URL.')
    .version(VERSION)
    // Options belong to the command they follow: `forecast --json` and `forecast series F --json`
    // are two commands' options (commander needs this on every ancestor).
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });
  program.exitOverride();
  program.hook('preAction', (_program, command) => {
    const names: string[] = [];
    for (let c: Command | null = command; c && c !== program; c = c.parent) names.unshift(c.name());
    running = names.join(' ');
  });

  program
    .command('serve')
    .description('Run the server (HTTP API, web app, background workers). `npm start` runs this on port 3000 or PORT.')
    .option('-p, --port <n>', 'port to listen on (default: PORT or 3000)', integer('--port', 0, 65535))
    .option('--host <host>', 'interface to listen on (default: HOST or 127.0.0.1)')
    .action(async (opts: { port?: number; host?: string }) => {
      const config = loadConfig();
      const logger = createLogger(config);
      // Opened here rather than by createApp: the lock on an embedded folder says 'serve',
      // and gets the address once the server listens.
      const database = await openDatabase(config.database, { purpose: 'serve' });
      if (database.lock?.tookOverFrom) {
        const dead = database.lock.tookOverFrom;
        logger.warn({ previous_pid: dead.pid, previous_command: dead.command, since: dead.started_at }, 'the previous process on this data folder stopped without closing the database; recovering it');
      }
      let app: Awaited<ReturnType<typeof createApp>>;
      try {
        app = await (await import('./app.ts')).createApp(config, logger, { database });
      } catch (error) {
        await database.close();
        throw error;
      }
      const port = opts.port ?? config.port;
      const host = opts.host ?? config.host;
      let address: string;
      try {
        address = await app.server.listen({ port, host });
      } catch (error) {
        await app.close();
        throw error;
      }
      database.lock?.setUrl(address.replace('127.0.0.1', 'localhost'));
      // The banner comes last, after the start-up logs (written asynchronously), not among them.
      await flushLogger(logger);
      const where = config.database.kind === 'embedded' ? `embedded database in ${config.database.dataDir}` : 'PostgreSQL server (DATABASE_URL)';
      console.log(`\nLeadAI ${VERSION} is running at ${address.replace('127.0.0.1', 'localhost')} on the ${where}.`);
      if (app.demo) {
        console.log(`Demo organization "${app.demo.organizationName}" created with ${app.demo.counts.leads} leads.`);
        console.log(`Sign in as ${app.demo.adminEmail} with password ${app.demo.password}`);
      }
      console.log('Press Ctrl+C to stop.\n');
      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        logger.info({ signal }, 'shutting down');
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });

  program
    .command('migrate')
    .description('Apply pending database migrations (also done automatically on start).')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      const database = await openDatabase(config.database, { purpose: running });
      try {
        const report = await migrate(database.db);
        if (opts.json) printJson(report);
        else if (report.applied.length === 0) console.log(`Database is up to date (${report.alreadyApplied} migrations applied).`);
        else for (const m of report.applied) console.log(`applied ${m.version}_${m.name} (${m.durationMs} ms)`);
      } finally {
        await database.close();
      }
    });

  program
    .command('seed')
    .description('Create a demo organization with realistic leads, activities, conversations and journeys.')
    .requiredOption('--demo', 'generate the demo organization (the only kind of seed for now)')
    .option('--leads <n>', 'number of leads', integer('--leads', 1, 10_000_000), 2000)
    .option('--seed <s>', 'random seed: the same seed gives the same data', integer('--seed', 0, 2 ** 31 - 1), DEMO_SEED)
    .addOption(new Option('--anchor <date>', '"today" of the data set, YYYY-MM-DD (default: today)').argParser(parseDate))
    .option('--json', 'print the result as JSON')
    .action(async (opts: { leads: number; seed: number; anchor?: Date; json?: boolean }) => {
      const config = loadConfig();
      await withDatabase(config, async (database) => {
        const progress = createProgress('Generating leads', !opts.json);
        const { seedDemo, startOfUtcDay } = await import('./modules/demo/demo.service.ts');
        const result = await seedDemo(database, {
          leads: opts.leads,
          seed: opts.seed,
          anchor: opts.anchor ?? startOfUtcDay(),
          onProgress: progress.update,
        });
        progress.stop();
        // The generator copies without triggers: the server computes its team metrics when it starts.
        await requestFullRollup(database.db, result.organizationId);
        if (opts.json) return printJson(result);
        console.log(`\nCreated "${result.organizationName}" (${result.organizationId}) in ${result.seconds} s:`);
        printTable([{ ...result.counts }]);
        console.log(`\nSign in as ${result.adminEmail} with password ${result.password}`);
      });
    });

  const org = program.command('org').description('Manage organizations.');
  org
    .command('create')
    .description('Create an organization with its first admin user.')
    .argument('<name>', 'organization name')
    .requiredOption('--admin-email <email>', "the first admin's email (their login)")
    .requiredOption('--admin-password <password>', `the first admin's password (at least 10 characters)`)
    .option('--admin-name <name>', "the first admin's full name")
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { adminEmail: string; adminPassword: string; adminName?: string; json?: boolean }) => {
      const config = loadConfig();
      await withDatabase(config, async (database) => {
        const { organization, admin } = await createOrganization(database.db, {
          name,
          adminEmail: opts.adminEmail,
          adminPassword: opts.adminPassword,
          ...(opts.adminName ? { adminName: opts.adminName } : {}),
        });
        const result = {
          organization: { id: organization.id, name: organization.name },
          admin: { id: admin.id, email: admin.email, role: admin.role },
        };
        if (opts.json) printJson(result);
        else console.log(`Created organization "${organization.name}" (${organization.id}) with admin ${admin.email}.`);
      });
    });
  org
    .command('list')
    .description('List organizations with their numbers of users and leads.')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadConfig();
      await withDatabase(config, async (database) => {
        const rows = await listOrganizations(database.db);
        if (opts.json) printJson(rows);
        else printTable(rows.map((r) => ({ id: r.id, name: r.name, users: r.users, leads: r.leads, created: r.created_at })));
      });
    });

  program
    .command('import')
    .description('Import leads from a CSV file: HubSpot, Salesforce and Pipedrive exports or any spreadsheet (`,` `;` or tab separated; UTF-8 or Windows-1252).\nColumns are matched to lead fields automatically; the rest become custom fields. Importing the same file again updates, never duplicates (by email or external id).\nAn interrupted import resumes where it stopped when run again.\nWhen a running `leadai serve` holds the embedded database, set LEADAI_API_KEY (an API key from Settings → API keys) to send the file to that server instead.')
    .argument('<file>', 'the CSV file')
    .option('--org <id-or-name>', 'the organization (default: the only one)')
    .option('--mapping <file>', 'JSON overriding the automatic mapping, e.g. {"columns": {"Converted": "status"}, "values": {"status": {"1": "closed_won", "0": "closed_lost"}}, "ignore": ["Notes"]}')
    .option('--dry-run', 'check every row and show what would happen, without writing anything')
    .option('--errors <file>', 'write the rejected rows (original columns, line, reason) to this CSV file')
    .option('--batch-size <n>', 'rows per transaction', integer('--batch-size', 1, 100_000), 5000)
    .option('--writers <n>', 'batches written at once (PostgreSQL server only; worth it with spare cores)', integer('--writers', 1, 16), 1)
    .option('--bulk', 'load in bulk: one transaction that locks the leads table, drops its secondary indexes and rebuilds them at the end (faster for a large first import into a nearly empty table; nobody can use leads meanwhile). Default: automatic, on a PostgreSQL server for 100,000+ rows into a leads table holding fewer than half as many')
    .option('--no-bulk', 'never load in bulk: resumable batches, the table stays in use')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { org?: string; mapping?: string; dryRun?: boolean; errors?: string; batchSize: number; writers: number; bulk?: boolean; json?: boolean }, command: Command) => {
      const config = loadConfig();
      let override: unknown;
      if (opts.mapping) {
        const text = await readFile(opts.mapping, 'utf8').catch(() => {
          throw new DomainError('not_found', `There is no mapping file at ${opts.mapping}.`);
        });
        try {
          override = JSON.parse(text);
        } catch (error) {
          throw new DomainError('validation', `The mapping file ${opts.mapping} is not valid JSON: ${(error as Error).message}`);
        }
      }
      // The folder held by a running server, and an API key to reach it: the server imports.
      const apiKey = process.env.LEADAI_API_KEY;
      const holder = config.database.kind === 'embedded' && apiKey ? liveHolder(config.database.dataDir) : undefined;
      if (apiKey && holder?.command === 'serve' && holder.url) {
        if (opts.dryRun) {
          throw new DomainError('validation', `--dry-run runs in this process, and the server at ${holder.url} holds the database. Check the mapping and preview in the import wizard (${holder.url}/leads/import), or stop the server and run this again.`);
        }
        for (const name of ['batchSize', 'writers'] as const) {
          if (command.getOptionValueSource(name) === 'cli') console.error(`Note: --${name === 'batchSize' ? 'batch-size' : 'writers'} applies to imports run in this process; the server uses its own.`);
        }
        return importViaServer({ server: { ...holder, url: holder.url }, apiKey, file, org: opts.org, override, errors: opts.errors, bulk: opts.bulk, json: opts.json });
      }
      await withDatabase(config, async (database) => {
        const organization = await resolveCliOrganization(database.db, opts.org);
        const progress = createProgress('Importing (bytes)', !opts.json && !opts.dryRun);
        const { importLocalFile, localErrorsCsv } = await import('./modules/imports/imports.service.ts');
        const result = await importLocalFile(database.db, {
          organizationId: organization.id, path: file, override, dryRun: opts.dryRun === true, batchSize: opts.batchSize, writers: database.mode === 'server' ? opts.writers : 1, onProgress: progress.update,
          bulk: opts.bulk === undefined ? 'auto' : opts.bulk ? 'on' : 'off',
        });
        progress.stop();
        let errorsWritten: string | undefined;
        if (opts.errors && result.import_id && result.counts.rejected > 0) {
          await writeFile(opts.errors, (await localErrorsCsv(database.db, organization.id, result.import_id)).csv);
          errorsWritten = opts.errors;
        }
        if (opts.json) {
          return printJson({ ...result.counts, import_id: result.import_id, dry_run: result.dry_run, resumed: result.resumed, ...(result.mode ? { mode: result.mode.mode, mode_reason: result.mode.reason } : {}), organization, file: result.file, mapping: result.mapping, ...(result.errors ? { errors: result.errors } : {}), ...(result.preview ? { preview: result.preview } : {}) });
        }
        const f = result.file;
        console.log(`${f.name}: ${f.size.toLocaleString('en-US')} bytes, ${f.encoding}${f.bom ? ' with BOM' : ''}, delimiter ${JSON.stringify(f.delimiter)}`);
        printTable(Object.entries(result.mapping.columns).map(([column, target]) => ({ column, target })));
        if (result.dry_run) {
          console.log(`\nDry run, nothing written. ${result.counts.rows} rows: ${result.counts.created} would be created, ${result.counts.updated} updated, ${result.counts.rejected} rejected.`);
          for (const e of (result.errors ?? []).slice(0, 20)) console.log(`  line ${e.line}: ${e.reason}`);
          return;
        }
        console.log(`\n${result.resumed ? 'Resumed and finished' : 'Imported'} ${result.counts.rows} rows into "${organization.name}": ${result.counts.created} created, ${result.counts.updated} updated, ${result.counts.rejected} rejected.`);
        if (result.mode) console.log(`Mode: ${result.mode.mode === 'bulk' ? 'bulk' : 'batches'} (${result.mode.reason}).`);
        if (result.counts.rejected > 0) {
          console.log(errorsWritten ? `Rejected rows with their reasons: ${errorsWritten}` : `Rejected rows: run again with --errors FILE, or GET /api/v1/imports/${result.import_id}/errors.`);
        }
      });
    });
  registerScoringCommands(program, withDatabase);
  registerAnalyzeCommand(program);
  registerInsightsCommand(program, withDatabase);
  // `forecast` makes the organization's forecasts; `forecast series FILE` forecasts any one series.
  registerForecastSeries(registerForecastCommand(program, withDatabase));
  registerMetricsCommand(program, withDatabase);
  registerPrivacyCommand(program, withDatabase);
  registerRetentionCommand(program, withDatabase);

  return program;
}

function parseDate(value: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError('use a date like 2026-11-25.');
  }
  return new Date(`${value}T00:00:00Z`);
}
