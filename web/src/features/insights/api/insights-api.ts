import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import type { ApiQuery, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type InsightPage = ApiResponse<'/api/v1/insights', 'get'>;
export type Insight = InsightPage['data'][number];
export type InsightType = Insight['insight_type'];
export type Priority = Insight['priority'];
export type InsightListQuery = ApiQuery<'/api/v1/insights', 'get'>;

const PAGE = 25;

/** "My inbox": open, unacknowledged insights on your leads (and your teams'), most pressing first. */
export function useInbox(enabled: boolean) {
  return useInfiniteQuery({
    queryKey: queryKeys.insights.inbox({ limit: PAGE, view: 'page' }),
    queryFn: ({ signal, pageParam }) => api.get('/api/v1/insights/inbox', { query: { limit: PAGE, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled,
  });
}

/** Every insight you may see, newest first, filtered on the server. */
export function useInsightList(filters: Omit<InsightListQuery, 'limit' | 'cursor'>, enabled: boolean) {
  const query = { ...filters, limit: PAGE };
  return useInfiniteQuery({
    queryKey: queryKeys.insights.list(query),
    queryFn: ({ signal, pageParam }) => api.get('/api/v1/insights', { query: { ...query, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled,
  });
}

type Cached = InsightPage | InfiniteData<InsightPage> | undefined;
type Snapshot = [readonly unknown[], Cached][];

/** Applies a change to an insight wherever it is cached (single pages and paged lists). */
function patchEverywhere(client: QueryClient, id: string, change: (i: Insight) => Insight): Snapshot {
  const snapshot = client.getQueriesData<Cached>({ queryKey: queryKeys.insights.all });
  const patchPage = (p: InsightPage): InsightPage => ({ ...p, data: p.data.map((i) => (i.id === id ? change(i) : i)) });
  for (const [key, value] of snapshot) {
    if (!value) continue;
    if ('pages' in value) client.setQueryData<InfiniteData<InsightPage>>(key, { ...value, pages: value.pages.map(patchPage) });
    else if ('data' in value) client.setQueryData<InsightPage>(key, patchPage(value));
  }
  return snapshot;
}

function useInsightMutation<V extends { id: string }>(request: (v: V) => Promise<Insight>, change: (i: Insight, v: V) => Insight) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: request,
    onMutate: async (v: V) => {
      await client.cancelQueries({ queryKey: queryKeys.insights.all });
      return { snapshot: patchEverywhere(client, v.id, (i) => change(i, v)) };
    },
    onError: (_e, _v, context) => {
      for (const [key, value] of context?.snapshot ?? []) client.setQueryData(key, value);
    },
    onSettled: (_d, _e, v) =>
      Promise.all([client.invalidateQueries({ queryKey: queryKeys.insights.all }), client.invalidateQueries({ queryKey: queryKeys.dashboard.all }), client.invalidateQueries({ queryKey: queryKeys.leads.details() })]).then(() => v),
  });
}

export function useAcknowledge() {
  return useInsightMutation(
    ({ id }: { id: string }) => api.post('/api/v1/insights/{id}/acknowledge', { params: { id }, body: {} }),
    (i) => ({ ...i, acknowledged_at: new Date().toISOString() }),
  );
}

export function useDismiss() {
  return useInsightMutation(
    ({ id, reason }: { id: string; reason: string }) => api.post('/api/v1/insights/{id}/dismiss', { params: { id }, body: { reason } }),
    (i, { reason }) => ({ ...i, status: 'dismissed', dismissed_at: new Date().toISOString(), dismiss_reason: reason }),
  );
}
