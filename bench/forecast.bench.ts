/**
 * npm run bench:forecast — how good the forecasts are, by rolling-origin backtests (issue 22).
 *
 * (a) The demo organization (seedDemo: 50,000 leads over three years, seed 42, anchor
 *     2026-12-02, on the server database `leadai_bench_forecast`, kept between runs; --fresh
 *     reseeds). Lead volume (weekly, monthly) and won revenue (monthly) in the organization's
 *     time zone, revenue won as outcomes.ts defines it. At each origin T (the starts of the last
 *     12 months; of the last 26 weeks) the product's forecasts service computes its forecast as
 *     of T — from the leads and statuses as they were then, never later ones — and the periods
 *     after T that have fully happened score it: MASE against the in-sample seasonal naive
 *     (lag 12 months / 52 weeks) and naive, MAE against the seasonal-naive forecasts of the same
 *     periods, MAPE, coverage of the 80 % intervals, n. Next to it: the time-series engine alone
 *     on the same history, seasonal naive itself, and the TRUTH — the generator's expected values
 *     (demo.model.ts), the noise floor no forecaster can beat on average. The truth is written to
 *     bench/results/forecast-truth.json.
 * (b) The public monthly car sales series through the CLI `leadai forecast series`
 *     (bench/forecast-series.bench.ts, run as it is).
 * (c) The performance-metrics rollup at 1,000,000 leads (bench/metrics.bench.ts, run as it is).
 *
 * Targets: MASE < 1 against seasonal naive on every series; 80 % intervals covering 75–85 %.
 * Options: --leads N --seed S --anchor YYYY-MM-DD --fresh --parts demo,series,metrics
 * --monthly-origins 12 --monthly-horizon 3 --weekly-origins 26 --weekly-horizon 4
 * --series-data FILE (the car sales CSV when not at ../shared/data/ from the checkout)
 * --db NAME (the server database of the seeded demo, default leadai_bench_forecast).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { forecastSeries } from '../src/ai/forecasting/series.ts';
import { createProgress } from '../src/cli/output.ts';
import { generateOrganization } from '../src/modules/demo/demo.generator.ts';
import { expectedLeadsPerDay } from '../src/modules/demo/demo.model.ts';
import { seedDemo } from '../src/modules/demo/demo.service.ts';
import { openBenchDatabase } from './db.ts';
import {
  actualPeriods, backtest, printScores, seasonalNaiveForecaster, truthForecaster,
  type Forecaster, type Granularity, type Period, type SeriesKey, type SeriesScore,
} from './forecast-backtest.ts';
import { productForecaster } from './forecast-product.ts';
import { estimateWonValueByCycle, truthPerPeriod, wonValueFunction } from './forecast-truth.ts';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    leads: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '42' },
    anchor: { type: 'string', default: '2026-12-02' },
    fresh: { type: 'boolean', default: false },
    parts: { type: 'string', default: 'demo,series,metrics' },
    'monthly-origins': { type: 'string', default: '12' },
    'monthly-horizon': { type: 'string', default: '3' },
    'weekly-origins': { type: 'string', default: '26' },
    'weekly-horizon': { type: 'string', default: '4' },
    'replicate-leads': { type: 'string', default: '30000' },
    /** The server database holding the seeded demo (kept between runs). */
    db: { type: 'string', default: 'leadai_bench_forecast' },
    /** Passed to bench/forecast-series.bench.ts as --data (its default, ../shared/data/…, is relative to the checkout). */
    'series-data': { type: 'string' },
  },
});
const parts = new Set(values.parts.split(','));
const json: Record<string, unknown> = {};

if (parts.has('demo')) json.demo = await demoBacktest();
if (parts.has('series')) {
  const data = values['series-data'] ? ['--data', values['series-data']] : [];
  json.car_sales = await runBench('forecast-series.bench.ts', 'the car sales series through `leadai forecast series`', data);
}
if (parts.has('metrics')) json.metrics_rollup = await runBench('metrics.bench.ts', 'the metrics rollup at 1,000,000 leads', []);
console.log(`\nJSON ${JSON.stringify({ bench: 'bench:forecast', results: json })}`);

async function demoBacktest(): Promise<Record<string, unknown>> {
  const leads = Number(values.leads);
  const seed = Number(values.seed);
  const anchor = new Date(`${values.anchor}T00:00:00Z`);
  const { database } = await openBenchDatabase(values.db, { fresh: values.fresh, poolSize: 4 });
  try {
    const org = generateOrganization(seed);
    const existing = await sql<{ n: number; last: Date | null }>`
      SELECT count(*)::int AS n, max(created_at) AS last FROM leads WHERE organization_id = ${org.id}`.execute(database.db);
    const { n, last } = existing.rows[0]!;
    if (n === 0) {
      const progress = createProgress(`Seeding ${leads.toLocaleString('en-US')} demo leads`, true);
      await seedDemo(database, { leads, seed, anchor, onProgress: progress.update });
      progress.stop();
    } else if (n !== leads || !last || last > anchor || anchor.getTime() - last.getTime() > 2 * 86_400_000) {
      throw new Error(`${values.db} holds the demo for seed ${seed} with ${n} leads up to ${last?.toISOString()}, not ${leads} up to ${anchor.toISOString()}: run with --fresh.`);
    }
    const timeZone = String((org.settings as { timezone?: string }).timezone ?? 'UTC');
    const series: Record<Granularity, Period[]> = {
      weekly: await actualPeriods(database, org.id, 'weekly', timeZone, anchor),
      monthly: await actualPeriods(database, org.id, 'monthly', timeZone, anchor),
    };

    // The truth, from the generator's model and an independent replicate (another seed).
    const started = performance.now();
    const wonValue = estimateWonValueByCycle(seed + 1000, anchor, Number(values['replicate-leads']));
    const intervals = (periods: Period[]) => periods.map((p) => ({ start: p.start, from: p.from.getTime(), to: p.to.getTime() }));
    const truth = {
      weekly: truthPerPeriod(anchor, leads, wonValueFunction(wonValue), intervals(series.weekly)),
      monthly: truthPerPeriod(anchor, leads, wonValueFunction(wonValue), intervals(series.monthly)),
    };
    const truthFile = join(here, 'results', 'forecast-truth.json');
    mkdirSync(dirname(truthFile), { recursive: true });
    writeFileSync(truthFile, `${JSON.stringify({
      note: 'Expected values of the demo generator (src/modules/demo/demo.model.ts), for benchmarks only. Periods are the organization\'s local weeks (ISO, Monday) and months.',
      seed, leads, anchor: anchor.toISOString(), time_zone: timeZone,
      won_value_by_cycle: { ...wonValue, upTo: wonValue.upTo.map((u) => (Number.isFinite(u) ? Math.round(u * 100) / 100 : null)) },
      weekly: truth.weekly.map((t, i) => ({ ...t, actual_lead_volume: series.weekly[i]!.lead_volume, actual_revenue: series.weekly[i]!.revenue })),
      monthly: truth.monthly.map((t, i) => ({ ...t, actual_lead_volume: series.monthly[i]!.lead_volume, actual_revenue: series.monthly[i]!.revenue })),
      daily_lead_volume_utc: expectedLeadsPerDay(anchor, leads),
    }, null, 1)}\n`);
    console.log(`\nTruth written to ${truthFile} (${((performance.now() - started) / 1000).toFixed(1)} s; won value per decided lead from ${wonValue.replicateLeads.toLocaleString('en-US')} leads of seed ${wonValue.replicateSeed})`);

    const forecasters: [string, Forecaster][] = [
      ['LeadAI forecasts', productForecaster(database, org.id)],
      ['engine alone', engineForecaster(series)],
      ['seasonal naive', seasonalNaiveForecaster(series)],
      ['truth', truthForecaster({
        weekly: new Map(truth.weekly.map((t) => [t.start, t])), monthly: new Map(truth.monthly.map((t) => [t.start, t])),
      }, series)],
    ];
    const plan: { granularity: Granularity; origins: number; horizon: number; series: SeriesKey[] }[] = [
      { granularity: 'monthly', origins: Number(values['monthly-origins']), horizon: Number(values['monthly-horizon']), series: ['lead_volume', 'revenue'] },
      { granularity: 'weekly', origins: Number(values['weekly-origins']), horizon: Number(values['weekly-horizon']), series: ['lead_volume'] },
    ];
    const scores: SeriesScore[] = [];
    const timings: Record<string, number> = {};
    for (const [name, forecaster] of forecasters) {
      const t0 = performance.now();
      for (const p of plan) scores.push(...(await backtest(name, forecaster, series[p.granularity], p)));
      timings[name] = Math.round((performance.now() - t0) / 100) / 10;
    }
    const order = (s: SeriesScore) => `${s.series}:${s.granularity}`;
    scores.sort((a, b) => order(a).localeCompare(order(b)));
    printScores(`bench:forecast (a) demo organization, ${leads.toLocaleString('en-US')} leads, seed ${seed}, anchor ${values.anchor}, ${timeZone}`, scores);
    console.log(`  seconds per forecaster (all origins): ${Object.entries(timings).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return { leads, seed, anchor: anchor.toISOString(), scores, seconds: timings };
  } finally {
    await database.close();
  }
}

/** The time-series engine on the organization's own past series (what it knew at the origin). */
function engineForecaster(series: Record<Granularity, readonly Period[]>): Forecaster {
  return async (origin, granularity, horizon) => {
    const periods = series[granularity];
    const o = periods.findIndex((p) => p.from.getTime() >= origin.getTime());
    const band = (key: SeriesKey) => {
      const f = forecastSeries(periods.slice(0, o).map((p) => p[key]), { frequency: granularity, horizon, level: 0.8, seed: 1, nonNegative: true });
      return f.points.map((pt, h) => ({
        period_start: periods[o + h]?.start ?? '', predicted_value: pt.median, confidence_lower: pt.lower, confidence_upper: pt.upper,
      }));
    };
    return { lead_volume: band('lead_volume'), revenue: band('revenue') };
  };
}

/** Another benchmark, run as it is; its JSON line comes back as its results. */
async function runBench(file: string, what: string, args: string[]): Promise<unknown> {
  const path = join(here, file);
  if (!existsSync(path)) {
    console.log(`\n(${what}: bench/${file} is not in this tree yet; skipped)`);
    return null;
  }
  console.log(`\n— ${what}: bench/${file}`);
  const child = spawn(process.execPath, [join(here, '..', 'bin', 'run-ts.js'), path, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    process.stdout.write(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`bench/${file} failed (exit code ${code})`);
  const line = out.split('\n').reverse().find((l) => l.startsWith('JSON '));
  return line ? (JSON.parse(line.slice(5)) as { results?: unknown }).results ?? null : null;
}
