// Runs the command in a Node.js process with a larger young generation.
//
// Why: V8's default semi-space (16 MB) is small for what LeadAI's long commands allocate.
// A million-row CSV import creates a batch of 5,000 mapped rows (several MB of short-lived
// strings and objects) while the previous one is written; with 16 MB each batch survives a
// scavenge or two, is copied and promoted, and is collected again by the old-generation GC.
// Measured with `npm run bench:import` (1,000,000 rows, server database): median 64.4 s
// with the default, 55.6 s with --max-semi-space-size=64 (32 and 128 measure the same), the
// process's CPU 44.5 s → 35.6 s (docs/benchmarks.md, session 10). V8 reads the size once,
// when the heap is set up, so it cannot be changed from inside the process (v8.setFlagsFromString
// has no effect on it); NODE_OPTIONS is one way, relaunching ourselves with the flag the other.
//
// The relaunched process watches an IPC channel to this one and kills itself when it closes:
// were this process killed with SIGKILL (which it cannot forward), the command must stop as
// if it had been killed itself, not run on as an orphan. SIGTERM and SIGHUP are forwarded;
// SIGINT is not, because Ctrl+C in a terminal already reaches the whole process group, and a
// second one would cut short the graceful shutdown the first one started.
import { spawn } from 'node:child_process';

const SEMI_SPACE_FLAG = '--max-semi-space-size';
const SEMI_SPACE_MB = 64;
const CHILD_MARK = 'LEADAI_RELAUNCHED';

/** Whether the flag is already given, on the command line or in NODE_OPTIONS (a user's own choice wins). */
function flagGiven() {
  return process.execArgv.some((a) => a.startsWith(SEMI_SPACE_FLAG)) || (process.env.NODE_OPTIONS ?? '').includes(SEMI_SPACE_FLAG);
}

/**
 * In the relaunched process: die with the launcher. Returns true when this process is one.
 * The channel is unreferenced, so it never keeps the process alive by itself.
 */
function followLauncher() {
  if (process.env[CHILD_MARK] !== '1' || !process.channel) return false;
  delete process.env[CHILD_MARK];
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  return true;
}

/**
 * Either returns false (this process runs the command: it already has the flag, or
 * LEADAI_YOUNG_GENERATION=off, or `serverOnly` and no DATABASE_URL) or runs the command in a
 * child process with the flag and never returns: this process exits as the child did.
 *
 * `serverOnly` (the `leadai` command): the embedded database is a data directory that one
 * process may open at a time. A child outlives a SIGKILLed launcher by the moment it takes
 * to notice, and a command started again at once found the directory still open (PGlite
 * aborted; seen in CI). On a PostgreSQL server the dying child's transaction simply rolls
 * back, and that is where the large imports the flag is for run.
 */
export async function relaunchWithYoungGeneration({ serverOnly = false } = {}) {
  if (followLauncher() || flagGiven() || process.env.LEADAI_YOUNG_GENERATION === 'off') return false;
  if (serverOnly && !process.env.DATABASE_URL) return false;
  const child = spawn(process.execPath, [`${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}`, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [CHILD_MARK]: '1' },
  });
  const forward = (signal) => () => child.kill(signal);
  const handlers = { SIGTERM: forward('SIGTERM'), SIGHUP: forward('SIGHUP'), SIGINT: () => {} };
  for (const [signal, handler] of Object.entries(handlers)) process.on(signal, handler);
  child.on('error', (error) => {
    console.error(`leadai: could not start Node.js (${process.execPath}): ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const [name, handler] of Object.entries(handlers)) process.off(name, handler);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  // Never settles: the child's exit ends this process, and the caller must not go on to run
  // the command a second time.
  return new Promise(() => {});
}
