import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiQuery, ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type Metrics = ApiResponse<'/api/v1/metrics', 'get'>;
export type Subject = Metrics['data'][number];
export type PeriodRow = Subject['periods'][number];
export type Figures = PeriodRow['figures'];
export type Leaderboard = ApiResponse<'/api/v1/metrics/leaderboard', 'get'>;
export type MetricName = Leaderboard['metric'];
export type Period = NonNullable<ApiQuery<'/api/v1/metrics', 'get'>['period']>;

export const PERIODS: { value: Period; label: string }[] = [
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
  { value: 'quarter', label: 'Quarter' },
];

/** How many periods the trend lines show (the chosen one and those before it). */
export const TREND = 8;

/** Per subject the caller may see: the last TREND periods, each with the one before and the team average. */
export function useTeamMetrics(period: Period) {
  return useQuery({
    queryKey: queryKeys.metrics.view({ period }),
    queryFn: ({ signal }) => api.get('/api/v1/metrics', { query: { period }, signal }),
    placeholderData: keepPreviousData,
    // Live: a rollup's metrics.updated event (the server rolls changes up ~30 s after they
    // happen) invalidates the metrics queries (lib/realtime/invalidation.ts).
  });
}

export function useLeaderboard(period: Period, metric: MetricName) {
  return useQuery({
    queryKey: queryKeys.metrics.leaderboard({ period, metric }),
    queryFn: ({ signal }) => api.get('/api/v1/metrics/leaderboard', { query: { period, metric }, signal }),
    placeholderData: keepPreviousData,
  });
}

/** Recompute now (admins, managers): waits for the job, then shows the new figures. */
export function useRefreshMetrics() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const { job_id } = await api.post('/api/v1/metrics/refresh', { body: {} });
      for (;;) {
        const job = await api.get('/api/v1/jobs/{id}', { params: { id: job_id } });
        if (job.status === 'succeeded') return job;
        if (job.status === 'failed' || job.status === 'cancelled') throw new Error(job.last_error ?? 'The metrics could not be computed.');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.metrics.all }),
  });
}
