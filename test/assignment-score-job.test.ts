import { beforeAll, describe, expect, it } from 'vitest';
import { Client, useServer } from './helpers/api.ts';
import { MODE } from './helpers/db.ts';
import { until } from './helpers/wait.ts';

/**
 * The wiring, end to end with workers: a lead that waits for its first score to meet a
 * score-band rule is assigned by the rescoring job itself, and the timeline says so.
 */
const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
let admin: Awaited<ReturnType<typeof Client.signup>>;

beforeAll(async () => {
  admin = await Client.signup(url, 'Score Band Job');
});

describe(`assignment after the first score, by the rescoring job (${MODE})`, () => {
  it('a new lead waits, then the job that scores it gives it to the score-band rule', async () => {
    const me = (await admin.client.get('/api/v1/me')).body.user.id as string;
    const rule = await admin.client.post('/api/v1/assignment-rules', { name: 'Any score', distribution: 'single', user_ids: [me], conditions: { score_min: 0, score_max: 100 } });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    const lead = await admin.client.post('/api/v1/leads', { first_name: 'Wait', last_name: 'ForScore', email: 'wait.for.score@band.example' });
    expect(lead.status).toBe(201);
    expect(lead.body.assigned_to).toBeNull();
    const owner = await until('the rescoring job to assign the lead', async () => {
      const r = await admin.client.get(`/api/v1/leads/${lead.body.id}`);
      return r.body.assigned_to as string | null;
    }, 60_000);
    expect(owner).toBe(me);
    const timeline = await admin.client.get(`/api/v1/leads/${lead.body.id}/timeline?kinds=assignment`);
    expect(timeline.body.data[0].data).toMatchObject({ rule_name: 'Any score', via: 'score' });
  });
});
