import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { Button } from '../../../components/button';
import { EmptyState, ErrorMessage } from '../../../components/feedback';
import { Icon } from '../../../components/icons';
import { Card, PageHeader } from '../../../components/page';
import { formatNumber } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import { useChangeMapping, useImportStatus, useStartImport, useUploadImport, type ImportWithPreview } from '../api/imports-api';
import { OwnerMatches, ValueMaps } from './value-maps';
import { leadDisplayName } from '../../../lib/lead-name';

/** What a column may become (the server's LEAD_FIELDS in src/modules/imports/header-mapping.ts, plus custom and ignore). */
const TARGETS = [
  'first_name', 'last_name', 'full_name', 'email', 'phone', 'company', 'job_title',
  'status', 'stage', 'source', 'campaign', 'tags', 'external_id', 'deal_value',
  'created_at', 'closed_at', 'next_follow_up_at', 'last_contacted_at',
  'street', 'city', 'state', 'postal_code', 'country', 'assigned_to', 'team_id',
  'do_not_contact', 'unsubscribed', 'consent_marketing', 'consent_sales_contact', 'consent_tracking', 'consent_profiling',
  'consent_date', 'consent_lawful_basis',
];

/** How a target reads in the select: owner and team by what they do, not their column names. */
function targetLabel(t: string): string {
  if (t === 'custom') return 'Custom field';
  if (t === 'ignore') return 'Leave out';
  if (t.startsWith('custom:')) return `Custom field “${t.slice(7)}”`;
  if (t === 'assigned_to') return 'owner';
  if (t === 'team_id') return 'team';
  if (t.startsWith('consent_') && t !== 'consent_date' && t !== 'consent_lawful_basis') return `consent: ${t.slice(8).replaceAll('_', ' ')} (granted/withdrawn)`;
  if (t === 'do_not_contact' || t === 'unsubscribed') return `${t.replaceAll('_', ' ')} (yes/no)`;
  return t.replaceAll('_', ' ');
}

type Preview = ImportWithPreview['preview'];

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
  const [keepChoice, setKeepChoice] = useState<boolean>();
  const headers = draft.format.headers;
  const { preview } = draft;
  const notesOf = new Map<string, Preview['columns']>();
  for (const n of preview.columns) notesOf.set(n.column, [...(notesOf.get(n.column) ?? []), n]);
  const options = (current: string) => [...new Set([...TARGETS, 'custom', 'ignore', current])];

  return (
    <div className="stack">
      <CheckSummary preview={preview} />
      <RowsToFix preview={preview} />
      <Duplicates preview={preview} />
      <Card title={`Columns of ${draft.file_name}`} actions={<span className="muted">{headers.length} columns · delimiter “{draft.format.delimiter}” · {draft.format.encoding}</span>}>
        <table id="columns" className="table mapping-table">
          <thead>
            <tr>
              <th scope="col">Column in the file</th>
              <th scope="col">Becomes</th>
            </tr>
          </thead>
          <tbody>
            {headers.map((h) => (
              <tr key={h} className={notesOf.get(h)?.some((n) => n.kind === 'values_do_not_fit') ? 'row-warn' : undefined}>
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
                        {targetLabel(t)}
                      </option>
                    ))}
                  </select>
                  {notesOf.get(h)?.map((n) => (
                    <p key={n.kind} className={`column-note column-note--${n.kind}`}>
                      {n.message}
                    </p>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <ErrorMessage error={change.error} title="The mapping was not changed" />
      </Card>
      <OwnerMatches
        draft={draft}
        pendingKeep={keepChoice}
        onKeepUnmatched={(keep) => {
          // Held in state at once: the mutation's pending flag reaches React a task later, and
          // until then a controlled checkbox springs back to the saved value under the pointer.
          setKeepChoice(keep);
          change.mutate({ unmatched_owners: keep ? 'custom' : 'leave_empty' }, { onSuccess: onChange, onSettled: () => setKeepChoice(undefined) });
        }}
      />
      <ValueMaps
        draft={draft}
        pending={change.isPending ? (change.variables.values ?? {}) : undefined}
        // The server replaces a field's whole map, so the select sends all of it; the answer is the new preview.
        onChange={(field, map) => change.mutate({ values: { [field]: map } }, { onSuccess: onChange })}
      />
      <Card title="Preview: the first rows as they will be stored">
        <div className="preview-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Company</th>
                <th scope="col">Status</th>
                <th scope="col">Owner</th>
                <th scope="col">Custom fields</th>
              </tr>
            </thead>
            <tbody>
              {draft.preview.rows.map((r) => (
                <tr key={r.line}>
                  <td>{r.line}</td>
                  <td>{leadDisplayName(r.lead)}</td>
                  <td>{r.lead.email ?? '—'}</td>
                  <td>{r.lead.company ?? '—'}</td>
                  <td>{r.lead.status ?? '—'}</td>
                  <td>{ownerName(preview, r.lead.assigned_to)}</td>
                  <td className="muted">{Object.entries(r.lead.custom_fields).map(([k, v]) => `${k}: ${String(v)}`).join(', ') || '—'}</td>
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

function ownerName(preview: Preview, id: string | null): string {
  if (!id) return '—';
  for (const c of preview.owners) for (const v of c.matched) if (v.match?.id === id) return v.match.name;
  return '—';
}

const plural = (n: number, one: string, many: string) => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** What needs a look before starting, in one line each, linking to its section. */
function CheckSummary({ preview }: { preview: Preview }) {
  const kept = preview.columns.filter((n) => n.kind === 'kept_as_custom').length;
  const misfit = preview.columns.filter((n) => n.kind === 'values_do_not_fit').length;
  const unmatched = preview.owners.reduce((sum, c) => sum + c.unmatched.length, 0);
  const items = [
    preview.error_rows > 0 && <a href="#rows-to-fix">{plural(preview.error_rows, 'row will be left out', 'rows will be left out')}</a>,
    preview.duplicate_groups > 0 && <a href="#duplicates">{plural(preview.duplicate_groups, 'group of rows is one lead', 'groups of rows are one lead each')}</a>,
    kept + misfit > 0 && <a href="#columns">{plural(kept + misfit, 'column to check', 'columns to check')}</a>,
    unmatched > 0 && <a href="#owners">{plural(unmatched, 'owner matches no user', 'owners match no user')}</a>,
  ].filter(Boolean);
  return (
    <div className={items.length ? 'alert alert--error check-summary' : 'alert alert--good check-summary'} role="status">
      <strong>
        In the {plural(preview.sample_rows, 'row', 'rows')} read{items.length ? ':' : ': nothing to fix.'}
      </strong>
      {items.length > 0 && (
        <ul>
          {items.map((item, i) => (
            <li key={i}>{item}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Rows in error come first, each with its reason, in file order; none hidden in a scroll box. */
function RowsToFix({ preview }: { preview: Preview }) {
  if (preview.error_rows === 0) return null;
  return (
    <Card title={`Rows that will be left out (${formatNumber(preview.error_rows)})`}>
      <div id="rows-to-fix" className="stack stack--sm">
        <p className="muted small">They are listed in the error file after the import, with their original columns, so they can be fixed and imported again.</p>
        <table className="table issue-table">
          <thead>
            <tr>
              <th scope="col">Line</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {preview.errors.map((e) => (
              <tr key={e.line} className="row-error">
                <td>{e.line}</td>
                <td>{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {preview.error_rows > preview.errors.length && <p className="muted small">And {formatNumber(preview.error_rows - preview.errors.length)} more.</p>}
      </div>
    </Card>
  );
}

/** Rows that are the same lead: not merged silently — which one wins and why. */
function Duplicates({ preview }: { preview: Preview }) {
  if (preview.duplicate_groups === 0) return null;
  return (
    <Card title={`Rows that are the same lead (${formatNumber(preview.duplicate_groups)})`}>
      <ul id="duplicates" className="issue-list">
        {preview.duplicates.map((d) => (
          <li key={`${d.key}:${d.value}`}>
            <span className="badge badge--warn">{d.key === 'email' ? 'Same email' : 'Same external id'}</span> <span className="mono">{d.value}</span>
            <p>{d.reason}</p>
          </li>
        ))}
      </ul>
    </Card>
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
