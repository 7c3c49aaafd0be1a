import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import type { Database } from '../db/connect.ts';
import { createInsightsService } from '../modules/insights/insights.service.ts';
import { resolveCliOrganization } from './organization.ts';
import { createProgress, printJson, printTable } from './output.ts';

type WithDatabase = <T>(config: ReturnType<typeof loadConfig>, fn: (database: Database) => Promise<T>) => Promise<T>;

/** `leadai insights evaluate`: the periodic insights sweep, now, from the command line. */
export function registerInsightsCommand(program: Command, withDatabase: WithDatabase): void {
  const insights = program.command('insights').description('AI insights: buying signals, churn risk, best contact time, content, next best action, competitors.');
  insights
    .command('evaluate')
    .description("Evaluate every lead of the organization now: expire run-out insights, refresh the organization's statistics, raise and update insights, and update the leads' engagement level, communication preference and optimal contact time.")
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { org?: string; json?: boolean }) => {
      await withDatabase(loadConfig(), async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org);
        const progress = createProgress('Evaluating leads', !opts.json);
        // The server's periodic job keeps running on its own schedule: this run does not add one.
        const service = createInsightsService(database.db);
        const result = await service.refresh(org.id, { progress: (done) => progress.update(done, done), schedule: false });
        progress.stop();
        const rows = await service.openCounts(org.id);
        if (opts.json) return printJson({ organization_id: org.id, ...result, open_by_type: Object.fromEntries(rows.map((r) => [r.insight_type, r.open])) });
        console.log(`Evaluated ${result.leads} leads: ${result.inserted} new insights, ${result.updated} updated, ${result.expired + result.run_out} expired; ${result.leads_updated} leads' behavioural fields changed.`);
        if (rows.length > 0) printTable(rows);
      });
    });
}
