import { describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

const { url } = useServer();

describe(`auth over HTTP (${MODE})`, () => {
  it('signs up, sets an HttpOnly SameSite session cookie, and knows who I am', async () => {
    const { client, email } = await Client.signup(url, 'Acme');
    const me = await client.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(email);
    expect(me.body.role).toBe('admin');
    expect(me.body.permissions).toContain('api_keys:manage');
    const again = new Client(url);
    const login = await again.post('/api/v1/auth/login', { email, password: 'correct horse battery' });
    expect(login.status).toBe(200);
    const session = login.setCookies.find((c) => c.startsWith('leadai_session='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Lax/i);
  });

  it('answers a wrong password and an unknown email alike, and throttles guessing', async () => {
    const { email } = await Client.signup(url, 'Throttle');
    const c = new Client(url);
    const wrong = await c.post('/api/v1/auth/login', { email, password: 'not the password' });
    const unknown = await c.post('/api/v1/auth/login', { email: 'nobody@nowhere.example', password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    let last = 0;
    for (let i = 0; i < 10; i++) last = (await c.post('/api/v1/auth/login', { email, password: `guess ${i}` })).status;
    expect(last).toBe(429);
    // Throttled by email whether or not the account exists: a 429 reveals nothing either.
    for (let i = 0; i < 11; i++) last = (await c.post('/api/v1/auth/login', { email: 'ghost@nowhere.example', password: `guess ${i}` })).status;
    expect(last).toBe(429);
  });

  it('requires the CSRF token for cookie-authenticated writes', async () => {
    const { client } = await Client.signup(url, 'Csrf');
    const token = client.csrf;
    client.csrf = '';
    const refused = await client.post('/api/v1/leads', { first_name: 'A', last_name: 'B' });
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe('csrf');
    client.csrf = 'forged';
    expect((await client.post('/api/v1/leads', { first_name: 'A', last_name: 'B' })).status).toBe(403);
    client.csrf = token;
    expect((await client.post('/api/v1/leads', { first_name: 'A', last_name: 'B' })).status).toBe(201);
  });

  it('logs out by revoking the session; lists and revokes my other sessions', async () => {
    const { client, email } = await Client.signup(url, 'Sessions');
    const other = new Client(url);
    const login = await other.post('/api/v1/auth/login', { email, password: 'correct horse battery' });
    other.csrf = login.body.csrf_token;
    const list = await client.get('/api/v1/auth/sessions');
    expect(list.body.data.length).toBe(2);
    const otherSession = list.body.data.find((s: { current: boolean }) => !s.current);
    expect((await client.delete(`/api/v1/auth/sessions/${otherSession.id}`)).status).toBe(204);
    expect((await other.get('/api/v1/me')).status).toBe(401);
    expect((await client.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await client.get('/api/v1/me')).status).toBe(401);
  });

  it('API keys: admin-only, shown once, stored hashed, scoped to a role, revocable at once', async () => {
    const { client } = await Client.signup(url, 'Keys');
    const created = await client.post('/api/v1/api-keys', { name: 'CRM sync', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^lak_/);
    const listed = await client.get('/api/v1/api-keys');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    const viewer = Client.withKey(url, created.body.key);
    expect((await viewer.get('/api/v1/leads')).status).toBe(200);
    const write = await viewer.post('/api/v1/leads', { first_name: 'A', last_name: 'B' });
    expect(write.status).toBe(403);
    expect(write.body.detail).toMatch(/viewer/);
    expect((await viewer.post('/api/v1/api-keys', { name: 'x', role: 'admin' })).status).toBe(403);
    expect((await client.delete(`/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    const after = await viewer.get('/api/v1/leads');
    expect(after.status).toBe(401);
    expect(after.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('serves the OpenAPI 3.1 document generated from the validation schemas, and the docs', async () => {
    const doc = await (await fetch(url('/api/openapi.json'))).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/api/v1/auth/login', '/api/v1/leads', '/api/v1/leads/{id}', '/api/v1/api-keys']) expect(Object.keys(doc.paths)).toContain(path);
    expect((await fetch(url('/api/docs/'))).status).toBe(200);
  });
});
