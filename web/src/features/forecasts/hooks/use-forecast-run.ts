import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useToast } from '../../../components/toast';
import { queryKeys } from '../../../lib/query-keys';
import { jobEnded, useJob } from '../../../lib/use-job';
import { useRefreshForecast } from '../api/forecasts-api';

/**
 * "Refresh forecast": queues a run, then follows its job (progress events while the stream is
 * live, polling as a net) until it ends, and reloads every forecast view when it has.
 */
export function useForecastRun() {
  const refresh = useRefreshForecast();
  const client = useQueryClient();
  const toast = useToast();
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId);
  const status = job.data?.status;
  useEffect(() => {
    if (!status || !jobEnded(job.data)) return;
    void client.invalidateQueries({ queryKey: queryKeys.forecasts.all });
    if (status === 'succeeded') toast('Forecast updated');
    // job.data changes with every poll; the status alone says when it ended.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status, client, toast]);
  const progress = job.data?.progress;
  return {
    start: () => refresh.mutate(undefined, { onSuccess: (r) => setJobId(r.job_id) }),
    running: refresh.isPending || (jobId !== null && !jobEnded(job.data)),
    started: jobId !== null,
    status,
    percent: progress?.total ? Math.round(((progress.done ?? 0) / progress.total) * 100) : null,
    message: progress?.message ?? null,
    failure: status === 'failed' ? (job.data?.last_error ?? 'The forecast run failed.') : null,
    error: refresh.error ?? job.error,
  };
}

export type ForecastRun = ReturnType<typeof useForecastRun>;
