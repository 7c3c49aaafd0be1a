import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/shared/logger.ts';
import { webAppBuilt } from '../src/http/web-app.ts';
import { Client } from './helpers/api.ts';
import { createTestDatabase, MODE } from './helpers/db.ts';

let app: App;

beforeAll(async () => {
  const config = loadConfig({ LEADAI_DEMO: 'off', LEADAI_WORKERS: 'false', LOG_LEVEL: 'silent', LEADAI_CHECK_RESPONSES: 'true' });
  app = await createApp(config, createLogger(config), { database: await createTestDatabase() });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => app?.close());

const base = () => {
  const address = app.server.server.address();
  if (!address || typeof address === 'string') throw new Error('server is not listening');
  return `http://127.0.0.1:${address.port}`;
};

describe(`HTTP server over a real port (${MODE})`, () => {
  it('reports health with the database mode and schema version', async () => {
    const res = await fetch(`${base()}/api/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { detail: string; database: { migration: string } };
    expect(body).toMatchObject({ status: 'ok', database: { mode: MODE, reachable: true } });
    expect(body.database.migration).toMatch(/^\d{4}_/);
  });

  it('serves the web app at /, or without a build (web/dist) a page that says what runs', async () => {
    const res = await fetch(`${base()}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('LeadAI');
    // The test run builds the web app first (test/helpers/web-setup.ts).
    expect(html).toContain(webAppBuilt() ? '<div id="root"></div>' : 'Server running');
  });

  it('answers unknown routes with problem+json', async () => {
    const res = await fetch(`${base()}/api/v1/nothing-here?x=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const body = (await res.json()) as { detail: string; database: { migration: string } };
    expect(body).toMatchObject({ status: 404, title: 'Not found', type: expect.stringMatching(/not-found$/) });
    expect(body.detail).toContain('/api/v1/nothing-here');
  });

  it('answers a malformed JSON body with a 4xx problem, not a 500', async () => {
    const res = await fetch(`${base()}/api/health`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('takes a POST without a body where the body is optional, and still refuses one where it is required', async () => {
    const { client } = await Client.signup((path) => base() + path, 'Bodyless Co');
    const missing = '0193609e-3000-75cb-8630-c62afa0e2a4d';
    // Validation passes (Fastify hands the validator null for "no body"): the answer is about the insight.
    const acknowledged = await client.request('POST', `/api/v1/insights/${missing}/acknowledge`);
    expect(acknowledged.status, JSON.stringify(acknowledged.body)).toBe(404);
    const dismissed = await client.request('POST', `/api/v1/insights/${missing}/dismiss`);
    expect(dismissed.status).toBe(400);
    // A body that is the JSON value null is not "no body": it is refused.
    const nullBody = await client.request('POST', `/api/v1/insights/${missing}/acknowledge`, null);
    expect(nullBody.status, JSON.stringify(nullBody.body)).toBe(400);
  });
});

describe(`first start (${MODE})`, () => {
  it('creates the demo organization on an empty embedded database only, and only once', async () => {
    const config = loadConfig({ LEADAI_DEMO: 'auto', LEADAI_DEMO_LEADS: '30', LEADAI_WORKERS: 'false', LOG_LEVEL: 'silent' });
    const database = await createTestDatabase();
    const first = await createApp(config, createLogger(config), { database });
    try {
      if (MODE === 'embedded') {
        expect(first.demo?.counts.leads).toBe(30);
        expect(first.demo?.adminEmail).toBe('admin@northwind.example');
      } else {
        // A server database is never filled with demo data behind the operator's back.
        expect(first.demo).toBeUndefined();
      }
      const again = await createApp(config, createLogger(config), { database });
      expect(again.demo).toBeUndefined();
      await again.server.close();
    } finally {
      await first.close();
    }
  });
});

describe(`plain words (${MODE})`, () => {
  it('names the field and what is allowed in validation errors', async () => {
    const { client } = await Client.signup((path) => base() + path, 'Words Co');
    // (An empty first name is allowed since the name rule asks for a first or last name, an email or a company.)
    const r = await client.post('/api/v1/leads', { first_name: 'Y', last_name: 'X', status: 'bogus', tags: [1, ''], zz_unknown: true });
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.detail).toContain('tags[1]: must not be empty');
    expect(r.body.detail).toContain('status: must be one of new, contacted, qualified');
    expect(r.body.detail).toContain('tags[0]: must be text');
    expect(r.body.detail).toContain('zz_unknown: is not a field here');
    expect(r.body.detail).not.toMatch(/Too small|Invalid option|expected string|body\//);
    expect(r.body.errors).toContainEqual({ field: 'tags[1]', message: 'must not be empty' });
    const noBody = await client.request('POST', '/api/v1/leads');
    expect(noBody.status).toBe(400);
    expect(noBody.body.detail).toBe('the request body: is required.');
    const query = await client.get('/api/v1/leads?limit=900');
    expect(query.body.detail).toBe('query parameter limit: must be 200 or less.');
    const date = await client.post('/api/v1/leads', { first_name: 'A', last_name: 'B', next_follow_up_at: '-5000' });
    expect(date.status).toBe(400);
    expect(date.body.detail).toBe('next_follow_up_at: must be a date between 1900-01-01 and 9999-12-31, like 2026-11-25 or 2026-11-25T14:03:00Z.');
    const cursor = await client.get('/api/v1/leads?cursor=bnVsbA');
    expect(cursor.status).toBe(400);
    expect(cursor.body.detail).toMatch(/^cursor is not one this server issued .*start from the first page/);
  });

  it('titles malformed JSON as such', async () => {
    const res = await fetch(`${base()}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": "a@b.c", ' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const body = (await res.json()) as { title: string; detail: string; type: string };
    expect(body.title).toBe('The request body is not valid JSON');
    expect(body.type).toMatch(/malformed-json$/);
    expect(body.detail).not.toMatch(/FastifyError|FST_/);
  });

  it("serves the API documentation under LeadAI's name and icon, not the framework's", async () => {
    const html = await (await fetch(`${base()}/api/docs/`)).text();
    expect(html).toContain('<title>LeadAI API</title>');
    expect(html).not.toMatch(/Swagger UI<\/title>|favicon-32x32/);
    const icon = html.match(/<link rel="icon" type="image\/svg\+xml" href="([^"]+)"/)?.[1];
    expect(icon).toBeDefined();
    const iconRes = await fetch(new URL(icon!, `${base()}/api/docs/`));
    expect(iconRes.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    expect(await iconRes.text()).toContain('#4338ca');
    const init = await (await fetch(`${base()}/api/docs/static/swagger-initializer.js`)).text();
    expect(Buffer.from(init.match(/data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/)![1]!, 'base64').toString()).toContain('LeadAI');
  });
});
