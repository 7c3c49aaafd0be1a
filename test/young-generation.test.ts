import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * bin/young-generation.js: the `leadai` command and bin/run-ts.js relaunch themselves with a
 * larger V8 young generation (measured: a million-row import 64 → 56 s (medians)). What must hold for
 * a user: the command runs with the flag, exits as the command did, and never outlives its
 * launcher — killing `leadai import` with SIGKILL must stop the import.
 */
const RUN_TS = join(import.meta.dirname, '..', 'bin', 'run-ts.js');
const PROBE = join(import.meta.dirname, 'fixtures', 'heap-probe.ts');
const env = { ...process.env, NODE_OPTIONS: '' };

interface Probe {
  pid: number;
  execArgv: string[];
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number) {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return check();
}

/** Starts the probe waiting for a signal; resolves with its first line once printed. */
function startWaiting(): Promise<{ launcher: ChildProcess; probe: Probe }> {
  const launcher = spawn(process.execPath, [RUN_TS, PROBE, 'wait'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    launcher.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ launcher, probe: JSON.parse(line!) as Probe });
    });
    launcher.on('exit', (code) => reject(new Error(`the launcher exited (${code}) before the probe printed`)));
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

describe('relaunch with a larger young generation', { timeout: 60_000 }, () => {
  it('runs the command with the flag and exits with its code', () => {
    const r = spawnSync(process.execPath, [RUN_TS, PROBE, '5'], { env, encoding: 'utf8' });
    expect(r.status).toBe(5);
    const probe = JSON.parse(r.stdout.split('\n')[0]!) as Probe;
    expect(probe.execArgv).toContain('--max-semi-space-size=64');
    expect(probe.pid).not.toBe(r.pid);
  });

  it("leaves a user's own setting alone and does not relaunch", () => {
    const r = spawnSync(process.execPath, ['--max-semi-space-size=32', RUN_TS, PROBE, '0'], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const probe = JSON.parse(r.stdout.split('\n')[0]!) as Probe;
    expect(probe.pid).toBe(r.pid);
    expect(probe.execArgv).toEqual(['--max-semi-space-size=32']);
    const off = spawnSync(process.execPath, [RUN_TS, PROBE, '0'], { env: { ...env, LEADAI_YOUNG_GENERATION: 'off' }, encoding: 'utf8' });
    expect((JSON.parse(off.stdout.split('\n')[0]!) as Probe).pid).toBe(off.pid);
  });

  it('forwards SIGTERM and exits as the command did', async () => {
    const { launcher, probe } = await startWaiting();
    const done = exited(launcher);
    launcher.kill('SIGTERM');
    expect(await done).toEqual({ code: 7, signal: null });
    expect(await until(() => !alive(probe.pid), 5000)).toBe(true);
  });

  it('stops the command when the launcher is killed with SIGKILL', async () => {
    const { launcher, probe } = await startWaiting();
    expect(probe.pid).not.toBe(launcher.pid);
    expect(alive(probe.pid)).toBe(true);
    const done = exited(launcher);
    launcher.kill('SIGKILL');
    await done;
    expect(await until(() => !alive(probe.pid), 5000)).toBe(true);
  });
});
