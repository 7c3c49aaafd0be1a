import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type PrivacyRequest = ApiResponse<'/api/v1/privacy/requests', 'get'>['data'][number];
export type PrivacyRequestBody = ApiBody<'/api/v1/privacy/requests', 'post'>;
export type CreatedPrivacyRequest = ApiResponse<'/api/v1/privacy/requests', 'post'>;
export type ErasurePreview = ApiResponse<'/api/v1/privacy/erasure-preview', 'get'>;
export type ExportDownload = ApiResponse<'/api/v1/privacy/requests/{id}/download', 'get'>;

/** Whether the job has yet to finish it (then its row changes under our eyes). */
export function isPending(r: Pick<PrivacyRequest, 'status'> | undefined): boolean {
  return !!r && (r.status === 'received' || r.status === 'in_progress');
}

/**
 * The one-time download token is answered only to the POST that made the export. It is kept
 * for this browser tab (sessionStorage: gone when the tab closes, never sent anywhere but the
 * download) so the requester can still download after moving between screens or reloading.
 */
const TOKEN_PREFIX = 'leadai.privacy-export-token.';
export const downloadTokens = {
  get: (id: string): string | null => sessionStorage.getItem(TOKEN_PREFIX + id),
  set: (id: string, token: string) => sessionStorage.setItem(TOKEN_PREFIX + id, token),
  drop: (id: string) => sessionStorage.removeItem(TOKEN_PREFIX + id),
};

/** The register, polled while a request is still being acted on (the job's own progress comes live, see RequestProgress). */
export function usePrivacyRequests(enabled = true) {
  return useQuery({
    queryKey: queryKeys.privacyRequests.all,
    queryFn: ({ signal }) => api.get('/api/v1/privacy/requests', { signal, query: { limit: 100 } }),
    enabled,
    refetchInterval: (query) => (query.state.data?.data.some(isPending) ? 2000 : false),
  });
}

/** One request until it is done (the lead page's export and erasure follow theirs this way). */
export function usePrivacyRequest(id: string | null) {
  return useQuery({
    queryKey: queryKeys.privacyRequests.detail(id ?? ''),
    queryFn: ({ signal }) => api.get('/api/v1/privacy/requests/{id}', { params: { id: id! }, signal }),
    enabled: id !== null,
    refetchInterval: (query) => (!query.state.data || isPending(query.state.data) ? 1000 : false),
  });
}

export function useCreatePrivacyRequest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: PrivacyRequestBody) => api.post('/api/v1/privacy/requests', { body }),
    onSuccess: (created) => {
      if (created.download_token) downloadTokens.set(created.id, created.download_token);
      return client.invalidateQueries({ queryKey: queryKeys.privacyRequests.all });
    },
  });
}

/** What erasing the person behind a lead would remove, per kind. */
export function useErasurePreview(leadId: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.privacyRequests.preview(leadId),
    queryFn: ({ signal }) => api.get('/api/v1/privacy/erasure-preview', { query: { lead_id: leadId }, signal }),
    enabled,
    staleTime: 0,
  });
}

/** Downloads the export's JSON document (once: the server refuses a second time) and saves it as a file. */
export function useDownloadExport() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      const token = downloadTokens.get(id);
      if (!token) throw new Error('The download link was shown only in the browser tab where the export was requested. Make a new export request to get the data again.');
      const body = await api.get('/api/v1/privacy/requests/{id}/download', { params: { id }, query: { token } });
      saveJson(`privacy-export-${id}.json`, body);
      return body;
    },
    onSuccess: (_body, id) => downloadTokens.drop(id),
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.privacyRequests.all }),
  });
}

function saveJson(filename: string, value: unknown) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // After the click has handed the blob to the browser's download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
