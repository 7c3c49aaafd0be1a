import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config.ts';
import type { Database } from '../db/connect.ts';
import { createRetentionService, DEFAULT_BATCH_SIZE, type RetentionReport } from '../modules/retention/retention.service.ts';
import { resolveCliOrganization } from './organization.ts';
import { createProgress, printJson, printTable } from './output.ts';

type WithDatabase = <T>(config: ReturnType<typeof loadConfig>, fn: (database: Database) => Promise<T>) => Promise<T>;

function batchSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('use a whole number from 1 to 10000.');
  return n;
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '');

function printReport(r: RetentionReport, orgName: string): void {
  const dry = r.dry_run;
  console.log(dry
    ? `Retention preview for "${orgName}" as of ${r.as_of}${r.configured ? '' : ' (no policies saved yet: these are the proposed defaults, and a real run is refused until they are saved)'}:`
    : `Retention run for "${orgName}": ${r.total_deleted} rows deleted in ${r.batches} batches of at most ${r.batch_size}.`);
  printTable(r.categories.map((c) => ({
    category: c.label,
    keep: c.window === null ? 'forever' : `${c.window} ${c.unit}`,
    cutoff: day(c.cutoff),
    [dry ? 'would_delete' : 'deleted']: dry ? c.due : c.deleted,
    oldest: day(c.oldest),
    newest: day(c.newest),
    ...(dry ? { sample_ids: c.sample_ids.slice(0, 2).join(' ') } : {}),
  })));
  if (dry) console.log(r.total_due === 0 ? 'Nothing is due.' : `${r.total_due} rows are due. Run without --dry-run to delete them.`);
}

/** `leadai retention run`: the organization's retention policies, enforced now in this process. */
export function registerRetentionCommand(program: Command, withDatabase: WithDatabase): void {
  const retention = program.command('retention').description('Data retention: delete what the organization\'s policies (Settings → Retention) no longer keep.');
  retention
    .command('run')
    .description('Delete what is due now under the saved policies, oldest first, in small batches (each its own short transaction); the server does this nightly at 03:00 in the organization\'s time zone. Records a retention.run audit entry.')
    .option('--dry-run', 'only report what would be deleted (counts, dates, sample ids); change nothing')
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--batch-size <n>', `rows per transaction (default ${DEFAULT_BATCH_SIZE})`, batchSize)
    .option('--json', 'print the report as JSON')
    .action(async (opts: { dryRun?: boolean; org?: string; batchSize?: number; json?: boolean }) => {
      await withDatabase(loadConfig(), async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org);
        const service = createRetentionService(database.db);
        const progress = createProgress('Deleting (rows)', !opts.json && !opts.dryRun);
        const report = await service.run(org.id, {
          dryRun: opts.dryRun === true, allowDefaults: true, ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
          progress: (done, total) => progress.update(done, total),
        });
        progress.stop();
        if (opts.json) return printJson(report);
        printReport(report, org.name);
      });
    });
}
