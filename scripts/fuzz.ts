import { parseArgs } from 'node:util';
import { startThrowawayApp } from './throwaway-app.ts';
import { createFixtures, report, runFuzz, type Principal } from '../test/helpers/openapi-fuzz-run.ts';
import type { OpenApiDoc } from '../test/helpers/openapi-fuzz.ts';

/**
 * `npm run fuzz`: the OpenAPI-driven fuzzer against a real server on a fresh database
 * (embedded PGlite, or a new database on the DATABASE_URL server, dropped afterwards), as an
 * admin and unauthenticated. Prints a table per operation and a JSON summary; exits 1 on any
 * 5xx, error that is not a useful problem+json, broken request accepted, or database change
 * by a refused request.
 *   --seed N      reproduce a run (default: random, printed)
 *   --broken N    random one-field-broken requests per operation and principal (default 22)
 *   --valid N     random valid-shaped requests per operation and principal (default 12)
 */
const { values } = parseArgs({ options: { seed: { type: 'string' }, broken: { type: 'string', default: '22' }, valid: { type: 'string', default: '12' }, json: { type: 'string' } } });
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const serverUrl = process.env.DATABASE_URL;
console.log(`fuzz: seed ${seed}, ${serverUrl ? 'server' : 'embedded'} database`);

const { database, base, close } = await startThrowawayApp('leadai_fuzz', 5);

let exitCode: number;
try {
  const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApiDoc;
  const signup = await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization_name: 'Fuzz Co', full_name: 'Fuzz Admin', email: 'fuzz-admin@fuzz.example', password: 'correct horse battery' }),
  });
  const session = (await signup.json()) as { csrf_token: string; user_id: string };
  const cookie = signup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const adminHeaders = { cookie, 'x-csrf-token': session.csrf_token };
  const { ids, made } = await createFixtures(base, doc, adminHeaders, seed, { userId: session.user_id });
  // An upload is multipart, which the generated JSON bodies do not make: one by hand.
  const form = new FormData();
  form.append('file', new Blob(['first_name,last_name,email\nAda,Lovelace,ada@example.com\n'], { type: 'text/csv' }), 'leads.csv');
  const upload = await fetch(`${base}/api/v1/imports`, { method: 'POST', headers: adminHeaders, body: form });
  if (upload.ok) made['/api/v1/imports'] = ((await upload.json()) as { id: string }).id;
  console.log(`fixtures: ${Object.keys(made).length} collections (${Object.keys(made).map((k) => k.replace('/api/v1/', '')).join(', ')})`);
  const principals: Principal[] = [{ name: 'admin', headers: () => adminHeaders }, { name: 'anonymous', headers: () => ({}) }];
  const result = await runFuzz({
    base, db: database.db, doc, ids, principals, seed, broken: Number(values.broken), valid: Number(values.valid), edges: 'all',
    // Logging out ends the session the rest of the run uses.
    skip: (op, p) => p.name === 'admin' && op.key === 'POST /api/v1/auth/logout',
    onBatch: (n) => { if (process.stderr.isTTY) process.stderr.write(`\r${n} requests`); },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(report(result));
  for (const f of result.failures.slice(0, 60)) console.log(`FAIL ${f.principal} ${f.key}: ${f.reason}\n  ${f.note}\n  ${f.request}\n  → ${f.status} ${f.body}`);
  const operations = new Set(result.stats.map((s) => s.key)).size;
  const summary = {
    seed, mode: serverUrl ? 'server' : 'embedded', operations, requests: result.requests, snapshots: result.snapshots, snapshot_seconds: Math.round(result.snapshotMs / 100) / 10, seconds: Math.round(result.ms / 100) / 10,
    status: { '2xx': result.stats.reduce((n, s) => n + s.s2xx, 0), '3xx': result.stats.reduce((n, s) => n + s.s3xx, 0), '4xx': result.stats.reduce((n, s) => n + s.s4xx, 0), '5xx': result.stats.reduce((n, s) => n + s.s5xx, 0) },
    failures: result.failures.length,
  };
  console.log(JSON.stringify(summary));
  if (values.json) (await import('node:fs')).writeFileSync(values.json, JSON.stringify({ summary, failures: result.failures, stats: result.stats, refusedValid: result.refusedValid }, null, 2));
  exitCode = result.failures.length === 0 ? 0 : 1;
  if (exitCode) console.log(`fuzz: ${result.failures.length} failures (reproduce with --seed ${seed})`);
} finally {
  await close();
}
process.exit(exitCode!);
