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
