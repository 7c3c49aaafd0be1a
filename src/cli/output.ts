import cliProgress from 'cli-progress';
import { ConfigError } from '../config.ts';
import { MigrationError } from '../db/migrate.ts';
import { DomainError } from '../shared/errors.ts';

/** What the CLI prints: tables for people, JSON (`--json`) for scripts. Errors to stderr. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printTable(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 19).replace('T', ' ') : String(v ?? ''));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => cell(row[c]))));
}

/**
 * A progress bar on a terminal; on a pipe (CI, logs) a line every 10 % instead, so long
 * work is visible without filling a log with carriage returns.
 */
export function createProgress(label: string, enabled: boolean) {
  if (!enabled) return { update: (_done: number, _total: number) => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done: number, total: number) {
        if (!started) {
          bar.start(total, done);
          started = true;
        } else bar.update(done);
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastDecile = -1;
  return {
    update(done: number, total: number) {
      const decile = Math.floor((done / Math.max(1, total)) * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        process.stderr.write(`${label}: ${done}/${total} (${decile * 10}%)\n`);
      }
    },
    stop: () => {},
  };
}

/** One place that turns any failure into a message a person can act on, and an exit code. */
export function reportError(error: unknown): number {
  if (error instanceof ConfigError) {
    console.error(error.message);
    console.error('Fix the environment variables above (see README.md, "Configuration") and try again.');
    return 78;
  }
  if (error instanceof DomainError) {
    console.error(`Error: ${error.message}`);
    return error.code === 'not_found' ? 3 : error.code === 'conflict' ? 4 : 2;
  }
  if (error instanceof MigrationError) {
    console.error(`Error: ${error.message}`);
    return 1;
  }
  const code = (error as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01') {
    console.error(`Error: cannot reach the database (${code}): ${(error as Error).message}`);
    console.error('Check DATABASE_URL, or unset it to use the embedded database.');
    return 1;
  }
  console.error('Unexpected error:', error instanceof Error ? (error.stack ?? error.message) : error);
  return 1;
}
