import { useState, type FormEvent } from 'react';
import '../../../styles/privacy.css';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { useCan } from '../../../lib/session';
import { usePreview, useRetentionPolicies, useRunRetention, useSavePolicies, type PoliciesBody, type RetentionPolicies, type RetentionReport } from '../api/retention';

type Field = keyof PoliciesBody;

/** The form's rows, in the order people think of the data; the unit follows the field's name. */
const FIELDS: { field: Field; label: string; hint: string }[] = [
  { field: 'journey_events_months', label: 'Journey events', hint: 'Web visits and tracked events, identified or anonymous.' },
  { field: 'conversations_months', label: 'Conversations', hint: 'E-mails, chats and call transcripts, by when they were recorded.' },
  { field: 'inactive_leads_months', label: 'Inactive unconverted leads', hint: 'Leads never won with no activity, conversation, visit, contact, status change or pending follow-up for this long. Deleted with their history. Won leads are always kept.' },
  { field: 'imports_months', label: 'Import files and error rows', hint: 'Uploaded CSV files and rejected rows of finished imports (the import summary stays).' },
  { field: 'outbox_events_days', label: 'Real-time events', hint: 'Change events for live updates. The server’s own window applies too.' },
  { field: 'notifications_months', label: 'Notifications', hint: 'Read or unread.' },
  { field: 'audit_log_months', label: 'Audit log', hint: 'At least 12 months, and not shorter than any other window: it proves what happened to personal data.' },
];

const unit = (f: Field) => (f.endsWith('_days') ? 'days' : 'months');
const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString() : '—');

export function RetentionTab() {
  // Like the Privacy and Audit log tabs: a typed address explains instead of failing on a 403.
  const canManage = useCan('privacy:manage');
  if (!canManage) {
    return (
      <Card>
        <EmptyState title="Retention policies are set by admins">
          How long journey events, conversations, inactive leads and the audit log are kept is decided by an admin of your organization.
        </EmptyState>
      </Card>
    );
  }
  return <RetentionLoader />;
}

function RetentionLoader() {
  const policies = useRetentionPolicies();
  if (policies.error) return <ErrorMessage error={policies.error} title="The retention policies could not be loaded" />;
  if (!policies.data) return <Card><SkeletonBlock lines={6} label="Loading retention policies" /></Card>;
  return <RetentionForm key={policies.data.updated_at ?? 'new'} data={policies.data} />;
}

function RetentionForm({ data }: { data: RetentionPolicies }) {
  const save = useSavePolicies();
  const preview = usePreview();
  const run = useRunRetention();
  const toast = useToast();
  // Text per field: '' keeps forever; numbers are checked by the server, which names each problem.
  const [values, setValues] = useState<Record<Field, string>>(() => Object.fromEntries(FIELDS.map(({ field }) => [field, data.policies[field] === null ? '' : String(data.policies[field])])) as Record<Field, string>);
  const [confirming, setConfirming] = useState(false);
  const fieldErrors = save.error instanceof ApiError ? save.error.fieldErrors : {};

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = Object.fromEntries(FIELDS.map(({ field }) => [field, values[field].trim() === '' ? null : Number(values[field])])) as PoliciesBody;
    save.mutate(body, { onSuccess: () => { toast('Retention policies saved'); preview.reset(); } });
  };
  const report = preview.data;

  return (
    <div className="settings-grid retention-tab">
      <form onSubmit={submit} aria-label="Retention policies" className="stack">
        <Card title="Retention policies" actions={data.configured ? <Badge tone="good">Enforced nightly</Badge> : <Badge tone="warn">Not saved yet</Badge>}>
          <p className="muted">
            How long each kind of personal data is kept. Leave a field empty to keep that data forever. Saved policies are enforced every night at 03:00 in
            the organization’s time zone, in small batches; {data.configured ? 'the values below are in force.' : 'nothing is deleted until you save them (the values below are proposals).'}
          </p>
          <div className="retention-fields">
            {FIELDS.map(({ field, label, hint }) => (
              <div className="field" key={field}>
                <label className="field__label" htmlFor={`retention-${field}`}>{label}</label>
                <div className="retention-fields__input">
                  <input
                    id={`retention-${field}`}
                    className="input"
                    inputMode="numeric"
                    value={values[field]}
                    placeholder="forever"
                    aria-invalid={fieldErrors[field] ? true : undefined}
                    aria-describedby={`retention-${field}-hint${fieldErrors[field] ? ` retention-${field}-error` : ''}`}
                    onChange={(e) => setValues((v) => ({ ...v, [field]: e.target.value }))}
                  />
                  <span className="muted">{unit(field)}</span>
                </div>
                <p id={`retention-${field}-hint`} className="field__hint">{hint}</p>
                {fieldErrors[field] && <p id={`retention-${field}-error`} className="field__error" role="alert">{fieldErrors[field]}</p>}
              </div>
            ))}
          </div>
          <div className="settings-grid__actions">
            <ErrorMessage error={save.error} title="Not saved" />
            <Button type="submit" variant="primary" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save policies'}</Button>
          </div>
        </Card>
      </form>

      <Card title="What would be deleted now" actions={<Button variant="secondary" onClick={() => preview.mutate()} disabled={preview.isPending}>{preview.isPending ? 'Counting…' : 'Preview (dry run)'}</Button>}>
        <p className="muted">The preview counts with the saved policies and the same rules as the real run; it changes nothing.</p>
        <ErrorMessage error={preview.error} title="The preview failed" />
        {report && <PreviewTable report={report} />}
        {report && data.configured && (
          <div className="stack">
            {run.isPending ? (
              <RunProgress done={run.progress?.done ?? 0} total={run.progress?.total ?? report.total_due} />
            ) : confirming ? (
              <div className="alert alert--error" role="alertdialog" aria-label="Confirm the retention run">
                <p>Delete {report.total_due.toLocaleString()} rows now? This cannot be undone.</p>
                <div className="row">
                  <Button variant="danger" onClick={() => { setConfirming(false); run.mutate(undefined, { onSuccess: (r) => { toast(`Retention run finished: ${r.total_deleted ?? 0} rows deleted`); preview.mutate(); } }); }}>Delete now</Button>
                  <Button variant="secondary" onClick={() => setConfirming(false)}>Cancel</Button>
                </div>
              </div>
            ) : (
              <div className="row">
                <Button variant="danger" onClick={() => setConfirming(true)} disabled={report.total_due === 0}>Run retention now</Button>
              </div>
            )}
            <ErrorMessage error={run.error} title="The run did not finish" />
            {run.data && <p role="status">Last run: {Number(run.data.total_deleted ?? 0).toLocaleString()} rows deleted in {Number(run.data.batches ?? 0)} batches.</p>}
          </div>
        )}
      </Card>
    </div>
  );
}

function PreviewTable({ report }: { report: RetentionReport }) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label="Retention preview">
        <thead>
          <tr><th scope="col">Data</th><th scope="col">Kept for</th><th scope="col">Older than</th><th scope="col" className="num">Would go</th><th scope="col">Oldest</th><th scope="col">Newest</th><th scope="col">Sample ids</th></tr>
        </thead>
        <tbody>
          {report.categories.map((c) => (
            <tr key={c.category}>
              <td className="retention-label">{c.label}</td>
              <td>{c.window === null ? 'forever' : `${c.window} ${c.unit}`}</td>
              <td>{day(c.cutoff)}</td>
              <td className="num">{c.due.toLocaleString()}</td>
              <td>{day(c.oldest)}</td>
              <td>{day(c.newest)}</td>
              <td className="retention-sample">{c.sample_ids.length > 0 ? c.sample_ids.slice(0, 3).map((id) => <code key={id}>{id.slice(0, 8)}</code>) : '—'}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr><td className="retention-label">Total</td><td /><td /><td className="num">{report.total_due.toLocaleString()}</td><td /><td /><td /></tr>
        </tfoot>
      </table>
    </div>
  );
}

function RunProgress({ done, total }: { done: number; total: number }) {
  return (
    <div className="stack" role="status" aria-live="polite">
      <progress className="retention-progress" value={done} max={Math.max(1, total)} aria-label="Retention run progress" />
      <span className="muted">Deleting… {done.toLocaleString()} of {total.toLocaleString()} rows</span>
    </div>
  );
}
