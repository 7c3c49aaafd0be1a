import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config.ts';
import type { Database } from '../db/connect.ts';
import { createMetricsService } from '../modules/metrics/metrics.service.ts';
import { resolveCliOrganization } from './organization.ts';
import { createProgress, printJson, printTable } from './output.ts';

type WithDatabase = <T>(config: ReturnType<typeof loadConfig>, fn: (database: Database) => Promise<T>) => Promise<T>;

function parseDay(value: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()) || !d.toISOString().startsWith(value)) {
    throw new InvalidArgumentError('use a date like 2026-11-25.');
  }
  return value;
}

/** `leadai metrics refresh`: the team metrics rollup, now, in this process. */
export function registerMetricsCommand(program: Command, withDatabase: WithDatabase): void {
  const metrics = program.command('metrics').description('Team performance metrics (leads created, qualified, won, revenue, activities, win rate, deal size, velocity per user, team and period).');
  metrics
    .command('refresh')
    .description('Recompute the performance metrics of every period (day, week, month, quarter), or of the periods from --from on. The server keeps them current by itself after changes; run this after loading history by hand.')
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--from <date>', 'recompute only the periods from the one containing this date (YYYY-MM-DD, in the organization\'s time zone)', parseDay)
    .option('--json', 'print the result as JSON')
    .action(async (opts: { org?: string; from?: string; json?: boolean }) => {
      await withDatabase(loadConfig(), async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org);
        const progress = createProgress('Rolling up metrics (steps)', !opts.json);
        const result = await createMetricsService(database.db).rollup(org.id, { ...(opts.from ? { fromDate: opts.from } : { full: true }), onProgress: (done, total) => progress.update(done, total) });
        progress.stop();
        if (opts.json) return printJson({ organization_id: org.id, ...result });
        console.log(`Metrics of "${org.name}" recomputed ${result.from ? `from ${result.from}` : 'for every period'} (time zone ${result.time_zone}) in ${(result.ms.total / 1000).toFixed(1)} s.`);
        printTable(Object.entries(result.periods).map(([period, p]) => ({ period, rows_written: p.written, rows_removed: p.deleted, seconds: (p.ms / 1000).toFixed(1) })));
      });
    });
}
