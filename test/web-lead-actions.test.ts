import { sql } from 'kysely';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

const H = 3_600_000;

/** Every PATCH the page sends, to prove a cancelled edit sends nothing and a save sends one. */
function recordPatches(page: Page): string[] {
  const bodies: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'PATCH' && r.url().includes('/api/v1/leads/')) bodies.push(r.postData() ?? '');
  });
  return bodies;
}

/**
 * The lead actions of the web app against the real server, each checked in the database
 * afterwards: bulk assign/status/tag on the table, merging a duplicate, acting on insights,
 * the column chooser, and inline editing of the profile. Workers on: insights are raised by
 * the background evaluation as in production.
 */
describe.skipIf(!hasChromium)(`web app: lead actions in Chromium (${MODE})`, { timeout: 180_000 }, () => {
  const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  const db = () => app().database.db;
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let rep: Awaited<ReturnType<typeof inviteUser>>;
  let viewer: Awaited<ReturnType<typeof inviteUser>>;
  const ids: Record<string, string> = {};

  async function lead(key: string, body: Record<string, unknown>) {
    const r = await owner.client.post('/api/v1/leads', body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    ids[key] = r.body.id as string;
    return ids[key]!;
  }

  /** Analysis, rescoring and insight evaluation of the organization have caught up (jobs due now only). */
  async function settled() {
    await until('background work to settle', async () => {
      const org = owner.organizationId;
      const { rows } = await sql<{ n: number }>`SELECT
        (SELECT count(*) FROM lead_insight_queue WHERE organization_id = ${org})::int
        + (SELECT count(*) FROM lead_score_queue WHERE organization_id = ${org})::int
        + (SELECT count(*) FROM conversations WHERE organization_id = ${org} AND analyzed_at IS NULL)::int
        + (SELECT count(*) FROM jobs WHERE organization_id = ${org} AND status IN ('queued', 'running') AND run_at <= now())::int AS n`.execute(db());
      return rows[0]!.n === 0;
    }, 90_000);
  }

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Action Co');
    rep = await inviteUser(owner.client, url, 'sales_rep', 'Rita Rep');
    viewer = await inviteUser(owner.client, url, 'viewer', 'Vic Viewer');
    for (const [key, first] of [['ann', 'Ann'], ['bea', 'Bea'], ['cy', 'Cy'], ['dov', 'Dov']] as const) {
      await lead(key, { first_name: first, last_name: 'Bulk', company: `${first} Works`, email: `${key}@bulk.example`, tags: ['existing'] });
    }
    await lead('mona', { first_name: 'Mona', last_name: 'Merge', company: 'Mergeco', email: 'mona@mergeco.example' });
    await lead('monaDup', { first_name: 'Mona', last_name: 'Merge', company: 'Mergeco Ltd', email: 'mona.old@mergeco.example', phone: '+1 555 0199' });
    await lead('ivy', { first_name: 'Ivy', last_name: 'Inline', company: 'Old Co', email: 'ivy@oldco.example', job_title: 'Buyer' });
  });
  afterAll(async () => browser?.close());

  it('bulk: selects rows, assigns them to a user, changes their status, adds a tag; the others are untouched', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/leads'));
    const select = (name: string) => page.getByRole('checkbox', { name: `Select ${name}` });
    await select('Ann Bulk').waitFor();
    await select('Ann Bulk').check();
    await select('Bea Bulk').check();
    await select('Cy Bulk').check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await bar.getByText('3 selected').waitFor();
    await web.screenshot('leads-bulk-bar');

    const chosen = [ids.ann!, ids.bea!, ids.cy!];
    const rowsOf = async (leadIds: string[]) =>
      (await sql<{ id: string; assigned_to: string | null; status: string; tags: string[] }>`SELECT id, assigned_to, status, tags FROM leads WHERE id = ANY(${leadIds}::uuid[]) ORDER BY id`.execute(db())).rows;

    await bar.getByLabel('Assign to').selectOption({ label: 'Rita Rep' });
    await bar.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByText('Assigned: 3 leads').waitFor();
    // The selection is cleared after an action: the bar goes away.
    await bar.waitFor({ state: 'detached' });
    await until('the assignment stored', async () => (await rowsOf(chosen)).every((r) => r.assigned_to === rep.userId));

    for (const name of ['Ann Bulk', 'Bea Bulk', 'Cy Bulk']) await select(name).check();
    await bar.getByLabel('New status').selectOption('qualified');
    await bar.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.getByText('Status changed: 3 leads').waitFor();
    await until('the status stored', async () => (await rowsOf(chosen)).every((r) => r.status === 'qualified'));
    // The table follows: the badges of the three rows read Qualified.
    await until('the table showing the new status', async () => (await page.locator('[data-column="status"]').filter({ hasText: 'Qualified' }).count()) === 3);

    for (const name of ['Ann Bulk', 'Cy Bulk']) await select(name).check();
    await bar.getByLabel('Tag to add').fill('q3-push');
    await bar.getByRole('button', { name: 'Tag', exact: true }).click();
    await page.getByText('Tagged: 2 leads').waitFor();
    await until('the tag stored', async () => {
      const rows = await rowsOf([ids.ann!, ids.cy!]);
      return rows.every((r) => r.tags.includes('q3-push') && r.tags.includes('existing'));
    });
    await web.screenshot('leads-after-bulk');

    // Dov was never selected; Bea was not in the tagged set.
    const [dov] = await rowsOf([ids.dov!]);
    expect(dov).toMatchObject({ assigned_to: null, status: 'new', tags: ['existing'] });
    expect((await rowsOf([ids.bea!]))[0]!.tags).toEqual(['existing']);
    expect(web.problems).toEqual([]);
    await web.close();
  });

  it('bulk: a viewer can select rows but is offered no bulk action', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), viewer.email);
    await page.goto(url('/leads'));
    await page.getByRole('checkbox', { name: 'Select Dov Bulk' }).check();
    await page.getByText('1 selected').waitFor();
    expect(await page.getByRole('region', { name: 'Bulk actions' }).count()).toBe(0);
    for (const label of ['Assign to', 'New status', 'Tag to add']) expect(await page.getByLabel(label).count()).toBe(0);
    await web.screenshot('leads-bulk-viewer');
    expect(web.problems).toEqual([]);
    await web.close();
  });

  it('merges a duplicate into the lead: the duplicate is gone, its activities belong to the lead', async () => {
    for (const subject of ['Old discovery call', 'Old pricing email']) {
      const r = await owner.client.post(`/api/v1/leads/${ids.monaDup}/activities`, { type: 'note', subject });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url(`/leads/${ids.mona}`));
    await page.getByRole('button', { name: 'Merge duplicate…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Merge a duplicate into Mona Merge' });
    await dialog.getByLabel('Find the duplicate').fill('mergeco');
    // The lead itself is never offered as its own duplicate.
    const candidate = dialog.getByRole('radio', { name: /mona\.old@mergeco\.example/ });
    await candidate.check();
    expect(await dialog.getByRole('radio').count()).toBe(1);
    await web.screenshot('lead-merge-dialog');
    await dialog.getByRole('button', { name: 'Merge', exact: true }).click();
    await page.getByText('Merged', { exact: true }).waitFor();
    await dialog.waitFor({ state: 'hidden' });
    // The duplicate's history shows on the lead, and its phone filled the empty field.
    await page.getByTestId('timeline').getByText('Old discovery call').waitFor();
    await page.getByRole('button', { name: 'Edit Phone: +1 555 0199' }).waitFor();
    await web.screenshot('lead-after-merge');

    const { rows: gone } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM leads WHERE id = ${ids.monaDup}`.execute(db());
    expect(gone[0]!.n).toBe(0);
    const { rows: moved } = await sql<{ lead_id: string; subject: string }>`SELECT lead_id, subject FROM activities WHERE subject LIKE 'Old %' ORDER BY subject`.execute(db());
    expect(moved).toEqual([
      { lead_id: ids.mona, subject: 'Old discovery call' },
      { lead_id: ids.mona, subject: 'Old pricing email' },
    ]);
    expect((await owner.client.get(`/api/v1/leads/${ids.monaDup}`)).status).toBe(404);
    expect(web.problems).toEqual([]);
    await web.close();
  });

  it('insights on the lead page: acknowledges one and dismisses another with a reason', async () => {
    const hot = await lead('hot', { first_name: 'Hana', last_name: 'Hot', email: 'hana@initech.example', company: 'Initech', status: 'qualified', assigned_to: owner.userId });
    const pricing = (hoursAgo: number) => ({ type: 'page_view', url: 'https://action.example/pricing', title: 'Pricing', timestamp: new Date(Date.now() - hoursAgo * H).toISOString() });
    expect((await owner.client.post(`/api/v1/leads/${hot}/journey`, { events: [pricing(5), pricing(3), pricing(1)] })).status).toBe(201);
    expect((await owner.client.post(`/api/v1/leads/${hot}/conversations`, { direction: 'inbound', channel: 'email', subject: 'Next steps', content: 'Hi, the team loved the demo. We are ready to move forward, please send the contract for 40 seats.' })).status).toBe(201);
    type Row = { id: string; reason: string; title: string; status: string; acknowledged_at: Date | null; dismiss_reason: string | null };
    const insights = async () => (await sql<Row>`SELECT id, reason, title, status, acknowledged_at, dismiss_reason FROM ai_insights WHERE lead_id = ${hot}`.execute(db())).rows;
    await until('the insights raised', async () => {
      const xs = await insights();
      return xs.some((x) => x.reason === 'pricing_spike') && xs.some((x) => x.reason === 'conversation_signals');
    }, 90_000);
    // Let the evaluation finish, so the page shows the insights the test acts on.
    await settled();
    const all = await insights();
    const spike = all.find((x) => x.reason === 'pricing_spike')!;
    const said = all.find((x) => x.reason === 'conversation_signals')!;

    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url(`/leads/${hot}`));
    const card = (title: string) => page.getByRole('article', { name: title });
    await card(spike.title).waitFor();
    await card(said.title).waitFor();
    await web.screenshot('lead-insights');

    await card(spike.title).getByRole('button', { name: 'Acknowledge' }).click();
    await card(spike.title).getByText('acknowledged', { exact: false }).waitFor();
    await until('the acknowledgement stored', async () => (await insights()).find((x) => x.id === spike.id)?.acknowledged_at);

    await card(said.title).getByRole('button', { name: 'Dismiss…' }).click();
    await card(said.title).getByLabel('Why dismiss it?').fill('Already signed last week');
    await card(said.title).getByRole('button', { name: 'Dismiss', exact: true }).click();
    await card(said.title).waitFor({ state: 'detached' });
    const dismissed = await until('the dismissal stored', async () => {
      const x = (await insights()).find((i) => i.id === said.id);
      return x?.status === 'dismissed' ? x : undefined;
    });
    expect(dismissed.dismiss_reason).toBe('Already signed last week');
    const acknowledged = (await insights()).find((x) => x.id === spike.id)!;
    expect(acknowledged.status).toBe('open');
    // Still shown after a reload: acknowledged but open; the dismissed one stays away.
    await page.reload();
    await card(spike.title).getByText('acknowledged', { exact: false }).waitFor();
    expect(await card(said.title).count()).toBe(0);
    await web.screenshot('lead-insights-after');
    expect(web.problems).toEqual([]);
    await web.close();
  });

  it('column chooser: hides a column and shows another; the choice survives a reload and is kept in a saved view', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/leads'));
    const headers = async () => (await page.getByRole('columnheader').allTextContents()).map((t) => t.trim()).filter(Boolean);
    await page.getByRole('checkbox', { name: 'Select Ann Bulk' }).waitFor();
    expect(await headers()).toEqual(['Name', 'Score', 'Company', 'Status', 'Owner', 'Source', 'Updated']);

    await page.getByRole('button', { name: 'Columns' }).click();
    const chooser = page.getByRole('group', { name: 'Columns to show' });
    await chooser.getByLabel('Source').uncheck();
    await chooser.getByLabel('Email').check();
    // Columns keep the catalogue's order, whatever the order they were picked in.
    expect(await headers()).toEqual(['Name', 'Score', 'Company', 'Status', 'Email', 'Owner', 'Updated']);
    await page.locator('[data-column="email"]').filter({ hasText: 'ann@bulk.example' }).waitFor();
    await web.screenshot('leads-columns');

    await page.reload();
    await page.getByRole('checkbox', { name: 'Select Ann Bulk' }).waitFor();
    expect(await headers()).toEqual(['Name', 'Score', 'Company', 'Status', 'Email', 'Owner', 'Updated']);

    // Saved with a view, on the server: choosing the view brings the columns back.
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByLabel('Name of the view').fill('With emails');
    await page.getByRole('form', { name: 'Save this view' }).getByRole('button', { name: 'Save' }).click();
    await page.getByText('View “With emails” saved').waitFor();
    const { rows } = await sql<{ columns: string[] }>`SELECT columns FROM saved_views WHERE name = 'With emails'`.execute(db());
    expect([...rows[0]!.columns].sort()).toEqual(['company', 'email', 'name', 'owner', 'score', 'status', 'updated']);

    await page.getByRole('button', { name: 'Columns' }).click();
    await chooser.getByLabel('Email').uncheck();
    await chooser.getByLabel('Source').check();
    expect(await headers()).toContain('Source');
    // The view saved is the one chosen: pick nothing first, so choosing it again applies it.
    await page.getByLabel('View', { exact: true }).selectOption('');
    await page.getByLabel('View', { exact: true }).selectOption({ label: 'With emails' });
    await until('the view’s columns', async () => JSON.stringify(await headers()) === JSON.stringify(['Name', 'Score', 'Company', 'Status', 'Email', 'Owner', 'Updated']));
    expect(web.problems).toEqual([]);
    await web.close();
  });

  it('inline edit: saves with Enter and with the button, cancels with Escape, shows the server’s refusal next to the field', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    const patches = recordPatches(page);
    await signIn(web, url(''), owner.email);
    await page.goto(url(`/leads/${ids.ivy}`));
    const stored = async () => (await sql<{ company: string | null; phone: string | null; email: string | null; job_title: string | null }>`SELECT company, phone, email, job_title FROM leads WHERE id = ${ids.ivy}`.execute(db())).rows[0]!;

    // Enter saves.
    await page.getByRole('button', { name: 'Edit Company: Old Co' }).click();
    await page.getByRole('textbox', { name: 'Company' }).fill('New Co');
    await page.getByRole('textbox', { name: 'Company' }).press('Enter');
    await page.getByRole('button', { name: 'Edit Company: New Co' }).waitFor();
    await until('the company stored', async () => (await stored()).company === 'New Co');

    // The button saves.
    await page.getByRole('button', { name: 'Edit Phone: —' }).click();
    await page.getByRole('textbox', { name: 'Phone' }).fill('+44 20 7946 0000');
    await web.screenshot('lead-inline-edit');
    await page.getByRole('button', { name: 'Save Phone' }).click();
    await page.getByRole('button', { name: 'Edit Phone: +44 20 7946 0000' }).waitFor();
    await until('the phone stored', async () => (await stored()).phone === '+44 20 7946 0000');

    // Escape cancels: the old value is back and nothing is sent.
    await page.getByRole('button', { name: 'Edit Job title: Buyer' }).click();
    await page.getByRole('textbox', { name: 'Job title' }).fill('Chief Chaos Officer');
    await page.getByRole('textbox', { name: 'Job title' }).press('Escape');
    await page.getByRole('button', { name: 'Edit Job title: Buyer' }).waitFor();

    // A bad value: the server's own words next to the field, the bad text kept to correct it.
    await page.getByRole('button', { name: 'Edit Email: ivy@oldco.example' }).click();
    await page.getByRole('textbox', { name: 'Email' }).fill('not an email');
    await page.getByRole('textbox', { name: 'Email' }).press('Enter');
    const alert = page.getByRole('alert').filter({ hasText: 'must be an email address' });
    await alert.waitFor();
    expect(await page.getByRole('textbox', { name: 'Email' }).inputValue()).toBe('not an email');
    await web.screenshot('lead-inline-error');
    await page.getByRole('textbox', { name: 'Email' }).press('Escape');
    await page.getByRole('button', { name: 'Edit Email: ivy@oldco.example' }).waitFor();
    expect(await alert.count()).toBe(0);

    expect(await stored()).toEqual({ company: 'New Co', phone: '+44 20 7946 0000', email: 'ivy@oldco.example', job_title: 'Buyer' });
    // One request per save, none for the cancelled edit.
    expect(patches.map((b) => JSON.parse(b) as Record<string, unknown>)).toEqual([{ company: 'New Co' }, { phone: '+44 20 7946 0000' }, { email: 'not an email' }]);
    expect(web.problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
    await web.close();
  });
});
