import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

describe.skipIf(!hasChromium)(`web app: pipeline board in Chromium (${MODE})`, () => {
  const { url } = useServer();
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let viewer: Client;
  let viewerEmail: string;
  let repEmail: string;
  let repId: string;
  const ids: Record<string, string> = {};

  async function lead(first: string, status: string, deal_value: number) {
    const r = await owner.client.post('/api/v1/leads', { first_name: first, last_name: 'Board', status, deal_value });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  }
  const statusOf = async (id: string) => (await owner.client.get(`/api/v1/leads/${id}`)).body.status as string;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Board Co');
    ids.nina = await lead('Nina', 'new', 1000);
    ids.gone = await lead('Gone', 'new', 500);
    ids.carl = await lead('Carl', 'contacted', 2500);
    ({ email: repEmail, userId: repId } = await inviteUser(owner.client, url, 'sales_rep', 'Sam Rep'));
    expect((await owner.client.patch(`/api/v1/leads/${ids.gone}`, { assigned_to: repId })).status).toBe(200);
    ({ client: viewer, email: viewerEmail } = await inviteUser(owner.client, url, 'viewer', 'Vic Viewer'));
  });
  afterAll(async () => browser?.close());

  it('moves a card by drag and drop and by keyboard (announced), rolls a refused move back with the reason shown', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipeline' }).click();
    await page.getByRole('heading', { name: 'Pipeline', level: 1 }).waitFor();
    const column = (status: string) => page.locator(`[data-status="${status}"]`);
    const card = (id: string) => page.locator(`[data-lead-id="${id}"]`);
    await column('new').getByRole('link', { name: 'Nina Board' }).waitFor();
    // The counts and totals come from their own request (GET /pipeline), which may answer after the cards.
    await expect.poll(() => column('new').getByRole('heading').textContent()).toBe('New 2');
    await expect.poll(() => column('new').locator('dl').textContent()).toContain('Total$1.5K');
    await expect.poll(() => column('contacted').locator('dl').textContent()).toContain('Total$2.5K');
    await web.screenshot('pipeline');

    // Drag and drop: Nina from New to Qualified.
    await card(ids.nina!).dragTo(column('qualified'));
    await column('qualified').getByRole('link', { name: 'Nina Board' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Moved Nina Board from New to Qualified.' }).waitFor();
    await expect.poll(() => statusOf(ids.nina!)).toBe('qualified');
    await column('qualified').getByRole('heading', { name: 'Qualified 1', exact: true }).waitFor();

    // Keyboard: Carl's Move menu, arrow down to Proposal, Enter.
    const move = page.getByRole('button', { name: 'Move Carl Board to another status' });
    await move.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu', { name: 'Move Carl Board to' });
    await menu.waitFor();
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('New');
    await page.keyboard.press('ArrowDown'); // Qualified
    await page.keyboard.press('ArrowDown'); // Proposal
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Proposal');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Moved Carl Board from Contacted to Proposal.' }).waitFor();
    await expect.poll(() => statusOf(ids.carl!)).toBe('proposal');
    await column('proposal').getByRole('link', { name: 'Carl Board' }).waitFor();
    // Focus went back to the menu button, not lost to the page.
    await expect.poll(() => page.evaluate("document.activeElement?.getAttribute('aria-haspopup')")).toBe('menu');

    expect(web.problems).toEqual([]);
    await web.close();

    // A refused move: Sam's role is lowered to viewer while his board is open. His live stream
    // is cut off here (as on a flaky network), so his page has not heard and still offers the
    // move; the server says 403, the card goes back, the reason is shown.
    const sam = await openWebPage(browser);
    await sam.page.route('**/api/v1/stream*', (route) => route.abort());
    await signIn(sam, url(''), repEmail);
    await sam.page.goto(url('/pipeline'));
    const samCard = sam.page.locator(`[data-lead-id="${ids.gone}"]`);
    await samCard.waitFor();
    expect((await owner.client.patch(`/api/v1/users/${repId}`, { role: 'viewer' })).status).toBe(200);
    await samCard.dragTo(sam.page.locator('[data-status="contacted"]'));
    const alert = sam.page.getByRole('alert').filter({ hasText: 'Gone Board could not be moved to Contacted and is back in New' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('may not');
    await sam.page.locator('[data-status="new"]').getByRole('link', { name: 'Gone Board' }).waitFor();
    expect(await sam.page.locator('[data-status="contacted"]').getByRole('link', { name: 'Gone Board' }).count()).toBe(0);
    expect(await statusOf(ids.gone!)).toBe('new');
    await sam.screenshot('pipeline-move-refused');
    // The refused move, and the blocked stream (ERR_FAILED) of this test.
    expect(sam.problems.filter((p) => !/status of 403|net::ERR_FAILED/.test(p))).toEqual([]);
    await sam.close();
  }, 180_000);

  it('a viewer sees the board without move controls, and a forged move is refused (403)', async () => {
    const web = await openWebPage(browser, { width: 768, height: 1000 });
    const { page } = web;
    await signIn(web, url(''), viewerEmail);
    await page.goto(url('/pipeline'));
    await page.getByRole('link', { name: 'Nina Board' }).waitFor();
    await page.getByText('Your role can view it').waitFor();
    expect(await page.getByRole('button', { name: /^Move / }).count()).toBe(0);
    expect(await page.locator('[draggable="true"]').count()).toBe(0);
    await web.screenshot('pipeline-viewer-768');
    const forged = await viewer.patch(`/api/v1/leads/${ids.nina}`, { status: 'closed_won' });
    expect(forged.status).toBe(403);
    expect(await statusOf(ids.nina!)).toBe('qualified');
    expect(web.problems).toEqual([]);
    await web.close();
  });
});
