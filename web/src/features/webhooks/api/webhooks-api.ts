import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';

export type WebhookEndpoint = ApiResponse<'/api/v1/webhooks', 'get'>['data'][number];
export type WebhookCreated = ApiResponse<'/api/v1/webhooks', 'post'>;
export type WebhookBody = ApiBody<'/api/v1/webhooks', 'post'>;
export type WebhookPatch = ApiBody<'/api/v1/webhooks/{id}', 'patch'>;
export type WebhookDelivery = ApiResponse<'/api/v1/webhooks/{id}/deliveries', 'get'>['data'][number];
export type WebhookSettings = ApiResponse<'/api/v1/webhooks/settings', 'get'>;

const KEY = ['webhooks'] as const;
const deliveriesKey = (id: string) => ['webhooks', 'deliveries', id] as const;

export function useWebhooks(enabled: boolean) {
  return useQuery({ queryKey: [...KEY, 'list'], enabled, queryFn: ({ signal }) => api.get('/api/v1/webhooks', { signal }) });
}

export function useWebhookSettings(enabled: boolean) {
  return useQuery({ queryKey: [...KEY, 'settings'], enabled, queryFn: ({ signal }) => api.get('/api/v1/webhooks/settings', { signal }) });
}

export function useSaveWebhookSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ApiBody<'/api/v1/webhooks/settings', 'put'>) => api.put('/api/v1/webhooks/settings', { body }),
    onSuccess: (data) => client.setQueryData([...KEY, 'settings'], data),
  });
}

export function useCreateWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: WebhookBody) => api.post('/api/v1/webhooks', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
}

export function useUpdateWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: WebhookPatch }) => api.patch('/api/v1/webhooks/{id}', { params: { id }, body }),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
}

export function useDeleteWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/webhooks/{id}', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
}

export function useRotateSecret() {
  return useMutation({ mutationFn: (id: string) => api.post('/api/v1/webhooks/{id}/rotate-secret', { params: { id } }) });
}

/** The delivery log: refreshed every few seconds while it is open, since attempts happen in the background. */
export function useDeliveries(id: string | null) {
  return useQuery({
    queryKey: deliveriesKey(id ?? ''),
    enabled: id !== null,
    refetchInterval: 3_000,
    queryFn: ({ signal }) => api.get('/api/v1/webhooks/{id}/deliveries', { params: { id: id! }, query: { limit: 50 }, signal }),
  });
}

export function useSendTest() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post('/api/v1/webhooks/{id}/test', { params: { id } }),
    onSuccess: (_d, id) => client.invalidateQueries({ queryKey: deliveriesKey(id) }),
  });
}

export function useReplay() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (d: { id: string; endpoint_id: string }) => api.post('/api/v1/webhooks/deliveries/{id}/replay', { params: { id: d.id } }),
    onSuccess: (_r, d) => client.invalidateQueries({ queryKey: deliveriesKey(d.endpoint_id) }),
  });
}
