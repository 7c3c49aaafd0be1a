import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirInUseError, LOCK_FILE, type LockHolder } from '../src/db/data-dir-lock.ts';

/**
 * The embedded data folder's lock on its own: who may take it, when a dead owner's lock is
 * taken over, and that of several processes racing for a dead lock exactly one wins.
 * (test/embedded-lock.test.ts drives the same through `leadai serve` and the CLI.)
 */
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'leadai-lockfile-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lockPath = () => join(dir, LOCK_FILE);
const readLock = () => JSON.parse(readFileSync(lockPath(), 'utf8')) as LockHolder;
/** The pid of a process that has exited (and been collected). */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const procStartTicks = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;

function writeLock(fields: Partial<LockHolder>) {
  const holder: LockHolder = { pid: 1, host: hostname(), boot_id: null, start_ticks: null, started_at: '2026-01-01T00:00:00.000Z', command: 'serve', url: 'http://localhost:3000', token: 'theirs', ...fields };
  writeFileSync(lockPath(), JSON.stringify(holder));
}
describe('the data folder lock', () => {
  it('one holder at a time, even within a process; released, the folder is free again and the file gone', () => {
    const first = acquireDataDirLock(dir, 'serve');
    first.setUrl('http://localhost:4321');
    expect(readLock()).toMatchObject({ pid: process.pid, command: 'serve', url: 'http://localhost:4321' });
    let refused: unknown;
    try {
      acquireDataDirLock(dir, 'import');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DataDirInUseError);
    expect((refused as Error).message).toContain(`is in use by the LeadAI server at http://localhost:4321 (pid ${process.pid}`);
    first.release();
    expect(existsSync(lockPath())).toBe(false);
    const second = acquireDataDirLock(dir, 'import');
    expect(second.tookOverFrom).toBeUndefined();
    second.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('names what holds the folder: a CLI command as the user typed it, anything else as it is', () => {
    const cli = acquireDataDirLock(dir, 'model train');
    expect(() => acquireDataDirLock(dir, 'serve')).toThrow(`is in use by \`leadai model train\` (pid ${process.pid}`);
    cli.release();
    const script = acquireDataDirLock(dir, 'the process api.bench.ts');
    expect(() => acquireDataDirLock(dir, 'serve')).toThrow(`is in use by the process api.bench.ts (pid ${process.pid}`);
    script.release();
  });

  it('takes over the lock of a process that is gone', () => {
    const pid = deadPid();
    writeLock({ pid });
    const lock = acquireDataDirLock(dir, 'serve');
    expect(lock.tookOverFrom).toMatchObject({ pid, token: 'theirs' });
    expect(readLock()).toMatchObject({ pid: process.pid, token: lock.holder.token });
    lock.release();
  });

  it('tells a live owner from a process that was given its pid later (another start time), and from a previous boot', () => {
    const sleeper = spawn('sleep', ['30']);
    try {
      const ticks = procStartTicks(sleeper.pid!);
      writeLock({ pid: sleeper.pid!, start_ticks: ticks });
      expect(() => acquireDataDirLock(dir, 'import')).toThrow(DataDirInUseError);
      writeLock({ pid: sleeper.pid!, start_ticks: String(Number(ticks) - 1) });
      acquireDataDirLock(dir, 'import').release();
      writeLock({ pid: sleeper.pid!, start_ticks: ticks, boot_id: 'an-earlier-boot' });
      acquireDataDirLock(dir, 'import').release();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('takes over a lock file that is not a lock (garbage), and refuses one from another host with the file to delete', () => {
    writeFileSync(lockPath(), 'not json');
    acquireDataDirLock(dir, 'serve').release();
    writeLock({ host: 'another-machine', pid: deadPid() });
    expect(() => acquireDataDirLock(dir, 'serve')).toThrow(`If no LeadAI runs on another-machine any more, delete ${lockPath()} and try again.`);
  });

  it('of several processes racing for a dead lock, exactly one takes it', async () => {
    writeLock({ pid: deadPid() });
    const script = `
      import { acquireDataDirLock } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'db', 'data-dir-lock.ts'))};
      const at = Number(process.argv[2]);
      while (Date.now() < at) {}
      try { acquireDataDirLock(process.argv[1], 'race'); console.log('won'); setTimeout(() => {}, 1500); }
      catch (error) { console.log(error.name); }`;
    const start = Date.now() + 4000;
    const runs = Array.from({ length: 6 }, () => new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir, String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', () => resolve(out.trim()));
    }));
    const outcomes = await Promise.all(runs);
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'DataDirInUseError')).toHaveLength(5);
  }, 60_000);
});
