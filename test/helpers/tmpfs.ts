import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Small tmpfs mounts for disk-full and read-only faults. They need root with CAP_SYS_ADMIN,
 * which CI has (it runs as root in a container, like this machine); elsewhere the tests that
 * use them are skipped with a message, and under CI their absence fails the run.
 */
function probe(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'leadai-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmdirSync(dir);
  }
}

export const canMount = probe();
export const runMountTests = canMount || Boolean(process.env.CI);
if (!canMount) console.warn(`Disk-full and read-only tests ${process.env.CI ? 'cannot run (and fail under CI)' : 'did not run'}: mounting a tmpfs needs root with CAP_SYS_ADMIN`);

export function mountTmpfs(dir: string, sizeBytes: number): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
}

/** Changes a mounted tmpfs in place: `size=…` (grow or shrink), `ro`, `rw`. */
export function remount(dir: string, options: string): void {
  execFileSync('mount', ['-o', `remount,${options}`, dir], { stdio: 'pipe' });
}

export function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}

export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}
