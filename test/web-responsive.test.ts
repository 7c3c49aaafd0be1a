import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

/** The main screens, each with a heading to wait for. */
const SCREENS = [
  { name: 'dashboard', path: '/', heading: 'Dashboard' },
  { name: 'leads', path: '/leads', heading: 'Leads' },
  { name: 'pipeline', path: '/pipeline', heading: 'Pipeline' },
  { name: 'insights', path: '/insights', heading: 'Insights' },
  { name: 'forecasts', path: '/forecasts', heading: 'Forecasts' },
  { name: 'settings', path: '/settings', heading: 'Settings' },
  { name: 'import', path: '/leads/import', heading: 'Import leads' },
] as const;

/**
 * Inputs whose placeholder is wider than the room the input gives it (measured in the input's
 * own font). Browser-side code as text: the tests compile without the DOM's types.
 */
const CLIPPED_PLACEHOLDERS = `(() => {
    const canvas = document.createElement('canvas').getContext('2d');
    const out = [];
    for (const input of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
      if (!input.placeholder || input.offsetParent === null) continue;
      const style = getComputedStyle(input);
      canvas.font = \`\${style.fontStyle} \${style.fontWeight} \${style.fontSize} \${style.fontFamily}\`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (input.tagName === 'TEXTAREA') {
        // A text area wraps its placeholder: it is cut off only when the lines are taller than the box.
        let lines = 0;
        for (const paragraph of input.placeholder.split('\\n')) {
          let line = '';
          lines++;
          for (const word of paragraph.split(' ')) {
            const next = line ? \`\${line} \${word}\` : word;
            if (canvas.measureText(next).width > room && line) {
              lines++;
              line = word;
            } else line = next;
          }
        }
        const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
        const height = input.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
        if (lines * lineHeight > height + 1) out.push(\`“\${input.placeholder}” needs \${lines} lines, has room for \${Math.floor(height / lineHeight)}\`);
        continue;
      }
      const width = canvas.measureText(input.placeholder).width;
      if (width > room + 1) out.push(\`“\${input.placeholder}” needs \${Math.ceil(width)} px, has \${Math.floor(room)} px\`);
    }
    return out;
})()`;

/**
 * The app at phone width (390 px) and on a desktop (1440 px): no screen wider than the
 * window, the header whole, no placeholder cut off; and score colours that stay the same
 * whichever screen was visited before (a screen's stylesheet once restyled them globally).
 */
describe.skipIf(!hasChromium)(`web app: every screen at 390 and 1440 px (${MODE})`, { timeout: 180_000 }, () => {
  const { app, url } = useServer();
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let leadId = '';

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Narrow Screens Incorporated');
    const db = app().database.db;
    const rows: [string, string, number, string, Record<string, unknown>][] = [
      ['Maximiliana', 'Vandenberghe-Oyelaran', 91, 'qualified', { source: 'organic_search', stage: 'sales_qualified', company: 'Consolidated Intercontinental Logistics Holdings', email: 'maximiliana.vandenberghe-oyelaran@consolidated-logistics.example', job_title: 'Vice President of Procurement Operations' }],
      ['Bo', 'Lee', 55, 'contacted', { source: 'paid_social', company: 'Lee & Co' }],
      ['Cy', 'Moss', 12, 'new', { source: 'referral' }],
    ];
    for (const [first, last, score, status, fields] of rows) {
      const r = await owner.client.post('/api/v1/leads', { first_name: first, last_name: last, status, assigned_to: owner.userId, deal_value: 125_000, ...fields });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      await sql`UPDATE leads SET current_score = ${score} WHERE id = ${r.body.id}`.execute(db);
      // A score from ten days ago, so the dashboard's hot leads show a 7-day change (its arrow
      // carries a visually hidden label that once widened the phone page past its table's box).
      await sql`INSERT INTO lead_scores (organization_id, lead_id, score, confidence, model_version, explanation, created_at)
                VALUES (${owner.organizationId}, ${r.body.id}, ${Math.max(0, score - 20)}, 0.5, 'test', '[]', now() - interval '10 days')`.execute(db);
      leadId ||= r.body.id as string;
    }
    await owner.client.post(`/api/v1/leads/${leadId}/activities`, { type: 'call', subject: 'Discovery call about the consolidated freight contract renewal', description: 'Wants a proposal for 40 seats before the end of the quarter.' });
  });
  afterAll(async () => browser?.close());

  for (const width of [390, 1440]) {
    it(`${width} px: no screen is wider than the window, the header fits, no placeholder is cut off`, async () => {
      const web = await openWebPage(browser, { width, height: 844 });
      const { page } = web;
      await signIn(web, url(''), owner.email);
      const report: Record<string, unknown> = {};
      for (const screen of [...SCREENS, { name: 'lead', path: `/leads/${leadId}`, heading: 'Maximiliana Vandenberghe-Oyelaran' }]) {
        await page.goto(url(screen.path));
        await page.getByRole('heading', { level: 1 }).filter({ hasText: screen.heading }).waitFor();
        // Let lazy parts (charts, lists) render before measuring.
        await page.waitForLoadState('networkidle');
        await web.screenshot(`responsive-${screen.name}-${width}`);
        const measured = (await page.evaluate(`(() => {
          const header = document.querySelector('.topbar').getBoundingClientRect();
          const overflowing = [...document.querySelectorAll('.topbar *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).map((e) => e.className.baseVal ?? e.className ?? e.tagName);
          // What reaches past the window, to name the culprit when the page is too wide.
          const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(-6).map((e) => e.tagName + '.' + (e.className.baseVal ?? e.className) + ' ' + Math.round(e.getBoundingClientRect().right));
          return { scrollWidth: document.scrollingElement.scrollWidth, headerRight: header.right, overflowing, wide };
        })()`)) as { scrollWidth: number; headerRight: number; overflowing: string[]; wide: string[] };
        report[screen.name] = { ...measured, clipped: (await page.evaluate(CLIPPED_PLACEHOLDERS)) as string[] };
      }
      // The user menu opens inside the window, and its button keeps its name for screen readers.
      await page.getByRole('button', { name: 'Narrow Screens Incorporated Admin', exact: true }).click();
      const menu = (await page.locator('#user-menu').boundingBox())!;
      expect(menu.x, 'user menu left edge').toBeGreaterThanOrEqual(0);
      expect(menu.x + menu.width, 'user menu right edge').toBeLessThanOrEqual(width);
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      for (const [name, r] of Object.entries(report) as [string, { scrollWidth: number; headerRight: number; overflowing: string[]; clipped: string[] }][]) {
        expect(r.scrollWidth, `${name}: page width at ${width} px (${(r as { wide?: string[] }).wide?.join(', ')})`).toBeLessThanOrEqual(width);
        expect(r.overflowing, `${name}: header parts beyond the window`).toEqual([]);
        expect(r.clipped, `${name}: placeholders cut off`).toEqual([]);
      }
      expect(web.problems).toEqual([]);
      await web.close();
    });
  }

  it('score colours are the same before and after visiting another screen', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await signIn(web, url(''), owner.email);
    const pillColours = async () =>
      (await page.evaluate(`[...document.querySelectorAll('.score-pill')].map((e) => {
        const s = getComputedStyle(e);
        return e.textContent + ': ' + s.backgroundColor + ' / ' + s.color;
      })`)) as string[];
    const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
    // Straight to the leads list (a fresh load: no other screen's stylesheet yet).
    await page.goto(url('/leads'));
    await page.locator('[data-column="score"] .score-pill').first().waitFor();
    const before = await pillColours();
    expect(new Set(before.map((c) => c.split(': ')[1])).size, 'hot, warm and cold differ').toBe(3);
    await page.goto(url(`/leads/${leadId}`));
    await page.locator('.page-header .score-pill').waitFor();
    const leadBefore = await pillColours();
    for (const other of ['Pipeline', 'Dashboard', 'Insights', 'Settings']) {
      await nav(other).click();
      await page.getByRole('heading', { level: 1, name: other }).waitFor();
      await page.waitForLoadState('networkidle');
      await nav('Leads').click();
      await page.locator('[data-column="score"] .score-pill').first().waitFor();
      expect(await pillColours(), `leads list after ${other}`).toEqual(before);
      await page.getByRole('link', { name: 'Maximiliana Vandenberghe-Oyelaran' }).click();
      await page.locator('.page-header .score-pill').waitFor();
      expect(await pillColours(), `lead page after ${other}`).toEqual(leadBefore);
    }
    expect(web.problems).toEqual([]);
    await web.close();
  });
});
