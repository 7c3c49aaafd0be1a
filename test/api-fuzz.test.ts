import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

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

async function snapshot() {
  const db = app().database.db;
  const { rows } = await sql<{ t: string; h: string }>`
    SELECT 'leads' AS t, md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) AS h FROM leads x
    UNION ALL SELECT 'users', md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM users x
    UNION ALL SELECT 'teams', md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM teams x
    UNION ALL SELECT 'organizations', md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM organizations x
    UNION ALL SELECT 'activities', md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM activities x
    UNION ALL SELECT 'conversations', md5(coalesce(string_agg(x::text, ',' ORDER BY x.id), '')) FROM conversations x
    UNION ALL SELECT 'invitations', count(*)::text FROM invitations
    UNION ALL SELECT 'api_keys', count(*)::text FROM api_keys
    UNION ALL SELECT 'journey_events', count(*)::text FROM journey_events
    UNION ALL SELECT 'tracking_keys', count(*)::text FROM tracking_keys
    UNION ALL SELECT 'imports', count(*)::text FROM imports
    UNION ALL SELECT 'scoring_models', count(*)::text FROM scoring_models
    UNION ALL SELECT 'jobs', count(*)::text FROM jobs
    UNION ALL SELECT 'lead_score_queue', count(*)::text FROM lead_score_queue`.execute(db);
  return rows;
}

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
