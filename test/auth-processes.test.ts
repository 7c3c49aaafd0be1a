import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/connect.ts';
import type { DB } from '../src/db/schema.ts';
import { CREDENTIAL_CACHE_MS } from '../src/modules/auth/credential-cache.ts';
import { createLoginThrottle } from '../src/modules/auth/login-throttle.ts';
import { createLogger } from '../src/shared/logger.ts';
import { Client } from './helpers/api.ts';
import { startServer, type RunningServer } from './helpers/cli.ts';
import { createServerDatabase, createTestDatabase, MODE, SERVER_URL } from './helpers/db.ts';

/*
 * Two servers on one database. Server mode: two real `leadai serve` processes on the same
 * PostgreSQL database. Embedded mode: PGlite is one process's (its data folder is locked), so
 * two complete app instances, each with its own HTTP server, credential cache and throttle,
 * share the one database in this process: the state that must be shared is only in the database.
 */
type Url = (path: string) => string;
let a: Url;
let b: Url;
let db: Kysely<DB>;
let close: () => Promise<void>;

beforeAll(async () => {
  if (SERVER_URL) {
    const created = await createServerDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'leadai-auth-'));
    const env = { ...process.env, DATABASE_URL: created.url, LEADAI_DATA_DIR: dir, LOG_LEVEL: 'silent', LEADAI_DEMO: 'off', LEADAI_WORKERS: 'false' };
    // One after the other: the second finds the schema migrated.
    const first: RunningServer = await startServer(env);
    const second: RunningServer = await startServer(env);
    const direct = await openDatabase({ kind: 'server', url: created.url, poolSize: 2 });
    a = (p) => first.url + p;
    b = (p) => second.url + p;
    db = direct.db;
    close = async () => {
      await Promise.all([first.stop(), second.stop()]);
      await direct.close();
      await created.drop();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    const database = await createTestDatabase();
    const config = loadConfig({ LEADAI_DEMO: 'off', LEADAI_WORKERS: 'false', LOG_LEVEL: 'silent' });
    const shared = { ...database, close: async () => {} };
    const apps: App[] = [];
    for (let i = 0; i < 2; i++) apps.push(await createApp(config, createLogger(config), { database: shared }));
    const [ua, ub] = await Promise.all(apps.map((app) => app.server.listen({ port: 0, host: '127.0.0.1' })));
    a = (p) => ua + p;
    b = (p) => ub + p;
    db = database.db;
    close = async () => {
      for (const app of apps) await app.close();
      await database.close();
    };
  }
}, 300_000);
afterAll(async () => close?.());

/** Every sign-in attempt of this file goes through here: they all count against one IP window. */
let attempts = 0;
function login(on: Url, email: string, password: string) {
  attempts++;
  return new Client(on).post('/api/v1/auth/login', { email, password });
}

/** The same browser (cookie, CSRF token, key) talking to the other server. */
function on(url: Url, from: Client): Client {
  const c = new Client(url);
  c.cookie = from.cookie;
  c.csrf = from.csrf;
  c.bearer = from.bearer;
  return c;
}

async function signedIn(url: Url, email: string): Promise<Client> {
  const c = new Client(url);
  attempts++;
  const r = await c.post('/api/v1/auth/login', { email, password: 'correct horse battery' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  c.csrf = r.body.csrf_token;
  return c;
}

/** Past the documented bound, any entry another process cached before the change has lapsed. */
const pastTheBound = () => sleep(CREDENTIAL_CACHE_MS + 50);

describe(`authentication across two servers on one database (${MODE})`, () => {
  it('throttles guesses at an email across both servers as one: 10 in all, then 429 with Retry-After', async () => {
    const { email } = await Client.signup(a, 'Throttle Two');
    for (let i = 0; i < 10; i++) {
      const r = await login(i % 2 === 0 ? a : b, email, `guess number ${i}`);
      expect(r.status, `guess ${i}`).toBe(401);
    }
    const refused = await login(a, email, 'guess number 10');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body.detail).toMatch(/Too many sign-in attempts/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(refused.body.retry_after_seconds).toBe(retryAfter);
    // The right password, on the other server, waits too.
    expect((await login(b, email, 'correct horse battery')).status).toBe(429);

    // An email nobody has is throttled the same way: a 429 reveals nothing.
    const ghost = `ghost-${Date.now()}@nowhere.example`;
    for (let i = 0; i < 10; i++) expect((await login(i % 2 === 0 ? b : a, ghost, `guess ${i}`)).status).toBe(401);
    expect((await login(b, ghost, 'guess 10')).status).toBe(429);
    // Keys are hashes: the typed emails are stored nowhere.
    const stored = await sql<{ key_hash: string }>`SELECT key_hash FROM auth_throttle`.execute(db);
    expect(JSON.stringify(stored.rows)).not.toMatch(/@/);
  });

  it('logout, session revocation, API key revocation, deactivation and a role change on A are honoured by B within the cache bound', async () => {
    const admin = await Client.signup(a, 'Revocations');
    const repEmail = `rep-${Date.now()}@revocations.example`;
    const invitation = await admin.client.post('/api/v1/invitations', { email: repEmail, role: 'sales_rep' });
    expect(invitation.status).toBe(201);
    // Accepted on B: the account exists for both. Accepting signs in, which counts as an attempt.
    attempts++;
    const accepted = await new Client(b).post('/api/v1/auth/accept-invitation', { token: invitation.body.token, full_name: 'Rep', password: 'correct horse battery' });
    expect(accepted.status).toBe(201);
    const repId = accepted.body.user_id as string;

    // Logout on A.
    const s1 = await signedIn(a, repEmail);
    const s1b = on(b, s1);
    expect((await s1b.get('/api/v1/me')).status).toBe(200); // now cached by B
    expect((await s1.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await s1.get('/api/v1/me')).status).toBe(401); // A: at once
    await pastTheBound();
    expect((await s1b.get('/api/v1/me')).status).toBe(401);

    // One session revoked from another, on A.
    const s2 = await signedIn(a, repEmail);
    const s3 = await signedIn(a, repEmail);
    const s3b = on(b, s3);
    expect((await s3b.get('/api/v1/me')).status).toBe(200);
    const sessions = await s2.get('/api/v1/auth/sessions');
    const s3id = (sessions.body.data as { id: string; current: boolean }[]).find((s) => !s.current)!.id;
    expect((await s2.delete(`/api/v1/auth/sessions/${s3id}`)).status).toBe(204);
    await pastTheBound();
    expect((await s3b.get('/api/v1/me')).status).toBe(401);

    // A role change on A narrows what B lets the session do.
    const s2b = on(b, s2);
    expect((await s2b.post('/api/v1/leads', { first_name: 'Before', last_name: 'Change' })).status).toBe(201);
    expect((await admin.client.patch(`/api/v1/users/${repId}`, { role: 'viewer' })).status).toBe(200);
    await pastTheBound();
    const narrowed = await s2b.post('/api/v1/leads', { first_name: 'After', last_name: 'Change' });
    expect(narrowed.status).toBe(403);
    expect(narrowed.body.detail).toMatch(/viewer/);

    // Deactivation on A ends the session on B.
    expect((await s2b.get('/api/v1/me')).status).toBe(200);
    expect((await admin.client.patch(`/api/v1/users/${repId}`, { is_active: false })).status).toBe(200);
    await pastTheBound();
    expect((await s2b.get('/api/v1/me')).status).toBe(401);

    // An API key revoked on A.
    const key = await admin.client.post('/api/v1/api-keys', { name: 'sync', role: 'viewer' });
    const keyB = Client.withKey(b, key.body.key);
    expect((await keyB.get('/api/v1/leads')).status).toBe(200);
    expect((await admin.client.delete(`/api/v1/api-keys/${key.body.id}`)).status).toBe(204);
    await pastTheBound();
    const refusedKey = await keyB.get('/api/v1/leads');
    expect(refusedKey.status).toBe(401);
    expect(refusedKey.headers.get('content-type')).toMatch(/application\/problem\+json/);

    // A session that expires (its expiry reached, nobody revoked it) is refused by both.
    const adminB = on(b, admin.client);
    expect((await adminB.get('/api/v1/me')).status).toBe(200);
    await sql`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = ${admin.userId}`.execute(db);
    await pastTheBound();
    expect((await adminB.get('/api/v1/me')).status).toBe(401);
    expect((await admin.client.get('/api/v1/me')).status).toBe(401);
  });

  it('counts concurrent attempts exactly, starts an ended window over, and sweeps ended windows away', async () => {
    // Two throttles (as two processes have) on the one database, attempts all at once.
    const one = createLoginThrottle(db, { perEmail: 5, perIp: 1000, windowMs: 60_000 });
    const two = createLoginThrottle(db, { perEmail: 5, perIp: 1000, windowMs: 60_000 });
    const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).hit('race@throttle.example', `198.51.100.${i % 2}`)));
    expect(verdicts.filter((v) => v.allowed).length).toBe(5);
    expect((await one.hit('race@throttle.example', '198.51.100.9')).allowed).toBe(false);
    // A short window (its own email) ends, and the next attempt starts a new one.
    const short = createLoginThrottle(db, { perEmail: 1, perIp: 1000, windowMs: 2000 });
    expect((await short.hit('short@throttle.example', '198.51.100.10')).allowed).toBe(true);
    expect((await short.hit('short@throttle.example', '198.51.100.10')).allowed).toBe(false);
    await sleep(2100);
    expect((await short.hit('short@throttle.example', '198.51.100.10')).allowed).toBe(true);
    // A window that ended long ago; a process's first attempt sweeps ended windows.
    await sql`INSERT INTO auth_throttle (key_hash, hits, reset_at) VALUES ('ended-window', 99, now() - interval '1 minute')`.execute(db);
    const fresh = createLoginThrottle(db, { perEmail: 5, perIp: 1000, windowMs: 60_000 });
    await fresh.hit('someone@throttle.example', '198.51.100.20');
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM auth_throttle WHERE key_hash = 'ended-window'`.execute(db);
    expect(left.rows[0]!.n).toBe(0);
  });

  it('throttles one IP across both servers as one: 50 attempts in the window, then 429', async () => {
    // Every attempt of this file came from this IP; new emails, so only the IP window can refuse.
    while (attempts < 50) {
      const { status } = await login(attempts % 2 === 0 ? a : b, `person-${attempts}@ip-window.example`, 'not a password');
      expect(status, `attempt ${attempts}`).not.toBe(429);
    }
    const refused = await login(b, 'fresh@ip-window.example', 'not a password');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
