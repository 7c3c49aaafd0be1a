import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/modules/demo/demo.service.ts';
import { isBreachedPassword } from '../src/modules/auth/password.ts';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';
import { TEST_PASSWORD } from './helpers/web.ts';

// Trusts the loopback proxy: X-Forwarded-Proto from this test counts (see the HSTS test).
const { url, app } = useServer(() => ({ LEADAI_TRUST_PROXY: 'loopback' }));

const cookieValue = (setCookies: string[], name: string) => setCookies.find((c) => c.startsWith(`${name}=`))?.split(';')[0]!.slice(name.length + 1);

describe(`session fixation (${MODE})`, () => {
  it('sign-in never adopts a session id the client sent', async () => {
    const { email } = await Client.signup(url, 'Fixation');
    const planted = 'las_' + 'A'.repeat(43);
    const browser = new Client(url);
    browser.cookie = `leadai_session=${planted}; leadai_csrf=planted-csrf`;
    const login = await browser.post('/api/v1/auth/login', { email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const issued = cookieValue(login.setCookies, 'leadai_session');
    expect(issued).toBeDefined();
    expect(issued).not.toBe(planted);
    expect(cookieValue(login.setCookies, 'leadai_csrf')).not.toBe('planted-csrf');
    // The planted id is no session at all.
    const attacker = new Client(url);
    attacker.cookie = `leadai_session=${planted}`;
    expect((await attacker.get('/api/v1/me')).status).toBe(401);
  });

  it('signing in over a session another person planted issues a new one and ends the planted one', async () => {
    // The attacker's own valid session, planted in the victim's browser before the victim signs in.
    const attacker = await Client.signup(url, 'Planter');
    const victim = await Client.signup(url, 'Victim');
    const browser = new Client(url);
    browser.cookie = attacker.client.cookie;
    const before = cookieValue(attacker.client.cookie.split('; '), 'leadai_session');
    const login = await browser.post('/api/v1/auth/login', { email: victim.email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const after = cookieValue(login.setCookies, 'leadai_session');
    expect(after).not.toBe(before);
    expect(login.body.csrf_token).not.toBe(attacker.client.csrf);
    browser.csrf = login.body.csrf_token;
    expect((await browser.get('/api/v1/me')).body.user.email).toBe(victim.email);
    // What the attacker holds opens nothing now: not the victim's session, not even their own old one.
    expect((await attacker.client.get('/api/v1/me')).status).toBe(401);
  });

  it('each sign-in of the same person is a new session with a new CSRF token', async () => {
    const { email } = await Client.signup(url, 'Twice');
    const one = await new Client(url).post('/api/v1/auth/login', { email, password: TEST_PASSWORD });
    const two = await new Client(url).post('/api/v1/auth/login', { email, password: TEST_PASSWORD });
    expect(cookieValue(one.setCookies, 'leadai_session')).not.toBe(cookieValue(two.setCookies, 'leadai_session'));
    expect(one.body.csrf_token).not.toBe(two.body.csrf_token);
  });
});

describe(`password policy: breached passwords are refused (${MODE})`, () => {
  it('the shipped list knows common long passwords; the demo and test passwords are not on it', () => {
    for (const p of ['password123', 'qwertyuiop', '1q2w3e4r5t', 'Basketball', 'iloveyou12']) expect(isBreachedPassword(p), p).toBe(true);
    for (const p of [DEMO_PASSWORD, TEST_PASSWORD, 'a long password 1']) expect(isBreachedPassword(p), p).toBe(false);
  });

  it('sign-up refuses a breached password with a problem naming the field, and keeps the length rule', async () => {
    const c = new Client(url);
    const body = { organization_name: 'Weak', full_name: 'Weak Admin', email: `weak-${Date.now()}@weak.example` };
    const breached = await c.post('/api/v1/auth/signup', { ...body, password: 'Password123' });
    expect(breached.status).toBe(422);
    expect(breached.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(breached.body.field).toBe('password');
    expect(breached.body.errors).toEqual([{ field: 'password', message: expect.stringMatching(/leaked/) }]);
    expect(breached.body.detail).toMatch(/leaked in data breaches/);
    const short = await c.post('/api/v1/auth/signup', { ...body, password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].field).toBe('password');
    // Nothing was created: the same email still signs up.
    expect((await c.post('/api/v1/auth/signup', { ...body, password: TEST_PASSWORD })).status).toBe(201);
  });

  it('accepting an invitation refuses a breached password; the invitation stays usable', async () => {
    const admin = await Client.signup(url, 'Inviting');
    const invitation = await admin.client.post('/api/v1/invitations', { email: `new-${Date.now()}@inviting.example`, role: 'sales_rep' });
    const refused = await new Client(url).post('/api/v1/auth/accept-invitation', { token: invitation.body.token, full_name: 'New', password: '1q2w3e4r5t' });
    expect(refused.status).toBe(422);
    expect(refused.body.field).toBe('password');
    expect((await new Client(url).post('/api/v1/auth/accept-invitation', { token: invitation.body.token, full_name: 'New', password: TEST_PASSWORD })).status).toBe(201);
  });

  it('a password change asks for the current password, refuses a breached one, and ends the other sessions', async () => {
    const { client, email } = await Client.signup(url, 'Changer');
    const elsewhere = new Client(url);
    expect((await elsewhere.post('/api/v1/auth/login', { email, password: TEST_PASSWORD })).status).toBe(200);

    const breached = await client.post('/api/v1/auth/password', { current_password: TEST_PASSWORD, new_password: 'basketball' });
    expect(breached.status).toBe(422);
    expect(breached.body.field).toBe('new_password');
    const wrong = await client.post('/api/v1/auth/password', { current_password: 'not my password', new_password: 'seven purple otters skate' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.field).toBe('current_password');
    const short = await client.post('/api/v1/auth/password', { current_password: TEST_PASSWORD, new_password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].field).toBe('new_password');
    // Refused changes changed nothing: the other session is still in.
    expect((await elsewhere.get('/api/v1/me')).status).toBe(200);

    const done = await client.post('/api/v1/auth/password', { current_password: TEST_PASSWORD, new_password: 'seven purple otters skate' });
    expect(done.status).toBe(200);
    expect(done.body.other_sessions_ended).toBe(1);
    expect((await elsewhere.get('/api/v1/me')).status).toBe(401);
    expect((await client.get('/api/v1/me')).status).toBe(200);
    expect((await new Client(url).post('/api/v1/auth/login', { email, password: TEST_PASSWORD })).status).toBe(401);
    expect((await new Client(url).post('/api/v1/auth/login', { email, password: 'seven purple otters skate' })).status).toBe(200);

    const key = await client.post('/api/v1/api-keys', { name: 'k', role: 'admin' });
    const byKey = await Client.withKey(url, key.body.key).post('/api/v1/auth/password', { current_password: 'x', new_password: 'seven purple otters skate' });
    expect(byKey.status).toBe(403);
  });
});

describe(`secure headers (${MODE})`, () => {
  it('the web app page: strict CSP, nosniff, no-referrer, frames refused, no HSTS over plain HTTP', async () => {
    const res = await fetch(url('/leads'));
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    expect(directives['script-src']).toBe("'self'");
    expect(directives['script-src-attr']).toBe("'none'");
    expect(directives['style-src']).toBe("'self'");
    expect(directives['object-src']).toBe("'none'");
    expect(directives['frame-ancestors']).toBe("'none'");
    expect(directives['default-src']).toBe("'self'");
    expect(csp).not.toMatch(/upgrade-insecure-requests/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('API answers carry them too; the API docs have their own policy; the tracking snippet may be embedded anywhere', async () => {
    const me = await fetch(url('/api/v1/me'));
    expect(me.status).toBe(401);
    expect(me.headers.get('x-content-type-options')).toBe('nosniff');
    expect(me.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(me.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    const docs = await fetch(url('/api/docs/static/index.html'));
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(docs.headers.get('content-security-policy')).not.toMatch(/script-src[^;]*unsafe/);
    const snippet = await fetch(url('/t.js'));
    expect(snippet.status).toBe(200);
    expect(snippet.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('HSTS only when the request came over TLS through a trusted proxy', async () => {
    const viaTls = await fetch(url('/api/health'), { headers: { 'x-forwarded-proto': 'https' } });
    expect(viaTls.headers.get('strict-transport-security')).toMatch(/^max-age=31536000/);
    const plain = await fetch(url('/api/health'), { headers: { 'x-forwarded-proto': 'http' } });
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });
});

describe(`no stack traces or SQL in any response (${MODE})`, () => {
  it('a database error inside a route answers a generic 500 problem, without SQL, table names or a stack', async () => {
    const { client } = await Client.signup(url, 'Broken');
    const db = app().database.db;
    await sql`ALTER TABLE saved_views RENAME COLUMN name TO name_renamed_by_test`.execute(db);
    try {
      const r = await client.request('GET', '/api/v1/saved-views');
      expect(r.status).toBe(500);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(r.body.detail).toMatch(/Something went wrong on our side/);
      const text = JSON.stringify(r.body);
      for (const leak of [/saved_views/i, /name_renamed_by_test/, /select|from\s|where\s/i, /column|relation/i, /\bat\s.+:\d+/, /node_modules|\.ts\b|\.js\b/, /postgres|pglite|kysely/i]) {
        expect(text, String(leak)).not.toMatch(leak);
      }
      const write = await client.post('/api/v1/saved-views', { name: 'x' });
      expect(write.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(write.body)).not.toMatch(/name_renamed_by_test|saved_views|relation|\bat\s.+:\d+/i);
    } finally {
      await sql`ALTER TABLE saved_views RENAME COLUMN name_renamed_by_test TO name`.execute(db);
    }
    expect((await client.get('/api/v1/saved-views')).status).toBe(200);
  });
});
