import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';

if (!hasChromium) console.warn(skipMessage());

/**
 * The snippet as customers install it: a page on another origin (a tiny node:http server)
 * includes <script src="LEADAI/t.js" data-key="…" async>, and headless Chromium browses it.
 */
describe.skipIf(!hasChromium)(`tracking snippet in Chromium (${MODE})`, () => {
  const { url, app } = useServer();
  let admin: Client;
  let organizationId: string;
  let key: string;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    const signup = await Client.signup(url, 'Snippet Inc');
    admin = signup.client;
    organizationId = signup.organizationId;
    key = (await admin.post('/api/v1/tracking/keys', { name: 'Website' })).body.write_key;
    const snippet = `<script src="${url('/t.js')}" data-key="${key}" async></script>`;
    site = createServer((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (req.url?.startsWith('/thanks')) {
        req.resume();
        res.end(`<!doctype html><html><head><title>Thank you</title>${snippet}</head><body><p>Thanks!</p></body></html>`);
        return;
      }
      res.end(`<!doctype html><html><head><title>Pricing – Example</title>${snippet}</head><body>
        <h1>Pricing</h1>
        <form id="demo-request" name="demo-request" action="/thanks" method="post">
          <input name="first_name" value="">
          <input name="last_name" value="">
          <input type="email" name="email" value="">
          <input name="company" value="">
          <input type="password" name="password" value="">
          <button type="submit">Request a demo</button>
        </form></body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  async function eventsOf(anonymousId: string) {
    return app()
      .database.db.selectFrom('journey_events')
      .select(['lead_id', 'event_type', 'event_name', 'properties', 'session_id'])
      .where('organization_id', '=', organizationId)
      .where('anonymous_id', '=', anonymousId)
      .execute();
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('records a page view, then a form submission with an email identifies the visitor: both are journey events of that lead', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${siteUrl}/pricing?utm_source=test`, { referer: 'https://search.example/?q=leadai' });
    await page.waitForFunction(() => (globalThis as unknown as { leadai?: { loaded?: boolean } }).leadai?.loaded === true);
    const anonymousId = await page.evaluate(() => (globalThis as unknown as { leadai: { anonymousId: string } }).leadai.anonymousId);
    const view = await waitFor('the page view', async () => (await eventsOf(anonymousId)).find((e) => e.event_type === 'page_view'));
    expect(view.lead_id).toBeNull();
    expect(view.event_name).toBe('Pricing – Example');
    expect(view.properties).toMatchObject({ url: `${siteUrl}/pricing?utm_source=test`, title: 'Pricing – Example', referrer: 'https://search.example/?q=leadai' });

    const email = `ada-${randomUUID().slice(0, 8)}@visitor.example`;
    await page.fill('input[name=first_name]', 'Ada');
    await page.fill('input[name=last_name]', 'Lovelace');
    await page.fill('input[name=email]', email);
    await page.fill('input[name=company]', 'Analytical Engines');
    await page.fill('input[name=password]', 'hunter2-secret');
    await Promise.all([page.waitForURL(`${siteUrl}/thanks`), page.click('button[type=submit]')]);

    const lead = await waitFor('the identified lead', async () =>
      app().database.db.selectFrom('leads').select(['id', 'first_name', 'last_name', 'company', 'source']).where('organization_id', '=', organizationId).where('email', '=', email).executeTakeFirst(),
    );
    expect(lead).toMatchObject({ first_name: 'Ada', last_name: 'Lovelace', company: 'Analytical Engines', source: 'website' });
    // The thank-you page's view goes straight to the lead.
    const journey = await waitFor('the whole journey', async () => {
      const r = await admin.get(`/api/v1/leads/${lead.id}/journey`);
      const types = r.body.data.map((e: { event_type: string }) => e.event_type);
      return types.includes('form_submit') && types.includes('identify') && types.filter((t: string) => t === 'page_view').length >= 2 ? r.body.data : undefined;
    });
    const form = journey.find((e: { event_type: string }) => e.event_type === 'form_submit');
    expect(form.event_name).toBe('demo-request');
    expect(form.properties.fields).toEqual({ first_name: 'Ada', last_name: 'Lovelace', email, company: 'Analytical Engines' });
    expect(JSON.stringify(journey)).not.toContain('hunter2');
    expect(journey.find((e: { event_type: string; event_name: string }) => e.event_type === 'page_view' && e.event_name === 'Pricing – Example')).toBeDefined();
    expect(new Set(journey.map((e: { session_id: string }) => e.session_id)).size).toBe(1);
    const all = await eventsOf(anonymousId);
    expect(all.every((e) => e.lead_id === lead.id)).toBe(true);

    // Custom events through the page API.
    await page.evaluate(() => {
      const w = globalThis as unknown as { leadai: { track(name: string, props: object): void; flush(): void } };
      w.leadai.track('Watched video', { seconds: 30 });
      w.leadai.flush();
    });
    await waitFor('the custom event', async () => (await eventsOf(anonymousId)).find((e) => e.event_type === 'custom' && e.lead_id === lead.id));
    await context.close();
  });

  it('sends nothing when the visitor asks not to be tracked (Global Privacy Control)', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => Object.defineProperty((globalThis as unknown as { Navigator: { prototype: object } }).Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
    const page = await context.newPage();
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/track')) sent.push(r.url());
    });
    await page.goto(`${siteUrl}/pricing`);
    await page.waitForFunction(() => (globalThis as unknown as { leadai?: { loaded?: boolean } }).leadai?.loaded === true);
    expect(await page.evaluate(() => (globalThis as unknown as { leadai: { disabled?: boolean } }).leadai.disabled)).toBe(true);
    await page.fill('input[name=email]', `private-${randomUUID().slice(0, 8)}@visitor.example`);
    await Promise.all([page.waitForURL(`${siteUrl}/thanks`), page.click('button[type=submit]')]);
    await page.waitForTimeout(1500);
    expect(sent).toEqual([]);
    await context.close();
  });
});
