import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

const LEADS = 150; // more than one page of the list (100), far more than the rows rendered at once
const nameOf = (i: number) => `Key${String(i).padStart(3, '0')}`;

/** What the focused element is, read in the page (the test's tsconfig has no DOM types). */
async function focused(page: Page) {
  return page.evaluate(`(() => {
    const el = document.activeElement;
    const body = document.querySelector('.grid-table__body');
    const r = el.getBoundingClientRect(), b = body.getBoundingClientRect();
    return {
      role: el.getAttribute('role'),
      rowIndex: Number(el.getAttribute('aria-rowindex')),
      name: el.querySelector('.lead-link')?.textContent ?? '',
      selected: el.getAttribute('aria-selected'),
      tabIndex: el.tabIndex,
      focusVisible: el.matches(':focus-visible'),
      outline: getComputedStyle(el).outlineStyle,
      inView: r.top >= b.top - 1 && r.bottom <= b.bottom + 1,
      tabStops: document.querySelectorAll('.grid-table__body [role="row"][tabindex="0"]').length,
    };
  })()`) as Promise<{ role: string; rowIndex: number; name: string; selected: string; tabIndex: number; focusVisible: boolean; outline: string; inView: boolean; tabStops: number }>;
}

describe.skipIf(!hasChromium)(`web app: leads grid from the keyboard in Chromium (${MODE})`, () => {
  const { url } = useServer();
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Keyboard Co');
    for (let start = 0; start < LEADS; start += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, k) => {
          const i = start + k;
          const r = await owner.client.post('/api/v1/leads', { first_name: nameOf(i), last_name: 'Row', email: `key${i}@keyboard.example` });
          if (r.status !== 201) throw new Error(JSON.stringify(r.body));
          ids.set(nameOf(i), r.body.id as string);
        }),
      );
    }
  });
  afterAll(async () => browser?.close());

  it('moves a visible focus between rows with the arrows, Home and End (rendering rows on the way), selects with Space, opens with Enter', { timeout: 180_000 }, async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/leads?sort=name'));
    const grid = page.getByRole('grid', { name: 'Leads' });
    await grid.getByRole('row', { name: /Key000 Row/ }).waitFor();
    expect(await grid.getAttribute('aria-describedby')).toBe('leads-grid-keys');
    expect(await grid.getByRole('columnheader').count()).toBeGreaterThan(3);

    // Tab from the header reaches the grid's one tab stop: the first row (its checkbox is no stop of its own).
    await page.getByRole('checkbox', { name: 'Select all loaded leads' }).focus();
    for (let i = 0; i < 12 && (await focused(page)).role !== 'row'; i++) await page.keyboard.press('Tab');
    let f = await focused(page);
    expect(f).toMatchObject({ role: 'row', name: 'Key000 Row', rowIndex: 2, tabIndex: 0, tabStops: 1, focusVisible: true, inView: true });
    expect(f.outline).toBe('solid');

    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    f = await focused(page);
    expect(f).toMatchObject({ role: 'row', name: 'Key002 Row', rowIndex: 4, tabIndex: 0, tabStops: 1, focusVisible: true });
    await page.keyboard.press('ArrowUp');
    expect((await focused(page)).name).toBe('Key001 Row');
    await web.screenshot('leads-keyboard-focus');

    // End: the last loaded row, which the virtualiser had not rendered; it is scrolled into view and focused.
    expect(await page.locator('[data-row-index="99"]').count()).toBe(0);
    await page.keyboard.press('End');
    await until('the last loaded row focused', async () => (await focused(page)).name === 'Key099 Row');
    f = await focused(page);
    expect(f).toMatchObject({ rowIndex: 101, inView: true, focusVisible: true });
    // Reaching the end loads the next page; End again goes to the new last row.
    await page.getByRole('heading', { name: 'Leads', level: 1 }).waitFor();
    // The header counts every open lead from the start; the grid knows its row count once the last page is in.
    await page.getByText(`${LEADS} open leads`, { exact: true }).waitFor();
    await until('every lead loaded', async () => (await grid.getAttribute('aria-rowcount')) === String(LEADS + 1));
    await page.keyboard.press('End');
    await until('the new last row focused', async () => (await focused(page)).name === 'Key149 Row');
    expect((await focused(page)).inView).toBe(true);
    await web.screenshot('leads-keyboard-end');

    await page.keyboard.press('Home');
    await until('the first row focused', async () => (await focused(page)).name === 'Key000 Row');
    expect((await focused(page)).inView).toBe(true);
    await page.keyboard.press('PageDown');
    expect((await focused(page)).rowIndex).toBeGreaterThan(5);
    await page.keyboard.press('Home');
    await until('the first row focused again', async () => (await focused(page)).name === 'Key000 Row');

    // Space selects the focused row (its checkbox and aria-selected), and again unselects it.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect((await focused(page)).name).toBe('Key003 Row');
    await page.keyboard.press('Space');
    await page.getByRole('region', { name: 'Bulk actions' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'Select Key003 Row' }).isChecked()).toBe(true);
    f = await focused(page);
    expect(f).toMatchObject({ name: 'Key003 Row', selected: 'true' });
    await web.screenshot('leads-keyboard-selected');
    await page.keyboard.press('Space');
    await until('the row unselected', async () => !(await page.getByRole('checkbox', { name: 'Select Key003 Row' }).isChecked()));
    expect((await focused(page)).selected).toBe('false');
    expect(await page.getByRole('region', { name: 'Bulk actions' }).count()).toBe(0);

    // Enter opens the focused lead.
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForURL(url(`/leads/${ids.get('Key002')}`));
    await page.getByRole('heading', { name: 'Key002 Row', level: 1 }).waitFor();

    expect(web.problems).toEqual([]);
    await web.close();
  });
});
