import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DomainError } from '../shared/errors.ts';
import { printJson, printTable } from './output.ts';
import { readSeriesCsv, type SeriesFile } from './series-csv.ts';

interface SeriesOptions {
  horizon: number;
  level: number;
  json?: boolean;
}

const MAX_HORIZON = 1000;

function horizonArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_HORIZON) {
    throw new InvalidArgumentError(`--horizon is the number of periods to forecast: a whole number from 1 to ${MAX_HORIZON} (got "${value}").`);
  }
  return n;
}

function levelArg(value: string): number {
  const n = Number(value.trim().replace(/%$/, ''));
  if (!Number.isFinite(n) || n <= 0 || n >= 100 || value.trim() === '') {
    throw new InvalidArgumentError(`--level is the interval's coverage in percent, above 0 and below 100, e.g. 80 or 95 (got "${value}").`);
  }
  if (n < 1) throw new InvalidArgumentError(`--level is in percent: ${value} would be a ${n} % interval. Did you mean ${n * 100}?`);
  return n;
}

/**
 * `leadai forecast series FILE --horizon N`: forecasts one time series from a CSV file
 * (a date column and a value column; daily, weekly or monthly) with the ETS engine in
 * src/ai/forecasting, and prints per period the median and the interval. Needs no database.
 */
export function registerForecastSeries(forecast: Command): void {
  // `forecast` has its own --json: without positional options (here and on the program) it would take `series … --json`'s.
  forecast.enablePositionalOptions();
  forecast
    .command('series')
    .description('Forecast one time series from a CSV file: a date column (YYYY-MM, YYYY-MM-DD or ISO date-times; daily, weekly or monthly, no gaps) and a value column.\nPrints, per future period, the median forecast and an interval (the chosen model is named). Needs no database.')
    .argument('<file>', 'the CSV file')
    .requiredOption('--horizon <n>', 'periods to forecast (required)', horizonArg)
    .option('--level <pct>', 'interval level in percent', levelArg, 80)
    .option('--json', 'print one JSON document')
    .action(async (file: string, opts: SeriesOptions) => {
      const info = await stat(file).catch(() => null);
      if (!info || !info.isFile()) throw new DomainError('not_found', `cannot read ${file}: no such file.`);
      const series = readSeriesCsv(await readFile(file, 'utf8'), basename(file));
      // Loaded here, not at the top: the CLI's other commands never pay for the engine.
      const { forecastSeries } = await import('../ai/forecasting/series.ts');
      const level = opts.level / 100;
      // A history that never went below zero (counts, money) keeps its forecasts at ≥ 0.
      const nonNegative = series.values.every((v) => v >= 0);
      const f = forecastSeries(series.values, { frequency: series.frequency, horizon: opts.horizon, level, seed: 1, nonNegative });
      const periods = futurePeriods(series, opts.horizon);
      const round = (v: number) => Number(v.toFixed(series.decimals + (Math.abs(v) < 10 ? 2 : 0)));
      const rows = f.points.map((p, i) => ({ period: periods[i]!, median: round(p.median), lower: round(p.lower), upper: round(p.upper), mean: round(p.mean) }));
      if (opts.json) {
        printJson({
          file,
          date_column: series.dateColumn,
          value_column: series.valueColumn,
          frequency: series.frequency,
          history: { first: series.periods[0], last: series.periods.at(-1), periods: series.values.length },
          horizon: opts.horizon,
          level,
          non_negative: nonNegative,
          model: f.model,
          candidates: f.candidates,
          ...(f.guard ? { guard: f.guard } : {}),
          points: rows,
        });
        return;
      }
      printTable(rows.map((r) => ({ period: label(r.period, series.frequency), median: r.median, lower: r.lower, upper: r.upper })));
      const pct = Number((level * 100).toFixed(1));
      console.log(`\nModel: ${f.model} — ${selection(f)}`);
      console.log(
        `Intervals: ${pct} % — the value should fall between lower and upper in about ${pct} of 100 ${series.frequency === 'daily' ? 'days' : series.frequency === 'weekly' ? 'weeks' : 'months'}; the median is the middle forecast.`,
      );
      console.log(`From ${series.values.length} ${series.frequency} values of "${series.valueColumn}" (${label(series.periods[0]!, series.frequency)} to ${label(series.periods.at(-1)!, series.frequency)}).`);
    });
}

function selection(f: { model: string; candidates: unknown[]; guard?: { origins: number; horizon: number; benchmark: string; chosen_mae: number; benchmark_mae: number } }): string {
  const aicc = `ETS models (${f.candidates.length} fitted) weighted by AICc on each scale`;
  if (!f.guard) return f.candidates.length ? `${aicc} (too short a history to check them on past origins).` : 'too short a history for more than a simple benchmark.';
  const g = f.guard;
  const errors = `mean absolute error ${round3(g.chosen_mae)} against ${round3(g.benchmark_mae)} for ${g.benchmark.toLowerCase()} alone, forecasting ${g.horizon} periods from each of the last ${g.origins} origins`;
  return `${aicc}, combined with ${g.benchmark.toLowerCase()} by their errors on past origins (${errors}).`;
}

const round3 = (v: number) => Number(v.toPrecision(3)).toLocaleString('en-US');

/** The period starts after the history, YYYY-MM-DD. */
function futurePeriods(series: SeriesFile, horizon: number): string[] {
  const last = new Date(`${series.periods.at(-1)!}T00:00:00Z`);
  return Array.from({ length: horizon }, (_, i) => {
    const d = new Date(last);
    if (series.frequency === 'monthly') d.setUTCMonth(d.getUTCMonth() + i + 1);
    else d.setUTCDate(d.getUTCDate() + (i + 1) * (series.frequency === 'weekly' ? 7 : 1));
    return d.toISOString().slice(0, 10);
  });
}

const label = (period: string, frequency: SeriesFile['frequency']) => (frequency === 'monthly' ? period.slice(0, 7) : frequency === 'weekly' ? `week of ${period}` : period);
