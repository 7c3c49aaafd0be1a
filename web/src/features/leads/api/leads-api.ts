import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse, LeadDetail, LeadPage } from '../../../api/types';
import { api, rawRequest, toSearchParams, type QueryParams } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type CustomField = ApiResponse<'/api/v1/custom-fields', 'get'>['data'][number];
export type Score = ApiResponse<'/api/v1/leads/{id}/score', 'get'>;
export type ScoreHistory = ApiResponse<'/api/v1/leads/{id}/scores', 'get'>['data'];
export type TimelineItem = ApiResponse<'/api/v1/leads/{id}/timeline', 'get'>['data'][number];
export type TimelineKind = TimelineItem['kind'];
export type Insight = ApiResponse<'/api/v1/leads/{id}/insights', 'get'>['data'][number];
export type ActivityInput = ApiBody<'/api/v1/leads/{id}/activities', 'post'>;
export type LeadPatch = ApiBody<'/api/v1/leads/{id}', 'patch'>;
export type ConsentOverview = ApiResponse<'/api/v1/leads/{id}/consents', 'get'>;
export type ConsentPurpose = ApiBody<'/api/v1/leads/{id}/consents', 'post'>['purpose'];

/** Rows per page of the list; a relevance-sorted search shows one page of at most this many. */
export const LEAD_PAGE_SIZE = 100;

/** The leads list, page after page (keyset cursors); a search without a sort is one ranked page. */
export function useLeadPages(params: QueryParams) {
  return useInfiniteQuery({
    queryKey: queryKeys.leads.list(params),
    queryFn: ({ pageParam, signal }) => rawRequest('get', `/api/v1/leads${toSearchParams({ ...params, limit: LEAD_PAGE_SIZE, cursor: pageParam })}`, undefined, signal) as Promise<LeadPage>,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useCustomFields() {
  return useQuery({ queryKey: queryKeys.customFields.all, queryFn: ({ signal }) => api.get('/api/v1/custom-fields', { signal }), staleTime: 5 * 60_000 });
}

export function useUsers() {
  return useQuery({ queryKey: queryKeys.users.all, queryFn: ({ signal }) => api.get('/api/v1/users', { signal }), staleTime: 5 * 60_000 });
}

export function useTeams() {
  return useQuery({ queryKey: queryKeys.teams.all, queryFn: ({ signal }) => api.get('/api/v1/teams', { signal }), staleTime: 5 * 60_000 });
}

export function useBulkUpdate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiBody<'/api/v1/leads/bulk', 'post'>) => api.post('/api/v1/leads/bulk', { body }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.leads.all }),
  });
}

export function useBulkAssign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiBody<'/api/v1/leads/assign', 'post'>) => api.post('/api/v1/leads/assign', { body }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.leads.all }),
  });
}

export function useLead(id: string) {
  return useQuery({ queryKey: queryKeys.leads.detail(id), queryFn: ({ signal }) => api.get('/api/v1/leads/{id}', { params: { id }, signal }) });
}

/** A key-by-key change (as the server merges address and custom_fields): null removes the key. */
function mergeKeys<T extends object>(stored: T | null, change: Record<string, unknown>): T | null {
  const next: Record<string, unknown> = { ...stored };
  for (const [key, value] of Object.entries(change)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return Object.keys(next).length > 0 ? (next as T) : null;
}

/** The lead as the server will store the PATCH: plain fields replaced, address and custom fields merged. */
function optimistic(lead: LeadDetail, body: LeadPatch): LeadDetail {
  const { address, custom_fields, ...rest } = body;
  return {
    ...lead,
    ...(rest as Partial<LeadDetail>),
    ...(address !== undefined ? { address: address === null ? null : mergeKeys(lead.address, address) } : {}),
    ...(custom_fields !== undefined ? { custom_fields: mergeKeys(lead.custom_fields, custom_fields) ?? {} } : {}),
  };
}

/** Inline edits: shown at once, rolled back if the server refuses. */
export function usePatchLead(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: LeadPatch) => api.patch('/api/v1/leads/{id}', { params: { id }, body }),
    onMutate: async (body) => {
      const key = queryKeys.leads.detail(id);
      await client.cancelQueries({ queryKey: key, exact: true });
      const previous = client.getQueryData<LeadDetail>(key);
      if (previous) client.setQueryData<LeadDetail>(key, optimistic(previous, body));
      return { previous };
    },
    onError: (_error, _body, context) => {
      if (context?.previous) client.setQueryData(queryKeys.leads.detail(id), context.previous);
    },
    onSuccess: (lead) => client.setQueryData(queryKeys.leads.detail(id), lead),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.leads.lists() });
      void client.invalidateQueries({ queryKey: queryKeys.leads.timeline(id) });
    },
  });
}

/** Scores change in the background after an edit or a logged activity: poll briefly for news. */
export function useScore(id: string, options: { refetchInterval?: number | false } = {}) {
  return useQuery({ queryKey: queryKeys.leads.score(id), queryFn: ({ signal }) => api.get('/api/v1/leads/{id}/score', { params: { id }, signal }), refetchInterval: options.refetchInterval ?? false });
}

export function useScoreHistory(id: string, options: { refetchInterval?: number | false } = {}) {
  return useQuery({ queryKey: queryKeys.leads.scoreHistory(id), queryFn: ({ signal }) => api.get('/api/v1/leads/{id}/scores', { params: { id }, signal }), refetchInterval: options.refetchInterval ?? false });
}

/** The lead's history, newest first; `kind` narrows it to one kind of event (on the server, so pages stay full). */
export function useTimeline(id: string, options: { refetchInterval?: number | false; kind?: TimelineKind | undefined } = {}) {
  const kind = options.kind;
  return useInfiniteQuery({
    // Under the timeline's key, so invalidating the timeline refreshes every filter.
    queryKey: [...queryKeys.leads.timeline(id), kind ?? 'all'],
    queryFn: ({ pageParam, signal }) => api.get('/api/v1/leads/{id}/timeline', { params: { id }, query: { limit: 50, cursor: pageParam, ...(kind ? { kinds: kind } : {}) }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: options.refetchInterval ?? false,
  });
}

/** The lead's open insights (run-out and dismissed ones are history: the timeline has them). */
export function useLeadInsights(id: string, options: { refetchInterval?: number | false } = {}) {
  return useQuery({ queryKey: queryKeys.leads.insights(id), queryFn: ({ signal }) => api.get('/api/v1/leads/{id}/insights', { params: { id }, query: { status: 'open' }, signal }), refetchInterval: options.refetchInterval ?? false });
}

export function useInsightAction(leadId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (action: { id: string; kind: 'acknowledge' } | { id: string; kind: 'dismiss'; reason: string }) =>
      action.kind === 'acknowledge'
        ? api.post('/api/v1/insights/{id}/acknowledge', { params: { id: action.id } })
        : api.post('/api/v1/insights/{id}/dismiss', { params: { id: action.id }, body: { reason: action.reason } }),
    onMutate: async (action) => {
      const key = queryKeys.leads.insights(leadId);
      await client.cancelQueries({ queryKey: key });
      const previous = client.getQueryData<{ data: Insight[]; next_cursor: string | null }>(key);
      if (previous) {
        const now = new Date().toISOString();
        client.setQueryData(key, {
          ...previous,
          data: action.kind === 'dismiss' ? previous.data.filter((i) => i.id !== action.id) : previous.data.map((i) => (i.id === action.id ? { ...i, acknowledged_at: now } : i)),
        });
      }
      return { previous };
    },
    onError: (_e, _a, context) => {
      if (context?.previous) client.setQueryData(queryKeys.leads.insights(leadId), context.previous);
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.leads.insights(leadId) });
      void client.invalidateQueries({ queryKey: queryKeys.insights.all });
    },
  });
}

export function useLogActivity(leadId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ActivityInput) => api.post('/api/v1/leads/{id}/activities', { params: { id: leadId }, body }),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: queryKeys.leads.detail(leadId) });
      void client.invalidateQueries({ queryKey: queryKeys.activities.all });
    },
  });
}

export function useMergeLead(targetId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (sourceId: string) => api.post('/api/v1/leads/{id}/merge', { params: { id: targetId }, body: { source_id: sourceId } }),
    // The merge answers the lead without permissions; it stays the same lead, with the same rights.
    onSuccess: (result) => client.setQueryData<LeadDetail>(queryKeys.leads.detail(targetId), (previous) => (previous ? { ...previous, ...result.lead } : previous)),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.leads.all }),
  });
}

/** A few leads matching a search, for pickers (merge). */
export function useLeadSearch(text: string) {
  return useQuery({
    queryKey: queryKeys.leads.list({ q: text, limit: 8 }),
    queryFn: ({ signal }) => api.get('/api/v1/leads', { query: { q: text, limit: 8 }, signal }),
    enabled: text.trim().length >= 2,
  });
}

/** A lead's consent records and the state per purpose (GET /leads/{id}/consents). */
export function useLeadConsents(id: string) {
  return useQuery({ queryKey: queryKeys.leads.consents(id), queryFn: ({ signal }) => api.get('/api/v1/leads/{id}/consents', { params: { id }, signal }) });
}

/** Records or withdraws consent for a purpose; the lead (its withdrawn purposes) and its insights follow. */
export function useConsentChange(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ purpose, grant }: { purpose: ConsentPurpose; grant: boolean }) => {
      if (grant) await api.post('/api/v1/leads/{id}/consents', { params: { id }, body: { purpose, lawful_basis: 'consent' } });
      else await api.post('/api/v1/leads/{id}/consents/withdraw', { params: { id }, body: { purpose } });
    },
    onSettled: () => Promise.all([
      client.invalidateQueries({ queryKey: queryKeys.leads.consents(id) }),
      client.invalidateQueries({ queryKey: queryKeys.leads.detail(id), exact: true }),
      client.invalidateQueries({ queryKey: queryKeys.leads.insights(id) }),
    ]),
  });
}
