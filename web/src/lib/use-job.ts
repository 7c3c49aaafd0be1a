import { useQuery } from '@tanstack/react-query';
import type { ApiResponse } from '../api/types';
import { api } from './api-client';
import { queryKeys } from './query-keys';
import { useStreamStatus } from './realtime/use-live-updates';

export type Job = ApiResponse<'/api/v1/jobs/{id}', 'get'>;

const ENDED: readonly string[] = ['succeeded', 'failed', 'cancelled'];

/** Whether a job has stopped for good (then its result or error is final). */
export function jobEnded(job: Pick<Job, 'status'> | undefined): boolean {
  return !!job && ENDED.includes(job.status);
}

/**
 * A background job until it ends: refetched on its job.progress events, polled as a net
 * (every second while the stream is down). Shared by every screen that starts long work
 * (model training, forecasts), so they follow a job the same way.
 */
export function useJob(id: number | null) {
  const poll = useStreamStatus() === 'live' ? 5000 : 1000;
  return useQuery({
    queryKey: queryKeys.jobs.detail(id ?? 0),
    queryFn: ({ signal }) => api.get('/api/v1/jobs/{id}', { params: { id: id! }, signal }),
    enabled: id !== null,
    refetchInterval: (query) => (jobEnded(query.state.data) ? false : poll),
  });
}
