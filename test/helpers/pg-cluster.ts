import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL 15 cluster of a test's own, on a free port in a temporary folder, that the test
 * may stop and start at will (never the shared server on 5432, which other tests use). initdb
 * refuses to run as root, so as root (CI, this machine) the cluster belongs to the `postgres`
 * user and its commands run through `runuser`; as anyone else, as that user.
 */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

export const hasPgBinaries = existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));

export interface PgCluster {
  port: number;
  url: string;
  /** pg_ctl stop with this shutdown mode; waits until PostgreSQL has stopped. */
  stop(mode: 'fast' | 'immediate'): void;
  start(): void;
  /** The server's log so far (for a failing test's message). */
  log(): string;
  destroy(): void;
}

const isRoot = process.getuid?.() === 0;

function run(command: string, args: string[]): string {
  const [file, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'leadai-pgcluster-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  if (isRoot) {
    const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  // No fsync: the test restarts the server, it does not test the disk (faults-disk does).
  run(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const cluster: PgCluster = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop(mode) {
      run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
    },
    start() {
      run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-o', options, '-l', logFile, '-w', '-t', '30', 'start']);
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    destroy() {
      try {
        run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}
