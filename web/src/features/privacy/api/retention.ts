import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ApiBody, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';

export type RetentionPolicies = ApiResponse<'/api/v1/privacy/retention', 'get'>;
export type PoliciesBody = ApiBody<'/api/v1/privacy/retention', 'put'>;
export type RetentionReport = ApiResponse<'/api/v1/privacy/retention/run', 'post'>;

const KEY = ['privacy', 'retention'] as const;

export function useRetentionPolicies() {
  return useQuery({ queryKey: KEY, queryFn: ({ signal }) => api.get('/api/v1/privacy/retention', { signal }) });
}

export function useSavePolicies() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: PoliciesBody) => api.put('/api/v1/privacy/retention', { body }),
    onSuccess: (data) => client.setQueryData(KEY, data),
  });
}

/** What a run would delete now: the server's own definition of due, nothing changes. */
export function usePreview() {
  return useMutation({
    mutationFn: () => api.post('/api/v1/privacy/retention/run', { body: { dry_run: true } }),
  });
}

/** Starts the run (a job) and follows its progress until it ends. */
export function useRunRetention() {
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const mutation = useMutation({
    mutationFn: async () => {
      setProgress(null);
      const started = (await api.post('/api/v1/privacy/retention/run', { body: { dry_run: false } })) as unknown as { job_id: number };
      for (;;) {
        const job = await api.get('/api/v1/jobs/{id}', { params: { id: started.job_id } });
        if (typeof job.progress?.total === 'number') setProgress({ done: job.progress.done ?? 0, total: job.progress.total });
        if (job.status === 'succeeded') return job.result as Record<string, number>;
        if (job.status === 'failed' || job.status === 'cancelled') throw new Error(job.last_error ?? 'The retention run did not finish.');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
  });
  return { ...mutation, progress };
}
