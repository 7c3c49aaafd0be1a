import { Button } from '../../../components/button';
import { ErrorMessage } from '../../../components/feedback';
import type { ForecastRun } from '../hooks/use-forecast-run';

/** The button that makes a forecast now (shown to admins and managers only; the server refuses others anyway). */
export function RefreshButton({ run, variant = 'secondary', label = 'Refresh forecast' }: { run: ForecastRun; variant?: 'primary' | 'secondary'; label?: string }) {
  return (
    <Button variant={variant} busy={run.running} onClick={run.start}>
      {run.running ? 'Forecasting…' : label}
    </Button>
  );
}

/** A run in progress (its job's bar, as the import wizard shows an import), or why it failed. */
export function RunProgress({ run }: { run: ForecastRun }) {
  if (!run.started && !run.error) return null;
  return (
    <div className="fc-run">
      {run.running && (
        <>
          <div role="status" className="small">
            {run.status === 'running' ? 'Making the forecast' : 'Queued'}
            {run.message ? `: ${run.message}` : ''}
            {run.percent !== null ? ` (${run.percent} %)` : '…'}
          </div>
          <progress className="progress" max={100} value={run.percent ?? undefined} aria-label="Forecast progress">
            {run.percent ?? ''}
          </progress>
        </>
      )}
      {run.failure && (
        <div className="alert alert--error" role="alert">
          <strong>The forecast could not be made: </strong>
          {run.failure}
        </div>
      )}
      <ErrorMessage error={run.error} title="The forecast was not started" />
    </div>
  );
}
