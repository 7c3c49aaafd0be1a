import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { openWebPage, signUpThroughUi } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

/** What the page's script sees (the test's TypeScript has no DOM library). */
interface CspEvent { effectiveDirective: string; blockedURI: string; sourceFile: string; lineNumber: number }
interface PageGlobals { cspViolations?: string[]; document: { addEventListener(type: 'securitypolicyviolation', listener: (e: CspEvent) => void): void } }

/** Every page load records the policy violations the browser reports (the event, not only the console). */
async function recordViolations(page: Page): Promise<void> {
  await page.context().addInitScript(() => {
    const g = globalThis as unknown as PageGlobals;
    const seen: string[] = [];
    g.cspViolations = seen;
    g.document.addEventListener('securitypolicyviolation', (e) => {
      seen.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

const violations = (page: Page): Promise<string[]> => page.evaluate(() => (globalThis as unknown as PageGlobals).cspViolations ?? []);

describe.skipIf(!hasChromium)(`the web app works under its Content-Security-Policy in Chromium (${MODE})`, () => {
  const { url } = useServer();
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it('signs in and shows the dashboard, leads, a lead, pipeline, insights and settings with no CSP violation', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await recordViolations(page);
    const seen: string[] = [];

    const first = await page.goto(url('/login'));
    const policy = first!.headers()['content-security-policy'] ?? '';
    expect(policy).toMatch(/script-src 'self'(;|$)/);
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    seen.push(...(await violations(page)));

    const { email, password } = await signUpThroughUi(page, url(''), 'Csp Labs');
    seen.push(...(await violations(page)));
    const api = new Client(url);
    const login = await api.post('/api/v1/auth/login', { email, password });
    api.csrf = login.body.csrf_token;
    const lead = await api.post('/api/v1/leads', { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@analytical.example', company: 'Analytical Engines' });
    expect(lead.status).toBe(201);
    await api.post(`/api/v1/leads/${lead.body.id}/activities`, { type: 'note', subject: 'First call', description: 'Asked for a demo' });

    const pages = ['/', '/leads', `/leads/${lead.body.id}`, '/pipeline', '/insights', '/settings', '/settings/users', '/settings/tracking', '/settings/templates', '/account/sessions'];
    for (const path of pages) {
      await page.goto(url(path));
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      // Lazy parts (charts, tabs' queries) render after the heading.
      await page.waitForLoadState('load');
      await page.waitForTimeout(300);
      seen.push(...(await violations(page)).map((v) => `${path}: ${v}`));
    }
    await web.screenshot('csp-lead-page');
    expect(seen).toEqual([]);
    // Chromium also reports each violation on the console ("Refused to …").
    expect(web.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    await web.close();
  }, 240_000);

  it('the API docs (swagger-ui) render under their own policy with no violation', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await recordViolations(page);
    const response = await page.goto(url('/api/docs/static/index.html'));
    await page.locator('.opblock').first().waitFor();
    await page.waitForTimeout(300);
    expect(await violations(page)).toEqual([]);
    expect(web.problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    expect(response!.headers()['content-security-policy']).not.toMatch(/script-src[^;]*unsafe/);
    await web.close();
  }, 120_000);
});
