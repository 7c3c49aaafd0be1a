import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { DbWatch, createFixtures, judge, runFuzz, type Principal } from './helpers/openapi-fuzz-run.ts';
import type { IdSource, OpenApiDoc } from './helpers/openapi-fuzz.ts';

/**
 * A CI-sized slice of `npm run fuzz`: requests generated from every operation of the OpenAPI
 * document (valid-shaped, one field broken, and the hand-picked hostile cases), as an admin
 * and unauthenticated. No 5xx, every error a useful problem+json, every broken request
 * refused, and the database unchanged by every refused request. Seeded: FUZZ_SEED=N
 * reproduces a failing run (the seed is in the failure message).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const { app, url } = useServer();
let doc: OpenApiDoc;
let ids: IdSource;
let admin: Client;

beforeAll(async () => {
  const s = await Client.signup(url, 'Schema Fuzz');
  admin = s.client;
  doc = (await admin.get('/api/openapi.json')).body as OpenApiDoc;
  ({ ids } = await createFixtures(url(''), doc, { cookie: admin.cookie, 'x-csrf-token': admin.csrf }, SEED, { userId: s.userId }));
});

describe(`OpenAPI-driven fuzzing (${MODE})`, () => {
  it('answers 1,500 generated requests over every operation without a 5xx, with useful problems, changing nothing when refusing', async () => {
    const principals: Principal[] = [
      { name: 'admin', headers: () => ({ cookie: admin.cookie, 'x-csrf-token': admin.csrf }), broken: 3, valid: 2 },
      { name: 'anonymous', headers: () => ({}), broken: 1, valid: 1 },
    ];
    const result = await runFuzz({
      base: url(''), db: app().database.db, doc, ids, principals, seed: SEED, broken: 0, valid: 0, edges: 2,
      skip: (op, p) => p.name === 'admin' && op.key === 'POST /api/v1/auth/logout',
    });
    const shown = result.failures.slice(0, 10).map((f) => `${f.principal} ${f.key}: ${f.reason} (${f.note}) → ${f.status} ${f.body}`);
    expect(shown, `seed ${SEED}: FUZZ_SEED=${SEED} reproduces this`).toEqual([]);
    expect(result.requests).toBeGreaterThanOrEqual(1_500);
    expect(new Set(result.stats.map((s) => s.key)).size).toBe(Object.values(doc.paths).reduce((n, m) => n + Object.keys(m).length, 0));
    console.log(`fuzz slice (${MODE}): ${result.requests} requests in ${(result.ms / 1000).toFixed(1)} s, ${result.snapshots} full snapshots (seed ${SEED})`);
  }, 180_000);

  it('the checks it relies on catch what they are for: a 5xx, a plain-text error, a broken request accepted, a changed row', async () => {
    const req = { method: 'POST', url: '/x', headers: {}, intent: 'broken' as const, note: 'n' };
    const problem = (status: number) => JSON.stringify({ type: 't', title: 'Not valid', status, detail: 'first_name: is too long.' });
    expect(judge(req, { status: 500, type: 'application/problem+json', text: problem(500) })).toMatch(/500/);
    expect(judge(req, { status: 400, type: 'text/plain', text: 'bad' })).toMatch(/problem\+json/);
    expect(judge(req, { status: 400, type: 'application/problem+json', text: JSON.stringify({ title: 'Bad', status: 400, detail: '' }) })).toMatch(/detail/);
    expect(judge(req, { status: 201, type: 'application/json', text: '{}' })).toMatch(/schema refuses/);
    expect(judge(req, { status: 400, type: 'application/problem+json', text: problem(400) })).toBeNull();
    const watch = new DbWatch(app().database.db);
    await watch.mark();
    expect(await watch.changes()).toEqual([]);
    await sql`UPDATE organizations SET name = name || '!'`.execute(app().database.db);
    expect(await watch.changes()).toEqual(['organizations']);
  });
});
