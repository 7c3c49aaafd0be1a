import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

/**
 * Requests and background work at the same time, as in production: many writes to the same
 * leads while the workers analyse, rescore and train. Two races were found this way (a
 * deadlock between a request and rescoring, a collision of two activations); none may come
 * back as a 5xx, and every lead must end up scored.
 */
const { app, url } = useServer(() => ({ LEADAI_WORKERS: 'true' }));
let org: Awaited<ReturnType<typeof Client.signup>>;
const leads: string[] = [];

beforeAll(async () => {
  org = await Client.signup(url, 'Busy Co');
  for (let i = 0; i < 8; i++) leads.push((await org.client.post('/api/v1/leads', { first_name: `Busy${i}`, last_name: 'Lead', email: `busy${i}@busy.example` })).body.id);
});

describe(`requests and workers at once (${MODE})`, () => {
  it('never answers 5xx while conversations, activities and status changes pour in, and scores every lead', async () => {
    const statuses: number[] = [];
    const hit = async (i: number) => {
      const lead = leads[i % leads.length]!;
      const kind = i % 4;
      const r =
        kind === 0 ? await org.client.post(`/api/v1/leads/${lead}/conversations`, { direction: 'inbound', channel: 'email', content: `Message ${i}: we would love a demo next week, pricing looks fine.` })
        : kind === 1 ? await org.client.post(`/api/v1/leads/${lead}/activities`, { type: 'call', description: `Call ${i}: positive, they want a proposal.`, completed_at: new Date().toISOString() })
        : kind === 2 ? await org.client.patch(`/api/v1/leads/${lead}`, { job_title: i % 8 === 2 ? 'VP Sales' : 'Analyst' })
        : await org.client.post('/api/v1/models/train', {});
      statuses.push(r.status);
    };
    // Four clients in parallel, 120 requests in all.
    await Promise.all([0, 1, 2, 3].map(async (lane) => {
      for (let k = 0; k < 30; k++) await hit(lane * 30 + k);
    }));
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    // The background work drains: nothing left queued (but the periodic jobs scheduled for
    // later), every lead scored, no failed job.
    const db = app().database.db;
    const started = Date.now();
    for (;;) {
      const { rows } = await sql<{ pending: number; unscored: number }>`
        SELECT (SELECT count(*)::int FROM jobs WHERE organization_id = ${org.organizationId} AND status IN ('queued', 'running') AND run_at <= now()) AS pending,
               (SELECT count(*)::int FROM leads l WHERE l.organization_id = ${org.organizationId} AND NOT EXISTS (SELECT 1 FROM lead_scores s WHERE s.lead_id = l.id)) AS unscored`.execute(db);
      if (rows[0]!.pending === 0 && rows[0]!.unscored === 0) break;
      if (Date.now() - started > 60_000) throw new Error(`background work did not drain: ${JSON.stringify(rows[0])}`);
      await sleep(100);
    }
    const failed = await sql<{ queue: string; last_error: string | null }>`SELECT queue, last_error FROM jobs WHERE organization_id = ${org.organizationId} AND (status = 'failed' OR last_error IS NOT NULL)`.execute(db);
    expect(failed.rows).toEqual([]);
    const analysed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM conversations WHERE organization_id = ${org.organizationId} AND analyzed_at IS NULL`.execute(db);
    expect(analysed.rows[0]!.n).toBe(0);
  }, 120_000);
});
