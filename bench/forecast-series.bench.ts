/**
 * npm run bench:forecast-series — the time-series engine on public data, THROUGH the CLI:
 * monthly car sales (Quebec, 1960–1968, 108 months; ../shared/data/monthly-car-sales.csv,
 * or --data FILE). Each origin's history is written to a CSV file and forecast by the real
 * `leadai forecast series FILE --horizon 12 --json`; the forecasts are scored against what
 * happened next.
 *  - hold-out: the last 12 months (reference: seasonal naive MAPE 10.83 %);
 *  - rolling origins: the last 24 (one per month), horizon 12, ending with that hold-out.
 * Targets: MASE < 1 against the seasonal-naive scale; 80 % intervals covering 75–85 %.
 * The point forecast scored is the median (absolute errors are smallest at the median).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mape } from '../src/ai/forecasting/accuracy.ts';
import { scoreOrigin, summarise, type OriginResult } from '../src/ai/forecasting/backtest.ts';
import { printReport } from './report.ts';

const ROOT = join(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: join(ROOT, '..', 'shared', 'data', 'monthly-car-sales.csv') },
    origins: { type: 'string', default: '24' },
    horizon: { type: 'string', default: '12' },
  },
});
const HORIZON = Number(args.horizon);
const ORIGINS = Number(args.origins);
const LAG = 12;

const lines = readFileSync(args.data, 'utf8').trim().split(/\r?\n/);
const header = lines[0]!;
const rows = lines.slice(1);
const values = rows.map((l) => Number(l.split(',').at(-1)));
const dir = mkdtempSync(join(tmpdir(), 'leadai-bench-series-'));

interface CliForecast {
  model: string;
  points: { median: number; mean: number; lower: number; upper: number }[];
}

function forecastViaCli(origin: number): Promise<CliForecast> {
  const path = join(dir, `history-${origin}.csv`);
  writeFileSync(path, [header, ...rows.slice(0, origin)].join('\n') + '\n');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'leadai.js'), 'forecast', 'series', path, '--horizon', String(HORIZON), '--json'], {
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as CliForecast) : reject(new Error(`origin ${origin}: exit ${code}: ${err}`))));
  });
}

const t0 = performance.now();
const origins = Array.from({ length: ORIGINS }, (_, i) => values.length - HORIZON - ORIGINS + 1 + i);
const results: OriginResult[] = new Array(origins.length);
let next = 0;
// Two CLI processes at a time: the machine has two cores.
await Promise.all(
  [0, 1].map(async () => {
    while (next < origins.length) {
      const i = next++;
      const o = origins[i]!;
      const f = await forecastViaCli(o);
      const col = (k: 'median' | 'mean' | 'lower' | 'upper') => f.points.map((p) => p[k]);
      results[i] = scoreOrigin(values.slice(0, o), values.slice(o, o + HORIZON), { model: f.model, median: col('median'), mean: col('mean'), lower: col('lower'), upper: col('upper') }, LAG);
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
rmSync(dir, { recursive: true, force: true });

const hold = results.at(-1)!;
console.log(`\nHold-out: the last ${HORIZON} months, model ${hold.model}`);
console.log(`  ${'month'.padEnd(8)} ${'actual'.padStart(8)} ${'median'.padStart(8)} ${'lower'.padStart(8)} ${'upper'.padStart(8)} ${'s.naive'.padStart(8)}`);
hold.actual.forEach((a, h) => {
  const month = rows[hold.origin + h]!.split(',')[0]!.replaceAll('"', '');
  const cells = [a, hold.median[h]!, hold.lower[h]!, hold.upper[h]!, hold.seasonal_naive[h]!].map((v) => Math.round(v).toString().padStart(8));
  console.log(`  ${month.padEnd(8)} ${cells.join(' ')}`);
});

const rolling = summarise(results);
const holdSummary = summarise([hold]);
// The benchmark scored the same way, for reference.
const snRolling = summarise(results.map((r) => scoreOrigin(values.slice(0, r.origin), r.actual, { model: 'seasonal naive', median: r.seasonal_naive, mean: r.seasonal_naive, lower: r.seasonal_naive, upper: r.seasonal_naive }, LAG)));
const models = new Map<string, number>();
for (const r of results) models.set(r.model, (models.get(r.model) ?? 0) + 1);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r2 = (x: number) => Math.round(x * 100) / 100;

printReport('forecast-series (monthly car sales, through the CLI)', [
  { metric: 'holdout_mape_pct', value: r2(holdSummary.mape) },
  { metric: 'holdout_seasonal_naive_mape_pct', value: r2(mape(hold.actual, hold.seasonal_naive)) },
  { metric: 'holdout_mase_vs_seasonal_naive', value: r3(holdSummary.mase_vs_seasonal_naive) },
  { metric: 'holdout_mase_vs_naive', value: r3(holdSummary.mase_vs_naive) },
  { metric: 'holdout_coverage_80', value: r3(holdSummary.coverage) },
  { metric: 'rolling_origins', value: results.length },
  { metric: 'rolling_mase_vs_seasonal_naive', value: r3(rolling.mase_vs_seasonal_naive) },
  { metric: 'rolling_mase_vs_naive', value: r3(rolling.mase_vs_naive) },
  { metric: 'rolling_mape_pct', value: r2(rolling.mape) },
  { metric: 'rolling_coverage_80', value: r3(rolling.coverage) },
  { metric: 'rolling_seasonal_naive_mase', value: r3(snRolling.mase_vs_seasonal_naive) },
  { metric: 'rolling_seasonal_naive_mape_pct', value: r2(snRolling.mape) },
  { metric: 'models_chosen', value: [...models].map(([m, n]) => `${m} ×${n}`).join('; ') },
  { metric: 'seconds', value: r2(seconds) },
  { metric: 'target_mase_below_1', value: rolling.mase_vs_seasonal_naive < 1 && holdSummary.mase_vs_seasonal_naive < 1 ? 'met' : 'missed' },
  { metric: 'target_coverage_75_85', value: rolling.coverage >= 0.75 && rolling.coverage <= 0.85 ? 'met' : 'missed' },
]);
