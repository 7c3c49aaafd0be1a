import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

const QUALIFIED = 30; // two and a half pages of 12 cards

describe.skipIf(!hasChromium)(`web app: paging inside a pipeline column in Chromium (${MODE})`, () => {
  const { url } = useServer();
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  const statusOf = async (id: string) => (await owner.client.get(`/api/v1/leads/${id}`)).body.status as string;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Paging Co');
    for (let start = 0; start < QUALIFIED; start += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, k) => {
          const i = start + k;
          const r = await owner.client.post('/api/v1/leads', { first_name: `Deal${String(i).padStart(2, '0')}`, last_name: 'Paged', status: 'qualified', deal_value: 1000 });
          if (r.status !== 201) throw new Error(JSON.stringify(r.body));
        }),
      );
    }
    expect((await owner.client.post('/api/v1/leads', { first_name: 'Only', last_name: 'Contact', status: 'contacted', deal_value: 500 })).status).toBe(201);
  });
  afterAll(async () => browser?.close());

  it('loads more cards with "Show more" and at the end of the column; moves paged cards by drag and keyboard, and rolls a refused one back in place', { timeout: 180_000 }, async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/pipeline'));
    const column = (status: string) => page.locator(`[data-status="${status}"]`);
    const cards = (status: string) => column(status).locator('[data-lead-id]');
    const names = async (status: string) => column(status).locator('.board__name').allTextContents();
    await column('qualified').getByRole('heading', { name: `Qualified ${QUALIFIED}`, exact: true }).waitFor();
    await until('the first page of cards', async () => (await cards('qualified').count()) === 12);
    await column('qualified').getByText(`12 of ${QUALIFIED}`).waitFor();
    // A short column has no more to show.
    expect(await column('contacted').getByRole('button', { name: /Show more/ }).count()).toBe(0);
    const firstPage = await names('qualified');
    await web.screenshot('pipeline-paging-first');

    // "Show more": the next page of the same order, and the focus on its first card.
    await page.getByRole('button', { name: 'Show more Qualified leads' }).click();
    await until('the second page of cards', async () => (await cards('qualified').count()) === 24);
    const twoPages = await names('qualified');
    expect(twoPages.slice(0, 12)).toEqual(firstPage);
    expect(new Set(twoPages).size).toBe(24);
    await until('the first new card focused', async () => (await page.evaluate('document.activeElement?.textContent')) === twoPages[12]);
    await column('qualified').getByText(`24 of ${QUALIFIED}`).waitFor();

    // Scrolling the column to its end loads the rest; then there is nothing more to show.
    // (A string, read in the page: the test's tsconfig has no DOM types.)
    const scrolled = await page.evaluate(`(() => {
      const el = document.querySelector('[data-status="qualified"] .board__scroll');
      el.scrollTop = el.scrollHeight;
      return el.scrollHeight > el.clientHeight;
    })()`);
    expect(scrolled, 'the column scrolls on its own').toBe(true);
    await until('every card loaded', async () => (await cards('qualified').count()) === QUALIFIED);
    await page.getByRole('button', { name: 'Show more Qualified leads' }).waitFor({ state: 'detached' });
    const all = await names('qualified');
    expect(new Set(all).size).toBe(QUALIFIED);
    await web.screenshot('pipeline-paging-all');

    // Drag the last card (from the third page) to Contacted.
    const last = cards('qualified').last();
    const lastId = (await last.getAttribute('data-lead-id'))!;
    const lastName = all.at(-1)!;
    await last.dragTo(column('contacted'));
    await column('contacted').getByRole('link', { name: lastName }).waitFor();
    await column('qualified').getByRole('heading', { name: `Qualified ${QUALIFIED - 1}`, exact: true }).waitFor();
    await until('the dragged lead stored as contacted', async () => (await statusOf(lastId)) === 'contacted');
    await page.getByRole('status').filter({ hasText: `Moved ${lastName} from Qualified to Contacted.` }).waitFor();

    // A card of the second page, from the keyboard, to Proposal.
    const keyed = all[15]!;
    const keyedId = (await cards('qualified').nth(15).getAttribute('data-lead-id'))!;
    await page.getByRole('button', { name: `Move ${keyed} to another status` }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menu', { name: `Move ${keyed} to` }).getByRole('menuitem', { name: 'Proposal' }).focus();
    await page.keyboard.press('Enter');
    await until('the keyboard-moved lead stored as proposal', async () => (await statusOf(keyedId)) === 'proposal');
    await column('proposal').getByRole('link', { name: keyed }).waitFor();
    // The refetch after the moves keeps every page that was loaded.
    await until('the column refetched with its pages', async () => (await cards('qualified').count()) === QUALIFIED - 2);
    expect(await names('qualified')).toEqual(all.filter((n) => n !== keyed && n !== lastName));

    // A refused move (the server answers 409) puts a paged card back where it was.
    await page.route('**/api/v1/leads/*', (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({ status: 409, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'The lead changed meanwhile.' }) })
        : route.continue(),
    );
    const before = await names('qualified');
    const refused = before[20]!;
    const refusedId = (await cards('qualified').nth(20).getAttribute('data-lead-id'))!;
    await cards('qualified').nth(20).dragTo(column('contacted'));
    await page.getByRole('alert').filter({ hasText: `${refused} could not be moved to Contacted and is back in Qualified` }).waitFor();
    await until('the card back in its place', async () => JSON.stringify(await names('qualified')) === JSON.stringify(before));
    expect(await column('contacted').getByRole('link', { name: refused }).count()).toBe(0);
    await column('qualified').getByRole('heading', { name: `Qualified ${QUALIFIED - 2}`, exact: true }).waitFor();
    expect(await statusOf(refusedId)).toBe('qualified');
    await web.screenshot('pipeline-paging-refused');
    await page.unroute('**/api/v1/leads/*');

    expect(web.problems.filter((p) => !/status of 409/.test(p))).toEqual([]);
    await web.close();
  });
});
