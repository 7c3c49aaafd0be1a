import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';

export type Workflow = ApiResponse<'/api/v1/workflows', 'get'>['data'][number];
export type WorkflowBody = ApiBody<'/api/v1/workflows', 'post'>;
export type Trigger = WorkflowBody['trigger'];
export type Action = WorkflowBody['actions'][number];
export type Conditions = NonNullable<WorkflowBody['conditions']>;
export type DryRun = ApiResponse<'/api/v1/workflows/{id}/dry-run', 'post'>;
export type Run = ApiResponse<'/api/v1/workflows/{id}/runs', 'get'>['data'][number];
export type UserOption = ApiResponse<'/api/v1/users', 'get'>['data'][number];

const KEY = ['workflows'] as const;

export function useWorkflows() {
  return useQuery({ queryKey: KEY, queryFn: ({ signal }) => api.get('/api/v1/workflows', { signal }) });
}

/** The people a workflow may assign to or notify (the features' own query: features do not import each other). */
export function useUserOptions() {
  return useQuery({ queryKey: ['workflows', 'users'], queryFn: ({ signal }) => api.get('/api/v1/users', { signal }), staleTime: 60_000 });
}

export function useTeamOptions() {
  return useQuery({ queryKey: ['workflows', 'teams'], queryFn: ({ signal }) => api.get('/api/v1/teams', { signal }), staleTime: 60_000 });
}

export function useRuns(id: string | null) {
  return useQuery({
    queryKey: ['workflows', 'runs', id],
    enabled: id !== null,
    queryFn: ({ signal }) => api.get('/api/v1/workflows/{id}/runs', { params: { id: id! }, query: { limit: 50 }, signal }),
  });
}

function useInvalidate() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: KEY });
}

export function useSaveWorkflow() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: WorkflowBody }) =>
      id ? api.patch('/api/v1/workflows/{id}', { params: { id }, body: { name: body.name, trigger: body.trigger, conditions: body.conditions ?? {}, actions: body.actions } }) : api.post('/api/v1/workflows', { body }),
    onSuccess: invalidate,
  });
}

export function useSetEnabled() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => (enabled ? api.post('/api/v1/workflows/{id}/resume', { params: { id } }) : api.post('/api/v1/workflows/{id}/pause', { params: { id } })),
    onSuccess: invalidate,
  });
}

export function useDeleteWorkflow() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (id: string) => api.delete('/api/v1/workflows/{id}', { params: { id } }), onSuccess: invalidate });
}

export function useReorder() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (ids: string[]) => api.put('/api/v1/workflows/order', { body: { ids } }),
    onSuccess: (data) => client.setQueryData(KEY, data),
  });
}

export function useDryRun() {
  return useMutation({ mutationFn: (id: string) => api.post('/api/v1/workflows/{id}/dry-run', { params: { id } }) });
}
