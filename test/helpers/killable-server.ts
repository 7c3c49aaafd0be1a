import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Kysely } from 'kysely';
import { openDatabase } from '../../src/db/connect.ts';
import type { DB } from '../../src/db/schema.ts';
import { runLeadai, startServer, type CliResult, type RunningServer } from './cli.ts';
import { createServerDatabase, SERVER_URL } from './db.ts';

/**
 * `leadai serve` as a real child process over data that outlives it (a data folder on disk,
 * or a server database of its own), for fault tests: start it, SIGKILL it, start it again on
 * the same data, and look at the database directly between runs.
 *
 * In embedded mode only one process may hold the folder, so `inspect` needs the server down;
 * in server mode it works either way.
 */
export interface KillableServer {
  readonly env: NodeJS.ProcessEnv;
  readonly dir: string;
  /** The running server's URL for a path (throws when none runs). */
  url(path: string): string;
  running(): RunningServer | undefined;
  start(): Promise<RunningServer>;
  /** SIGKILL, like the OOM killer or a pulled plug: no handler runs. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM: a clean stop (SIGKILL after 30 s). */
  stop(): Promise<void>;
  /** Runs `fn` on the database as its owner, in this process. */
  inspect<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
  /** `leadai ARGS…` on the same data (embedded: while the server is down). */
  cli(args: string[]): Promise<CliResult>;
  dispose(): Promise<void>;
}

/**
 * The process's children, grandchildren … (Linux /proc). On a server database `leadai` relaunches
 * itself with a larger young generation (bin/young-generation.js): the launcher's child is the
 * server, and it dies only when it notices the launcher gone. A crash kills both at once.
 */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

export async function createKillableServer(prefix: string, extraEnv: Record<string, string> = {}): Promise<KillableServer> {
  const dir = mkdtempSync(join(tmpdir(), `leadai-${prefix}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, LEADAI_DATA_DIR: dir, LEADAI_DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '', ...extraEnv };
  let drop = async () => {};
  if (SERVER_URL) {
    const created = await createServerDatabase();
    env.DATABASE_URL = created.url;
    drop = created.drop;
  } else if (process.env.LEADAI_TEST_TEMPLATE) {
    // The suite's migrated template, unpacked into the folder: initdb and 40-odd migrations
    // in WASM would take most of a minute on a busy machine.
    const pg = await PGlite.create({ dataDir: join(dir, 'pg'), loadDataDir: new Blob([readFileSync(process.env.LEADAI_TEST_TEMPLATE)]), extensions: { pg_trgm } });
    await pg.close();
  }
  let server: RunningServer | undefined;
  const gone = (s: RunningServer) => s.child.exitCode !== null || s.child.signalCode !== null;
  return {
    env,
    dir,
    url(path) {
      if (!server) throw new Error('no server is running');
      return server.url + path;
    },
    running: () => server,
    async start() {
      if (server && !gone(server)) throw new Error('the server is already running');
      server = await startServer(env);
      return server;
    },
    async kill() {
      const s = server;
      server = undefined;
      if (!s || gone(s)) return;
      const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
      const inner = descendants(s.child.pid!);
      for (const pid of inner) process.kill(pid, 'SIGKILL');
      s.child.kill('SIGKILL');
      await exited;
      // Reaped by the launcher's exit (re-parented): gone once /proc no longer lists them.
      while (inner.some((pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '))) await sleep(20);
    },
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      // A clean stop waits for running jobs; one that runs for minutes is not this test's business.
      const timer = setTimeout(() => s.child.kill('SIGKILL'), 30_000);
      try {
        await s.stop();
      } finally {
        clearTimeout(timer);
      }
    },
    async inspect(fn) {
      if (!SERVER_URL && server && !gone(server)) throw new Error('stop the server first: the embedded folder admits one process');
      const database = await openDatabase(SERVER_URL ? { kind: 'server', url: env.DATABASE_URL!, poolSize: 2 } : { kind: 'embedded', dataDir: dir }, { purpose: 'a fault test' });
      try {
        return await fn(database.db);
      } finally {
        await database.close();
      }
    },
    cli: (args) => runLeadai(env, args),
    async dispose() {
      if (server && !gone(server)) server.child.kill('SIGKILL');
      server = undefined;
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
