import { formatDateTime, humanize } from '../../../lib/format';
import { WHY_KEYS } from './why-note';

/**
 * The evidence behind an insight (its `data`), read as labelled facts: lists of events and
 * messages become bullet lists, dates read as dates, ids are left out (the lead link covers them).
 */
export function Evidence({ data }: { data: Record<string, unknown> }) {
  // Confidence, priority and passed-over actions are said in words above the evidence (WhyNote).
  const entries = Object.entries(data).filter(([k, v]) => show(k, v) && !WHY_KEYS.has(k));
  if (entries.length === 0) return <p className="muted small">No further evidence recorded.</p>;
  return (
    <dl className="evidence">
      {entries.map(([key, value]) => (
        <div key={key} className="evidence__row">
          <dt>{label(key)}</dt>
          <dd>
            <Value name={key} value={value} depth={0} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

const show = (key: string, value: unknown) => !/(^|_)id$/.test(key) && value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0);

/** Top-level `evidence` is the list of proofs; inside one, `evidence` is its quoted text. */
function label(key: string, nested = false): string {
  const known: Record<string, string> = { window_days: 'Window (days)', at: 'When', context: 'Quote' };
  if (nested && key === 'evidence') return 'Quote';
  return known[key] ?? humanize(key);
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function Value({ name, value, depth }: { name: string; value: unknown; depth: number }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  if (typeof value === 'boolean') return <>{value ? 'Yes' : 'No'}</>;
  if (typeof value === 'number') return <>{Number.isInteger(value) ? value : /rate|share|probability|confidence/.test(name) && value <= 1 ? `${Math.round(value * 100)} %` : value.toFixed(2)}</>;
  if (typeof value === 'string') {
    if (ISO.test(value)) return <time dateTime={value}>{formatDateTime(value)}</time>;
    if (/quote|evidence|context|text|excerpt/.test(name)) return <q className="evidence__quote">{value}</q>;
    return <>{/^[a-z]+(_[a-z]+)+$/.test(value) ? humanize(value) : value}</>;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) return <>{value.map((v) => (typeof v === 'string' && /^[a-z_]+$/.test(v) ? humanize(v) : String(v))).join(', ')}</>;
    const shown = value.slice(0, 5);
    return (
      <ul className="evidence__list">
        {shown.map((item, i) => (
          <li key={i}>
            <Value name={name} value={item} depth={depth + 1} />
          </li>
        ))}
        {value.length > shown.length && <li className="muted">and {value.length - shown.length} more</li>}
      </ul>
    );
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([k, v]) => show(k, v));
    if (depth > 2) return <span className="muted">{entries.length} details</span>;
    return (
      <span className="evidence__object">
        {entries.map(([k, v], i) => (
          <span key={k}>
            {i > 0 && <span aria-hidden="true"> · </span>}
            <span className="muted">{label(k, true)}:</span> <Value name={k} value={v} depth={depth + 1} />
          </span>
        ))}
      </span>
    );
  }
  return <>{String(value)}</>;
}
