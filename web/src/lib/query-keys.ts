/**
 * Every TanStack Query key of the app, in one place, rooted by server resource
 * (['leads', …], ['insights', …]). A server event naming a resource and id maps to the
 * keys to invalidate with `keysForEvent`, so a live update refetches exactly what changed.
 * Features build keys here and nowhere else.
 */
import type { QueryParams } from './api-client';

export const queryKeys = {
  me: ['me'] as const,
  sessions: ['sessions'] as const,
  organization: ['organization'] as const,
  users: { all: ['users'] as const },
  teams: { all: ['teams'] as const },
  invitations: { all: ['invitations'] as const },
  apiKeys: { all: ['api-keys'] as const },
  trackingKeys: { all: ['tracking-keys'] as const },
  trackingEvents: { all: ['tracking-events'] as const },
  customFields: { all: ['custom-fields'] as const },
  savedViews: { all: ['saved-views'] as const },
  leads: {
    all: ['leads'] as const,
    lists: () => ['leads', 'list'] as const,
    list: (params: QueryParams) => ['leads', 'list', params] as const,
    details: () => ['leads', 'detail'] as const,
    detail: (id: string) => ['leads', 'detail', id] as const,
    score: (id: string) => ['leads', 'detail', id, 'score'] as const,
    scoreHistory: (id: string) => ['leads', 'detail', id, 'scores'] as const,
    timeline: (id: string) => ['leads', 'detail', id, 'timeline'] as const,
    insights: (id: string) => ['leads', 'detail', id, 'insights'] as const,
    journey: (id: string) => ['leads', 'detail', id, 'journey'] as const,
  },
  activities: { all: ['activities'] as const, list: (params: QueryParams) => ['activities', 'list', params] as const },
  conversations: { all: ['conversations'] as const },
  insights: {
    all: ['insights'] as const,
    lists: () => ['insights', 'list'] as const,
    list: (params: QueryParams) => ['insights', 'list', params] as const,
    inbox: (params: QueryParams) => ['insights', 'inbox', params] as const,
  },
  imports: { all: ['imports'] as const, detail: (id: string) => ['imports', 'detail', id] as const },
  jobs: { detail: (id: number | string) => ['jobs', String(id)] as const },
  models: { all: ['models'] as const },
  dashboard: { all: ['dashboard'] as const, view: (params: QueryParams) => ['dashboard', params] as const },
  pipeline: { all: ['pipeline'] as const, columns: (params: QueryParams) => ['pipeline', 'columns', params] as const },
} as const;

export type QueryKey = readonly unknown[];

/** A change the server announces (e.g. over a future event stream). */
export interface ResourceEvent {
  resource: 'lead' | 'activity' | 'conversation' | 'insight' | 'score' | 'import' | 'model' | 'user' | 'team' | 'organization';
  id?: string;
  lead_id?: string;
}

/** The query keys a server event makes stale: prefixes, so lists and details below them refetch. */
export function keysForEvent(event: ResourceEvent): QueryKey[] {
  const lead = event.lead_id ?? (event.resource === 'lead' ? event.id : undefined);
  const leadKeys: QueryKey[] = lead ? [queryKeys.leads.detail(lead), queryKeys.leads.lists()] : [queryKeys.leads.lists()];
  switch (event.resource) {
    case 'lead':
      return [...leadKeys, queryKeys.dashboard.all, queryKeys.pipeline.all];
    case 'score':
      return [...leadKeys, queryKeys.dashboard.all, queryKeys.pipeline.all];
    case 'activity':
      return [...(lead ? [queryKeys.leads.timeline(lead), queryKeys.leads.detail(lead)] : []), queryKeys.activities.all, queryKeys.dashboard.all];
    case 'conversation':
      return [...(lead ? [queryKeys.leads.timeline(lead)] : []), queryKeys.conversations.all];
    case 'insight':
      return [...(lead ? [queryKeys.leads.insights(lead)] : []), queryKeys.insights.all, queryKeys.dashboard.all];
    case 'import':
      return [event.id ? queryKeys.imports.detail(event.id) : queryKeys.imports.all, queryKeys.customFields.all, queryKeys.leads.lists()];
    case 'model':
      return [queryKeys.models.all];
    case 'user':
      return [queryKeys.users.all, queryKeys.me];
    case 'team':
      return [queryKeys.teams.all];
    case 'organization':
      return [queryKeys.organization, queryKeys.me];
  }
}
