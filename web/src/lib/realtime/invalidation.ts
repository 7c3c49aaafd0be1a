import type { QueryClient } from '@tanstack/query-core';
import { queryKeys, type QueryKey } from '../query-keys.ts';
import { leadIdsOf, type StreamEvent } from './stream-events.ts';

/**
 * The query keys (prefixes) an event makes stale. `cachedLeads` are the leads whose pages are
 * in the cache: a batch of 1,000 scored leads touches only the few a person has open.
 */
export function keysForStreamEvent(event: StreamEvent, cachedLeads: ReadonlySet<string>): QueryKey[] {
  const leads = leadIdsOf(event).filter((id) => cachedLeads.has(id));
  // Everything on a lead's page (score, sub-scores, explanation, history, timeline, insights) sits under its detail key.
  const leadPages = leads.map((id) => queryKeys.leads.detail(id));
  const timelines = leads.map((id) => queryKeys.leads.timeline(id));
  const entity = event.entity_id ?? undefined;
  const [domain, verb] = event.type.split('.') as [string, string | undefined];
  switch (domain) {
    case 'lead':
      // A lead's fields, status, owner, score or existence: its page, every list (table,
      // board columns, counts), the board's totals and the dashboard.
      return [...leadPages, queryKeys.leads.lists(), queryKeys.pipeline.all, queryKeys.dashboard.all, ...(verb === 'scored' || verb === 'deleted' || verb === 'merged' ? [queryKeys.insights.all] : [])];
    case 'leads': // leads.imported: a batch landed.
      return [queryKeys.leads.lists(), queryKeys.pipeline.all, queryKeys.dashboard.all, queryKeys.customFields.all];
    case 'insight':
      return [...leads.map((id) => queryKeys.leads.insights(id)), ...timelines, queryKeys.insights.all, queryKeys.dashboard.all];
    case 'activity':
      // Last activity and next follow-up are on the lead and in lists; follow-ups on the dashboard.
      return [...leadPages, queryKeys.activities.all, queryKeys.leads.lists(), queryKeys.dashboard.all];
    case 'conversation':
      return [...leadPages, queryKeys.conversations.all];
    case 'journey':
      return [...leads.map((id) => queryKeys.leads.journey(id)), ...timelines];
    case 'import': {
      const keys: QueryKey[] = [entity ? queryKeys.imports.detail(entity) : queryKeys.imports.all];
      if (verb === 'completed' || verb === 'failed') keys.push(queryKeys.leads.all, queryKeys.customFields.all, queryKeys.pipeline.all, queryKeys.dashboard.all);
      return keys;
    }
    case 'job': {
      // Job ids are numbers, not uuids: they travel in the payload (entity_id is null).
      const jobId = typeof event.payload.job_id === 'number' || typeof event.payload.job_id === 'string' ? event.payload.job_id : entity;
      const finished = verb === 'finished';
      // A forecast run someone started ended: every screen showing a forecast (the Forecasts
      // screen, the dashboard's card) reloads, for everyone in the organization.
      const forecasts = finished && event.payload.queue === 'forecasts.generate' ? [queryKeys.forecasts.all] : [];
      return [...(jobId !== undefined ? [queryKeys.jobs.detail(jobId)] : []), ...(finished ? [queryKeys.models.all] : []), ...forecasts];
    }
    case 'organization':
      return [queryKeys.organization, queryKeys.me];
    case 'model':
      // A new active model rescored every lead (lead.scored events follow for the details).
      return verb === 'activated' ? [queryKeys.models.all, queryKeys.leads.lists(), queryKeys.pipeline.all, queryKeys.dashboard.all] : [queryKeys.models.all];
    case 'view':
      return [queryKeys.savedViews.all];
    case 'user':
      // A role change alters what this person may do: /me carries the permissions.
      return [queryKeys.users.all, queryKeys.me];
    case 'team':
      return [queryKeys.teams.all];
    case 'notification':
      return [queryKeys.notifications.all];
    case 'metrics':
      // metrics.updated: a rollup wrote new figures (the Team screen, its leaderboard).
      return [queryKeys.metrics.all];
    case 'forecast':
      // forecast.generated: a run was written, by whatever made it (job, POST, command line).
      return [queryKeys.forecasts.all];
    default:
      return [];
  }
}

/** The ids of the leads whose own queries (page, score, timeline …) are cached. */
export function cachedLeadIds(client: QueryClient): Set<string> {
  const ids = new Set<string>();
  for (const query of client.getQueryCache().getAll()) {
    const [root, kind, id] = query.queryKey;
    if (root === queryKeys.leads.all[0] && kind === 'detail' && typeof id === 'string') ids.add(id);
  }
  return ids;
}

/**
 * Invalidates each key at most once per interval: the first change refetches at once, the
 * rest of a burst (1,000 lead.scored events) collapse into one refetch at the end of the
 * interval. A key whose refetch is still running waits for it, so a slow list is not
 * cancelled and restarted by every event and never settles.
 */
export function createInvalidator(client: QueryClient, intervalMs = 250) {
  const lastRun = new Map<string, number>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  function run(hash: string, key: QueryKey) {
    timers.delete(hash);
    if (client.isFetching({ queryKey: key }) > 0) {
      timers.set(hash, setTimeout(() => run(hash, key), intervalMs));
      return;
    }
    const now = Date.now();
    lastRun.set(hash, now);
    // Forget keys that have been quiet for a while (a lead's page per scored lead adds up).
    if (lastRun.size > 500) for (const [h, t] of lastRun) if (now - t > intervalMs) lastRun.delete(h);
    void client.invalidateQueries({ queryKey: key });
  }

  return {
    invalidate(key: QueryKey) {
      const hash = JSON.stringify(key);
      if (timers.has(hash)) return;
      const wait = (lastRun.get(hash) ?? 0) + intervalMs - Date.now();
      if (wait <= 0) run(hash, key);
      else timers.set(hash, setTimeout(() => run(hash, key), wait));
    },
    /** After a `reset`: everything, once. */
    invalidateAll() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      void client.invalidateQueries();
    },
    dispose() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
