import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCliData, runLeadai, startServer, type RunningServer } from './helpers/cli.ts';
import { MODE } from './helpers/db.ts';

/**
 * The embedded data folder admits one process. With `leadai serve` (a real subprocess)
 * holding a folder, every command that opens the database refuses at once, names the
 * server and says what to do, and writes nothing; a second server refuses the same way; a
 * server killed with SIGKILL leaves a lock the next start takes over, its data intact. On a
 * PostgreSQL server (DATABASE_URL) there is no such limit: the CLI works next to a server.
 */
const DEMO_LEADS = 30;
let dir: string;
let env: NodeJS.ProcessEnv;
let drop = async () => {};
let server: RunningServer | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadai-lock-'));
  env = { ...process.env, LEADAI_DATA_DIR: join(dir, 'data'), LEADAI_DEMO_LEADS: String(DEMO_LEADS), LOG_LEVEL: 'warn', DATABASE_URL: '' };
  drop = await prepareCliData(env);
  writeFileSync(join(dir, 'leads.csv'), 'Email,First Name,Last Name,Company\nlock-1@refused.example,Ada,One,Refused Co\nlock-2@refused.example,Bob,Two,Refused Co\nlock-3@refused.example,Cy,Three,Refused Co\n');
  writeFileSync(join(dir, 'messages.txt'), 'Can we get a quote for 50 seats by Friday?\n');
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  await drop();
});

async function signIn(url: string): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@northwind.example', password: 'leadai-demo-password' }) });
  expect(res.status).toBe(200);
  const { csrf_token: csrf } = (await res.json()) as { csrf_token: string };
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return (path, init = {}) => fetch(`${url}${path}`, { ...init, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
}

const readLock = () => (existsSync(join(env.LEADAI_DATA_DIR!, 'leadai.lock')) ? readFileSync(join(env.LEADAI_DATA_DIR!, 'leadai.lock'), 'utf8') : undefined);

async function leadCount(): Promise<number> {
  const list = await runLeadai(env, ['org', 'list', '--json']);
  expect(list.code, list.stderr).toBe(0);
  return (JSON.parse(list.stdout) as { leads: number }[]).reduce((n, o) => n + o.leads, 0);
}

const WRITING = [
  ['migrate'],
  ['seed', '--demo', '--leads', '5', '--seed', '7'],
  ['org', 'create', 'Second Org', '--admin-email', 'second@org.example', '--admin-password', 'long enough password'],
  ['import', 'LEADS_CSV'],
  ['model', 'train'],
  ['score', '--all'],
  ['insights', 'evaluate'],
];
const READING = [['org', 'list'], ['model', 'list'], ['model', 'evaluate']];

// One mode's tests or the other's (not skipped ones): the limit exists only for the embedded folder.
if (MODE === 'embedded') describe('the embedded data folder, held by a running server', { timeout: 600_000 }, () => {
  it('refuses every command that opens the database, at once, naming the server and what to do; writes nothing', async () => {
    server = await startServer(env);
    const { url } = server;
    const pid = server.child.pid!;
    const lockBefore = readLock();
    const entriesBefore = readdirSync(env.LEADAI_DATA_DIR!).sort();

    // All at once: a refusal must not wait for anything.
    const commands = [...WRITING, ...READING].map((args) => args.map((a) => (a === 'LEADS_CSV' ? join(dir, 'leads.csv') : a)));
    const results = await Promise.all(commands.map((args) => runLeadai(env, args)));
    for (const [i, r] of results.entries()) {
      const name = commands[i]!.join(' ');
      expect(r.code, `${name}: ${r.stdout}${r.stderr}`).toBe(75);
      expect(r.stderr, name).toContain(`in use by the LeadAI server at ${url} (pid ${pid}`);
      expect(r.stderr, name).toContain('nothing was done');
      expect(r.stderr, name).toMatch(/Stop the server \(Ctrl\+C in its terminal, or kill \d+\), run this again/);
      expect(r.stdout, name).toBe('');
    }
    const importRefusal = results[WRITING.findIndex((a) => a[0] === 'import')]!;
    expect(importRefusal.stderr).toContain(`${url}/leads/import`);
    expect(importRefusal.stderr).toContain('LEADAI_API_KEY=');

    // The server never saw any of it.
    const api = await signIn(url);
    const found = (await (await api('/api/v1/leads?q=lock-1%40refused.example')).json()) as { data: unknown[] };
    expect(found.data).toEqual([]);
    // The folder is as the server left it: its lock, naming it, and no new files.
    expect(JSON.parse(lockBefore!)).toMatchObject({ pid, command: 'serve', url });
    expect(readLock()).toBe(lockBefore);
    expect(readdirSync(env.LEADAI_DATA_DIR!).sort()).toEqual(entriesBefore);
  });

  it('still runs `leadai analyze`, which needs no database', async () => {
    const r = await runLeadai(env, ['analyze', join(dir, 'messages.txt')]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.split('\n')[0]!)).toMatchObject({ line: 1 });
  });

  it('refuses a second server on the same folder, pointing at the first, which keeps running', async () => {
    const lockBefore = readLock();
    const second = await runLeadai(env, ['serve', '--port', '0']);
    expect(second.code, second.stdout + second.stderr).toBe(75);
    expect(second.stderr).toContain(`LeadAI is already running: open ${server!.url}.`);
    expect(second.stderr).toContain(`kill ${server!.child.pid}`);
    expect(second.stdout).not.toContain('is running at');
    expect((await fetch(`${server!.url}/api/health`)).status).toBe(200);
    expect(readLock()).toBe(lockBefore);
  });

  it('frees the folder when the server stops: the commands then run, and nothing refused had landed', async () => {
    expect(await server!.stop()).toBe(0);
    server = undefined;
    expect(existsSync(join(env.LEADAI_DATA_DIR!, 'leadai.lock'))).toBe(false);
    const list = await runLeadai(env, ['org', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    // Only the demo organization, with its demo leads: no seed, no second org, no imported rows.
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ name: 'Northwind Analytics (demo)', leads: DEMO_LEADS })]);
  });

  it('a server killed with SIGKILL leaves a lock the next start takes over, its data intact', async () => {
    const first = await startServer(env);
    server = first;
    const api = await signIn(first.url);
    const created = await api('/api/v1/leads', { method: 'POST', body: JSON.stringify({ first_name: 'Kept', last_name: 'After Kill', email: 'kept@kill.example' }) });
    expect(created.status).toBe(201);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    // The dead server's lock is still there, naming a process that no longer exists.
    const stale = readLock();

    const next = await startServer(env);
    server = next;
    const again = await signIn(next.url);
    const found = (await (await again('/api/v1/leads?q=kept%40kill.example')).json()) as { data: { email: string }[] };
    expect(found.data.map((l) => l.email)).toEqual(['kept@kill.example']);
    expect((JSON.parse(stale!) as { pid: number }).pid).toBe(first.child.pid);
    expect(next.output()).toMatch(/stopped without closing the database; recovering it/);
    expect(JSON.parse(readLock()!)).toMatchObject({ pid: next.child.pid, url: next.url });
    expect(await next.stop()).toBe(0);
    server = undefined;
    expect(await leadCount()).toBe(DEMO_LEADS + 1);
  });

  it('`leadai import` with LEADAI_API_KEY sends the file to the running server, which imports it', async () => {
    server = await startServer(env);
    const { url } = server;
    const api = await signIn(url);
    const key = (await (await api('/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'cli', role: 'marketing' }) })).json()) as { key: string };
    const withKey = { ...env, LEADAI_API_KEY: key.key };
    const csv = join(dir, 'leads.csv');

    const [forwarded, wrongOrg, dryRun, badKey] = await Promise.all([
      runLeadai(withKey, ['import', csv, '--json']),
      runLeadai(withKey, ['import', csv, '--org', 'Globex']),
      runLeadai(withKey, ['import', csv, '--dry-run']),
      runLeadai({ ...env, LEADAI_API_KEY: 'lak_not_a_key' }, ['import', csv]),
    ]);
    expect(forwarded.code, forwarded.stderr).toBe(0);
    expect(JSON.parse(forwarded.stdout)).toMatchObject({ rows: 3, created: 3, rejected: 0, via_server: url, organization: { name: 'Northwind Analytics (demo)' } });
    const found = (await (await api('/api/v1/leads?q=lock-1%40refused.example')).json()) as { data: { email: string }[] };
    expect(found.data.map((l) => l.email)).toEqual(['lock-1@refused.example']);

    expect(wrongOrg.code).toBe(2);
    expect(wrongOrg.stderr).toContain("LEADAI_API_KEY belongs to the organization 'Northwind Analytics (demo)', not 'Globex'.");
    expect(dryRun.code).toBe(2);
    expect(dryRun.stderr).toContain(`--dry-run runs in this process, and the server at ${url} holds the database.`);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain(`The server at ${url} refused LEADAI_API_KEY:`);
    expect(badKey.stderr).toContain('Settings → API keys');

    expect(await server.stop()).toBe(0);
    server = undefined;
    expect(await leadCount()).toBe(DEMO_LEADS + 1 + 3);
  });
});

else describe('the CLI next to a running server on a PostgreSQL server', { timeout: 600_000 }, () => {
  it('imports while the server runs (a server database admits many processes), and the server sees the leads', async () => {
    const seeded = await runLeadai(env, ['seed', '--demo', '--leads', String(DEMO_LEADS), '--json']);
    expect(seeded.code, seeded.stderr).toBe(0);
    server = await startServer(env);
    const imported = await runLeadai(env, ['import', join(dir, 'leads.csv'), '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ created: 3, rejected: 0 });
    const api = await signIn(server.url);
    const found = (await (await api('/api/v1/leads?q=lock-1%40refused.example')).json()) as { data: { email: string }[] };
    expect(found.data.map((l) => l.email)).toEqual(['lock-1@refused.example']);
    expect(existsSync(join(env.LEADAI_DATA_DIR!, 'leadai.lock'))).toBe(false);
  });
});
