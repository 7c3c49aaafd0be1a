import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * The embedded data folder admits one process: PGlite keeps the database in memory and
 * writes it back to the folder's files, so a second process opening the same folder reads
 * a snapshot, writes into files the first one will overwrite, and its work is lost (or the
 * folder corrupted). Every process that opens the folder first takes this lock; a process
 * that finds it held by a live process refuses without opening PGlite.
 *
 * The lock is a file, `leadai.lock`, created atomically: the content is written to a private
 * temporary file which is then hard-linked to the lock's name. link(2) fails with EEXIST when
 * the name exists, so exactly one process wins, and nobody ever reads a half-written lock.
 * It holds the owner's pid, host, boot and process start time (to tell a live owner from a
 * dead one whose pid was reused) and, for a server, its address, so a refusal can say where
 * the server is. A process killed with SIGKILL leaves the file behind; the next process finds
 * its pid dead and takes the lock over (see takeOver).
 */
export const LOCK_FILE = 'leadai.lock';
const TAKEOVER_FILE = 'leadai.lock.takeover';

export interface LockHolder {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id where there is one: a process does not survive a reboot. */
  boot_id: string | null;
  /** The process's start time in clock ticks since boot (Linux): a reused pid has another. */
  start_ticks: string | null;
  started_at: string;
  /** What holds the folder: 'serve', or the CLI command ('import', 'model train' …). */
  command: string;
  /** The server's address, once it listens. */
  url: string | null;
  /** Random: lets the owner recognise its own lock before removing it. */
  token: string;
}

export interface DataDirLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** The dead process whose lock was taken over, if any (it stopped without closing the database). */
  readonly tookOverFrom: LockHolder | undefined;
  /** Records the server's address, for the refusals other processes print. */
  setUrl(url: string): void;
  release(): void;
}

/** The folder is held by another live process; `holder` says which. Nothing was opened. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
    readonly lockPath: string,
    /** The holder's liveness cannot be checked from here (another host). */
    readonly unverifiable: boolean,
  ) {
    super(describeHolder(dataDir, holder, lockPath, unverifiable));
    this.name = 'DataDirInUseError';
  }
}

export function describeHolder(dataDir: string, holder: LockHolder, lockPath: string, unverifiable = false): string {
  const what =
    holder.command === 'serve' ? `the LeadAI server${holder.url ? ` at ${holder.url}` : ' (starting)'}`
    : isCliCommand(holder.command) ? `\`leadai ${holder.command}\``
    : holder.command;
  const where = unverifiable ? ` on host ${holder.host}` : '';
  return `The embedded database in ${dataDir} is in use by ${what} (pid ${holder.pid}${where}, since ${holder.started_at}); it admits one process at a time, so nothing was done.${
    unverifiable ? ` If no LeadAI runs on ${holder.host} any more, delete ${lockPath} and try again.` : ''
  }`;
}

/** A `leadai` subcommand ('import', 'model train'), as the CLI names them; anything else is shown as it is. */
export const isCliCommand = (command: string) => /^[a-z]+( [a-z]+)?$/.test(command);

/**
 * Takes the folder's lock for `command`, or throws DataDirInUseError. Synchronous, so
 * nothing else of this process runs between the check and the take.
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const me = currentProcess(command);
  let tookOverFrom: LockHolder | undefined;
  for (let attempt = 0; ; attempt++) {
    const existing = readHolder(path);
    if (existing === 'absent') {
      if (createExclusive(dataDir, path, me)) break;
      continue; // someone else created it meanwhile: look at theirs
    }
    if (existing !== 'unreadable') {
      const state = holderState(existing);
      if (state !== 'dead') throw new DataDirInUseError(dataDir, existing, path, state === 'unverifiable');
    }
    // A dead owner's lock, or one that is not JSON (a crash of a version that wrote it in place).
    if (takeOver(dataDir, path, existing, me)) {
      tookOverFrom = existing === 'unreadable' ? undefined : existing;
      break;
    }
    if (attempt > 50) throw new Error(`Could not take the lock ${path}: other processes keep changing it. Try again.`);
  }
  let released = false;
  const releaseSync = () => {
    if (released) return;
    released = true;
    process.off('exit', releaseSync);
    // Only our own lock: never one another process took over (it cannot have while we live, but be safe).
    const current = readHolder(path);
    if (typeof current === 'object' && current.token === me.token) unlinkQuietly(path);
  };
  // A process that ends without closing the database (process.exit, an uncaught error) frees the folder too.
  process.on('exit', releaseSync);
  return {
    path,
    holder: me,
    tookOverFrom,
    setUrl(url) {
      me.url = url;
      // Replaced atomically (rename), so readers see the old or the new content, never half.
      const temp = `${path}.${me.token}.tmp`;
      writeFileSync(temp, JSON.stringify(me), { mode: 0o644 });
      renameSync(temp, path);
    },
    release: releaseSync,
  };
}

/** The live process holding the folder, if any (for messages; acquiring is the real check). */
export function liveHolder(dataDir: string): LockHolder | undefined {
  const holder = readHolder(join(dataDir, LOCK_FILE));
  return typeof holder === 'object' && holderState(holder) !== 'dead' ? holder : undefined;
}

function createExclusive(dataDir: string, path: string, me: LockHolder): boolean {
  const temp = join(dataDir, `${LOCK_FILE}.${me.token}.tmp`);
  writeFileSync(temp, JSON.stringify(me), { mode: 0o644 });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkQuietly(temp);
  }
}

/**
 * Replaces a dead owner's lock with ours. Two processes may find the same dead lock at once;
 * a second, short-lived lock (`leadai.lock.takeover`, held for a few system calls) lets one
 * of them check that the lock is still the dead one, remove it and create its own. A process
 * starting fresh at that moment simply links first and wins; the taker then sees a live lock.
 */
function takeOver(dataDir: string, path: string, dead: LockHolder | 'unreadable', me: LockHolder): boolean {
  const guardPath = join(dataDir, TAKEOVER_FILE);
  if (!createExclusive(dataDir, guardPath, me)) {
    // Another process is taking over right now, or died doing it (a window of microseconds).
    const guard = readHolder(guardPath);
    if (guard === 'absent') return false;
    if (guard === 'unreadable' || holderState(guard) === 'dead') unlinkQuietly(guardPath);
    else sleepSync(20);
    return false;
  }
  try {
    const now = readHolder(path);
    const same = now === 'absent' ? false : now === 'unreadable' ? dead === 'unreadable' : typeof dead === 'object' && now.token === dead.token;
    if (!same) return false;
    unlinkQuietly(path);
    return createExclusive(dataDir, path, me);
  } finally {
    unlinkQuietly(guardPath);
  }
}

function readHolder(path: string): LockHolder | 'absent' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.token === 'string' && typeof value.host === 'string') return value as LockHolder;
  } catch {
    // fall through
  }
  return 'unreadable';
}

function holderState(holder: LockHolder): 'alive' | 'dead' | 'unverifiable' {
  if (holder.host !== hostname()) return 'unverifiable';
  const boot = bootId();
  if (holder.boot_id && boot && holder.boot_id !== boot) return 'dead';
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
    // EPERM: it exists and belongs to another user.
  }
  const stat = procStat(holder.pid);
  if (stat) {
    // A zombie has finished (its parent has not collected it yet); another start time is another process.
    if (stat.state === 'Z' || stat.state === 'X') return 'dead';
    if (holder.start_ticks && stat.startTicks !== holder.start_ticks) return 'dead';
  }
  return 'alive';
}

function currentProcess(command: string): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    boot_id: bootId(),
    start_ticks: startTicks(process.pid),
    started_at: new Date().toISOString(),
    command,
    url: null,
    token: randomBytes(12).toString('hex'),
  };
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function startTicks(pid: number): string | null {
  return procStat(pid)?.startTicks ?? null;
}

/** Linux's /proc/PID/stat: the state (field 3) and start time (field 22); null elsewhere. */
function procStat(pid: number): { state: string; startTicks: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields.length > 19 ? { state: fields[0]!, startTicks: fields[19]! } : null;
}

function unlinkQuietly(path: string) {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function sleepSync(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
