import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureInitialJs } from '../scripts/web-budget.ts';
import { WEB_DIST } from '../scripts/web-build.ts';
import { apiTypesSource, SCHEMA_FILE } from '../scripts/web-types.ts';
import { useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';

describe(`web app: serving, bundle budget, API types (${MODE})`, () => {
  const { url, app } = useServer();

  it('serves the app at / and its own routes, with hashed assets cached for good and pages revalidated', async () => {
    const index = await fetch(url('/'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    expect(html).toContain('<div id="root"></div>');

    const deep = await fetch(url('/leads/0193609e-3000-75cb-8630-c62afa0e2a4d?tab=timeline'));
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(html);

    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(url(script));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('keeps problem+json 404s for the API and for missing files', async () => {
    for (const path of ['/api/v1/nothing-here', '/assets/missing-abc123.js', '/favicon.ico']) {
      const res = await fetch(url(path));
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toContain('application/problem+json');
    }
    const post = await fetch(url('/leads'), { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('keeps the initial JavaScript under 300 KB gzipped (screens load lazily)', () => {
    const report = measureInitialJs();
    console.log(`initial JS: ${(report.gzipBytes / 1024).toFixed(1)} KB gzipped (${report.files.map((f) => f.file).join(', ')})`);
    expect(report.gzipBytes).toBeLessThan(report.budgetBytes);
    const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    // Route chunks exist apart from the entry: lazy loading is in effect.
    expect(html).not.toContain('leads-page');
  });

  it('web/src/api/schema.d.ts matches the OpenAPI document (run `npm run web:types` after changing a schema)', async () => {
    const fresh = await apiTypesSource(app().server);
    expect(fresh === readFileSync(SCHEMA_FILE, 'utf8'), 'web/src/api/schema.d.ts is stale: run `npm run web:types`').toBe(true);
  });
});
