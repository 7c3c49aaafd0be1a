import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WRITES_WITHOUT_SESSION } from '../src/http/auth.ts';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';
import { snapshot as fingerprint } from './helpers/openapi-fuzz-run.ts';

const { url, app } = useServer();

const WRITE_METHODS = ['post', 'put', 'patch', 'delete'] as const;

/** Every write route of the OpenAPI document, as METHOD and a concrete path (ids: fresh UUIDs). */
async function writeRoutes(): Promise<{ method: string; template: string; path: string }[]> {
  const doc = (await (await fetch(url('/api/openapi.json'))).json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([template, ops]) =>
    WRITE_METHODS.filter((m) => m in ops).map((m) => ({ method: m.toUpperCase(), template, path: template.replace(/\{[^}]+\}/g, () => randomUUID()) })),
  );
}

/** Row counts and checksums of every table (but sessions, which each request touches): one definition, the fuzzer's. */
const snapshot = () => fingerprint(app().database.db);

describe(`CSRF on every cookie-authenticated write of the OpenAPI document (${MODE})`, () => {
  it('a write with the session cookie but without the token, or with a wrong one, is refused 403 problem+json and changes nothing', async () => {
    const { client } = await Client.signup(url, 'Csrf Sweep');
    // Something for the writes to aim at, so a route that skipped the check would change data.
    const lead = await client.post('/api/v1/leads', { first_name: 'Target', last_name: 'Lead' });
    expect(lead.status).toBe(201);
    const routes = await writeRoutes();
    expect(routes.length).toBeGreaterThan(60);
    const guarded = routes.filter((r) => !WRITES_WITHOUT_SESSION.has(r.template.replace(/\{([^}]+)\}/g, ':$1')));
    // The exemptions are exactly the writes that open a session or carry their own key.
    expect(routes.length - guarded.length).toBeGreaterThanOrEqual(3);

    // Creating the lead queued background work (scoring): wait until the data stands still.
    let before = await snapshot();
    for (let settled = false, tries = 0; !settled && tries < 30; tries++) {
      await sleep(300);
      const again = await snapshot();
      settled = JSON.stringify(again) === JSON.stringify(before);
      before = again;
    }
    const token = client.csrf;
    const failures: string[] = [];
    for (const { method, path: rawPath } of guarded) {
      // The real lead's id where a route takes one, a fresh UUID elsewhere.
      const path = rawPath.replace(/^\/api\/v1\/leads\/[0-9a-f-]{36}/, `/api/v1/leads/${lead.body.id}`);
      for (const csrf of ['', `${token}x`]) {
        client.csrf = csrf;
        // A body that would be valid for many routes: the check must come before validation.
        const r = await client.request(method, path, { first_name: 'Changed', name: 'Changed', status: 'won', role: 'viewer' });
        if (r.status !== 403 || r.body.reason !== 'csrf' || !/application\/problem\+json/.test(r.headers.get('content-type') ?? '')) {
          failures.push(`${method} ${path} (token ${JSON.stringify(csrf)}): ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
        }
      }
      // A multipart upload without the token is refused before its body is read.
      if (method === 'POST' && /\/imports$/.test(path)) {
        const form = new FormData();
        form.set('file', new Blob(['first_name,last_name\nA,B\n'], { type: 'text/csv' }), 'leads.csv');
        const r = await fetch(url(path), { method, headers: { cookie: client.cookie }, body: form });
        if (r.status !== 403) failures.push(`${method} ${path} multipart: ${r.status}`);
      }
    }
    client.csrf = token;
    expect(failures).toEqual([]);
    expect(await snapshot()).toEqual(before);
    // The same session with its token still writes: the refusals were the token's doing.
    expect((await client.patch(`/api/v1/leads/${lead.body.id}`, { first_name: 'Changed' })).status).toBe(200);
  }, 240_000);

  it('an X-Forwarded-Proto from a proxy that is not trusted does not turn on HSTS', async () => {
    const r = await fetch(url('/api/health'), { headers: { 'x-forwarded-proto': 'https' } });
    expect(r.headers.get('strict-transport-security')).toBeNull();
  });
});
