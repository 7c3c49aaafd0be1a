import { lazy, Suspense, useEffect, useState } from 'react';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card } from '../../../components/page';
import { useQueryClient } from '@tanstack/react-query';
import { formatDateTime, formatNumber } from '../../../lib/format';
import { queryKeys } from '../../../lib/query-keys';
import { useCan } from '../../../lib/session';
import { useActivateModel, useModels, useTrainModel, type Model } from '../api/settings-api';
import { useJob } from '../../../lib/use-job';

/** uPlot comes with this chart only, when a model with a calibration table is on screen. */
const CalibrationChart = lazy(() => import('./calibration-chart'));

const num = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '—' : v.toFixed(digits));

export function ModelTab() {
  const canRead = useCan('models:read');
  const canManage = useCan('models:manage');
  const models = useModels(canRead);
  if (!canRead) {
    return (
      <Card>
        <EmptyState title="The scoring model is managed by managers and admins">Every lead’s score and its explanation are on the lead’s page.</EmptyState>
      </Card>
    );
  }
  const list = models.data?.data ?? [];
  const active = list.find((m) => m.is_active);
  return (
    <div className="stack">
      {canManage && <TrainCard />}
      <ErrorMessage error={models.error} title="Models could not be loaded" />
      {models.isPending ? (
        <Card>
          <SkeletonBlock lines={6} label="Loading models" />
        </Card>
      ) : list.length === 0 ? (
        <Card>
          <EmptyState title="No trained model yet">
            Until there is one, leads are scored by a built-in prior. Train a model once some leads are closed won or lost: it learns from your own outcomes.
          </EmptyState>
        </Card>
      ) : (
        <>
          {active && <ActiveModel model={active} />}
          <Versions models={list} canManage={canManage} />
        </>
      )}
    </div>
  );
}

function TrainCard() {
  const train = useTrainModel();
  const client = useQueryClient();
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId);
  const status = job.data?.status;
  const running = jobId !== null && (!status || status === 'queued' || status === 'running');
  const progress = job.data?.progress;
  // The new version (and the rescored leads) once the job has ended.
  useEffect(() => {
    if (status === 'succeeded' || status === 'failed') {
      void client.invalidateQueries({ queryKey: queryKeys.models.all });
      void client.invalidateQueries({ queryKey: queryKeys.leads.all });
    }
  }, [status, client]);
  const pct = progress?.total ? Math.round(((progress.done ?? 0) / progress.total) * 100) : null;
  return (
    <Card title="Retrain">
      <div className="stack stack--sm">
        <p className="muted">Trains a new version on every decided lead (won or lost), with 5-fold cross-validation; it becomes active when done and every lead is rescored.</p>
        <div className="row">
          <Button
            variant="primary"
            busy={train.isPending || running}
            onClick={() =>
              train.mutate(undefined, {
                onSuccess: (r) => setJobId(r.job_id),
              })
            }
          >
            {running ? 'Training…' : 'Train a new model'}
          </Button>
          {jobId !== null && (
            <span role="status" className="small">
              {status === 'succeeded' ? (
                <Badge tone="good">Training finished</Badge>
              ) : status === 'failed' ? (
                <Badge tone="bad">Training failed</Badge>
              ) : (
                <>
                  {status === 'running' ? 'Training' : 'Queued'}
                  {progress?.message ? `: ${progress.message}` : ''}
                  {pct !== null ? ` (${pct} %)` : ''}
                </>
              )}
            </span>
          )}
        </div>
        {running && (
          <progress className="progress" max={100} value={pct ?? undefined} aria-label="Training progress">
            {pct ?? ''}
          </progress>
        )}
        {status === 'failed' && job.data?.last_error && <div className="alert alert--error" role="alert">{job.data.last_error}</div>}
        <ErrorMessage error={train.error ?? job.error} title="Training not started" />
      </div>
    </Card>
  );
}

function ActiveModel({ model }: { model: Model }) {
  const m = model.metrics;
  const bins = model.calibration.filter((b) => b.count > 0 && b.meanPredicted !== null && b.observedRate !== null);
  return (
    <Card title={`Active model ${model.version}`} actions={<Badge tone="good">Active</Badge>}>
      <dl className="metrics">
        <Metric label="ROC AUC" value={num(m.roc_auc)} hint="How well it ranks won above lost leads (0.5 = chance, 1 = perfect)" />
        <Metric label="Log loss" value={num(m.log_loss)} hint="Lower is better" />
        <Metric label="Brier score" value={num(m.brier)} hint="Mean squared error of the probabilities; lower is better" />
        <Metric label="Training size" value={formatNumber(model.training_size)} hint={`${formatNumber(model.positives)} won`} />
        <Metric label="Trained" value={formatDateTime(model.trained_at)} hint={model.algorithm} small />
      </dl>
      <h3 className="subhead">Calibration</h3>
      <p className="small muted">Predicted probability against the share actually won, from cross-validation (leads the model had not seen). On the diagonal is well calibrated.</p>
      {bins.length === 0 ? (
        <p className="muted">Not enough decided leads for a calibration table yet.</p>
      ) : (
        <Suspense fallback={<SkeletonBlock lines={5} label="Loading chart" />}>
          <CalibrationChart bins={bins} />
        </Suspense>
      )}
    </Card>
  );
}

function Metric({ label, value, hint, small = false }: { label: string; value: string; hint: string; small?: boolean }) {
  return (
    <div className="metric">
      <dt className="metric__label">{label}</dt>
      <dd className={small ? 'metric__value metric__value--small' : 'metric__value'}>{value}</dd>
      <dd className="metric__hint">{hint}</dd>
    </div>
  );
}

function Versions({ models, canManage }: { models: Model[]; canManage: boolean }) {
  const activate = useActivateModel();
  return (
    <Card title="Versions">
      <ErrorMessage error={activate.error} title="Not activated" />
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Trained</th>
              <th scope="col" className="num">Leads</th>
              <th scope="col" className="num">AUC</th>
              <th scope="col" className="num">Log loss</th>
              <th scope="col" className="num">Brier</th>
              <th scope="col">
                <span className="visually-hidden">Status</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id}>
                <td className="strong">{m.version}</td>
                <td className="small">{formatDateTime(m.trained_at)}</td>
                <td className="num">{formatNumber(m.training_size)}</td>
                <td className="num">{num(m.metrics.roc_auc)}</td>
                <td className="num">{num(m.metrics.log_loss)}</td>
                <td className="num">{num(m.metrics.brier)}</td>
                <td className="num">
                  {m.is_active ? (
                    <Badge tone="good">Active</Badge>
                  ) : canManage ? (
                    <Button size="sm" busy={activate.isPending && activate.variables === m.version} onClick={() => activate.mutate(m.version)} aria-label={`Activate ${m.version}`}>
                      Activate
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
