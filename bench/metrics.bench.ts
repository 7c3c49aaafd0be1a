/**
 * npm run bench:metrics [-- --leads N --db NAME --fresh] — the team metrics rollup of every
 * period (day, ISO week, month, quarter; per user, team and the organization) over a demo
 * organization of N leads (default 1,000,000) on the PostgreSQL server (DATABASE_URL, default
 * the local server). The seeded database (default leadai_bench_metrics) is kept between runs:
 * seeding 1M leads takes minutes, the rollup is what is measured. Prints the time of each
 * stage and the total; the target (issue 22) is a full rollup in under 60 s. Then a rollup of
 * today's changes only (what the job does after an edit).
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createProgress } from '../src/cli/output.ts';
import { seedDemo } from '../src/modules/demo/demo.service.ts';
import { createMetricsService } from '../src/modules/metrics/metrics.service.ts';
import { openBenchDatabase } from './db.ts';
import { printReport } from './report.ts';

const { values } = parseArgs({ options: { leads: { type: 'string', default: '1000000' }, db: { type: 'string', default: 'leadai_bench_metrics' }, fresh: { type: 'boolean', default: false } } });
const leads = Number(values.leads);
const { database } = await openBenchDatabase(values.db, { fresh: values.fresh, poolSize: 4 });
try {
  const biggest = async () => (await sql<{ organization_id: string; n: number }>`
    SELECT organization_id, count(*)::int AS n FROM leads GROUP BY organization_id ORDER BY n DESC LIMIT 1`.execute(database.db)).rows[0];
  let org = await biggest();
  if (!org || org.n < leads) {
    if (org) throw new Error(`${values.db} holds an organization of ${org.n} leads, fewer than ${leads}: run with --fresh to seed it again.`);
    const progress = createProgress(`Seeding ${leads.toLocaleString('en-US')} leads (once; kept in ${values.db})`, true);
    await seedDemo(database, { leads, seed: 42, anchor: new Date('2026-11-25T00:00:00Z'), onProgress: progress.update });
    progress.stop();
    await sql`ANALYZE`.execute(database.db);
    org = (await biggest())!;
  }
  const counts = (await sql<{ events: number; activities: number }>`
    SELECT (SELECT count(*)::int FROM journey_events WHERE organization_id = ${org.organization_id} AND event_type = 'status_change') AS events,
           (SELECT count(*)::int FROM activities WHERE organization_id = ${org.organization_id} AND completed_at IS NOT NULL) AS activities`.execute(database.db)).rows[0]!;
  const metrics = createMetricsService(database.db);
  const full = await metrics.rollup(org.organization_id, { full: true });
  const rows = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM performance_metrics WHERE organization_id = ${org.organization_id}`.execute(database.db)).rows[0]!.n;
  // After an edit: the changes of today (this day, week, month and quarter recomputed).
  const recent = await metrics.rollup(org.organization_id, { from: new Date() });
  const s = (ms: number) => Math.round(ms / 100) / 10;
  printReport('bench:metrics', [
    { metric: 'leads', value: org.n },
    { metric: 'status changes', value: counts.events },
    { metric: 'completed activities', value: counts.activities },
    { metric: 'rows written (all periods)', value: rows },
    { metric: 'seconds: facts by day', value: s(full.ms.days) },
    ...Object.entries(full.periods).map(([period, p]) => ({ metric: `seconds: ${period} rows (${p.written})`, value: s(p.ms) })),
    { metric: 'seconds: full rollup, total', value: s(full.ms.total) },
    { metric: 'target: seconds', value: 60 },
    { metric: 'meets target', value: org.n >= 1_000_000 ? String(full.ms.total < 60_000) : 'n/a (fewer than 1M leads)' },
    { metric: `seconds: rollup of today's changes (from ${recent.from})`, value: s(recent.ms.total) },
  ]);
} finally {
  await database.close();
}
