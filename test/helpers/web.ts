import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Screens of the web app, saved on every run for a person to look at (kept out of git). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '../../test-results/screenshots');

export interface WebPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and warnings and uncaught exceptions seen so far: a clean app has none. */
  problems: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openWebPage(browser: Browser, options: { width?: number; height?: number } = {}): Promise<WebPage> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 860 } });
  const page = await context.newPage();
  // Generous: the machine is shared and the server scores in the background meanwhile.
  page.setDefaultTimeout(45_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    page,
    context,
    problems,
    async screenshot(name) {
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
    },
    close: () => context.close(),
  };
}

/** Signs up a new organization through the UI and lands on the dashboard. */
export async function signUpThroughUi(page: Page, base: string, org: string): Promise<{ email: string; password: string }> {
  const tag = Math.random().toString(36).slice(2, 8);
  const email = `owner-${tag}@${org.toLowerCase().replace(/\W/g, '')}.example`;
  const password = 'correct horse battery';
  await page.goto(`${base}/signup`);
  await page.getByLabel('Organization name').fill(org);
  await page.getByLabel('Your name').fill(`${org} Owner`);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  return { email, password };
}
