/**
 * Every TanStack Query key of the app, in one place, rooted by server resource
 * (['leads', …], ['insights', …]). A stream event maps to the keys it makes stale in
 * lib/realtime/invalidation.ts, so a live update refetches exactly what changed.
 * Features build keys here and nowhere else.
 */
// Structural, not api-client's QueryParams: this file (and lib/realtime/invalidation.ts) has no
// browser dependencies, so the server-side test suite can import it (test/web-live-coalesce.test.ts).
type QueryParams = Readonly<Record<string, unknown>>;

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
  audit: { all: ['audit'] as const, list: (params: QueryParams) => ['audit', 'list', params] as const },
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
    consents: (id: string) => ['leads', 'detail', id, 'consents'] as const,
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
  metrics: {
    all: ['metrics'] as const,
    view: (params: QueryParams) => ['metrics', 'view', params] as const,
    leaderboard: (params: QueryParams) => ['metrics', 'leaderboard', params] as const,
  },
  pipeline: { all: ['pipeline'] as const, columns: (params: QueryParams) => ['pipeline', 'columns', params] as const },
  notifications: { all: ['notifications'] as const, list: (params: QueryParams) => ['notifications', 'list', params] as const },
  forecasts: { all: ['forecasts'] as const, view: (params: QueryParams) => ['forecasts', params] as const },
  privacyRequests: { all: ['privacy-requests'] as const, detail: (id: string) => ['privacy-requests', 'detail', id] as const, preview: (leadId: string) => ['privacy-preview', leadId] as const },
} as const;

export type QueryKey = readonly unknown[];
