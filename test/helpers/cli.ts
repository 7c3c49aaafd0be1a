import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServerDatabase, SERVER_URL } from './db.ts';

/** The real `leadai` binary, as a user runs it. */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'leadai.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliDataOptions {
  /**
   * An empty data folder and an empty server database, as on a user's very first start: for
   * tests whose subject is that start (migrating, first-run messages). By default both are
   * copies of the database migrated once in global-setup.ts, so a `leadai` subprocess does not
   * spend seconds migrating (in WASM, embedded) before it does what the test is about. A copy
   * holds no organization yet, so the demo organization of a first `serve` is still created.
   */
  empty?: boolean;
}

/**
 * Points `env` (LEADAI_DATA_DIR set, DATABASE_URL '') at data for `leadai` subprocesses: in
 * embedded mode fills the folder LEADAI_DATA_DIR with a copy of the migrated one (the folder
 * must not exist yet, or be empty); with DATABASE_URL set creates a new server database and
 * puts its URL into env.DATABASE_URL. Both migrated unless `empty` (see CliDataOptions).
 * Returns what drops the server database (removing the folder is the caller's).
 */
export async function prepareCliData(env: NodeJS.ProcessEnv, options: CliDataOptions = {}): Promise<() => Promise<void>> {
  if (SERVER_URL) {
    const created = await createServerDatabase({ migrated: !options.empty });
    env.DATABASE_URL = created.url;
    return created.drop;
  }
  if (!options.empty) {
    const source = process.env.LEADAI_TEST_DATA_DIR;
    if (!source) throw new Error('LEADAI_TEST_DATA_DIR is not set: the global setup in vitest.config.ts did not run');
    if (!env.LEADAI_DATA_DIR) throw new Error('prepareCliData: env.LEADAI_DATA_DIR is not set');
    cpSync(source, env.LEADAI_DATA_DIR, { recursive: true });
  }
  return async () => {};
}

/**
 * Runs `fn` with an environment for `leadai` subprocesses pointed at data of their own: a new
 * data folder (embedded), and with DATABASE_URL set a new server database too, both migrated
 * unless `empty` (CliDataOptions). Both are removed afterwards, whatever happens.
 */
export async function withCliData<T>(
  prefix: string,
  fn: (env: NodeJS.ProcessEnv, dir: string) => Promise<T>,
  options: CliDataOptions = {},
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `leadai-${prefix}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, LEADAI_DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
  let drop = async () => {};
  try {
    drop = await prepareCliData(env, options);
    return await fn(env, dir);
  } finally {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `leadai ARGS…` to the end (asynchronously, so several can run at once). */
export function runLeadai(env: NodeJS.ProcessEnv, args: string[], timeoutMs = 150_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`leadai ${args.join(' ')} ran over ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far, stdout and stderr. */
  output: () => string;
  /** SIGTERM, then waits for the exit. */
  stop: () => Promise<number | null>;
}

/** `leadai serve` on a free port, once it prints its banner. */
export function startServer(env: NodeJS.ProcessEnv, timeoutMs = 150_000): Promise<RunningServer> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /is running at (http:\/\/\S+) on /.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          url: m[1]!,
          output: () => output,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before it started:\n${output}`));
    });
  });
}
