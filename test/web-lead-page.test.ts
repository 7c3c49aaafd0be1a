import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

/**
 * The lead page as a rep uses it in the first hour: every field of the lead shown and
 * editable (owner, address and country, custom fields), the dates that matter, stored codes
 * in words; a timeline that shows each call or e-mail once, can be narrowed to one kind,
 * folds a burst of score changes and draws icons. Each edit is checked in the database.
 */
describe.skipIf(!hasChromium)(`web app: the lead page in Chromium (${MODE})`, { timeout: 180_000 }, () => {
  const { app, url } = useServer();
  const db = () => app().database.db;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let rep: Awaited<ReturnType<typeof inviteUser>>;
  let manager: Awaited<ReturnType<typeof inviteUser>>;
  let leadId = '';
  let callId = '';

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Lead Page Co');
    rep = await inviteUser(owner.client, url, 'sales_rep', 'Rita Rep');
    manager = await inviteUser(owner.client, url, 'manager', 'Manny Manager');
    const r = await owner.client.post('/api/v1/leads', {
      first_name: 'Lena', last_name: 'Page', email: 'lena@pageco.example', company: 'Page Co', source: 'organic_search', stage: 'sales_qualified',
      address: { city: 'Lyon', country_code: 'FR' }, custom_fields: { seats: 40, legacy_id: 'X-17' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    leadId = r.body.id as string;
    // The organization's catalogue (as an import leaves it): one value held, one still empty.
    await sql`INSERT INTO custom_field_definitions (organization_id, key, label, type, categories) VALUES
      (${owner.organizationId}::uuid, 'industry', 'Industry', 'category', '["Software", "Retail"]'::jsonb),
      (${owner.organizationId}::uuid, 'renewal_date', 'Renewal date', 'date', '[]'::jsonb)`.execute(db());
    await sql`UPDATE leads SET custom_fields = custom_fields || '{"industry": "Software"}'::jsonb WHERE id = ${leadId}`.execute(db());

    expect((await owner.client.patch(`/api/v1/leads/${leadId}`, { status: 'contacted' })).status).toBe(200);
    // A call logged as an activity, its notes as a linked conversation (as the demo writes them).
    const call = await owner.client.post(`/api/v1/leads/${leadId}/activities`, { type: 'call', subject: 'Discovery call', description: 'Budget approved for Q1.', completed_at: new Date(Date.now() - 3 * 86_400_000).toISOString() });
    callId = call.body.id as string;
    expect((await owner.client.post(`/api/v1/leads/${leadId}/conversations`, { direction: 'outbound', channel: 'phone', subject: 'Call notes', content: 'Budget approved for Q1. Wants the pricing sheet.', activity_id: callId, occurred_at: call.body.completed_at })).status).toBe(201);
    expect((await owner.client.post(`/api/v1/leads/${leadId}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Pricing sheet?', content: 'Could you send the pricing sheet?', occurred_at: new Date(Date.now() - 2 * 86_400_000).toISOString() })).status).toBe(201);
    // A burst of rescoring (four changes in ten minutes, a day ago), and an older lone score.
    await sql`INSERT INTO lead_scores (organization_id, lead_id, score, confidence, model_version, explanation, created_at)
      SELECT ${owner.organizationId}::uuid, ${leadId}::uuid, s, 0.6, 'v1', '[]'::jsonb, now() - interval '1 day' + g * interval '150 seconds'
      FROM unnest(ARRAY[20, 31, 38, 45]) WITH ORDINALITY AS u(s, g)
      UNION ALL SELECT ${owner.organizationId}::uuid, ${leadId}::uuid, 12, 0.6, 'v1', '[]'::jsonb, now() - interval '10 days'`.execute(db());
  });
  afterAll(async () => browser?.close());

  const stored = async () =>
    (await sql<{ assigned_to: string | null; address: Record<string, string> | null; custom_fields: Record<string, unknown> }>`SELECT assigned_to, address, custom_fields FROM leads WHERE id = ${leadId}`.execute(db())).rows[0]!;

  it('shows every field: owner, address and country, custom fields, dates, stored codes in words', async () => {
    for (const width of [1440, 390]) {
      const web = await openWebPage(browser, { width, height: 900 });
      const { page } = web;
      await signIn(web, url(''), owner.email);
      await page.goto(url(`/leads/${leadId}`));
      const profile = page.getByRole('region', { name: 'Profile' }).or(page.locator('.card', { hasText: 'Click a value to change it' }));
      await page.getByRole('button', { name: 'Edit Owner: Unassigned' }).waitFor();
      await page.getByRole('button', { name: 'Edit Status: Contacted' }).waitFor();
      await page.getByRole('button', { name: 'Edit City: Lyon' }).waitFor();
      await page.getByRole('button', { name: 'Edit Country: France' }).waitFor();
      await page.getByRole('button', { name: 'Edit Source: Organic search' }).waitFor();
      await page.getByRole('button', { name: 'Edit Stage: Sales qualified' }).waitFor();
      await page.getByRole('button', { name: 'Edit Industry: Software' }).waitFor();
      await page.getByRole('button', { name: 'Edit Renewal date: —' }).waitFor();
      await page.getByRole('button', { name: 'Edit Seats: 40' }).waitFor();
      await page.getByRole('button', { name: 'Edit Legacy ID: X-17' }).waitFor();
      const dates = page.getByRole('region', { name: 'Dates' });
      for (const term of ['Created', 'Last contacted', 'Status changed']) await dates.getByText(term, { exact: true }).waitFor();
      expect(await dates.locator('time').count()).toBeGreaterThanOrEqual(3);
      expect(await profile.getByText('organic_search').count()).toBe(0);
      await web.screenshot(`lead-page-profile-${width}`);
      expect(await page.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(width);
      expect(web.problems).toEqual([]);
      await web.close();
    }
  });

  it('edits the owner, the address and custom fields; each change stored', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url(`/leads/${leadId}`));

    await page.getByRole('button', { name: 'Edit Owner: Unassigned' }).click();
    const ownerSelect = page.getByRole('combobox', { name: 'Owner' });
    expect(await ownerSelect.locator('option').allTextContents()).toEqual(expect.arrayContaining(['Unassigned', 'Rita Rep', 'Manny Manager', 'Lead Page Co Admin (me)']));
    await ownerSelect.selectOption({ label: 'Rita Rep' });
    await page.getByRole('button', { name: 'Save Owner' }).click();
    await page.getByRole('button', { name: 'Edit Owner: Rita Rep' }).waitFor();
    await until('the owner stored', async () => (await stored()).assigned_to === rep.userId);

    await page.getByRole('button', { name: 'Edit Street: —' }).click();
    await page.getByRole('textbox', { name: 'Street' }).fill('12 Rue de la République');
    await page.getByRole('textbox', { name: 'Street' }).press('Enter');
    await page.getByRole('button', { name: 'Edit Street: 12 Rue de la République' }).waitFor();
    // Meanwhile someone else (an import, another user) adds a postal code: the page's copy is stale, and the edit keeps it.
    await sql`UPDATE leads SET address = address || '{"postal_code": "69001"}'::jsonb WHERE id = ${leadId}`.execute(db());
    await page.getByRole('button', { name: 'Edit Country: France' }).click();
    await page.getByRole('textbox', { name: 'Country' }).fill('Belgium');
    await page.getByRole('textbox', { name: 'Country' }).press('Enter');
    await page.getByRole('button', { name: 'Edit Country: Belgium' }).waitFor();
    await until('the address stored', async () => JSON.stringify((await stored()).address) === JSON.stringify({ city: 'Lyon', street: '12 Rue de la République', country: 'Belgium', postal_code: '69001' }));

    // A catalogue category (suggested values), a catalogue date left empty so far, a number held outside the catalogue.
    await page.getByRole('button', { name: 'Edit Industry: Software' }).click();
    await page.getByRole('combobox', { name: 'Industry' }).fill('Retail');
    await page.getByRole('combobox', { name: 'Industry' }).press('Enter');
    await page.getByRole('button', { name: 'Edit Industry: Retail' }).waitFor();
    await page.getByRole('button', { name: 'Edit Renewal date: —' }).click();
    await page.getByLabel('Renewal date', { exact: true }).fill('2027-03-31');
    await page.getByRole('button', { name: 'Save Renewal date' }).click();
    await page.getByRole('button', { name: /^Edit Renewal date: .*2027/ }).waitFor();
    await sql`UPDATE leads SET custom_fields = custom_fields || '{"plan": "Enterprise"}'::jsonb WHERE id = ${leadId}`.execute(db());
    await page.getByRole('button', { name: 'Edit Seats: 40' }).click();
    await page.getByRole('spinbutton', { name: 'Seats' }).fill('55');
    await page.getByRole('spinbutton', { name: 'Seats' }).press('Enter');
    await page.getByRole('button', { name: 'Edit Seats: 55' }).waitFor();
    await until('the custom fields stored', async () => {
      const cf = (await stored()).custom_fields;
      return cf.industry === 'Retail' && cf.renewal_date === '2027-03-31' && cf.seats === 55 && cf.legacy_id === 'X-17';
    });
    // Written behind the page's back, and kept: only the edited key was sent.
    expect((await stored()).custom_fields.plan).toBe('Enterprise');
    expect((await stored()).address?.postal_code).toBe('69001');
    await web.screenshot('lead-page-edited');
    expect(web.problems).toEqual([]);
    await web.close();
  });

  it('a sales rep may take a lead but not give it to someone else: only the owner and “me” are offered', async () => {
    // The rep sees their team's leads: put both in a team, the lead with the manager.
    const team = await owner.client.post('/api/v1/teams', { name: 'North' });
    expect(team.status, JSON.stringify(team.body)).toBe(201);
    expect((await owner.client.patch(`/api/v1/users/${rep.userId}`, { team_id: team.body.id })).status).toBe(200);
    expect((await owner.client.patch(`/api/v1/leads/${leadId}`, { assigned_to: manager.userId, team_id: team.body.id })).status).toBe(200);
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), rep.email);
    await page.goto(url(`/leads/${leadId}`));
    await page.getByRole('button', { name: 'Edit Owner: Manny Manager' }).click();
    const options = await page.getByRole('combobox', { name: 'Owner' }).locator('option').allTextContents();
    expect(options).toEqual(['Manny Manager', 'Rita Rep (me)']);
    await page.getByRole('combobox', { name: 'Owner' }).selectOption({ label: 'Rita Rep (me)' });
    await page.getByRole('button', { name: 'Save Owner' }).click();
    await until('the rep took the lead', async () => (await stored()).assigned_to === rep.userId);
    // Now theirs: nothing else they could choose, so the owner is shown, not offered.
    await page.locator('span.inline-edit', { hasText: 'Rita Rep' }).waitFor();
    expect(await page.getByRole('button', { name: /^Edit Owner/ }).count()).toBe(0);
    expect(web.problems).toEqual([]);
    await web.close();
  });

  it("a manager on another team's lead reads it, with a note, and is offered no control the server would refuse", async () => {
    const [east, west] = await Promise.all(['East', 'West'].map(async (name) => (await owner.client.post('/api/v1/teams', { name })).body.id as string));
    const mia = await inviteUser(owner.client, url, 'manager', 'Mia Manager');
    expect((await owner.client.patch(`/api/v1/users/${mia.userId}`, { team_id: east })).status).toBe(200);
    const theirs = (await owner.client.post('/api/v1/leads', { first_name: 'Wes', last_name: 'Westerly', team_id: west, custom_fields: { seats: 9 } })).body.id as string;
    const ours = (await owner.client.post('/api/v1/leads', { first_name: 'Eve', last_name: 'Easterly', team_id: east })).body.id as string;
    for (const width of [1440, 390]) {
      const web = await openWebPage(browser, { width, height: 900 });
      const { page } = web;
      await signIn(web, url(''), mia.email);
      // Her own team's lead: the controls are there (so their absence below is the lead's doing).
      await page.goto(url(`/leads/${ours}`));
      await page.getByRole('button', { name: 'Edit First name: Eve' }).waitFor();
      await page.getByRole('heading', { name: 'Log an activity' }).waitFor();
      await page.getByRole('button', { name: 'Merge duplicate…' }).waitFor();
      await page.goto(url(`/leads/${theirs}`));
      await page.getByText('Read-only: this lead belongs to team West', { exact: false }).waitFor();
      await page.getByText('Seats', { exact: true }).waitFor();
      expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0);
      for (const heading of ['Log an activity', 'Schedule a follow-up']) expect(await page.getByRole('heading', { name: heading }).count(), heading).toBe(0);
      expect(await page.getByRole('button', { name: 'Merge duplicate…' }).count()).toBe(0);
      await web.screenshot(`lead-page-other-team-${width}`);
      expect(await page.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(width);
      expect(web.problems).toEqual([]);
      await web.close();
    }
  });

  it('timeline: each call once, a burst of score changes folded, icons, and a filter by kind', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url(`/leads/${leadId}`));
    const timeline = page.getByTestId('timeline');
    await timeline.getByText('Discovery call').waitFor();
    // The call and its notes: one item, carrying the notes.
    expect(await timeline.getByText('Discovery call').count()).toBe(1);
    expect(await timeline.locator('li[data-kind="activity"]').count()).toBe(1);
    expect(await timeline.locator('li[data-kind="conversation"]').count()).toBe(1);
    await timeline.locator('li[data-kind="activity"]').getByText('Wants the pricing sheet', { exact: false }).waitFor();
    // Four changes in ten minutes: one entry; the lone older score stays on its own.
    const burst = timeline.locator('li[data-kind="score-burst"]');
    expect(await burst.count()).toBe(1);
    await burst.getByText('4 score changes').waitFor();
    await burst.getByText('Score 12 → 45', { exact: false }).waitFor();
    await burst.getByRole('button', { name: 'Show the 4 changes' }).click();
    await burst.getByText('Score 38 → 45', { exact: false }).waitFor();
    expect(await timeline.locator('li[data-kind="score"]').count()).toBe(1);
    // Icons, not letters.
    const dots = await timeline.locator('.timeline__dot').evaluateAll((els) => els.map((e) => ({ text: e.textContent?.trim(), svg: !!e.querySelector('svg path') })));
    expect(dots.length).toBeGreaterThan(0);
    expect(dots.every((d) => d.text === '' && d.svg)).toBe(true);
    await web.screenshot('lead-page-timeline');

    const filter = page.getByRole('group', { name: 'Show in the timeline' });
    await filter.getByRole('button', { name: 'Score changes' }).click();
    await until('only score changes', async () => {
      const kinds = await timeline.locator('li.timeline__item').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
      return kinds.length > 0 && kinds.every((k) => k === 'score' || k === 'score-burst');
    });
    expect(await filter.getByRole('button', { name: 'Score changes' }).getAttribute('aria-pressed')).toBe('true');
    await filter.getByRole('button', { name: 'Conversations' }).click();
    await until('only conversations', async () => {
      const kinds = await timeline.locator('li.timeline__item').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
      // Narrowed to conversations, the call's notes are there too (no activity carries them).
      return kinds.length === 2 && kinds.every((k) => k === 'conversation');
    });
    await filter.getByRole('button', { name: 'Journey' }).click();
    // The status change, in words.
    await timeline.locator('li[data-kind="journey_event"]').getByText('New → Contacted').waitFor();
    expect(await timeline.locator('li.timeline__item').count()).toBe(1);
    await filter.getByRole('button', { name: 'Insights' }).click();
    await page.getByText('Nothing of this kind yet').waitFor();
    await web.screenshot('lead-page-timeline-filtered');
    await filter.getByRole('button', { name: 'All' }).click();
    await timeline.getByText('Discovery call').waitFor();
    expect(web.problems).toEqual([]);
    await web.close();
  });
});
