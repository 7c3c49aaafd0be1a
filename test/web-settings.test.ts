import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

describe.skipIf(!hasChromium)(`web app: settings in Chromium (${MODE})`, () => {
  // Workers on: the retraining asked for from the Scoring model tab runs as a job.
  const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Settings Co');
  });
  afterAll(async () => browser?.close());

  it('organization, users & teams, API keys, tracking and the scoring model, as an admin', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    const sections = page.getByRole('navigation', { name: 'Settings sections' });

    // Organization: competitors, products and the LLM switch.
    await page.getByLabel('Competitors').fill('Globex\nInitech');
    await page.getByLabel('Products').fill('Rocket Plan');
    await page.getByLabel('Analyse conversations with the LLM provider').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Organization saved').waitFor();
    const org = (await owner.client.get('/api/v1/organization')).body;
    expect(org.settings).toMatchObject({ competitors: ['Globex', 'Initech'], products: ['Rocket Plan'], ai: { llm_enabled: true } });
    await web.screenshot('settings-organization');

    // Users & teams: a team, then an invitation into it.
    await sections.getByRole('link', { name: 'Users & teams' }).click();
    await page.getByLabel('New team').fill('Enterprise');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('button', { name: 'Rename team Enterprise' }).waitFor();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('must be an email address').waitFor(); // the server's word, next to the field
    await page.getByLabel('Email', { exact: true }).fill('mia.manager@settings.example');
    await page.getByLabel('Role', { exact: true }).selectOption('manager');
    await page.getByLabel('Team', { exact: true }).selectOption({ label: 'Enterprise' });
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const link = await page.getByLabel('Invitation link', { exact: true }).textContent();
    expect(link).toContain('/accept-invitation?token=');
    await page.getByText('mia.manager@settings.example').last().waitFor();
    const invitations = (await owner.client.get('/api/v1/invitations')).body.data as { email: string; role: string; team_id: string | null }[];
    expect(invitations).toEqual([expect.objectContaining({ email: 'mia.manager@settings.example', role: 'manager', team_id: expect.any(String) })]);
    await web.screenshot('settings-users');

    // API keys: shown once, works, then only its prefix remains.
    await sections.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Zapier sync');
    await page.getByLabel('Acts as').selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByLabel('New API key', { exact: true }).textContent())!;
    expect(key.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Copy API key' }).waitFor();
    await web.screenshot('settings-api-keys');
    expect((await Client.withKey(url, key).get('/api/v1/me')).status).toBe(200);
    await page.reload();
    await page.getByRole('cell', { name: 'Zapier sync', exact: true }).waitFor();
    expect(await page.getByText(key).count()).toBe(0);

    // Tracking: a write key, the snippet, and the install check seeing an event arrive.
    await sections.getByRole('link', { name: 'Tracking' }).click();
    await page.getByText('No website events in the last 30 days').waitFor();
    await page.getByRole('button', { name: 'Create a write key' }).click();
    const snippet = (await page.getByLabel('Tracking snippet', { exact: true }).textContent())!;
    const writeKey = (await page.getByLabel('Write key', { exact: true }).textContent())!;
    expect(snippet).toBe(`<script src="${url('')}/t.js" data-key="${writeKey}" async></script>`);
    const sent = await fetch(url('/api/v1/track'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ write_key: writeKey, events: [{ id: randomUUID(), type: 'page_view', anonymous_id: 'visitor-1', url: 'https://settings.example/pricing', title: 'Pricing' }] }),
    });
    expect(sent.status).toBe(200);
    await page.getByRole('button', { name: 'Check now' }).click();
    await page.getByText('https://settings.example/pricing').waitFor();
    await page.getByText(/1 website event in the last 30 days, 1 in the last 24 hours/).waitFor();
    await web.screenshot('settings-tracking');

    // Scoring model: decided leads, then a retraining asked for here, with its progress.
    for (let i = 0; i < 40; i++) {
      const won = i % 3 === 0;
      const r = await owner.client.post('/api/v1/leads', { first_name: `Closed${i}`, last_name: 'Lead', email: `c${i}@${won ? 'corp.example' : 'gmail.com'}`, job_title: won ? 'CEO' : 'Intern', status: won ? 'closed_won' : 'closed_lost' });
      expect(r.status).toBe(201);
    }
    // Outcomes arriving retrain on their own (the rescoring job queues that training): let both
    // finish first, so the version asked for below is the newest.
    await until('no rescoring or training left to run', async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE organization_id = ${owner.organizationId} AND queue IN ('scoring.rescore', 'scoring.train') AND status IN ('queued', 'running') AND run_at <= now()`.execute(app().database.db);
      return rows[0]!.n === 0;
    }, 60_000);
    const before = ((await owner.client.get('/api/v1/models')).body.data as unknown[]).length;
    await sections.getByRole('link', { name: 'Scoring model' }).click();
    await page.getByRole('button', { name: 'Train a new model' }).click();
    await page.getByText('Training finished').waitFor({ timeout: 60_000 });
    const models = (await owner.client.get('/api/v1/models')).body.data as { version: string; is_active: boolean; training_size: number }[];
    expect(models).toHaveLength(before + 1);
    const active = models.find((m) => m.is_active)!;
    expect(active.training_size).toBe(40);
    await page.getByRole('heading', { name: `Active model ${active.version}` }).waitFor();
    await page.getByRole('table').filter({ hasText: 'Predicted' }).first().waitFor();
    await page.locator('.calibration__chart canvas').waitFor();
    await web.screenshot('settings-model');
    expect(web.problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    await web.close();
  }, 240_000);

  it('a viewer sees settings without admin controls, and the API refuses them anyway', async () => {
    const { client: viewer, email: viewerEmail } = await inviteUser(owner.client, url, 'viewer', 'Vera Viewer');
    const web = await openWebPage(browser, { width: 768, height: 1000 });
    const { page } = web;
    await signIn(web, url(''), viewerEmail);
    await page.goto(url('/settings'));
    await page.getByText('Only admins can change organization settings.').waitFor();
    expect(await page.getByLabel('Name').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    await web.screenshot('settings-viewer-768');
    await page.goto(url('/settings/users'));
    await page.getByRole('cell', { name: /Settings Co Admin/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Deactivate/ }).count()).toBe(0);
    await page.goto(url('/settings/api-keys'));
    await page.getByText('API keys are managed by admins').waitFor();
    await page.goto(url('/settings/model'));
    await page.getByText('The scoring model is managed by managers and admins').waitFor();
    expect((await viewer.post('/api/v1/api-keys', { name: 'x', role: 'admin' })).status).toBe(403);
    expect((await viewer.post('/api/v1/invitations', { email: 'x@settings.example', role: 'admin' })).status).toBe(403);
    expect((await viewer.patch('/api/v1/organization', { name: 'Hijacked' })).status).toBe(403);
    expect((await viewer.post('/api/v1/models/train', {})).status).toBe(403);
    expect(web.problems).toEqual([]);
    await web.close();
  });
});
