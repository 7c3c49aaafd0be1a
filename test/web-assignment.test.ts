import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { audit } from './helpers/axe.ts';
import { inviteUser, openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

describe.skipIf(!hasChromium)(`web app: Settings → Assignment in Chromium (${MODE})`, { timeout: 180_000 }, () => {
  const { url } = useServer();
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let ana: Awaited<ReturnType<typeof inviteUser>>;
  let ben: Awaited<ReturnType<typeof inviteUser>>;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Assign Co');
    const team = (await owner.client.post('/api/v1/teams', { name: 'DACH' })).body.id as string;
    ana = await inviteUser(owner.client, url, 'sales_rep', 'Ana Alves', { teamId: team });
    ben = await inviteUser(owner.client, url, 'sales_rep', 'Ben Braun', { teamId: team });
  });
  afterAll(async () => browser?.close());

  const rules = async () => (await owner.client.get('/api/v1/assignment-rules')).body.data as { id: string; name: string; enabled: boolean; position: number }[];

  it('an admin builds rules from the form, reorders them with the keyboard, sets the fallback and reads the dry run, at 1440 and 390 px', async () => {
    const web = await openWebPage(browser, { width: 1440 });
    const { page } = web;
    await signIn(web, url(''), owner.email);
    await page.goto(url('/settings/assignment'));
    await page.getByText('No assignment rules yet').waitFor();
    await web.screenshot('settings-assignment-empty-1440');

    // Condition → distribution → targets: webinar leads from DACH countries to Ana.
    await page.getByRole('button', { name: 'Add your first rule' }).click();
    const form = page.getByRole('form', { name: 'Assignment rule' });
    await form.getByLabel('Name').fill('Webinar DACH');
    await form.getByLabel('Source is').fill('webinar');
    await form.getByLabel('Country is').fill('DE, AT, CH');
    await form.getByLabel('How').selectOption('single');
    await form.getByLabel('Person').selectOption({ label: 'Ana Alves' });
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByText('Rule “Webinar DACH” added').waitFor();
    await page.getByText('When source is webinar and country is DE, AT or CH → Ana Alves.').waitFor();

    // A capacity rule without its maximum: the server's words beside the field, nothing saved.
    await page.getByRole('button', { name: 'Add rule', exact: true }).click();
    await form.getByLabel('Name').fill('Team by capacity');
    await form.getByLabel('How').selectOption('capacity');
    await form.getByLabel('Team', { exact: true }).selectOption({ label: 'DACH' });
    await page.getByRole('button', { name: 'Create rule' }).click();
    await form.getByText(/A capacity rule needs max_open_per_rep/).waitFor();
    expect(await rules()).toHaveLength(1);
    await form.getByLabel('At most this many open leads each').fill('25');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByText('Rule “Team by capacity” added').waitFor();
    await page.getByText(/Every lead → whoever of the DACH team has the fewest open leads \(at most 25 each\)/).waitFor();
    expect((await rules()).map((r) => r.name)).toEqual(['Webinar DACH', 'Team by capacity']);

    // Keyboard: focus "Move … up", press Enter; the order changes on the server and focus stays with the rule.
    await page.getByRole('button', { name: 'Move Team by capacity up' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await rules()).map((r) => r.name)).toEqual(['Team by capacity', 'Webinar DACH']);
    await expect.poll(() => page.evaluate<string | null>("document.activeElement?.getAttribute('aria-label') ?? null")).toBe('Move Team by capacity down');
    const items = page.getByRole('list', { name: /Assignment rules/ }).getByRole('listitem');
    await expect.poll(async () => (await items.first().textContent()) ?? '').toContain('Team by capacity');

    // Disable and edit.
    await page.getByRole('button', { name: 'Disable Webinar DACH' }).click();
    await expect.poll(async () => (await rules()).find((r) => r.name === 'Webinar DACH')?.enabled).toBe(false);
    await page.getByRole('button', { name: 'Edit Team by capacity' }).click();
    await form.getByLabel('Region is').fill('Bayern');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Rule “Team by capacity” saved').waitFor();
    await page.getByText(/When region is Bayern → whoever of the DACH team/).waitFor();

    // Fallback owner.
    await page.getByLabel('Leads no rule takes go to').selectOption({ label: 'Ben Braun' });
    await page.getByRole('button', { name: 'Save fallback' }).click();
    await page.getByText('Fallback owner saved').waitFor();
    expect((await owner.client.get('/api/v1/assignment-rules/fallback')).body.user_id).toBe(ben.userId);

    // The dry run over unowned leads (created with an explicit "nobody").
    await owner.client.post('/api/v1/leads', { first_name: 'Bea', last_name: 'Bavarian', assigned_to: null, address: { state: 'Bayern' } });
    await owner.client.post('/api/v1/leads', { first_name: 'Otto', last_name: 'Elsewhere', assigned_to: null });
    await page.getByRole('button', { name: 'Run dry run' }).click();
    const table = page.getByRole('table', { name: 'Dry run result' });
    await table.getByRole('row', { name: /Bea Bavarian/ }).waitFor();
    expect(await table.getByRole('row', { name: /Bea Bavarian/ }).textContent()).toMatch(/(Ana Alves|Ben Braun)RuleTeam by capacity/);
    expect(await table.getByRole('row', { name: /Otto Elsewhere/ }).textContent()).toMatch(/Ben BraunFallback—/);
    await web.screenshot('settings-assignment-1440');
    expect(await audit(web, 'settings-assignment')).toEqual([]);
    await page.getByRole('button', { name: 'Edit Team by capacity' }).click();
    await web.screenshot('settings-assignment-form-1440');
    expect(await audit(web, 'settings-assignment-form')).toEqual([]);
    await page.getByRole('button', { name: 'Cancel' }).click();
    // A lead the rule assigns: its timeline names the rule.
    const taken = (await owner.client.post('/api/v1/leads', { first_name: 'Rita', last_name: 'Regensburg', address: { state: 'Bayern' } })).body;
    expect([ana.userId, ben.userId]).toContain(taken.assigned_to);
    await page.goto(url(`/leads/${taken.id}`));
    await page.getByText(/by the rule “Team by capacity”/).waitFor();
    // Only the refused save (422, shown beside the field) may appear in the console.
    expect(web.problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await web.close();

    const phone = await openWebPage(browser, { width: 390 });
    await signIn(phone, url(''), owner.email);
    await phone.page.goto(url('/settings/assignment'));
    await phone.page.getByRole('button', { name: 'Move Webinar DACH up' }).waitFor();
    await phone.page.getByRole('button', { name: 'Run dry run' }).click();
    await phone.page.getByRole('table', { name: 'Dry run result' }).waitFor();
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await phone.screenshot('settings-assignment-390');
    await phone.page.getByRole('button', { name: 'Add rule', exact: true }).click();
    await phone.page.getByRole('form', { name: 'Assignment rule' }).waitFor();
    await phone.screenshot('settings-assignment-form-390');
    await phone.close();
  });

  it('is not offered to a rep; a typed address explains who sets the rules', async () => {
    const web = await openWebPage(browser);
    await signIn(web, url(''), ana.email);
    await web.page.goto(url('/settings'));
    await web.page.getByRole('navigation', { name: 'Settings sections' }).waitFor();
    expect(await web.page.getByRole('link', { name: 'Assignment' }).count()).toBe(0);
    await web.page.goto(url('/settings/assignment'));
    await web.page.getByText('Assignment rules are set by managers and admins').waitFor();
    await web.close();
  });
});
