import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { hasChromium, launchBrowser, skipMessage } from './helpers/browser.ts';
import { MODE } from './helpers/db.ts';
import { openWebPage, signIn } from './helpers/web.ts';

if (!hasChromium) console.warn(skipMessage());

/**
 * Issue 20 on screen: an insight says what its confidence and priority mean and which contact
 * it passed over; the score panel shows merged factors and "no conversations yet" instead of
 * a conversational sub-score. Screenshots at 1440 and 390 px.
 */
const HOUR = 3_600_000;

describe.skipIf(!hasChromium)(`web app: insights and score people believe (${MODE})`, () => {
  const { app, url } = useServer();
  let browser: Browser;
  let owner: Awaited<ReturnType<typeof Client.signup>>;
  let dana: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    owner = await Client.signup(url, 'Trust Web');
    const r = await owner.client.post('/api/v1/leads', { first_name: 'Dana', last_name: 'Wu', company: 'Initech', email: 'dana@initech.example', job_title: 'VP of Sales', assigned_to: owner.userId, status: 'qualified' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    dana = r.body.id;
    const db = app().database.db;
    const now = Date.now();
    // As the engine now writes them: calibrated confidence, priority from impact, the passed-over call.
    const proposal = {
      action: 'send_proposal', reason_text: 'buying signal: pricing interest, and no proposal has been sent yet.', based_on: [{ insight_type: 'buying_signal', reason: 'conversation_signals', title: 'Buying signal: pricing interest' }],
      score_recommendations: [{ action: 'Send a tailored quote', reason: 'Asked about pricing in a message.', priority: 'high' }], score_factors: [],
      passed_over: [{ action: 'call_now', kind: 'call', last_contact_at: new Date(now - 0.4 * HOUR).toISOString() }], recent_contact_hours: 48,
      confidence_basis: { method: 'isotonic', claim: 'won', raw_confidence: 0.92, kind: 'next_best_action:send_proposal', decided_leads_with_this_kind: 412, of_which_right: 198, horizon_days: 7 },
      priority_basis: { impact: 0.5, lead_worth: 1.4, time_sensitivity: 0.6, severity: 'high', confidence: 0.48, thresholds: { urgent: 5, high: 0.4, medium: 0.03 }, scale: 'quantiles over 900 leads with insights', conversion_probability: 0.46 },
    };
    const stalled = {
      status: 'qualified', days_in_status: 41, typical_days: 23,
      confidence_basis: { method: 'isotonic', claim: 'lost', raw_confidence: 0.87, kind: 'churn_risk:stalled', decided_leads_with_this_kind: 1029, of_which_right: 842, horizon_days: 7 },
      priority_basis: { impact: 0.1, lead_worth: 0.2, time_sensitivity: 0.6, severity: 'high', confidence: 0.77, thresholds: { urgent: 5, high: 0.4, medium: 0.03 }, scale: 'quantiles over 900 leads with insights', conversion_probability: 0.46 },
    };
    await sql`INSERT INTO ai_insights (organization_id, lead_id, insight_type, reason, title, description, confidence, priority, data)
      VALUES (${owner.organizationId}, ${dana}, 'next_best_action', 'send_proposal', 'Send Dana Wu a proposal', 'Buying signal: pricing interest, and no proposal has been sent yet.', 0.48, 'high', ${JSON.stringify(proposal)}::jsonb),
             (${owner.organizationId}, ${dana}, 'churn_risk', 'stalled:qualified', 'Stalled in qualified for 41 days', 'Dana Wu has been in qualified for 41 days; the organization''s leads usually move on within 23 days.', 0.77, 'medium', ${JSON.stringify(stalled)}::jsonb)`.execute(db);
    // A score as the scoring job now writes it: one line per kind of fact, no conversational sub-score without a conversation.
    const explanation = [
      { feature: 'title', group: 'demographic', points: 9.4, text: 'VP of Sales (VP level); works in sales' },
      { feature: 'email_kind', group: 'demographic', points: 3.1, text: 'Company email address (initech.example)' },
      { feature: 'website', group: 'behavioral', points: -6.2, text: 'No website activity' },
      { feature: 'pricing', group: 'behavioral', points: -2.3, text: 'Never visited the pricing page' },
    ];
    await sql`UPDATE leads SET current_score = 46, conversion_probability = 0.46, score_confidence = 0.7 WHERE id = ${dana}`.execute(db);
    await sql`INSERT INTO lead_scores (organization_id, lead_id, score, confidence, model_version, conversion_probability, demographic_score, behavioral_score, temporal_score, conversational_score, explanation, recommendations)
      VALUES (${owner.organizationId}, ${dana}, 46, 0.7, 'v1', 0.46, 71, 38, 52, NULL, ${JSON.stringify(explanation)}::jsonb, ${JSON.stringify([{ action: 'Send a tailored quote', reason: 'Asked about pricing in a message.', priority: 'high' }])}::jsonb)`.execute(db);
  });
  afterAll(async () => browser?.close());

  for (const width of [1440, 390]) {
    it(`insights say what confidence and priority mean, and the call passed over (${width} px)`, async () => {
      const web = await openWebPage(browser, { width, height: 900 });
      const { page } = web;
      await signIn(web, url(''), owner.email);
      await page.goto(url('/insights'));
      const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Send Dana Wu a proposal' }) });
      await item.waitFor();
      const why = item.getByTestId('insight-why');
      expect(await why.textContent()).toMatch(/48 %: about that share of the 412 decided leads that showed this were won/);
      expect(await why.textContent()).toMatch(/Not suggested: a call — a call was logged/);
      expect(await why.textContent()).toMatch(/46 % likely to buy/);
      const stall = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Stalled in qualified/ }) });
      expect(await stall.getByTestId('insight-why').textContent()).toMatch(/77 %: about that share of the 1029 decided leads that showed this were lost/);
      // The basis is said in words, not dumped again as evidence.
      await item.locator('summary').filter({ hasText: 'Evidence' }).click();
      expect(await item.locator('.evidence').textContent()).not.toMatch(/Confidence basis|Priority basis|Passed over/);
      await web.screenshot(`insights-trust-${width}`);

      await page.goto(url(`/leads/${dana}`));
      const sub = page.getByTestId('subscore-conversational');
      await sub.waitFor();
      expect(await sub.textContent()).toMatch(/no conversations yet/);
      const factors = page.getByTestId('explanation');
      expect(await factors.getByText('No website activity').count()).toBe(1);
      await page.getByRole('heading', { name: 'Why this score' }).scrollIntoViewIfNeeded();
      await web.screenshot(`score-panel-trust-${width}`);
      expect(web.problems).toEqual([]);
      await web.close();
    });
  }
});
