import { useState, type FormEvent } from 'react';
import type { Lead } from '../../../api/types';
import { ErrorMessage } from '../../../components/feedback';
import { Card } from '../../../components/page';
import { ApiError } from '../../../lib/api-client';
import { formatDateTime, formatMoney, humanize } from '../../../lib/format';
import { usePatchLead, type LeadPatch } from '../api/leads-api';
import { STATUSES } from './lead-columns';

type Kind = 'text' | 'email' | 'number' | 'status' | 'tags' | 'datetime';
const FIELDS: { key: keyof Lead & keyof LeadPatch; label: string; kind: Kind }[] = [
  { key: 'first_name', label: 'First name', kind: 'text' },
  { key: 'last_name', label: 'Last name', kind: 'text' },
  { key: 'email', label: 'Email', kind: 'email' },
  { key: 'phone', label: 'Phone', kind: 'text' },
  { key: 'company', label: 'Company', kind: 'text' },
  { key: 'job_title', label: 'Job title', kind: 'text' },
  { key: 'status', label: 'Status', kind: 'status' },
  { key: 'stage', label: 'Stage', kind: 'text' },
  { key: 'source', label: 'Source', kind: 'text' },
  { key: 'campaign', label: 'Campaign', kind: 'text' },
  { key: 'deal_value', label: 'Deal value', kind: 'number' },
  { key: 'tags', label: 'Tags', kind: 'tags' },
  { key: 'next_follow_up_at', label: 'Next follow-up', kind: 'datetime' },
];

function display(lead: Lead, key: keyof Lead, kind: Kind): string {
  const v = lead[key];
  if (v === null || v === undefined || v === '') return '—';
  if (kind === 'status') return humanize(String(v));
  if (kind === 'number') return formatMoney(v as number);
  if (kind === 'tags') return (v as string[]).join(', ') || '—';
  if (kind === 'datetime') return formatDateTime(String(v));
  return String(v);
}

function toInput(lead: Lead, key: keyof Lead, kind: Kind): string {
  const v = lead[key];
  if (v === null || v === undefined) return '';
  if (kind === 'tags') return (v as string[]).join(', ');
  if (kind === 'datetime') {
    const d = new Date(String(v));
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  }
  return String(v);
}

function toValue(text: string, kind: Kind): unknown {
  const t = text.trim();
  if (kind === 'tags') return t.split(',').map((s) => s.trim()).filter(Boolean);
  if (kind === 'number') return t === '' ? null : Number(t);
  if (kind === 'datetime') return t === '' ? null : new Date(t).toISOString();
  if (kind === 'status') return t;
  return t === '' ? null : t;
}

/** Click a value to edit it; Enter or leaving the field saves, Escape cancels. */
export function LeadProfile({ lead, canEdit }: { lead: Lead; canEdit: boolean }) {
  const patch = usePatchLead(lead.id);
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [errorField, setErrorField] = useState<string | null>(null);

  function begin(key: keyof Lead, kind: Kind) {
    setEditing(key);
    setDraft(toInput(lead, key, kind));
  }

  function save(key: keyof LeadPatch, kind: Kind, event?: FormEvent) {
    event?.preventDefault();
    setEditing(null);
    const value = toValue(draft, kind);
    if (JSON.stringify(value) === JSON.stringify(lead[key] ?? (kind === 'tags' ? [] : null))) return;
    setErrorField(key);
    patch.mutate({ [key]: value } as LeadPatch);
  }

  const fieldError = (key: string) => {
    if (errorField !== key || !patch.error) return undefined;
    return patch.error instanceof ApiError ? (patch.error.fieldErrors[key] ?? patch.error.detail) : String(patch.error);
  };

  return (
    <Card title="Profile" actions={!canEdit ? <span className="muted">Read only</span> : <span className="muted">Click a value to change it</span>}>
      <dl className="profile-list">
        {FIELDS.map(({ key, label, kind }) => (
          <div key={key} style={{ display: 'contents' }}>
            <dt id={`label-${key}`}>{label}</dt>
            <dd>
              {editing === key ? (
                <form onSubmit={(e) => save(key, kind, e)}>
                  {kind === 'status' ? (
                    <select className="input input--sm" aria-labelledby={`label-${key}`} autoFocus value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={() => save(key, kind)} onKeyDown={(e) => e.key === 'Escape' && setEditing(null)} style={{ width: '100%' }}>
                      {STATUSES.map((s) => (
                        <option key={s} value={s}>
                          {humanize(s)}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      className="input input--sm"
                      style={{ width: '100%' }}
                      aria-labelledby={`label-${key}`}
                      autoFocus
                      type={kind === 'number' ? 'number' : kind === 'datetime' ? 'datetime-local' : kind === 'email' ? 'email' : 'text'}
                      value={draft}
                      onChange={(e) => setDraft(e.target.value)}
                      onBlur={() => save(key, kind)}
                      onKeyDown={(e) => e.key === 'Escape' && setEditing(null)}
                    />
                  )}
                </form>
              ) : canEdit ? (
                <button type="button" className="inline-edit" onClick={() => begin(key, kind)} aria-label={`Edit ${label}: ${display(lead, key, kind)}`}>
                  {display(lead, key, kind)}
                </button>
              ) : (
                <span className="inline-edit">{display(lead, key, kind)}</span>
              )}
              {fieldError(key) && <p className="field__error" role="alert">{fieldError(key)}</p>}
            </dd>
          </div>
        ))}
      </dl>
      {patch.error && !errorField && <ErrorMessage error={patch.error} />}
    </Card>
  );
}
