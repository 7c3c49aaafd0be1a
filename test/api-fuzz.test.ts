import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';
import { operations, withValue, type Slot } from './helpers/openapi-requests.ts';
import { snapshot as fingerprint } from './helpers/openapi-fuzz-run.ts';

/**
 * Generated bad input against every write route: bodies that are not objects, or objects
 * with wrongly typed fields and always one unknown field (every body schema is strict).
 * Each must get a 4xx problem+json, and the database must not change at all.
 */
const { app, url } = useServer();
let admin: Client;
let leadId: string;
let activityId: string;
let conversationId: string;
let teamId: string;
let userId: string;

beforeAll(async () => {
  const s = await Client.signup(url, 'Fuzz Co');
  admin = s.client;
  userId = s.userId;
  leadId = (await admin.post('/api/v1/leads', { first_name: 'F', last_name: 'Z' })).body.id;
  activityId = (await admin.post(`/api/v1/leads/${leadId}/activities`, { type: 'call' })).body.id;
  conversationId = (await admin.post(`/api/v1/leads/${leadId}/conversations`, { direction: 'inbound', channel: 'email', content: 'x' })).body.id;
  teamId = (await admin.post('/api/v1/teams', { name: 'Fuzzers' })).body.id;
});

const routes = (): [string, string][] => [
  ['POST', '/api/v1/auth/signup'],
  ['POST', '/api/v1/auth/login'],
  ['POST', '/api/v1/auth/accept-invitation'],
  ['PATCH', '/api/v1/organization'],
  ['PATCH', `/api/v1/users/${userId}`],
  ['POST', '/api/v1/invitations'],
  ['POST', '/api/v1/teams'],
  ['PATCH', `/api/v1/teams/${teamId}`],
  ['POST', '/api/v1/api-keys'],
  ['POST', '/api/v1/leads'],
  ['PATCH', `/api/v1/leads/${leadId}`],
  ['POST', '/api/v1/leads/assign'],
  ['POST', `/api/v1/leads/${leadId}/merge`],
  ['POST', `/api/v1/leads/${leadId}/activities`],
  ['PATCH', `/api/v1/activities/${activityId}`],
  ['POST', `/api/v1/leads/${leadId}/conversations`],
  ['PATCH', `/api/v1/conversations/${conversationId}`],
  ['POST', '/api/v1/tracking/keys'],
  ['POST', '/api/v1/track'],
  ['POST', `/api/v1/leads/${leadId}/journey`],
  ['PATCH', `/api/v1/imports/${randomUUID()}`],
  ['POST', '/api/v1/models/train'],
  ['POST', '/api/v1/models/v1/activate'],
  ['POST', '/api/v1/leads/rescore'],
];

const junk = fc.oneof(
  fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);
const fields = ['name', 'email', 'password', 'first_name', 'last_name', 'status', 'role', 'team_id', 'type', 'content', 'direction', 'channel', 'lead_ids', 'assigned_to', 'source_id', 'settings', 'is_active', 'token', 'full_name', 'organization_name'];
const badBody = fc.oneof(
  junk.map((v) => JSON.stringify(v)).filter((s) => !s.startsWith('{')),
  fc.tuple(fc.dictionary(fc.constantFrom(...fields), junk, { maxKeys: 6 }), fc.string({ minLength: 1, maxLength: 12 }), junk).map(([obj, key, value]) => JSON.stringify({ ...obj, [`zz_${key}`]: value })),
  fc.string({ maxLength: 30 }).map((s) => `{"name": ${s}`),
);

/** Row counts and checksums of every table (but sessions, which each request touches): one definition, the fuzzer's. */
const snapshot = () => fingerprint(app().database.db);

describe(`generated bad input on every write route (${MODE})`, () => {
  it('always gets a 4xx problem+json and never changes the database', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes()), badBody, async ([method, path], body) => {
        const r = await admin.request(method, path, body);
        expect(r.status, `${method} ${path} ${body}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${method} ${path} ${body}`).toBeLessThan(500);
        expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(typeof r.body.detail).toBe('string');
      }),
      { numRuns: 300, seed: 20261125 },
    );
    expect(await snapshot()).toEqual(before);
  });

  it('refuses malformed ids and unknown query parameters on reads, and other organizations\' ids on deletes', async () => {
    for (const path of ['/api/v1/leads/1', '/api/v1/activities/zz', '/api/v1/leads?bogus=1', '/api/v1/activities?limit=-1', '/api/v1/leads/' + leadId + '/timeline?kinds=nope']) {
      const r = await admin.get(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
    }
    const other = await Client.signup(url, 'Other Fuzz');
    const key = (await other.client.post('/api/v1/api-keys', { name: 'k', role: 'viewer' })).body.id;
    const session = (await other.client.get('/api/v1/auth/sessions')).body.data[0].id;
    const invitation = (await other.client.post('/api/v1/invitations', { email: `${randomUUID()}@o.example`, role: 'viewer' })).body.id;
    expect((await admin.delete(`/api/v1/api-keys/${key}`)).status).toBe(404);
    expect((await admin.delete(`/api/v1/auth/sessions/${session}`)).status).toBe(404);
    expect((await admin.delete(`/api/v1/invitations/${invitation}`)).status).toBe(404);
    expect((await other.client.get('/api/v1/me')).status).toBe(200);
  });
});

/**
 * The input a browser, a copy-paste or a buggy client sends every day, placed in every
 * parameter and body field of every route of the OpenAPI document (so a new route is
 * covered without touching this file): NUL bytes and lone UTF-16 surrogates in any text,
 * dates PostgreSQL cannot store, cursors the server never issued, JSON nested 10,000 deep.
 * Each request must get a 400 problem+json that names the field, and change nothing.
 */
describe(`hostile input on every route (${MODE})`, () => {
  const PARAM_IDS: [RegExp, () => string][] = [
    [/^\/api\/v1\/leads\/\{id\}/, () => leadId], [/^\/api\/v1\/activities\/\{id\}/, () => activityId],
    [/^\/api\/v1\/conversations\/\{id\}/, () => conversationId], [/^\/api\/v1\/teams\/\{id\}/, () => teamId],
    [/^\/api\/v1\/users\/\{id\}/, () => userId], [/^\/api\/v1\/jobs\/\{id\}/, () => '1'], [/\{version\}/, () => 'v1'],
  ];
  const idFor = (name: string) => (/lead|source/.test(name) ? leadId : /team/.test(name) ? teamId : /user|assigned/.test(name) ? userId : /activit/.test(name) ? activityId : randomUUID());
  const fillPath = (path: string, override?: [string, string]) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => (override && override[0] === name ? override[1] : encodeURIComponent(PARAM_IDS.find(([re]) => re.test(path))?.[1]() ?? randomUUID())));

  // Raw (already percent-encoded) for the URL; as values for JSON bodies.
  const text = fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom('\u0000', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'), fc.string({ maxLength: 12 })).map(([a, bad, b]) => a + bad + b);
  const isoYear = (y: number) => (y < 0 ? '-' + String(-y).padStart(6, '0') : y > 9999 ? '+' + String(y).padStart(6, '0') : String(y).padStart(4, '0')) + '-06-15T12:00:00.000Z';
  const date = fc.oneof(
    fc.constantFrom('-5000', '200000', '-005000-01-01T00:00:00Z', '+200000-01-01T00:00:00Z', '0000-01-01', '99999-01-01'),
    fc.integer({ min: -271_000, max: -1 }).map(isoYear), fc.integer({ min: 10_000, max: 275_000 }).map(isoYear),
  );
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  // The lists whose cursor is (time, id).
  const TIME_LISTS = ['updated_at', 'created_at', 'next_follow_up_at', 'activities', 'conversations', 'timeline', 'scores', 'journey', 'insights'];
  const LISTS = ['score', 'updated_at', 'created_at', 'next_follow_up_at', 'name', 'activities', 'conversations', 'timeline', 'scores', 'journey', 'insights', 'inbox'];
  // Shaped like an issued cursor time, but no real instant: V8's Date.parse rolls 2026-02-30 on to March 2 and reads year 0000; PostgreSQL refuses both.
  const IMPOSSIBLE_TIMES = ['2026-02-30T00:00:00Z', '0000-01-01T00:00:00.000000Z', '2025-02-29T12:00:00.5Z', '2026-04-31T23:59:59.999999Z', '2026-01-01T24:00:00Z', '1900-02-29T00:00:00.000000Z'];
  const impossibleTime = fc.oneof(
    fc.constantFrom(...IMPOSSIBLE_TIMES),
    fc.tuple(fc.integer({ min: 1, max: 9999 }), fc.constantFrom(['02', 30], ['02', 31], ['04', 31], ['06', 31], ['09', 31], ['11', 31]) as fc.Arbitrary<[string, number]>)
      .map(([y, [m, d]]) => `${String(y).padStart(4, '0')}-${m}-${d}T00:00:00.000000Z`),
  );
  const slotValue = fc.oneof(fc.string({ maxLength: 6 }), text, date, impossibleTime, fc.constantFrom(1e300, -1e300, 2 ** 53, 'infinity', 'nope', 'urgentest', null, true), fc.double(), fc.jsonValue({ maxDepth: 2 }));
  const cursor = fc.oneof(
    fc.constantFrom('bnVsbA', 'x', '!!!', b64(null), b64([]), b64('s'), b64({ s: 'score' }), b64({ s: 'inbox', v: ['nope', 1, '2026-01-01T00:00:00.000000Z', randomUUID()] })),
    fc.tuple(fc.constantFrom(...LISTS), fc.array(slotValue, { minLength: 2, maxLength: 4 })).map(([s, v]) => b64({ s, v: [...v.slice(0, -1), randomUUID()] })),
    fc.tuple(fc.constantFrom(...LISTS), fc.array(slotValue, { minLength: 1, maxLength: 4 })).map(([s, v]) => b64({ s, v })),
    fc.tuple(fc.constantFrom(...TIME_LISTS), impossibleTime).map(([s, t]) => b64({ s, v: [t, randomUUID()] })),
  );
  // Too deep for JSON.stringify here: written as text and spliced into the body where the marker is.
  const DEEP = '__nested_10000_deep__';
  const deepText = '[{"a":'.repeat(5_000) + '1' + '}]'.repeat(5_000);
  const deep = fc.constant(DEEP);
  const json = fc.oneof(deep, text.map((key) => ({ [key]: 1 })), text.map((v) => ({ a: [v] })));

  /** The cases the issue names, each tried in every slot of its kind; the arbitraries above add variations. */
  const CASES: Record<'text' | 'date' | 'cursor' | 'json' | 'other', unknown[]> = {
    text: ['a\u0000b', 'x\uD800', '\uDC00y'],
    date: ['-5000', '200000', '-005000-01-01T00:00:00Z', '+200000-01-01T00:00:00Z'],
    cursor: [
      'bnVsbA', b64({ s: 'score', v: ['x', randomUUID()] }), b64({ s: 'score', v: [1e300, randomUUID()] }),
      b64({ s: 'inbox', v: ['nope', 1, '2026-01-01T00:00:00.000000Z', randomUUID()] }),
      ...['activities', 'conversations', 'timeline', 'scores', 'journey', 'insights', 'created_at'].flatMap((list) => [b64({ s: list, v: ['-5000-01-01T00:00:00Z', randomUUID()] }), b64({ s: list, v: [7, randomUUID()] })]),
      b64({ s: 'name', v: ['a\u0000', 'b', randomUUID()] }),
      // Each time list with an impossible date that passes Date.parse (one each, rotating through them).
      ...TIME_LISTS.map((list, i) => b64({ s: list, v: [IMPOSSIBLE_TIMES[i % IMPOSSIBLE_TIMES.length], randomUUID()] })),
      b64({ s: 'inbox', v: ['high', 1, '2026-02-30T00:00:00.000000Z', randomUUID()] }),
    ],
    json: [DEEP, { 'k\u0000': 1 }],
    other: ['a\u0000b'],
  };

  type Req = { method: string; url: string; body?: string };
  /** Query and path values travel percent-encoded: a lone surrogate as the invalid UTF-8 %ED%A0%80. */
  const encodeRaw = (v: string) => encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, '\u0001')).replace(/%01/g, '%ED%A0%80');

  async function send(req: Req) {
    const res = await fetch(url(req.url), {
      method: req.method,
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: req.body,
    });
    const raw = await res.text();
    let body: Record<string, unknown> = {};
    try { body = JSON.parse(raw) as Record<string, unknown>; } catch { /* asserted below */ }
    return { status: res.status, type: res.headers.get('content-type') ?? '', body, raw };
  }

  it('answers every hostile value in every slot of every route with a 400 problem+json naming the field, and changes nothing', async () => {
    const doc = (await admin.get('/api/openapi.json')).body;
    const ops = operations(doc as Parameters<typeof operations>[0], idFor).filter((op) => !op.path.startsWith('/api/v1/auth/logout'));
    expect(ops.length).toBeGreaterThan(70);
    const arbitrary = { text, date, cursor, json, other: text } as const;
    const failures: string[] = [];
    let requests = 0;
    for (const op of ops) {
      const before = await snapshot();
      const slots = op.slots.filter((s) => !(s.in === 'path' && s.kind === 'other'));
      if (slots.length === 0) continue;
      const examples = slots.flatMap((s) => CASES[s.kind].map((value) => [[s, value]] as [[Slot, unknown]]));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...slots).chain((slot) => fc.tuple(fc.constant(slot), arbitrary[slot.kind])), async ([slot, value]) => {
          let req: Req;
          if (slot.in === 'body') {
            req = { method: op.method, url: fillPath(op.path), body: JSON.stringify(withValue(op.body, slot.path, value)).replace(`"${DEEP}"`, deepText) };
          } else {
            const raw = encodeRaw(value === DEEP ? deepText : typeof value === 'string' ? value : JSON.stringify(value));
            req = slot.in === 'path'
              ? { method: op.method, url: fillPath(op.path, [slot.name, raw]), ...(op.hasBody ? { body: JSON.stringify(op.body) } : {}) }
              : { method: op.method, url: `${fillPath(op.path)}?${slot.name}=${raw}`, ...(op.hasBody ? { body: JSON.stringify(op.body) } : {}) };
          }
          requests++;
          const r = await send(req).catch((error: Error) => ({ status: 0, type: '', body: {} as Record<string, unknown>, raw: `no answer: ${error.message}` }));
          const field = String(slot.path.filter((p) => typeof p === 'string').at(-1));
          // Text that cannot even be percent-decoded is refused with the address, before any field is known.
          const named = field === 'zz' || r.raw.includes(field) || (slot.in !== 'body' && r.body.type === 'https://leadai.dev/problems/malformed-url');
          if (r.status !== 400 || !/application\/problem\+json/.test(r.type) || typeof r.body.detail !== 'string' || !named) {
            failures.push(`${op.method} ${op.path} ${slot.in}:${slot.name} (${slot.kind}) → ${r.status} ${r.raw.slice(0, 160)}`);
          }
        }),
        // Every slot with every case named in the issue (the examples), then as many random draws.
        // (fast-check counts the examples in numRuns.)
        { numRuns: examples.length + slots.length, seed: 20261207, examples },
      );
      const after = await snapshot();
      if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${op.method} ${op.path}: the database changed`);
    }
    // One line per failing slot, so a regression names the route and the field.
    expect([...new Set(failures.map((f) => f.replace(/ → .*/, '')))], failures.slice(0, 40).join('\n')).toEqual([]);
    expect(requests).toBeGreaterThan(1000);
  });
});

describe(`errors raised before a route runs are problem+json in plain words (${MODE})`, () => {
  const problem = async (res: Response) => {
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const body = (await res.json()) as { status: number; title: string; detail: string; type: string };
    expect(body.title).not.toMatch(/Error$|FastifyError|FST_/);
    expect(body.detail).not.toMatch(/FST_|FastifyError/);
    return body;
  };
  const headers = () => ({ cookie: admin.cookie, 'x-csrf-token': admin.csrf });

  it('a malformed URL component', async () => {
    for (const path of ['/api/v1/leads/%E0%A4%A', '/api/v1/leads/%ED%A0%80', '/api/v1/leads/%ZZ']) {
      const res = await fetch(url(path), { headers: headers() });
      expect(res.status, path).toBe(400);
      const body = await problem(res);
      expect(body.title).toBe('The address is not valid');
    }
  });

  it('a path parameter over the length limit', async () => {
    const res = await fetch(url(`/api/v1/leads/${'a'.repeat(2000)}`), { headers: headers() });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    // Too long for any route: a 414, or the 404 of an address nothing is at, with a detail of readable length.
    const body = await problem(res);
    expect(body.detail).toMatch(/too long|nothing at/);
    expect(body.detail.length).toBeLessThan(300);
  });

  it('headers too large', async () => {
    const res = await fetch(url('/api/v1/leads'), { headers: { ...headers(), 'x-padding': 'p'.repeat(40_000) } });
    expect(res.status).toBe(431);
    expect((await problem(res)).title).toBe('The request headers are too large');
  });

  it('malformed JSON, an empty JSON body, an unsupported content type', async () => {
    const bad = await fetch(url('/api/v1/leads'), { method: 'POST', headers: { ...headers(), 'content-type': 'application/json' }, body: '{"first_name": "A",' });
    expect(bad.status).toBe(400);
    expect((await problem(bad)).title).toBe('The request body is not valid JSON');
    const empty = await fetch(url('/api/v1/leads'), { method: 'POST', headers: { ...headers(), 'content-type': 'application/json' }, body: '' });
    expect(empty.status).toBe(400);
    await problem(empty);
    const xml = await fetch(url('/api/v1/leads'), { method: 'POST', headers: { ...headers(), 'content-type': 'application/xml' }, body: '<lead/>' });
    expect(xml.status).toBe(415);
    expect((await problem(xml)).detail).toMatch(/application\/json/);
  });

  it('a truncated multipart upload, and a file name with a NUL byte, change nothing', async () => {
    const before = await snapshot();
    const boundary = 'leadaiboundary';
    const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="leads.csv"\r\ncontent-type: text/csv\r\n\r\nfirst_name,last_name\r\nAda,Lovelace\r\n`;
    const truncated = await fetch(url('/api/v1/imports'), { method: 'POST', headers: { ...headers(), 'content-type': `multipart/form-data; boundary=${boundary}` }, body: head });
    expect(truncated.status).toBe(400);
    expect((await problem(truncated)).detail).toMatch(/upload/i);
    const nul = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="lea\u0000ds.csv"\r\ncontent-type: text/csv\r\n\r\nfirst_name,last_name\r\nAda,Lovelace\r\n--${boundary}--\r\n`;
    const named = await fetch(url('/api/v1/imports'), { method: 'POST', headers: { ...headers(), 'content-type': `multipart/form-data; boundary=${boundary}` }, body: nul });
    expect(named.status).toBe(400);
    expect((await problem(named)).detail).toMatch(/file name/);
    expect(await snapshot()).toEqual(before);
  });
});

describe(`a rejected request changes nothing (${MODE})`, () => {
  it('activating a model version that does not exist answers 404 and leaves the active model active', async () => {
    const org = (await admin.get('/api/v1/me')).body.organization.id as string;
    await sql`INSERT INTO scoring_models (organization_id, version, algorithm, is_active, activated_at) VALUES (${org}, 'v7', 'prior', true, now())`.execute(app().database.db);
    const before = await snapshot();
    const r = await admin.post('/api/v1/models/v8/activate', {});
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.detail).toMatch(/v8/);
    expect(await snapshot()).toEqual(before);
    expect((await admin.get('/api/v1/models')).body.data.filter((m: { is_active: boolean }) => m.is_active).map((m: { version: string }) => m.version)).toEqual(['v7']);
  });
});
