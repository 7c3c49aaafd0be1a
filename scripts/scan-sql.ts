import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startThrowawayApp } from './throwaway-app.ts';
import { createFixtures } from '../test/helpers/openapi-fuzz-run.ts';
import { fullExample, fuzzOperations, type FuzzOperation, type OpenApiDoc } from '../test/helpers/openapi-fuzz.ts';

/**
 * `npm run scan:sql`: sqlmap (the Debian package, installed here when missing) against every
 * documented route with parameters, on a fresh database with one row of every collection.
 * Every path parameter, query parameter and JSON body value is marked for injection (`*`);
 * requests carry an admin API key. Level 1, risk 1 (no payload that could change data
 * beyond the request's own), PostgreSQL payloads only, all techniques (boolean, error,
 * union, stacked, time with 2-second delays, inline). Exits 1 if sqlmap finds an injection.
 *   --only REGEX   scan the operations whose "METHOD /path" matches
 *   --jobs N       sqlmap processes at once (default 2)
 */
const { values } = parseArgs({ options: { only: { type: 'string' }, jobs: { type: 'string', default: '2' }, level: { type: 'string', default: '1' }, risk: { type: 'string', default: '1' } } });

function ensureSqlmap(): void {
  if (spawnSync('sqlmap', ['--version'], { stdio: 'ignore' }).status === 0) return;
  console.log('sqlmap is missing: installing the Debian package (apt-get update; apt-get install -y sqlmap)');
  const root = process.getuid?.() === 0 ? [] : ['sudo'];
  for (const args of [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', 'sqlmap']]) {
    const cmd = [...root, ...args];
    const r = spawnSync(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed: install sqlmap by hand (apt-get install sqlmap) and run again`);
  }
}

interface Target { op: FuzzOperation; url: string; data?: string }
interface Outcome { key: string; parameters: string[]; injectable: string[]; notes: string[]; seconds: number }

/** Marks a value for sqlmap: the `*` after it is where payloads go. */
const mark = (v: unknown) => `${String(v)}*`;

function markJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(markJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markJson(v)]));
  if (typeof value === 'string') return mark(value);
  // Numbers and booleans: marked in the text after stringify (see below).
  return value;
}

function target(op: FuzzOperation, base: string, ids: (n: string, p: string) => string | undefined): Target {
  let path = op.path.replace(/\{(\w+)\}/g, (_, n: string) => mark(encodeURIComponent(String(fullExample(op.params.find((p) => p.name === n)?.schema ?? {}, n, op.path, ids)))));
  const query = op.query.filter((q) => q.name !== 'cursor').map((q) => {
    const v = fullExample(q.schema, q.name, op.path, ids);
    return `${q.name}=${mark(encodeURIComponent(Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)))}`;
  });
  if (query.length) path += `?${query.join('&')}`;
  const out: Target = { op, url: base + path };
  if (op.body) out.data = JSON.stringify(markJson(fullExample(op.body, '', op.path, ids))).replace(/:(-?\d+(?:\.\d+)?|true|false)([,}\]])/g, ':$1*$2');
  return out;
}

async function scan(t: Target, key: string, out: string): Promise<Outcome> {
  const started = performance.now();
  const headers = [`Authorization: Bearer ${key}`, ...(t.data ? ['Content-Type: application/json'] : [])].join('\n');
  const args = ['-u', t.url, '--method', t.op.method, '--headers', headers, '--batch', '--dbms', 'PostgreSQL', '--level', values.level!, '--risk', values.risk!,
    '--technique', 'BEUSTQ', '--time-sec', '2', '--timeout', '15', '--retries', '1', '--threads', '2', '--skip-waf', '--flush-session', '--ignore-code', '401,404',
    '--disable-coloring', '--output-dir', out, '-v', '1', ...(t.data ? ['--data', t.data] : [])];
  const text = await new Promise<string>((resolve) => {
    const child = spawn('sqlmap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => { buf += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { buf += d.toString(); });
    child.on('close', () => resolve(buf));
  });
  const parameters = [...new Set([...text.matchAll(/testing for SQL injection on (.+?) parameter '([^']+)'/g)].map((m) => `${m[1]} ${m[2]}`))];
  const notes = [...new Set([...text.matchAll(/\[(?:CRITICAL|ERROR)\] (.+)/g)].map((m) => m[1]!.slice(0, 160)))]
    // sqlmap's usual closing words when nothing was found: not worth a note.
    .filter((n) => !/^all tested parameters do not appear to be injectable/.test(n));
  // Only what sqlmap confirms counts: "appears to be injectable" lines are tentative (on a
  // loaded machine slow answers look like time-based injection) and shown as a note.
  const confirmed = text.split(/identified the following injection point/).slice(1).join('\n');
  const injectable = [...new Set([...confirmed.matchAll(/Parameter: (.+?) \(/g)].map((m) => m[1]!))];
  if (confirmed && injectable.length === 0) injectable.push('(see the sqlmap log)');
  const tentative = [...text.matchAll(/parameter '([^']+)' (?:is|appears to be) '[^']+' injectable/g)].map((m) => m[1]!);
  if (tentative.length && !confirmed) notes.push(`a tentative finding on ${[...new Set(tentative)].join(', ')} that sqlmap did not confirm`);
  // Nothing tested and nothing said: sqlmap's last words explain it.
  if (parameters.length === 0 && notes.length === 0) notes.push(...text.trim().split('\n').slice(-3).map((l) => l.slice(0, 160)));
  return { key: t.op.key, parameters, injectable, notes, seconds: (performance.now() - started) / 1000 };
}

ensureSqlmap();
const serverUrl = process.env.DATABASE_URL;
const { base, close } = await startThrowawayApp('leadai_scan', 6);
const outDir = mkdtempSync(join(tmpdir(), 'leadai-sqlmap-'));
let exitCode: number;
const started = performance.now();
try {
  const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApiDoc;
  const signup = await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization_name: 'Scan Co', full_name: 'Scan Admin', email: 'scan-admin@scan.example', password: 'correct horse battery' }),
  });
  const session = (await signup.json()) as { csrf_token: string; user_id: string };
  const cookie = signup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const adminHeaders = { cookie, 'x-csrf-token': session.csrf_token };
  const keyRes = await fetch(`${base}/api/v1/api-keys`, { method: 'POST', headers: { ...adminHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'sqlmap', role: 'admin' }) });
  const key = ((await keyRes.json()) as { key: string }).key;
  const { ids } = await createFixtures(base, doc, adminHeaders, 1, { userId: session.user_id });
  for (let i = 0; i < 20; i++) {
    await fetch(`${base}/api/v1/leads`, { method: 'POST', headers: { ...adminHeaders, 'content-type': 'application/json' }, body: JSON.stringify({ first_name: `Ada${i}`, last_name: 'Acme', company: 'Acme', email: `ada${i}@acme.example` }) });
  }
  const only = values.only ? new RegExp(values.only) : undefined;
  const ops = fuzzOperations(doc)
    // Logout ends nothing for a key but says nothing either; the stream never ends.
    .filter((op) => (op.params.length || op.query.length || op.body) && !/\/stream$|\/auth\/logout$/.test(op.path) && (!only || only.test(op.key)))
    // Deletes last, so the rows the others use are there while they run.
    .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
  const targets = ops.map((op) => target(op, base, ids));
  console.log(`sqlmap ${spawnSync('sqlmap', ['--version']).stdout.toString().match(/\d+\.\d+[^\s]*/)?.[0]}: ${targets.length} operations, level ${values.level}, risk ${values.risk}, ${values.jobs} at once`);
  const outcomes: Outcome[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: Number(values.jobs) }, async () => {
    while (next < targets.length) {
      const t = targets[next++]!;
      const o = await scan(t, key, outDir);
      outcomes.push(o);
      console.log(`${o.key.padEnd(60)} ${String(o.parameters.length).padStart(3)} parameters  ${o.injectable.length ? 'INJECTABLE: ' + o.injectable.join(', ') : 'nothing found'}  ${o.seconds.toFixed(0)} s${o.notes.length ? '  (' + o.notes.join('; ') + ')' : ''}`);
    }
  }));
  const found = outcomes.filter((o) => o.injectable.length);
  const summary = {
    sqlmap: { level: Number(values.level), risk: Number(values.risk), dbms: 'PostgreSQL', techniques: 'BEUSTQ' },
    mode: serverUrl ? 'server' : 'embedded', operations: outcomes.length, parameters: outcomes.reduce((n, o) => n + o.parameters.length, 0),
    untested: outcomes.filter((o) => o.parameters.length === 0).map((o) => o.key), findings: found.map((o) => ({ operation: o.key, parameters: o.injectable })),
    minutes: Math.round((performance.now() - started) / 6000) / 10,
  };
  console.log(JSON.stringify(summary));
  exitCode = found.length ? 1 : 0;
} finally {
  await close();
  rmSync(outDir, { recursive: true, force: true });
}
process.exit(exitCode!);
