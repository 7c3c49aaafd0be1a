import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Session } from '../../../api/types';
import type { ApiBody } from '../../../api/types';
import { api, setCsrfToken } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

/** After sign-in: keep the CSRF token, forget anything cached for a previous user, load /me. */
function useSignedIn() {
  const client = useQueryClient();
  return async (csrf: string) => {
    setCsrfToken(csrf);
    client.removeQueries({ predicate: (query) => query.queryKey[0] !== queryKeys.me[0] });
    client.setQueryData(queryKeys.me, await api.get('/api/v1/me'));
  };
}

export function useLogin() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (body: ApiBody<'/api/v1/auth/login', 'post'>) => api.post('/api/v1/auth/login', { body }),
    onSuccess: (result) => signedIn(result.csrf_token),
  });
}

export function useSignup() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (body: ApiBody<'/api/v1/auth/signup', 'post'>) => api.post('/api/v1/auth/signup', { body }),
    onSuccess: (result) => signedIn(result.csrf_token),
  });
}

export function useAcceptInvitation() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (body: ApiBody<'/api/v1/auth/accept-invitation', 'post'>) => api.post('/api/v1/auth/accept-invitation', { body }),
    onSuccess: (result) => signedIn(result.csrf_token),
  });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.post('/api/v1/auth/logout'),
    onSettled: () => {
      setCsrfToken(undefined);
      // Signed out first (the guard leaves the app), then forget the rest of the cache.
      client.setQueryData(queryKeys.me, null);
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== queryKeys.me[0] });
    },
  });
}

export function useSessions() {
  return useQuery({ queryKey: queryKeys.sessions, queryFn: ({ signal }) => api.get('/api/v1/auth/sessions', { signal }) });
}

/** Revoking another session: removed from the list at once, put back if the server says no. */
export function useRevokeSession() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/auth/sessions/{id}', { params: { id } }),
    onMutate: async (id) => {
      await client.cancelQueries({ queryKey: queryKeys.sessions });
      const previous = client.getQueryData<{ data: Session[] }>(queryKeys.sessions);
      if (previous) client.setQueryData(queryKeys.sessions, { data: previous.data.filter((s) => s.id !== id) });
      return { previous };
    },
    onError: (_error, _id, context) => {
      if (context?.previous) client.setQueryData(queryKeys.sessions, context.previous);
    },
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.sessions }),
  });
}
