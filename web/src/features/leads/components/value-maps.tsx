import { useId, useState, type ReactNode } from 'react';
import { Card } from '../../../components/page';
import { formatNumber, humanize } from '../../../lib/format';
import type { ImportWithPreview } from '../api/imports-api';
import { STATUSES } from './lead-columns';

type ColumnValues = ImportWithPreview['preview']['values'][number];
type Field = ColumnValues['field'];
export type ValueMap = Record<string, string>;

/**
 * Value maps for the columns mapped to status, stage, tags, source or campaign: each distinct
 * value of the column (from the server's sample) with what it is stored as. Status takes
 * only its own values, so codes like "1"/"0" must be mapped or their rows are refused; the
 * free-text fields may only be renamed, which is optional and folded away.
 */
export function ValueMaps({ draft, pending, onChange }: { draft: ImportWithPreview; pending: Partial<Record<Field, ValueMap>> | undefined; onChange: (field: Field, map: ValueMap) => void }) {
  const columns = draft.preview.values;
  if (columns.length === 0) return null;
  // While a change is on its way the selects show it, not the value it replaces.
  const mapOf = (field: Field): ValueMap => pending?.[field] ?? draft.mapping.values[field] ?? {};
  return (
    <Card title="Values" actions={<span className="muted">in the first {formatNumber(draft.preview.sample_rows)} rows</span>}>
      <div className="stack">
        {columns.map((c) =>
          c.field === 'status' ? (
            <StatusValues key={c.column} column={c} map={mapOf(c.field)} disabled={pending !== undefined} onChange={(map) => onChange(c.field, map)} />
          ) : (
            <TextValues key={c.column} column={c} map={mapOf(c.field)} disabled={pending !== undefined} onChange={(map) => onChange(c.field, map)} />
          ),
        )}
      </div>
    </Card>
  );
}

function withEntry(map: ValueMap, from: string, to: string): ValueMap {
  const next = { ...map };
  if (to === '' || to === from) delete next[from];
  else next[from] = to;
  return next;
}

function StatusValues({ column, map, disabled, onChange }: { column: ColumnValues; map: ValueMap; disabled: boolean; onChange: (map: ValueMap) => void }) {
  const unmapped = column.values.filter((v) => v.stored_as === null);
  const captionId = useId();
  return (
    <section aria-labelledby={captionId} className="value-map">
      <h3 id={captionId} className="value-map__title">
        Column <span className="mono">{column.column}</span> → status
      </h3>
      <p className={unmapped.length ? 'alert alert--error' : 'muted small'} role="status">
        {unmapped.length
          ? `${unmapped.length === 1 ? `“${unmapped[0]!.value}” is` : `${unmapped.length} values are`} not a status: choose one, or those rows are left out.`
          : 'Every value becomes a status. Values already named like a status need no mapping.'}
      </p>
      <ValueTable column={column} rowClass={(v) => (v.stored_as === null ? 'row-error' : undefined)}>
        {(v) => (
          <select
            className="input input--sm"
            aria-label={`Status for the value ${v.value} of ${column.column}`}
            aria-invalid={v.stored_as === null || undefined}
            value={map[v.value] ?? ''}
            disabled={disabled}
            onChange={(e) => onChange(withEntry(map, v.value, e.target.value))}
          >
            <option value="">{v.valid ? `As read: ${humanize(v.stored_as ?? v.value)}` : 'Choose a status…'}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {humanize(s)}
              </option>
            ))}
          </select>
        )}
      </ValueTable>
      {column.truncated && <p className="muted small">More values than listed: the most frequent are shown; map the rest with a mapping file through the API or CLI.</p>}
    </section>
  );
}

/** Stage, tags, source and campaign take any text: renaming is optional, so it starts folded. */
function TextValues({ column, map, disabled, onChange }: { column: ColumnValues; map: ValueMap; disabled: boolean; onChange: (map: ValueMap) => void }) {
  const renamed = column.values.filter((v) => map[v.value] !== undefined).length;
  return (
    <details className="value-map">
      <summary className="value-map__title">
        Column <span className="mono">{column.column}</span> → {humanize(column.field).toLowerCase()}: {formatNumber(column.values.length)}
        {column.truncated ? '+' : ''} distinct {column.values.length === 1 ? 'value' : 'values'}
        {renamed > 0 ? `, ${renamed} renamed` : ''}
      </summary>
      <ValueTable column={column}>
        {(v) => <RenameInput key={map[v.value] ?? ''} label={`${humanize(column.field)} for the value ${v.value} of ${column.column}`} value={v.value} current={map[v.value] ?? ''} disabled={disabled} onCommit={(to) => onChange(withEntry(map, v.value, to.trim()))} />}
      </ValueTable>
    </details>
  );
}

type DistinctValue = ColumnValues['values'][number];

/** The column's distinct values, how many rows hold each, and the control that says what each is stored as. */
function ValueTable({ column, rowClass, children }: { column: ColumnValues; rowClass?: (v: DistinctValue) => string | undefined; children: (v: DistinctValue) => ReactNode }) {
  return (
    <table className="table mapping-table">
      <thead>
        <tr>
          <th scope="col">Value in the file</th>
          <th scope="col">Rows</th>
          <th scope="col">Stored as</th>
        </tr>
      </thead>
      <tbody>
        {column.values.map((v) => (
          <tr key={v.value} className={rowClass?.(v)}>
            <td className="mono">{v.value}</td>
            <td>{formatNumber(v.rows)}</td>
            <td>{children(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Sends a rename when the field is left or Enter is pressed, not on every keystroke. */
function RenameInput({ label, value, current, disabled, onCommit }: { label: string; value: string; current: string; disabled: boolean; onCommit: (to: string) => void }) {
  const [text, setText] = useState(current);
  const commit = () => {
    if (text.trim() !== current) onCommit(text);
  };
  return (
    <input
      className="input input--sm"
      aria-label={label}
      placeholder={value}
      value={text}
      disabled={disabled}
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
}

type OwnerColumn = ImportWithPreview['preview']['owners'][number];

/**
 * Owner and team columns: which values reach a user or team of the organization (by email
 * or name, case and accents ignored), which reach no one and why, and whether those are
 * kept in a custom field (the default) or left out. Unmatched values come first: they are
 * what needs a decision.
 */
export function OwnerMatches({ draft, pendingKeep, onKeepUnmatched }: { draft: ImportWithPreview; pendingKeep: boolean | undefined; onKeepUnmatched: (keep: boolean) => void }) {
  const columns = draft.preview.owners;
  if (columns.length === 0) return null;
  // While a change is on its way the checkbox shows it, not the value it replaces.
  const keep = pendingKeep ?? (draft.mapping.unmatched_owners ?? 'custom') === 'custom';
  const anyUnmatched = columns.some((c) => c.unmatched.length > 0);
  return (
    <Card title="Owners and teams" actions={<span className="muted">in the first {formatNumber(draft.preview.sample_rows)} rows</span>}>
      <div id="owners" className="stack">
        {columns.map((c) => (
          <OwnerTable key={c.column} column={c} keep={keep} />
        ))}
        {anyUnmatched && (
          <label className="owner-keep">
            <input type="checkbox" checked={keep} disabled={pendingKeep !== undefined} onChange={(e) => onKeepUnmatched(e.target.checked)} />
            <span>Keep values that match no one in a custom field under the column’s name (the lead stays unassigned either way)</span>
          </label>
        )}
      </div>
    </Card>
  );
}

function OwnerTable({ column, keep }: { column: OwnerColumn; keep: boolean }) {
  const captionId = useId();
  const what = column.field === 'assigned_to' ? 'owner' : 'team';
  const rows = [...column.unmatched, ...column.matched];
  return (
    <section aria-labelledby={captionId} className="value-map">
      <h3 id={captionId} className="value-map__title">
        Column <span className="mono">{column.column}</span> → {what}
      </h3>
      <p className={column.unmatched.length ? 'alert alert--error' : 'muted small'} role="status">
        {column.matched.length} {column.matched.length === 1 ? 'value matches' : 'values match'} a {column.field === 'assigned_to' ? 'user' : 'team'}
        {column.unmatched.length > 0 && `; ${column.unmatched.length} ${column.unmatched.length === 1 ? 'matches' : 'match'} no one`}
        {column.truncated ? ' (most frequent shown)' : ''}.
      </p>
      <table className="table mapping-table owner-table">
        <thead>
          <tr>
            <th scope="col">Value in the file</th>
            <th scope="col">Rows</th>
            <th scope="col">{column.field === 'assigned_to' ? 'Assigned to' : 'Team'}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((v) => (
            <tr key={v.value} className={v.match ? undefined : 'row-error'}>
              <td className="mono">{v.value}</td>
              <td>{formatNumber(v.rows)}</td>
              <td>
                {v.match ? (
                  <>
                    {v.match.name}
                    {v.match.email && <span className="muted small"> · {v.match.email}</span>}
                  </>
                ) : (
                  <>
                    <strong>No one</strong>: {v.reason}. {keep ? `Kept in the custom field “${column.column}”.` : 'Left out.'}
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
