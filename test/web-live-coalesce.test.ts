import { QueryClient, QueryObserver } from '@tanstack/query-core';
import { afterEach, describe, expect, it } from 'vitest';
import { queryKeys } from '../web/src/lib/query-keys.ts';
import { cachedLeadIds, createInvalidator, keysForStreamEvent } from '../web/src/lib/realtime/invalidation.ts';
import type { StreamEvent } from '../web/src/lib/realtime/stream-events.ts';

/**
 * The web app's stream → cache mapping, without a browser: a burst of events refetches each
 * affected query a bounded number of times, and only the queries an event is about.
 */
describe('web live updates: event → query invalidation, coalesced', () => {
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  /** A query someone is looking at (an observer), counting its fetches. */
  function watched(client: QueryClient, key: readonly unknown[], fetchMs = 5) {
    const counter = { fetches: 0 };
    const observer = new QueryObserver(client, {
      queryKey: key,
      queryFn: async () => {
        counter.fetches += 1;
        await new Promise((r) => setTimeout(r, fetchMs));
        return counter.fetches;
      },
      staleTime: Infinity,
    });
    stops.push(observer.subscribe(() => {}));
    return counter;
  }
  const settle = async (client: QueryClient) => {
    await expect.poll(() => client.isFetching(), { timeout: 5000 }).toBe(0);
  };
  const event = (type: string, fields: Partial<StreamEvent> = {}): StreamEvent => ({
    seq: 1, type, entity_type: type.split('.')[0]!, entity_id: null, actor_id: null, at: new Date().toISOString(), payload: {}, ...fields,
  });

  it('1,000 lead.scored events (1,000 leads each) refetch the open list and the open lead a couple of times, not 1,000', async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const open = 'lead-on-screen';
    const list = watched(client, queryKeys.leads.list({ sort: 'score' }), 40);
    const detail = watched(client, queryKeys.leads.detail(open));
    const score = watched(client, queryKeys.leads.score(open));
    const other = watched(client, queryKeys.leads.detail('lead-not-in-any-batch'));
    const settings = watched(client, queryKeys.users.all);
    await settle(client);
    const before = { list: list.fetches, detail: detail.fetches, score: score.fetches, other: other.fetches, settings: settings.fetches };

    const invalidator = createInvalidator(client, 250);
    stops.push(() => invalidator.dispose());
    const batch = Array.from({ length: 1000 }, (_, i) => `lead-${i}`);
    batch[500] = open;
    const started = Date.now();
    for (let i = 0; i < 1000; i += 1) {
      const e = event('lead.scored', { seq: i + 1, payload: { lead_ids: batch, model_version: 'v2' } });
      for (const key of keysForStreamEvent(e, cachedLeadIds(client))) invalidator.invalidate(key);
      // Spread over ~1 s, as a rescoring job's batches arrive.
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 100));
    }
    const elapsed = Date.now() - started;
    await new Promise((r) => setTimeout(r, 400));
    await settle(client);

    // At most one refetch per 250 ms window (plus the first, at once), whatever the burst's size.
    const cap = Math.ceil(elapsed / 250) + 2;
    const refetched = { list: list.fetches - before.list, detail: detail.fetches - before.detail, score: score.fetches - before.score };
    for (const [name, n] of Object.entries(refetched)) {
      expect(n, name).toBeGreaterThanOrEqual(1);
      expect(n, name).toBeLessThanOrEqual(cap);
    }
    expect(cap).toBeLessThan(20);
    // Untouched: a lead not in the batch, and what scoring does not change.
    expect(other.fetches).toBe(before.other);
    expect(settings.fetches).toBe(before.settings);
  });

  it('maps each kind of event to the screens it changes', () => {
    const cached = new Set(['L1']);
    const keys = (e: StreamEvent) => keysForStreamEvent(e, cached).map((k) => JSON.stringify(k));
    const k = (key: readonly unknown[]) => JSON.stringify(key);
    // A status change: the lead's page, the table, the board, the dashboard.
    expect(keys(event('lead.updated', { entity_id: 'L1', payload: { fields: ['status'] } }))).toEqual(
      expect.arrayContaining([k(queryKeys.leads.detail('L1')), k(queryKeys.leads.lists()), k(queryKeys.pipeline.all), k(queryKeys.dashboard.all)]),
    );
    // A lead nobody has open: no page of it to refetch, the lists still.
    expect(keys(event('lead.updated', { entity_id: 'L2' }))).not.toContain(k(queryKeys.leads.detail('L2')));
    expect(keys(event('insight.created', { payload: { lead_id: 'L1' } }))).toEqual(expect.arrayContaining([k(queryKeys.leads.insights('L1')), k(queryKeys.insights.all), k(queryKeys.dashboard.all)]));
    expect(keys(event('activity.created', { payload: { lead_id: 'L1' } }))).toEqual(expect.arrayContaining([k(queryKeys.leads.detail('L1')), k(queryKeys.dashboard.all)]));
    expect(keys(event('import.progress', { entity_id: 'I1' }))).toEqual([k(queryKeys.imports.detail('I1'))]);
    expect(keys(event('import.completed', { entity_id: 'I1' }))).toEqual(expect.arrayContaining([k(queryKeys.imports.detail('I1')), k(queryKeys.leads.all)]));
    // Jobs are numbered, not uuids: the server puts the id in the payload (src/jobs/queue.ts).
    expect(keys(event('job.progress', { entity_id: null, payload: { job_id: 42, queue: 'scoring.train' } }))).toEqual([k(queryKeys.jobs.detail('42'))]);
    // A finished forecast run reloads every forecast on screen (the Forecasts page, the dashboard's card); its progress does not.
    expect(keys(event('job.finished', { entity_id: null, payload: { job_id: 43, queue: 'forecasts.generate', status: 'succeeded' } }))).toContain(k(queryKeys.forecasts.all));
    expect(keys(event('job.progress', { entity_id: null, payload: { job_id: 43, queue: 'forecasts.generate' } }))).not.toContain(k(queryKeys.forecasts.all));
    expect(keys(event('job.finished', { entity_id: null, payload: { job_id: 44, queue: 'scoring.train', status: 'succeeded' } }))).not.toContain(k(queryKeys.forecasts.all));
    // A rollup wrote new figures: the Team screen's metrics and leaderboard. A forecast run was written (job, POST or CLI): every forecast on screen.
    expect(keys(event('metrics.updated', { payload: { from: '2026-12-01', periods: ['day', 'month'] } }))).toEqual([k(queryKeys.metrics.all)]);
    expect(keys(event('forecast.generated', { entity_id: 'R1', payload: { run_id: 'R1' } }))).toEqual([k(queryKeys.forecasts.all)]);
    expect(keys(event('organization.updated', { entity_id: 'O1', payload: { fields: ['settings'] } }))).toEqual([k(queryKeys.organization), k(queryKeys.me)]);
    expect(keys(event('notification.created', { payload: { recipient_id: 'U1' } }))).toEqual([k(queryKeys.notifications.all)]);
    expect(keys(event('notification.read', { payload: { recipient_id: 'U1', all: true } }))).toEqual([k(queryKeys.notifications.all)]);
    expect(keys(event('something.new'))).toEqual([]);
  });
});
