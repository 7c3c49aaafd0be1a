import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import type { ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';
import { useStreamStatus } from '../../../lib/realtime/use-live-updates';

export type NotificationPage = ApiResponse<'/api/v1/notifications', 'get'>;
export type Notification = NotificationPage['data'][number];
export type NotificationKind = Notification['kind'];
type Pages = InfiniteData<NotificationPage, string | undefined>;

export const NOTIFICATIONS_PAGE = 20;
const listKey = queryKeys.notifications.list({ limit: NOTIFICATIONS_PAGE });

/**
 * The signed-in user's notifications, unread first, page after page. The first page also
 * carries the unread count, so the bell and the panel share one request (and one stream-driven
 * refetch when a notification arrives or is read elsewhere).
 */
export function useNotifications() {
  const live = useStreamStatus() === 'live';
  return useInfiniteQuery({
    queryKey: listKey,
    queryFn: ({ pageParam, signal }) => api.get('/api/v1/notifications', { query: { limit: NOTIFICATIONS_PAGE, ...(pageParam ? { cursor: pageParam } : {}) }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // The stream says when it changes; while it is down, a slow poll keeps the count roughly current.
    refetchInterval: live ? false : 60_000,
  });
}

/** Read marks show at once (and the count drops); a refusal puts them back. */
function useOptimisticRead<V>(mutationFn: (v: V) => Promise<unknown>, apply: (n: Notification, v: V) => boolean) {
  const client = useQueryClient();
  return useMutation({
    mutationFn,
    onMutate: async (variables: V) => {
      await client.cancelQueries({ queryKey: queryKeys.notifications.all });
      const previous = client.getQueryData<Pages>(listKey);
      if (previous) {
        const now = new Date().toISOString();
        let marked = 0;
        const pages = previous.pages.map((p) => ({
          ...p,
          data: p.data.map((n) => {
            if (n.read_at || !apply(n, variables)) return n;
            marked += 1;
            return { ...n, read_at: now };
          }),
        }));
        client.setQueryData<Pages>(listKey, { ...previous, pages: pages.map((p) => ({ ...p, unread_count: Math.max(0, p.unread_count - marked) })) });
      }
      return { previous };
    },
    onError: (_e, _v, context) => {
      if (context?.previous) client.setQueryData(listKey, context.previous);
    },
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.notifications.all }),
  });
}

export function useMarkRead() {
  return useOptimisticRead(
    (id: string) => api.post('/api/v1/notifications/{id}/read', { params: { id } }),
    (n, id) => n.id === id,
  );
}

export function useMarkAllRead() {
  return useOptimisticRead(
    (_: void) => api.post('/api/v1/notifications/read-all'),
    () => true,
  );
}
