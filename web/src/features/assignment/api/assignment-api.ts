import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type Rule = ApiResponse<'/api/v1/assignment-rules', 'get'>['data'][number];
export type RuleCreate = ApiBody<'/api/v1/assignment-rules', 'post'>;
export type RulePatch = ApiBody<'/api/v1/assignment-rules/{id}', 'patch'>;
export type DryRunRow = ApiResponse<'/api/v1/assignment-rules/dry-run', 'post'>['data'][number];

const RULES = ['assignment', 'rules'] as const;
const FALLBACK = ['assignment', 'fallback'] as const;

export function useRules() {
  return useQuery({ queryKey: RULES, queryFn: ({ signal }) => api.get('/api/v1/assignment-rules', { signal }) });
}

export function useSaveRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: RuleCreate }) =>
      id ? api.patch('/api/v1/assignment-rules/{id}', { params: { id }, body }) : api.post('/api/v1/assignment-rules', { body }),
    onSettled: () => client.invalidateQueries({ queryKey: RULES }),
  });
}

export function useToggleRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => api.patch('/api/v1/assignment-rules/{id}', { params: { id }, body: { enabled } }),
    onSettled: () => client.invalidateQueries({ queryKey: RULES }),
  });
}

export function useDeleteRule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/assignment-rules/{id}', { params: { id } }),
    onSettled: () => client.invalidateQueries({ queryKey: RULES }),
  });
}

/** The whole new order at once: the list shows it before the server answers. */
export function useReorder() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[]) => api.put('/api/v1/assignment-rules/order', { body: { ids } }),
    onMutate: (ids) => {
      const before = client.getQueryData<{ data: Rule[] }>(RULES);
      if (before) {
        const byId = new Map(before.data.map((r) => [r.id, r]));
        client.setQueryData(RULES, { data: ids.map((id, i) => ({ ...byId.get(id)!, position: i + 1 })) });
      }
      return { before };
    },
    onError: (_e, _ids, context) => { if (context?.before) client.setQueryData(RULES, context.before); },
    onSuccess: (data) => client.setQueryData(RULES, data),
  });
}

export function useFallback() {
  return useQuery({ queryKey: FALLBACK, queryFn: ({ signal }) => api.get('/api/v1/assignment-rules/fallback', { signal }) });
}

export function useSaveFallback() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (userId: string | null) => api.put('/api/v1/assignment-rules/fallback', { body: { user_id: userId } }),
    onSuccess: (data) => client.setQueryData(FALLBACK, data),
  });
}

export function useDryRun() {
  return useMutation({ mutationFn: (recent: number) => api.post('/api/v1/assignment-rules/dry-run', { body: { recent } }) });
}

/** The people and teams a rule can name (the same lists the Users & teams tab reads). */
export function usePeople() {
  const users = useQuery({ queryKey: queryKeys.users.all, queryFn: ({ signal }) => api.get('/api/v1/users', { signal }) });
  const teams = useQuery({ queryKey: queryKeys.teams.all, queryFn: ({ signal }) => api.get('/api/v1/teams', { signal }) });
  return { users: users.data?.data ?? [], teams: teams.data?.data ?? [], error: users.error ?? teams.error, pending: users.isPending || teams.isPending };
}
