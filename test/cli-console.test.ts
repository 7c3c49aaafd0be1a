import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, prepareCliData } from './helpers/cli.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';

/**
 * What `leadai serve` prints. In a terminal (a pseudo-terminal here, through util-linux
 * `script`): short lines, the sign-in banner after the start-up logs, and no lines per
 * request unless LOG_LEVEL=debug. Into a pipe: JSON, every request logged.
 */
let dir: string;
let env: NodeJS.ProcessEnv;
let drop = async () => {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadai-console-'));
  env = { ...process.env, LEADAI_DATA_DIR: join(dir, 'data'), LEADAI_DEMO_LEADS: '20', LEADAI_WORKERS: 'false', LOG_LEVEL: 'info', DATABASE_URL: '' };
  delete env.NO_COLOR;
  drop = await prepareCliData(env);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await drop();
});

/** Starts the server (in a terminal or not), makes three requests, stops it; returns what it printed. */
async function serveAndRequest(opts: { tty: boolean; logLevel?: string; until?: RegExp }): Promise<{ output: string; beforeRequests: string }> {
  const command = [process.execPath, BIN, 'serve', '--port', '0'];
  const child = opts.tty
    ? spawn('script', ['-qfec', command.map((a) => `'${a}'`).join(' '), '/dev/null'], { env: { ...env, LOG_LEVEL: opts.logLevel ?? 'info', TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    : spawn(command[0]!, command.slice(1), { env: { ...env, LOG_LEVEL: opts.logLevel ?? 'info' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const url = await until('the banner', async () => /Press Ctrl\+C to stop\./.test(output) && /is running at (http:\/\/\S+) on /.exec(output)?.[1], 150_000);
    const beforeRequests = output;
    for (const path of ['/api/health', '/api/v1/leads', '/api/health']) await fetch(url + path);
    // Lines that should come: wait for them (logs are written asynchronously); lines that should not: give them a second.
    const expected = opts.until;
    if (expected) await until('the request logs', async () => expected.test(stripAnsi(output)), 30_000).catch(() => {});
    else await sleep(1000);
    return { output, beforeRequests };
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex

describe(`leadai serve's console (${MODE})`, { timeout: 400_000 }, () => {
  it('in a terminal: readable lines, the banner after the start-up logs, no lines per request', async () => {
    const { output, beforeRequests } = await serveAndRequest({ tty: true });
    const text = stripAnsi(output);
    expect(text).not.toMatch(/\{"level":/);
    expect(text).toMatch(/INFO.*Server listening at http:\/\//);
    // The banner is the last thing printed at start-up: nothing logged after it.
    const banner = stripAnsi(beforeRequests);
    const bannerAt = banner.indexOf('is running at');
    expect(banner.indexOf('Server listening')).toBeGreaterThan(-1);
    expect(banner.indexOf('Server listening')).toBeLessThan(bannerAt);
    expect(banner.slice(bannerAt)).not.toMatch(/INFO|WARN/);
    if (MODE === 'embedded') expect(banner.slice(bannerAt)).toMatch(/Sign in as admin@northwind\.example with password leadai-demo-password/);
    // Three requests, no line for any of them.
    expect(text).not.toMatch(/incoming request|request completed/);
  });

  it('in a terminal with LOG_LEVEL=debug: the requests are logged', async () => {
    const { output } = await serveAndRequest({ tty: true, logLevel: 'debug', until: /request completed/ });
    expect(stripAnsi(output)).toMatch(/request completed/);
  });

  it('into a pipe: JSON lines, the banner after them, every request logged', async () => {
    const { output, beforeRequests } = await serveAndRequest({ tty: false, until: /(request completed[\s\S]*){3}/ });
    const bannerAt = beforeRequests.indexOf('\nLeadAI ');
    const logLines = beforeRequests.slice(0, bannerAt).split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.map((l) => (JSON.parse(l) as { msg: string }).msg), beforeRequests).toContain(`Server listening at ${/Server listening at (\S+)"/.exec(beforeRequests)?.[1]}`);
    expect(beforeRequests.slice(bannerAt)).not.toMatch(/\{"level":/);
    const requests = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; req?: { path: string } });
    expect(requests.filter((l) => l.msg === 'request completed').length, output).toBe(3);
    expect(requests.filter((l) => l.msg === 'incoming request').map((l) => l.req?.path)).toEqual(['/api/health', '/api/v1/leads', '/api/health']);
  });
});
