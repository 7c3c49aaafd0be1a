import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Client } from './api.ts';

/** Screens of the web app, saved on every run for a person to look at (kept out of git). */
export const SCREENSHOT_DIR = join(import.meta.dirname, '../../test-results/screenshots');

/** The password every test user gets (Client.signup and signUpThroughUi use it too). */
export const TEST_PASSWORD = 'correct horse battery';

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
  const password = TEST_PASSWORD;
  await page.goto(`${base}/signup`);
  await page.getByLabel('Organization name').fill(org);
  await page.getByLabel('Your name').fill(`${org} Owner`);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  return { email, password };
}


/**
 * Signs an existing user in through the sign-in screen and waits for the dashboard: the one
 * way browser tests start a session, so a change to the sign-in screen is fixed in one place.
 */
export async function signIn(web: WebPage | Page, base: string, email: string, password = TEST_PASSWORD): Promise<void> {
  const page = 'page' in web ? web.page : web;
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
}

/** A second user of the owner's organization, invited with `role` and signed up through the API. */
export async function inviteUser(
  owner: Client, url: (path: string) => string, role: 'admin' | 'manager' | 'sales_rep' | 'viewer' | 'marketing', fullName: string,
  opts: { teamId?: string | null; email?: string } = {},
): Promise<{ client: Client; email: string; userId: string }> {
  const email = opts.email ?? `${role.replace('_', '-')}-${Math.random().toString(36).slice(2, 8)}@invited.example`;
  const invitation = await owner.post('/api/v1/invitations', { email, role, ...(opts.teamId !== undefined ? { team_id: opts.teamId } : {}) });
  if (invitation.status !== 201) throw new Error(`invitation failed: ${JSON.stringify(invitation.body)}`);
  const client = new Client(url);
  const accepted = await client.post('/api/v1/auth/accept-invitation', { token: invitation.body.token, full_name: fullName, password: TEST_PASSWORD });
  if (accepted.status !== 201) throw new Error(`accepting the invitation failed: ${JSON.stringify(accepted.body)}`);
  client.csrf = accepted.body.csrf_token;
  return { client, email, userId: accepted.body.user_id as string };
}
