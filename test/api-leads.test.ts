import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/modules/auth/password.ts';
import type { UserRole } from '../src/db/schema.ts';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

const { app, url } = useServer();
let admin: Awaited<ReturnType<typeof Client.signup>>;
let other: Awaited<ReturnType<typeof Client.signup>>;

/** Users other than the first admin are written directly until the users API lands. */
async function addUser(organizationId: string, role: UserRole, teamId: string | null) {
  const db = app().database.db;
  const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
  const user = await db.insertInto('users').values({ organization_id: organizationId, email, full_name: role, role, team_id: teamId }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('user_credentials').values({ user_id: user.id, organization_id: organizationId, password_hash: await hashPassword('correct horse battery') }).execute();
  const client = new Client(url);
  const r = await client.post('/api/v1/auth/login', { email, password: 'correct horse battery' });
  client.csrf = r.body.csrf_token;
  return { client, userId: user.id };
}

beforeAll(async () => {
  admin = await Client.signup(url, 'Leads Inc');
  other = await Client.signup(url, 'Other Org');
});

describe(`leads over HTTP (${MODE})`, () => {
  it('creates, reads, changes and deletes a lead; a status change lands in the journey', async () => {
    const created = await admin.client.post('/api/v1/leads', { first_name: 'Grace', last_name: 'Hopper', email: 'Grace@Navy.example', company: 'Navy', tags: ['vip'], custom_fields: { employees: 1200 } });
    expect(created.status).toBe(201);
    expect(created.body.email).toBe('grace@navy.example');
    const id = created.body.id as string;
    expect((await admin.client.get(`/api/v1/leads/${id}`)).body.company).toBe('Navy');
    const changed = await admin.client.patch(`/api/v1/leads/${id}`, { status: 'qualified', deal_value: 12000 });
    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe('qualified');
    const events = await app().database.db.selectFrom('journey_events').select(['event_type', 'properties', 'user_id']).where('lead_id', '=', id).execute();
    // The owner and team as the change left them (none here): the team metrics count a won lead for its owner then.
    expect(events).toEqual([{ event_type: 'status_change', properties: { from: 'new', to: 'qualified', owner_id: null, team_id: null }, user_id: admin.userId }]);
    const outbox = await app().database.db.selectFrom('outbox_events').select('event_type').where('entity_id', '=', id).orderBy('id').execute();
    expect(outbox.map((e) => e.event_type)).toEqual(['lead.created', 'lead.updated', 'lead.status_changed']);
    expect((await admin.client.delete(`/api/v1/leads/${id}`)).status).toBe(204);
    expect((await admin.client.get(`/api/v1/leads/${id}`)).status).toBe(404);
  });

  it('answers a duplicate email with 409 and the existing id, case-insensitively', async () => {
    const first = await admin.client.post('/api/v1/leads', { first_name: 'Ada', last_name: 'L', email: 'ada@engine.example' });
    const dup = await admin.client.post('/api/v1/leads', { first_name: 'Ada', last_name: 'Again', email: 'ADA@engine.example' });
    expect(dup.status).toBe(409);
    expect(dup.body.existing_id).toBe(first.body.id);
    // Another organization may have a lead with the same email.
    expect((await other.client.post('/api/v1/leads', { first_name: 'Ada', last_name: 'L', email: 'ada@engine.example' })).status).toBe(201);
  });

  it("never shows or changes another organization's lead: 404 by id, absent from lists and search", async () => {
    const theirs = await other.client.post('/api/v1/leads', { first_name: 'Secret', last_name: 'Zyxwvut', company: 'Hidden Co' });
    const id = theirs.body.id as string;
    expect((await admin.client.get(`/api/v1/leads/${id}`)).status).toBe(404);
    expect((await admin.client.patch(`/api/v1/leads/${id}`, { first_name: 'Hacked' })).status).toBe(404);
    expect((await admin.client.delete(`/api/v1/leads/${id}`)).status).toBe(404);
    expect((await admin.client.get('/api/v1/leads?q=zyxwvut')).body.data).toEqual([]);
    expect((await other.client.get('/api/v1/leads?q=zyxwvut')).body.data.map((l: { id: string }) => l.id)).toEqual([id]);
    const all = await admin.client.get('/api/v1/leads?limit=200');
    expect(all.body.data.some((l: { organization_id: string }) => l.organization_id !== admin.organizationId)).toBe(false);
    // Pointing an own lead at another organization's user is refused as bad input.
    const mine = await admin.client.post('/api/v1/leads', { first_name: 'Mine', last_name: 'M' });
    const bad = await admin.client.patch(`/api/v1/leads/${mine.body.id}`, { assigned_to: other.userId });
    expect(bad.status).toBe(422);
    expect(bad.body.field).toBe('assigned_to');
    const unchanged = await other.client.get(`/api/v1/leads/${id}`);
    expect(unchanged.body.first_name).toBe('Secret');
  });

  it('finds leads by a prefix of their company or name', async () => {
    await admin.client.post('/api/v1/leads', { first_name: 'Wile', last_name: 'Coyote', company: 'Acmeline Corporation' });
    const r = await admin.client.get('/api/v1/leads?q=acmel');
    expect(r.body.data.map((l: { company: string }) => l.company)).toContain('Acmeline Corporation');
    expect((await admin.client.get('/api/v1/leads?q=coyo')).body.data.length).toBeGreaterThan(0);
    expect((await admin.client.get('/api/v1/leads?q=%21%21')).body.data).toEqual([]);
  });

  it('ranks search results: exact name first, then name prefixes, then company prefixes; tolerates typos', async () => {
    const org = await Client.signup(url, 'Relevance');
    const add = (first_name: string, last_name: string, company: string) => org.client.post('/api/v1/leads', { first_name, last_name, company });
    await add('John', 'Doe', 'Annapolis Tech');
    await add('Annabel', 'Stone', 'Initech');
    await add('Anna', 'Smith', 'Globex');
    await add('Zed', 'Zulu', 'Umbrella');
    await add('Uma', 'Brel', 'Umbria Foods');
    const names = async (q: string) => ((await org.client.get(`/api/v1/leads?q=${encodeURIComponent(q)}`)).body.data as { first_name: string; last_name: string }[]).map((l) => `${l.first_name} ${l.last_name}`);
    expect((await names('anna smith'))[0]).toBe('Anna Smith');
    const anna = await names('anna');
    expect(anna.slice(0, 2).sort()).toEqual(['Anna Smith', 'Annabel Stone']);
    expect(anna[2]).toBe('John Doe');
    expect(anna).not.toContain('Zed Zulu');
    expect(await names('annapolis')).toEqual(['John Doe']);
    // A misspelling finds the lead through trigram similarity.
    // Several similar words: the leads of the most similar word come first.
    expect(await names('umbrela')).toEqual(['Zed Zulu', 'Uma Brel']);
    // With q and an explicit sort, keyset paging applies to the matches.
    const byName = await org.client.get('/api/v1/leads?q=anna&sort=name');
    expect(byName.body.data.map((l: { last_name: string }) => l.last_name)).toEqual(['Doe', 'Smith', 'Stone']);
  });

  it('pages with a keyset cursor: every row once, while another client keeps inserting', async () => {
    const org = await Client.signup(url, 'Pager');
    const initial: string[] = [];
    for (let i = 0; i < 25; i++) initial.push((await org.client.post('/api/v1/leads', { first_name: `P${i}`, last_name: `Page${String(i).padStart(2, '0')}` })).body.id);
    const writer = await org.client.post('/api/v1/api-keys', { name: 'writer', role: 'admin' });
    const other = Client.withKey(url, writer.body.key);
    for (const sort of ['created_at', 'name', 'score', 'updated_at', 'next_follow_up_at']) {
      // A second client inserts leads whose names sort among the existing ones, for as long as the pager runs.
      let paging = true;
      let inserted = 0;
      const inserting = (async () => {
        while (paging) {
          const r = await other.post('/api/v1/leads', { first_name: 'Late', last_name: `Page${String(inserted % 25).padStart(2, '0')}x ${sort} ${inserted}` });
          expect(r.status).toBe(201);
          inserted++;
        }
      })();
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const r: { body: { data: { id: string }[]; next_cursor: string | null } } = await org.client.get(`/api/v1/leads?limit=7&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`) as never;
        seen.push(...r.body.data.map((l) => l.id));
        cursor = r.body.next_cursor;
      } while (cursor);
      paging = false;
      await inserting;
      expect(inserted, sort).toBeGreaterThan(0);
      expect(new Set(seen).size, sort).toBe(seen.length);
      for (const id of initial) expect(seen, sort).toContain(id);
    }
    const bad = await org.client.get('/api/v1/leads?cursor=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('cursor');
  });

  it('pages rows that share a millisecond (PostgreSQL keeps microseconds) each exactly once', async () => {
    const org = await Client.signup(url, 'Microseconds');
    const ids = (await sql<{ id: string }>`INSERT INTO leads (organization_id, first_name, last_name, created_at, updated_at, next_follow_up_at)
      SELECT ${org.organizationId}::uuid, 'Same', 'Milli ' || g, t, t, t
      FROM generate_series(1, 7) AS g, LATERAL (SELECT '2026-03-01 10:00:00.123'::timestamptz + g * interval '1 microsecond' AS t) AS x
      RETURNING id`.execute(app().database.db)).rows.map((r) => r.id);
    for (const sort of ['created_at', 'updated_at', 'next_follow_up_at']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const r: { body: { data: { id: string }[]; next_cursor: string | null } } = await org.client.get(`/api/v1/leads?limit=2&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`) as never;
        seen.push(...r.body.data.map((l) => l.id));
        cursor = r.body.next_cursor;
      } while (cursor);
      expect(seen.slice().sort(), sort).toEqual(ids.slice().sort());
    }
  });

  it('merges a duplicate: history moves, gaps fill, the source goes, the audit log remembers', async () => {
    const db = app().database.db;
    const target = (await admin.client.post('/api/v1/leads', { first_name: 'Mia', last_name: 'Target', tags: ['a'] })).body;
    const source = (await admin.client.post('/api/v1/leads', { first_name: 'Mia', last_name: 'Dup', email: 'mia@dup.example', phone: '+1 555', tags: ['b'] })).body;
    await admin.client.post(`/api/v1/leads/${source.id}/activities`, { type: 'call' });
    await admin.client.post(`/api/v1/leads/${source.id}/conversations`, { direction: 'inbound', channel: 'email', content: 'hello' });
    const merged = await admin.client.post(`/api/v1/leads/${target.id}/merge`, { source_id: source.id });
    expect(merged.status).toBe(200);
    expect(merged.body.lead).toMatchObject({ email: 'mia@dup.example', phone: '+1 555', last_name: 'Target' });
    expect(merged.body.lead.tags.sort()).toEqual(['a', 'b']);
    expect(merged.body.moved).toMatchObject({ activities: 1, conversations: 1 });
    expect((await admin.client.get(`/api/v1/leads/${source.id}`)).status).toBe(404);
    expect((await admin.client.get(`/api/v1/leads/${target.id}/activities`)).body.data.length).toBe(1);
    const audit = await db.selectFrom('audit_log').select(['action', 'details']).where('entity_id', '=', target.id).where('action', '=', 'lead.merge').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ source_id: source.id, moved_activities: 1 });
    const theirs = (await other.client.post('/api/v1/leads', { first_name: 'Not', last_name: 'Yours' })).body;
    expect((await admin.client.post(`/api/v1/leads/${target.id}/merge`, { source_id: theirs.id })).status).toBe(404);
    expect((await admin.client.post(`/api/v1/leads/${theirs.id}/merge`, { source_id: target.id })).status).toBe(404);
    expect((await other.client.get(`/api/v1/leads/${theirs.id}`)).status).toBe(200);
    expect((await admin.client.post(`/api/v1/leads/${target.id}/merge`, { source_id: target.id })).status).toBe(422);
  });

  it("assigns in bulk, only within the organization, and reports what it could not find", async () => {
    const mine = await Promise.all([1, 2, 3].map((i) => admin.client.post('/api/v1/leads', { first_name: `Bulk${i}`, last_name: 'B' })));
    const theirs = (await other.client.post('/api/v1/leads', { first_name: 'Their', last_name: 'Bulk' })).body;
    const ids = mine.map((r) => r.body.id as string);
    const r = await admin.client.post('/api/v1/leads/assign', { lead_ids: [...ids, theirs.id], assigned_to: admin.userId });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ updated: 3, not_found: [theirs.id] });
    for (const id of ids) expect((await admin.client.get(`/api/v1/leads/${id}`)).body.assigned_to).toBe(admin.userId);
    expect((await other.client.get(`/api/v1/leads/${theirs.id}`)).body.assigned_to).toBeNull();
    expect((await admin.client.post('/api/v1/leads/assign', { lead_ids: ids, assigned_to: other.userId })).status).toBe(422);
  });

  it('filters by status, tags and score range', async () => {
    const org = await Client.signup(url, 'Filter');
    await org.client.post('/api/v1/leads', { first_name: 'A', last_name: 'One', status: 'qualified', tags: ['x', 'y'] });
    await org.client.post('/api/v1/leads', { first_name: 'B', last_name: 'Two', status: 'new', tags: ['y'] });
    const names = async (q: string) => ((await org.client.get(`/api/v1/leads?${q}`)).body.data as { last_name: string }[]).map((l) => l.last_name).sort();
    expect(await names('status=qualified')).toEqual(['One']);
    expect(await names('status=qualified,new')).toEqual(['One', 'Two']);
    expect(await names('tags_all=x,y')).toEqual(['One']);
    expect(await names('tags_any=y')).toEqual(['One', 'Two']);
    expect(await names('score_min=1')).toEqual([]);
    await org.client.patch(`/api/v1/leads/${(await org.client.get('/api/v1/leads?status=new')).body.data[0].id}`, { custom_fields: { industry: 'Software', employees: 1200 } });
    expect(await names('cf.industry=Software')).toEqual(['Two']);
    expect(await names('cf.employees=1200&status=new')).toEqual(['Two']);
    expect(await names('cf.industry=Retail')).toEqual([]);
    const unknown = await org.client.get('/api/v1/leads?industry=Software');
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/cf\.<name>/);
  });

  it('enforces roles: viewer and marketing read only, reps see their own and their team, managers delete', async () => {
    const db = app().database.db;
    const org = await Client.signup(url, 'Roles');
    const team = await db.insertInto('teams').values({ organization_id: org.organizationId, name: 'East' }).returning('id').executeTakeFirstOrThrow();
    const viewer = await addUser(org.organizationId, 'viewer', null);
    const marketing = await addUser(org.organizationId, 'marketing', null);
    const rep = await addUser(org.organizationId, 'sales_rep', team.id);
    const outsider = await addUser(org.organizationId, 'sales_rep', null);
    const manager = await addUser(org.organizationId, 'manager', team.id);
    const lead = (await rep.client.post('/api/v1/leads', { first_name: 'Rep', last_name: 'Lead' })).body;
    expect(lead.assigned_to).toBe(rep.userId);
    expect(lead.team_id).toBe(team.id);
    const adminLead = (await org.client.post('/api/v1/leads', { first_name: 'Admin', last_name: 'Lead' })).body;
    for (const who of [viewer, marketing]) {
      expect((await who.client.get(`/api/v1/leads/${lead.id}`)).status).toBe(200);
      expect((await who.client.post('/api/v1/leads', { first_name: 'x', last_name: 'y' })).status).toBe(403);
      expect((await who.client.patch(`/api/v1/leads/${lead.id}`, { first_name: 'x' })).status).toBe(403);
      expect((await who.client.delete(`/api/v1/leads/${lead.id}`)).status).toBe(403);
    }
    expect((await outsider.client.get(`/api/v1/leads/${lead.id}`)).status).toBe(404);
    expect((await rep.client.get(`/api/v1/leads/${adminLead.id}`)).status).toBe(404);
    expect((await rep.client.get('/api/v1/leads')).body.data.map((l: { id: string }) => l.id)).toEqual([lead.id]);
    expect((await rep.client.patch(`/api/v1/leads/${lead.id}`, { assigned_to: outsider.userId })).status).toBe(403);
    expect((await rep.client.delete(`/api/v1/leads/${lead.id}`)).status).toBe(403);
    expect((await manager.client.patch(`/api/v1/leads/${adminLead.id}`, { first_name: 'x' })).status).toBe(403);
    expect((await manager.client.patch(`/api/v1/leads/${lead.id}`, { assigned_to: outsider.userId })).status).toBe(200);
    expect((await manager.client.delete(`/api/v1/leads/${lead.id}`)).status).toBe(204);
  });

  it('answers generated bad bodies and parameters with 4xx problem+json and changes nothing', async () => {
    const db = app().database.db;
    const target = (await admin.client.post('/api/v1/leads', { first_name: 'Fuzz', last_name: 'Target' })).body.id as string;
    const snapshot = async () => (await sql<{ n: number; h: string }>`SELECT count(*)::int AS n, md5(string_agg(l::text, ',' ORDER BY id)) AS h FROM leads l`.execute(db)).rows[0];
    const before = await snapshot();
    const junk = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
    const statuses = ['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost', 'nurturing', 'unqualified'];
    // Each body carries at least one field that is certainly wrong, plus random company.
    const certainlyBad = fc.oneof(
      fc.record({ status: fc.string().filter((s) => !statuses.includes(s)) }),
      fc.record({ email: fc.string().filter((s) => !s.includes('@')).map((s) => `x${s}`) }),
      fc.record({ assigned_to: fc.string({ maxLength: 30 }) }),
      fc.record({ first_name: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), fc.constant('   ')) }),
      fc.record({ tags: fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer(), { minLength: 1 })) }),
      fc.record({ score_confidence: junk }),
      fc.record({ deal_value: fc.oneof(fc.string(), fc.integer({ max: -1 })) }),
    );
    const noise = fc.record({ last_name: junk, company: junk, custom_fields: junk }, { requiredKeys: [] });
    const badBody = fc.oneof(
      fc.tuple(certainlyBad, noise).map(([bad, extra]) => ({ first_name: 'A', last_name: 'B', ...extra, ...bad })),
      fc.string().map((s) => `{"first_name": ${s}`),
    );
    await fc.assert(
      fc.asyncProperty(badBody, fc.constantFrom('POST', 'PATCH'), async (body, method) => {
        const r = await admin.client.request(method, method === 'POST' ? '/api/v1/leads' : `/api/v1/leads/${target}`, body);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
        expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      }),
      { numRuns: 100, seed: 4242 },
    );
    for (const path of ['/api/v1/leads/123', '/api/v1/leads?limit=0', '/api/v1/leads?limit=abc', '/api/v1/leads?sort=evil', '/api/v1/leads?created_after=yesterday', `/api/v1/leads?cursor=${'x'.repeat(600)}`]) {
      const r = await admin.client.get(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
    }
    const big = await admin.client.request('POST', '/api/v1/leads', JSON.stringify({ first_name: 'A', last_name: 'B', company: 'x'.repeat(2_000_000) }));
    expect(big.status).toBe(413);
    expect(await snapshot()).toEqual(before);
  });

  it('merges address and custom fields key by key: writes from stale copies all survive, null removes a key', async () => {
    const db = app().database.db;
    const lead = (await admin.client.post('/api/v1/leads', { first_name: 'Merge', last_name: 'Keys', address: { city: 'Lyon', country_code: 'FR' }, custom_fields: { seats: 40, legacy_id: 'X-17' } })).body;
    // Two people opened the page before an import added a key; each changes one field.
    await sql`UPDATE leads SET custom_fields = custom_fields || '{"industry": "Software"}'::jsonb WHERE id = ${lead.id}`.execute(db);
    const first = await admin.client.patch(`/api/v1/leads/${lead.id}`, { custom_fields: { seats: 45 } });
    expect(first.status).toBe(200);
    const second = await admin.client.patch(`/api/v1/leads/${lead.id}`, { custom_fields: { region: 'EMEA', legacy_id: null } });
    expect(second.body.custom_fields).toEqual({ seats: 45, industry: 'Software', region: 'EMEA' });
    expect((await admin.client.get(`/api/v1/leads/${lead.id}`)).body.custom_fields).toEqual({ seats: 45, industry: 'Software', region: 'EMEA' });
    // The address likewise: one part changes, one is removed; with none left it is null; null clears it.
    expect((await admin.client.patch(`/api/v1/leads/${lead.id}`, { address: { street: '12 Rue de la République' } })).body.address).toEqual({ city: 'Lyon', country_code: 'FR', street: '12 Rue de la République' });
    expect((await admin.client.patch(`/api/v1/leads/${lead.id}`, { address: { country_code: null, country: 'Belgium' } })).body.address).toEqual({ city: 'Lyon', street: '12 Rue de la République', country: 'Belgium' });
    expect((await admin.client.patch(`/api/v1/leads/${lead.id}`, { address: { city: null, street: null, country: null } })).body.address).toBeNull();
    await admin.client.patch(`/api/v1/leads/${lead.id}`, { address: { city: 'Paris' } });
    expect((await admin.client.patch(`/api/v1/leads/${lead.id}`, { address: null })).body.address).toBeNull();
    // Bad input changes nothing: an unknown address part is refused.
    const refused = await admin.client.patch(`/api/v1/leads/${lead.id}`, { address: { planet: 'Mars' }, custom_fields: { seats: 1 } });
    expect(refused.status).toBe(400);
    const { rows } = await sql<{ custom_fields: Record<string, unknown>; address: unknown }>`SELECT custom_fields, address FROM leads WHERE id = ${lead.id}`.execute(db);
    expect(rows[0]).toEqual({ custom_fields: { seats: 45, industry: 'Software', region: 'EMEA' }, address: null });
  });

  it("tells each role what it may do to a lead, as the write paths decide: a manager reads another team's lead but may not change it", async () => {
    const db = app().database.db;
    const org = await Client.signup(url, 'Flags');
    const [east, west] = await Promise.all(['East', 'West'].map((name) => db.insertInto('teams').values({ organization_id: org.organizationId, name }).returning('id').executeTakeFirstOrThrow()));
    const rep = await addUser(org.organizationId, 'sales_rep', east!.id);
    const lead = (await rep.client.post('/api/v1/leads', { first_name: 'East', last_name: 'Lead' })).body;
    const none = { edit: false, log_activity: false, assign: false, merge: false, delete: false };
    const all = { edit: true, log_activity: true, assign: true, merge: true, delete: true };
    const cases: [string, { client: Client }, typeof none][] = [
      ['admin', org, all],
      ['manager of the team', await addUser(org.organizationId, 'manager', east!.id), all],
      ['manager of another team', await addUser(org.organizationId, 'manager', west!.id), none],
      ['sales rep owning it', rep, { ...none, edit: true, log_activity: true }],
      ['viewer', await addUser(org.organizationId, 'viewer', null), none],
      ['marketing', await addUser(org.organizationId, 'marketing', null), none],
    ];
    for (const [who, user, expected] of cases) {
      const got = await user.client.get(`/api/v1/leads/${lead.id}`);
      expect(got.status, who).toBe(200);
      expect(got.body.permissions, who).toEqual(expected);
      // The flags say what the write paths answer.
      expect((await user.client.patch(`/api/v1/leads/${lead.id}`, { job_title: who })).status, who).toBe(expected.edit ? 200 : 403);
      expect((await user.client.post(`/api/v1/leads/${lead.id}/activities`, { type: 'note', description: who })).status, who).toBe(expected.log_activity ? 201 : 403);
    }
  });
});
