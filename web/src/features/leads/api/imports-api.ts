import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';
import { useStreamStatus } from '../../../lib/realtime/use-live-updates';

export type ImportWithPreview = ApiResponse<'/api/v1/imports/{id}/preview', 'get'>;
export type ImportView = ApiResponse<'/api/v1/imports/{id}', 'get'>;
export type MappingChange = ApiBody<'/api/v1/imports/{id}', 'patch'>;

export function useUploadImport() {
  return useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('file', file, file.name);
      return api.post('/api/v1/imports', { body: form });
    },
  });
}

export function useChangeMapping(id: string) {
  return useMutation({ mutationFn: (body: MappingChange) => api.patch('/api/v1/imports/{id}', { params: { id }, body }) });
}

export function useStartImport(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.post('/api/v1/imports/{id}/start', { params: { id } }),
    onSuccess: (view) => client.setQueryData(queryKeys.imports.detail(id), view),
  });
}

/**
 * Follows a running import until it is done, then refreshes the lists it changed. The
 * stream's import.progress events refetch it as it advances; polling is the net for a tab
 * whose stream is down (quick) or for a step that announces nothing (slow).
 */
export function useImportStatus(id: string, enabled: boolean) {
  const client = useQueryClient();
  const poll = useStreamStatus() === 'live' ? 5000 : 700;
  return useQuery({
    queryKey: queryKeys.imports.detail(id),
    queryFn: async ({ signal }) => {
      const view = await api.get('/api/v1/imports/{id}', { params: { id }, signal });
      if (view.status === 'completed' || view.status === 'failed') {
        void client.invalidateQueries({ queryKey: queryKeys.leads.all });
        void client.invalidateQueries({ queryKey: queryKeys.customFields.all });
      }
      return view;
    },
    enabled,
    refetchInterval: (query) => (query.state.data && (query.state.data.status === 'completed' || query.state.data.status === 'failed') ? false : poll),
  });
}
