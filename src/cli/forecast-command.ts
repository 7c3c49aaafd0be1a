import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import type { Database } from '../db/connect.ts';
import { withTenant } from '../db/tenant.ts';
import { forecastsView } from '../modules/forecasts/forecasts.api.ts';
import { createForecastsService } from '../modules/forecasts/forecasts.service.ts';
import { money } from '../modules/forecasts/forecasts.settings.ts';
import { resolveCliOrganization } from './organization.ts';
import { createProgress, printJson, printTable } from './output.ts';

type WithDatabase = <T>(config: ReturnType<typeof loadConfig>, fn: (database: Database) => Promise<T>) => Promise<T>;

/**
 * `leadai forecast`: a forecast run now (as the nightly job makes it), then the monthly
 * revenue forecast with its band, the scenarios and the top drivers. Subcommands (e.g.
 * `forecast series`) hang off the returned command.
 */
export function registerForecastCommand(program: Command, withDatabase: WithDatabase): Command {
  return program
    .command('forecast')
    .description('Forecast revenue, lead volume, conversion rate and deal velocity of an organization now, with intervals (also run nightly by the server), and print the monthly revenue forecast.')
    .option('--org <id-or-name>', 'organization (default: the only one)')
    .option('--json', 'print the monthly forecasts as JSON (the body of GET /api/v1/forecasts?granularity=monthly)')
    .action(async (opts: { org?: string; json?: boolean }) => {
      await withDatabase(loadConfig(), async (database) => {
        const org = await resolveCliOrganization(database.db, opts.org);
        const service = createForecastsService(database.db);
        const progress = createProgress('Forecasting', !opts.json);
        const started = performance.now();
        const run = await service.generate(org.id, { progress: (done, total) => progress.update(done, total ?? done) });
        progress.stop();
        const seconds = (performance.now() - started) / 1000;
        const view = forecastsView(await withTenant(database.db, { organizationId: org.id }, (tx) => service.read(tx, org.id, 'monthly')), 'monthly');
        if (opts.json) return printJson({ organization_id: org.id, run_id: run.run_id, rows: run.rows, backtests: run.backtests, seconds: Math.round(seconds * 100) / 100, ...view });
        const c = view.currency;
        const pct = Math.round(view.level * 100);
        const revenue = view.series.revenue;
        console.log(`Forecast for "${org.name}" made in ${seconds.toFixed(1)} s (${run.rows} rows, ${run.backtests} past periods backtested). Model: ${revenue.model ?? '—'}.`);
        console.log(`\nRevenue by month (median, and the ${pct} % interval):`);
        printTable(revenue.points.map((p) => ({
          month: p.period_start.slice(0, 7),
          median: money(p.predicted_value, c),
          [`${pct}% low`]: money(p.confidence_lower, c),
          [`${pct}% high`]: money(p.confidence_upper, c),
          actual: p.actual === null ? '' : money(p.actual, c),
        })));
        const current = revenue.points.find((p) => p.current);
        if (current) {
          const s = current.scenarios;
          console.log(`\nScenarios for ${current.period_start.slice(0, 7)}: worst ${money(s.worst, c)} · expected ${money(s.expected, c)} · best ${money(s.best, c)}`);
          if (s.categories) console.log(`Categories: closed ${money(s.categories.closed, c)} · commit ${money(s.categories.commit, c)} · best case ${money(s.categories.best_case, c)} · pipeline ${money(s.categories.pipeline, c)}`);
          console.log('\nTop drivers:');
          for (const d of [...current.key_drivers].sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect)).slice(0, 6)) console.log(`  - ${d.label}`);
        }
        const a = view.accuracy.revenue;
        if (a.periods > 0) console.log(`\nPast ${a.periods} months: actual revenue inside the ${pct} % band ${a.inside} times.`);
      });
    });
}
