import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../src/db/tenant.ts';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

const { url, app } = useServer();

let admin: Client;
let adminEmail: string;
let orgId: string;
let adminId: string;
let other: Awaited<ReturnType<typeof Client.signup>>;

/** The organization's entries of one action, newest first, straight from the table (owner role). */
async function entries(organizationId: string, action: string) {
  return app().database.db.selectFrom('audit_log').selectAll().select(sql<string | null>`host(ip_address)`.as('ip')).where('organization_id', '=', organizationId).where('action', '=', action).orderBy('id', 'desc').execute();
}

async function invite(role: 'viewer' | 'manager' | 'sales_rep' | 'marketing') {
  const inv = await admin.post('/api/v1/invitations', { email: `${role}-${randomUUID().slice(0, 6)}@audit.example`, role });
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/accept-invitation', { token: inv.body.token, full_name: role, password: 'correct horse battery' });
  c.csrf = r.body.csrf_token;
  return { client: c, id: r.body.user_id as string };
}

beforeAll(async () => {
  const a = await Client.signup(url, 'Audited');
  admin = a.client;
  adminEmail = a.email;
  orgId = a.organizationId;
  adminId = a.userId;
  other = await Client.signup(url, 'Elsewhere');
});

describe(`audit log (${MODE})`, () => {
  it('records sign-ins with address and user agent, and failed sign-ins of known accounts only', async () => {
    const c = new Client(url);
    expect((await c.request('POST', '/api/v1/auth/login', { email: adminEmail, password: 'correct horse battery' }, { 'user-agent': 'AuditTest/1.0' })).status).toBe(200);
    const [login] = await entries(orgId, 'auth.login');
    expect(login).toMatchObject({ actor_type: 'user', actor_id: adminId, entity_id: adminId, user_agent: 'AuditTest/1.0', ip: '127.0.0.1' });

    expect((await c.request('POST', '/api/v1/auth/login', { email: adminEmail, password: 'wrong password here' }, { 'user-agent': 'AuditTest/1.0' })).status).toBe(401);
    const failed = await entries(orgId, 'auth.login_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor_id: adminId, entity_type: 'user', entity_id: adminId, ip: '127.0.0.1', details: { reason: 'password' } });
    // Nothing personal: the typed email is nowhere in the entry.
    expect(JSON.stringify(failed[0])).not.toContain(adminEmail);

    // An unknown email belongs to no organization: no entry anywhere.
    const before = await app().database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'auth.login_failed').executeTakeFirstOrThrow();
    expect((await c.post('/api/v1/auth/login', { email: `nobody-${randomUUID()}@audit.example`, password: 'whatever whatever' })).status).toBe(401);
    const after = await app().database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('action', '=', 'auth.login_failed').executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('records API key creation and use (once per key per hour, with the address)', async () => {
    const key = await admin.post('/api/v1/api-keys', { name: 'Integration', role: 'viewer' });
    expect(key.status).toBe(201);
    expect((await entries(orgId, 'api_key.create'))[0]).toMatchObject({ entity_id: key.body.id, actor_id: adminId, ip: '127.0.0.1' });
    const bot = Client.withKey(url, key.body.key);
    for (let i = 0; i < 3; i++) expect((await bot.request('GET', '/api/v1/leads', undefined, { 'user-agent': 'Bot/2' })).status).toBe(200);
    const uses = await entries(orgId, 'api_key.use');
    expect(uses).toHaveLength(1);
    expect(uses[0]).toMatchObject({ actor_type: 'api_key', actor_id: key.body.id, entity_id: key.body.id, ip: '127.0.0.1', user_agent: 'Bot/2' });
  });

  it('records role changes, deactivation, team changes and settings changes', async () => {
    const { id: userId } = await invite('viewer');
    expect((await admin.patch(`/api/v1/users/${userId}`, { role: 'manager' })).status).toBe(200);
    expect((await entries(orgId, 'user.role_change'))[0]).toMatchObject({ entity_id: userId, details: { from: 'viewer', to: 'manager' }, ip: '127.0.0.1' });
    expect((await admin.patch(`/api/v1/users/${userId}`, { is_active: false })).status).toBe(200);
    expect((await entries(orgId, 'user.deactivate'))[0]).toMatchObject({ entity_id: userId, actor_id: adminId });

    const team = await admin.post('/api/v1/teams', { name: 'Audited team' });
    expect((await admin.patch(`/api/v1/teams/${team.body.id}`, { name: 'Renamed' })).status).toBe(200);
    expect((await admin.delete(`/api/v1/teams/${team.body.id}`)).status).toBe(204);
    for (const action of ['team.create', 'team.update', 'team.delete']) expect((await entries(orgId, action))[0], action).toMatchObject({ entity_id: team.body.id });

    expect((await admin.patch('/api/v1/organization', { name: 'Audited Inc', settings: { tracking: { honor_dnt: true } } })).status).toBe(200);
    expect((await entries(orgId, 'organization.update'))[0]!.details).toEqual({ fields: 'name' });
    expect((await entries(orgId, 'settings.update'))[0]!.details).toEqual({ keys: 'tracking.honor_dnt' });
  });

  it('records model activation', async () => {
    await app().database.db.insertInto('scoring_models').values({ organization_id: orgId, version: 'v1', algorithm: 'logistic-map' }).execute();
    expect((await admin.post('/api/v1/models/v1/activate')).status).toBe(200);
    expect((await entries(orgId, 'model.activate'))[0]).toMatchObject({ actor_type: 'user', actor_id: adminId, details: { version: 'v1', trigger: 'request' } });
  });

  it('GET /api/v1/audit: admins only, filtered, paged, other organizations never visible', async () => {
    for (const role of ['viewer', 'manager', 'sales_rep', 'marketing'] as const) {
      const { client } = await invite(role);
      const r = await client.get('/api/v1/audit');
      expect(r.status, role).toBe(403);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
    const all = await admin.get('/api/v1/audit?limit=200');
    expect(all.status).toBe(200);
    expect(all.body.data.length).toBeGreaterThan(5);
    expect(all.body.data.every((e: { action: string }) => typeof e.action === 'string')).toBe(true);

    const logins = await admin.get('/api/v1/audit?action=auth.login,auth.login_failed');
    expect(new Set(logins.body.data.map((e: { action: string }) => e.action))).toEqual(new Set(['auth.login', 'auth.login_failed']));
    const byActor = await admin.get(`/api/v1/audit?actor_id=${adminId}&entity_type=user&entity_id=${adminId}`);
    expect(byActor.body.data.length).toBeGreaterThan(0);
    expect(byActor.body.data.every((e: { actor_id: string; entity_id: string }) => e.actor_id === adminId && e.entity_id === adminId)).toBe(true);
    const future = await admin.get(`/api/v1/audit?from=${new Date(Date.now() + 3600_000).toISOString()}`);
    expect(future.body.data).toEqual([]);
    const past = await admin.get(`/api/v1/audit?to=2000-01-01T00:00:00Z`);
    expect(past.body.data).toEqual([]);

    // Pages of 2 cover the list exactly once, in the same order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await admin.get(`/api/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body as { data: { id: string }[]; next_cursor: string | null };
      seen.push(...page.data.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.body.data.map((e: { id: string }) => e.id));

    // The other organization sees only its own (its signup's sign-in), never ours, even by id.
    const theirs = await other.client.get('/api/v1/audit?limit=200');
    expect(theirs.status).toBe(200);
    expect(theirs.body.data.length).toBeGreaterThan(0);
    expect(theirs.body.data.every((e: { actor_id: string | null }) => e.actor_id !== adminId)).toBe(true);
    expect((await other.client.get(`/api/v1/audit?actor_id=${adminId}`)).body.data).toEqual([]);
  });

  it('answers bad filters with problem+json naming the field', async () => {
    const cases: [string, string][] = [
      ['action=DROP%20TABLE', 'action'],
      ['actor_id=not-a-uuid', 'actor_id'],
      ['actor_type=robot', 'actor_type'],
      ['entity_id=42', 'entity_id'],
      ['from=yesterday', 'from'],
      ['limit=1000', 'limit'],
      ['colour=red', 'colour'],
    ];
    for (const [query, field] of cases) {
      const r = await admin.get(`/api/v1/audit?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
      expect(JSON.stringify(r.body), query).toContain(field);
    }
    const reversed = await admin.get('/api/v1/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
    expect(reversed.status).toBe(422);
    expect(reversed.body.field).toBe('from');
    const cursor = await admin.get('/api/v1/audit?cursor=bogus');
    expect(cursor.status).toBe(400);
    expect(cursor.body.field).toBe('cursor');
  });

  it('is append-only for the application role: UPDATE and DELETE are refused', async () => {
    for (const statement of [sql`UPDATE audit_log SET action = 'forged'`, sql`DELETE FROM audit_log`]) {
      const error = await withTenant(app().database.db, { organizationId: orgId, userId: adminId, role: 'admin' }, (tx) => statement.execute(tx)).then(() => null, (e: Error) => e);
      expect(error?.message).toMatch(/permission denied/);
    }
    // ...while it can insert (the way every action is recorded) and read its own.
    const n = await withTenant(app().database.db, { organizationId: orgId }, async (tx) => {
      const { rows } = await sql<{ who: string; n: number }>`SELECT current_user AS who, count(*)::int AS n FROM audit_log`.execute(tx);
      return rows[0]!;
    });
    expect(n.who).toBe('leadai_app');
    expect(n.n).toBeGreaterThan(0);
  });
});
