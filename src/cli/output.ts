import cliProgress from 'cli-progress';
import { ConfigError } from '../config.ts';
import { DataDirInUseError, isCliCommand } from '../db/data-dir-lock.ts';
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

const FILE_PROBLEMS: Record<string, string> = {
  EEXIST: 'a file is in the way where a folder should be',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'this user may not write there',
  EPERM: 'this user may not write there',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
};

/** Exit code when the embedded data folder is held by another process (EX_TEMPFAIL: try again later). */
export const EXIT_DATA_DIR_IN_USE = 75;

/**
 * One place that turns any failure into a message a person can act on, and an exit code.
 * `command` is the command that failed ('serve', 'import' …), for advice that depends on it.
 */
export function reportError(error: unknown, command = 'leadai'): number {
  if (error instanceof DataDirInUseError) {
    console.error(`Error: ${error.message}`);
    console.error(dataDirAdvice(error, command));
    return EXIT_DATA_DIR_IN_USE;
  }
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
  const { syscall, path } = error as { syscall?: string; path?: string };
  if (syscall !== 'listen' && path && code && FILE_PROBLEMS[code]) {
    console.error(`Error: cannot use ${path}: ${FILE_PROBLEMS[code]} (${code}).`);
    console.error('Choose a path this user may create and write, on a disk with space; the embedded database lives in LEADAI_DATA_DIR (default ./data).');
    return 1;
  }
  if (syscall === 'listen') {
    const { port, address } = error as { port?: number; address?: string };
    console.error(`Error: cannot listen on ${address ?? 'that address'}${port === undefined ? '' : ` port ${port}`}: ${
      code === 'EADDRINUSE' ? 'another program is using it' : code === 'EACCES' ? 'this user may not use that port' : 'this machine has no such address'}.`);
    console.error('Choose another with --port N (or PORT=N) and --host H (or HOST=H), or stop the program using it.');
    return 1;
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '3D000' || code === '28P01') {
    console.error(`Error: cannot reach the database (${code}): ${(error as Error).message}`);
    console.error('Check DATABASE_URL, or unset it to use the embedded database.');
    return 1;
  }
  console.error('Unexpected error:', error instanceof Error ? (error.stack ?? error.message) : error);
  return 1;
}

/** What to do when another process holds the embedded data folder, by who holds it and what was asked. */
function dataDirAdvice(error: DataDirInUseError, command: string): string {
  const { holder } = error;
  if (error.unverifiable) return 'Or give this command its own folder with LEADAI_DATA_DIR.';
  const stop = `kill ${holder.pid}`;
  if (holder.command !== 'serve') return `Wait for ${isCliCommand(holder.command) ? `\`leadai ${holder.command}\`` : holder.command} to finish (or stop it: ${stop}), then run this again.`;
  if (command === 'serve') {
    return [
      holder.url ? `LeadAI is already running: open ${holder.url}.` : 'Another LeadAI server is starting on this folder.',
      `To restart it, stop that one first (Ctrl+C in its terminal, or ${stop}). A second server needs its own LEADAI_DATA_DIR,`,
      'or run both on one PostgreSQL server (DATABASE_URL), which admits many processes.',
    ].join('\n');
  }
  const lines = [`Stop the server (Ctrl+C in its terminal, or ${stop}), run this again, then start the server again.`];
  if (command === 'import') {
    lines.push(`Or import through the running server: the Import screen at ${holder.url ?? 'its address'}/leads/import, or run this again with`);
    lines.push('LEADAI_API_KEY=<an admin\'s API key, from Settings → API keys> to send the file to it.');
  }
  lines.push('To run commands next to a server, use a PostgreSQL server (DATABASE_URL): it admits many processes.');
  return lines.join('\n');
}
