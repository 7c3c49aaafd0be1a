import { beforeAll, describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';
import { until } from './helpers/wait.ts';

// Workers on: training and rescoring happen in the background, as in production.
const { url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
let admin: Awaited<ReturnType<typeof Client.signup>>;

beforeAll(async () => {
  admin = await Client.signup(url, 'Deal Size Co');
});

describe(`the predicted deal value over HTTP (${MODE})`, () => {
  it('gives an open lead its deal value if won with an 80 % interval, larger for a larger company, and shows the model\'s accuracy', async () => {
    // 60 won deals whose size follows company size (value ≈ 40 × employees, ±20 %), 20 lost.
    for (let i = 0; i < 80; i++) {
      const employees = Math.round(20 * 1.09 ** i);
      const won = i % 4 !== 3;
      const r = await admin.client.post('/api/v1/leads', {
        first_name: `Deal${i}`, last_name: 'History', email: `deal${i}@co${i}.example`, status: won ? 'closed_won' : 'closed_lost',
        custom_fields: { employees }, ...(won ? { deal_value: Math.round(40 * employees * (1 + 0.2 * Math.sin(i * 7))) } : {}),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const small = (await admin.client.post('/api/v1/leads', { first_name: 'Small', last_name: 'Shop', email: 'owner@small.example', custom_fields: { employees: 30 } })).body.id as string;
    const large = (await admin.client.post('/api/v1/leads', { first_name: 'Large', last_name: 'Corp', email: 'cfo@large.example', custom_fields: { employees: 3000 } })).body.id as string;
    const train = await admin.client.post('/api/v1/models/train', {});
    expect(train.status).toBe(202);
    const model = await until('a model trained on the 80 decided leads', async () => {
      const models = (await admin.client.get('/api/v1/models')).body.data as { is_active: boolean; training_size: number; metrics: Record<string, unknown> }[];
      return models.find((m) => m.is_active && m.training_size === 80);
    }, 60_000);
    expect(model.metrics.deal_value).toMatchObject({
      won_deals: 60, estimate: 'median deal if won', interval_low: expect.any(Number), interval_high: expect.any(Number),
      cv: { folds: 5, mae: expect.any(Number), median_mae: expect.any(Number), coverage: expect.any(Number) },
    });
    const dv = model.metrics.deal_value as { cv: { mae: number; median_mae: number }; features: { feature: string }[] };
    expect(dv.cv.mae).toBeLessThan(0.5 * dv.cv.median_mae);
    expect(dv.features[0]!.feature).toBe('cf:employees');
    // Both open leads rescored with that model: about 40 × employees each.
    const scoreOf = (id: string, expected: number) => until(`a deal value near ${expected}`, async () => {
      const s = (await admin.client.get(`/api/v1/leads/${id}/score`)).body;
      return s.predicted_value !== null && Math.abs(Math.log(s.predicted_value / expected)) < 0.5 ? s : null;
    }, 30_000);
    const a = await scoreOf(small, 40 * 30);
    const b = await scoreOf(large, 40 * 3000);
    for (const s of [a, b]) {
      expect(s.predicted_value_low).toBeLessThan(s.predicted_value);
      expect(s.predicted_value_high).toBeGreaterThan(s.predicted_value);
      expect(s.predicted_value_high / s.predicted_value_low).toBeLessThan(3); // ±20 % noise: a narrow band
    }
    expect(b.predicted_value).toBeGreaterThan(20 * a.predicted_value);
  });
});
