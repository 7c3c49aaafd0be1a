import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';
import { openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

/** The lead page shows the deal value if won with the range 8 in 10 such deals fell in. */
describe.skipIf(!hasChromium)(`web app: the predicted deal value on a lead (${MODE})`, () => {
  const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it('shows the deal value if won and its likely range', { timeout: 180_000 }, async () => {
    const admin = await Client.signup(url, 'Range Co');
    // 45 won deals whose size follows company size (≈ 40 × employees, ±20 %), 15 lost.
    for (let i = 0; i < 60; i++) {
      const employees = Math.round(20 * 1.1 ** i);
      const won = i % 4 !== 3;
      const r = await admin.client.post('/api/v1/leads', {
        first_name: `Deal${i}`, last_name: 'History', email: `deal${i}@co${i}.example`, status: won ? 'closed_won' : 'closed_lost',
        custom_fields: { employees }, ...(won ? { deal_value: Math.round(40 * employees * (1 + 0.2 * Math.sin(i * 7))) } : {}),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const id = (await admin.client.post('/api/v1/leads', { first_name: 'Petra', last_name: 'Prospect', email: 'petra@midsize.example', company: 'Midsize Ltd', custom_fields: { employees: 800 } })).body.id as string;
    expect((await admin.client.post('/api/v1/models/train', {})).status).toBe(202);
    // Outcomes arriving retrain on their own too: wait for the model that saw all 60 and for
    // every training and rescoring to finish, so the page and the score below agree.
    await until('the model trained on all 60 decided leads, active', async () => {
      const models = (await admin.client.get('/api/v1/models')).body.data as { is_active: boolean; training_size: number }[];
      return models.some((m) => m.is_active && m.training_size === 60) ? true : null;
    }, 90_000);
    await until('no training or rescoring left to run', async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE organization_id = ${admin.organizationId} AND queue IN ('scoring.train', 'scoring.rescore') AND status IN ('queued', 'running')`.execute(app().database.db);
      return rows[0]!.n === 0 ? true : null;
    }, 90_000);
    const score = (await admin.client.get(`/api/v1/leads/${id}/score`)).body;
    expect(score.predicted_value_low).toBeLessThan(score.predicted_value);
    expect(score.predicted_value_high).toBeGreaterThan(score.predicted_value);
    const money = (x: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(x);
    for (const width of [1440, 390]) {
      const web = await openWebPage(browser, { width, height: 900 });
      await signIn(web, url(''), admin.email);
      await web.page.goto(url(`/leads/${id}`));
      const line = web.page.getByTestId('predicted-value');
      await line.waitFor();
      expect(await line.textContent()).toBe(`Predicted deal value if won: ${money(score.predicted_value)} (likely ${money(score.predicted_value_low)}–${money(score.predicted_value_high)})`);
      await web.screenshot(`lead-deal-value-${width}`);
      expect(web.problems).toEqual([]);
      await web.close();
    }
  });
});
