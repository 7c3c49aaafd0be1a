import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';

export type Mailbox = ApiResponse<'/api/v1/mailboxes/{id}', 'get'>;
export type MailboxBody = ApiBody<'/api/v1/mailboxes', 'post'>;
export type MailboxPatch = ApiBody<'/api/v1/mailboxes/{id}', 'patch'>;

const KEY = ['mailboxes'] as const;

/** Your mailbox (admins: everyone's). Polled while a sync runs, so "synced just now" appears by itself. */
export function useMailboxes() {
  return useQuery({
    queryKey: KEY,
    queryFn: ({ signal }) => api.get('/api/v1/mailboxes', { signal }),
    refetchInterval: (query) => (query.state.data?.data.some((m) => m.state === 'syncing' || m.state === 'pending') ? 1500 : 30_000),
  });
}

export function useConnectMailbox() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: MailboxBody) => api.post('/api/v1/mailboxes', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
}

export function useUpdateMailbox() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: MailboxPatch }) => api.patch('/api/v1/mailboxes/{id}', { params: { id }, body }),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
}

export function useSyncMailbox() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post('/api/v1/mailboxes/{id}/sync', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
}

export function useDisconnectMailbox() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/mailboxes/{id}', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
}
