import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { openWebPage, signUpThroughUi } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

describe.skipIf(!hasChromium)(`web app: sign-up, sign-in, sessions, invitations in Chromium (${MODE})`, () => {
  const { url } = useServer();
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it('signs up, signs out, is refused a wrong password in words, signs in, and revokes another session', async () => {
    const web = await openWebPage(browser);
    const { page } = web;
    await page.goto(url('/leads'));
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(page.url()).toContain('/login?next=%2Fleads');
    await web.screenshot('login');

    await page.getByRole('link', { name: 'Create an organization' }).click();
    await page.getByRole('button', { name: 'Create organization' }).click();
    // Sent empty: the server's field errors show next to their fields.
    await page.getByText('must be an email address').waitFor();
    await web.screenshot('signup-errors');
    const { email, password } = await signUpThroughUi(page, url(''), 'Browser Labs');
    await web.screenshot('dashboard-placeholder');

    for (const name of ['Dashboard', 'Leads', 'Pipeline', 'Insights', 'Settings']) {
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).isVisible()).toBe(true);
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pipeline' }).click();
    await page.getByRole('heading', { name: 'Pipeline', level: 1 }).waitFor();
    expect(await page.title()).toBe('Pipeline · LeadAI');

    // A second session elsewhere, to revoke from the list.
    const other = new Client(url);
    expect((await other.post('/api/v1/auth/login', { email, password })).status).toBe(200);

    await page.getByRole('button', { name: 'Browser Labs Owner' }).click();
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await page.getByText('This device').waitFor();
    await web.screenshot('sessions');
    await page.getByRole('button', { name: /^Revoke session/ }).click();
    await page.getByText('Session revoked').waitFor();
    expect((await other.get('/api/v1/me')).status).toBe(401);

    await page.getByRole('button', { name: 'Browser Labs Owner' }).click();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await web.screenshot('login-refused');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

    // The only console lines: the browser's own notes on the refused sign-in and empty sign-up (4xx responses).
    expect(web.problems.filter((p) => !/Failed to load resource: the server responded with a status of (401|400|422)/.test(p))).toEqual([]);
    await web.close();
  });

  it('accepts an invitation: the invitee names themselves, picks a password and is signed in', async () => {
    const { client } = await Client.signup(url, 'Invite Works');
    const invitation = await client.post('/api/v1/invitations', { email: 'new.rep@inviteworks.example', role: 'sales_rep' });
    expect(invitation.status).toBe(201);
    const web = await openWebPage(browser, { width: 820, height: 1000 });
    const { page } = web;
    await page.goto(url(invitation.body.accept_path));
    await page.getByRole('heading', { name: 'Join your team' }).waitFor();
    await web.screenshot('accept-invitation');
    await page.getByLabel('Your name').fill('Nova Rep');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Nova Rep' }).waitFor();
    await web.screenshot('dashboard-tablet');
    expect(web.problems).toEqual([]);
    await web.close();
  });
});
