import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Button } from '../../../components/button';
import { EmptyState, ErrorMessage } from '../../../components/feedback';
import { Icon } from '../../../components/icons';
import { Card, PageHeader } from '../../../components/page';
import { formatNumber } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import { useChangeMapping, useImportStatus, useStartImport, useUploadImport, type ImportWithPreview } from '../api/imports-api';
import { ValueMaps } from './value-maps';

/** What a column may become (the server's LEAD_FIELDS in src/modules/imports/header-mapping.ts, plus custom and ignore). */
const TARGETS = [
  'first_name', 'last_name', 'full_name', 'email', 'phone', 'company', 'job_title',
  'status', 'stage', 'source', 'campaign', 'tags', 'external_id', 'deal_value',
  'created_at', 'closed_at', 'next_follow_up_at', 'last_contacted_at',
  'street', 'city', 'state', 'postal_code', 'country',
];

const STEPS = ['Upload', 'Map columns', 'Import', 'Result'] as const;

export function ImportWizard() {
  const canImport = useCan('imports:write');
  const upload = useUploadImport();
  const [draft, setDraft] = useState<ImportWithPreview | null>(null);
  const [started, setStarted] = useState(false);
  const [finished, setFinished] = useState(false);
  const step = !draft ? 0 : !started ? 1 : !finished ? 2 : 3;

  if (!canImport) {
    return (
      <>
        <PageHeader title="Import leads" />
        <Card>
          <EmptyState title="Your role cannot import leads">Ask an admin, a manager or marketing to import the file.</EmptyState>
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader title="Import leads" description="From a CSV export of HubSpot, Salesforce, Pipedrive or a spreadsheet. Nothing is stored until you start the import." actions={<Link to="/leads">Back to leads</Link>} />
      <ol className="wizard-steps" aria-label="Import steps">
        {STEPS.map((s, i) => (
          <li key={s} aria-current={i === step ? 'step' : undefined}>
            {i + 1}. {s}
          </li>
        ))}
      </ol>
      {!draft ? (
        <Card title="Choose a CSV file">
          <div className="dropzone">
            <label className="stack stack--sm" style={{ alignItems: 'center' }}>
              <span className="field__label">CSV file</span>
              <input type="file" accept=".csv,text/csv,.txt" onChange={(e) => e.target.files?.[0] && upload.mutate(e.target.files[0], { onSuccess: setDraft })} disabled={upload.isPending} />
            </label>
            <p className="muted" style={{ marginTop: 12 }}>
              Any delimiter, UTF-8 or Windows-1252. Columns are matched to lead fields by their headers and values; you can change every match next.
            </p>
            {upload.isPending && <p role="status">Reading the file…</p>}
          </div>
          <ErrorMessage error={upload.error} title="The file could not be read" />
        </Card>
      ) : !started ? (
        <MappingStep draft={draft} onChange={setDraft} onStarted={() => setStarted(true)} />
      ) : (
        <ProgressStep id={draft.id} onFinished={() => setFinished(true)} />
      )}
    </>
  );
}

function targetOf(draft: ImportWithPreview, header: string): string {
  return draft.mapping.columns[header] ?? 'ignore';
}

function MappingStep({ draft, onChange, onStarted }: { draft: ImportWithPreview; onChange: (d: ImportWithPreview) => void; onStarted: () => void }) {
  const change = useChangeMapping(draft.id);
  const start = useStartImport(draft.id);
  const errorsByLine = new Map(draft.preview.errors.map((e) => [e.line, e.reason]));
  const headers = draft.format.headers;
  const options = (current: string) => [...new Set([...TARGETS, 'custom', 'ignore', current])];

  return (
    <div className="stack">
      <Card title={`Columns of ${draft.file_name}`} actions={<span className="muted">{headers.length} columns · delimiter “{draft.format.delimiter}” · {draft.format.encoding}</span>}>
        <table className="table mapping-table">
          <thead>
            <tr>
              <th scope="col">Column in the file</th>
              <th scope="col">Becomes</th>
            </tr>
          </thead>
          <tbody>
            {headers.map((h) => (
              <tr key={h}>
                <td className="mono">{h}</td>
                <td>
                  <select
                    className="input input--sm"
                    aria-label={`Map column ${h}`}
                    value={targetOf(draft, h)}
                    onChange={(e) => change.mutate({ columns: { [h]: e.target.value } }, { onSuccess: onChange })}
                    disabled={change.isPending}
                  >
                    {options(targetOf(draft, h)).map((t) => (
                      <option key={t} value={t}>
                        {t === 'custom' ? 'Custom field' : t === 'ignore' ? 'Leave out' : t.startsWith('custom:') ? `Custom field “${t.slice(7)}”` : t.replaceAll('_', ' ')}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <ErrorMessage error={change.error} title="The mapping was not changed" />
      </Card>
      <ValueMaps
        draft={draft}
        pending={change.isPending ? (change.variables.values ?? {}) : undefined}
        // The server replaces a field's whole map, so the select sends all of it; the answer is the new preview.
        onChange={(field, map) => change.mutate({ values: { [field]: map } }, { onSuccess: onChange })}
      />
      <Card title="Preview: the first rows as they will be stored">
        {draft.preview.errors.length > 0 && (
          <p className="alert alert--error" role="status" style={{ marginBottom: 12 }}>
            {draft.preview.errors.length} of the first {draft.preview.rows.length + draft.preview.errors.length} rows have errors; they will be left out and listed in the error file.
          </p>
        )}
        <div className="preview-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Company</th>
                <th scope="col">Status</th>
                <th scope="col">Custom fields</th>
              </tr>
            </thead>
            <tbody>
              {draft.preview.rows.map((r) => (
                <tr key={r.line}>
                  <td>{r.line}</td>
                  <td>{[r.lead.first_name, r.lead.last_name].filter(Boolean).join(' ') || '—'}</td>
                  <td>{r.lead.email ?? '—'}</td>
                  <td>{r.lead.company ?? '—'}</td>
                  <td>{r.lead.status ?? '—'}</td>
                  <td className="muted">{Object.entries(r.lead.custom_fields).map(([k, v]) => `${k}: ${String(v)}`).join(', ') || '—'}</td>
                </tr>
              ))}
              {[...errorsByLine].map(([line, reason]) => (
                <tr key={`e${line}`} className="row-error">
                  <td>{line}</td>
                  <td colSpan={5}>
                    <strong>Error:</strong> {reason}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <div className="row">
        <Button variant="primary" busy={start.isPending} onClick={() => start.mutate(undefined, { onSuccess: onStarted })}>
          Start import
        </Button>
        <ErrorMessage error={start.error} title="The import did not start" />
      </div>
    </div>
  );
}

function ProgressStep({ id, onFinished }: { id: string; onFinished: () => void }) {
  const status = useImportStatus(id, true);
  const view = status.data;
  const done = view?.status === 'completed' || view?.status === 'failed';
  useEffect(() => {
    if (done) onFinished();
  }, [done, onFinished]);
  if (!view) return <Card title="Starting…">{status.error ? <ErrorMessage error={status.error} /> : <p role="status">Waiting for the import to start…</p>}</Card>;
  const finished = view.status === 'completed' || view.status === 'failed';
  return (
    <Card title={finished ? (view.status === 'completed' ? 'Import finished' : 'Import failed') : 'Importing…'}>
      <div className="stack">
        {!finished && (
          <div>
            <div className="progress" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(view.progress.percent)}>
              <div className="progress__bar" style={{ width: `${view.progress.percent}%` }} />
            </div>
            <p className="muted" style={{ marginTop: 6 }}>
              {Math.round(view.progress.percent)}% · {formatNumber(view.counts.rows)} rows read
            </p>
          </div>
        )}
        <div className="stat-grid" aria-live="polite">
          <Stat label="Rows read" value={view.counts.rows} />
          <Stat label="Leads created" value={view.counts.created} />
          <Stat label="Leads updated" value={view.counts.updated} />
          <Stat label="Rows rejected" value={view.counts.rejected} />
        </div>
        {view.last_error && <p className="alert alert--error">{view.last_error}</p>}
        {finished && (
          <div className="row">
            <Link className="btn btn--primary" to="/leads">
              See the leads
            </Link>
            {view.counts.rejected > 0 && (
              <a className="btn btn--secondary" href={`/api/v1/imports/${view.id}/errors`} download>
                <Icon name="download" /> Download the {formatNumber(view.counts.rejected)} rejected rows
              </a>
            )}
            <Link className="btn btn--ghost" to="/leads/import" reloadDocument>
              Import another file
            </Link>
          </div>
        )}
      </div>
    </Card>
  );
}

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div className="stat">
      <div className="stat__value">{formatNumber(value)}</div>
      <div className="stat__label">{label}</div>
    </div>
  );
}
