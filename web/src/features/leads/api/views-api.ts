import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type SavedView = ApiResponse<'/api/v1/saved-views', 'get'>['data'][number];

export function useSavedViews() {
  return useQuery({ queryKey: queryKeys.savedViews.all, queryFn: ({ signal }) => api.get('/api/v1/saved-views', { signal }) });
}

export function useSaveView() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiBody<'/api/v1/saved-views', 'post'>) => api.post('/api/v1/saved-views', { body }),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.savedViews.all }),
  });
}

/** Deleting a view: gone from the menu at once, back if the server refuses. */
export function useDeleteView() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/saved-views/{id}', { params: { id } }),
    onMutate: async (id) => {
      await client.cancelQueries({ queryKey: queryKeys.savedViews.all });
      const previous = client.getQueryData<{ data: SavedView[] }>(queryKeys.savedViews.all);
      if (previous) client.setQueryData(queryKeys.savedViews.all, { data: previous.data.filter((v) => v.id !== id) });
      return { previous };
    },
    onError: (_e, _id, context) => {
      if (context?.previous) client.setQueryData(queryKeys.savedViews.all, context.previous);
    },
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.savedViews.all }),
  });
}
