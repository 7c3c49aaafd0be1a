import { useRef, useState, type FocusEvent, type FormEvent } from 'react';
import type { Lead } from '../../../api/types';
import { ErrorMessage } from '../../../components/feedback';
import { Icon } from '../../../components/icons';
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

/**
 * Click a value to edit it; Enter, the ✓ button or leaving the field saves, Escape or ✕ cancels.
 * A value the server refuses keeps the field open with the text typed and the server's
 * words under it, so it can be corrected (the shown value has already been rolled back).
 */
export function LeadProfile({ lead, canEdit }: { lead: Lead; canEdit: boolean }) {
  const patch = usePatchLead(lead.id);
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const [errorField, setErrorField] = useState<string | null>(null);
  // The field is leaving on purpose (saved or cancelled): the blur that follows must not save
  // again (Chromium blurs a focused input as it is removed).
  const closing = useRef(false);

  function begin(key: keyof Lead, kind: Kind) {
    closing.current = false;
    setEditing(key);
    setDraft(toInput(lead, key, kind));
    setErrorField(null);
    patch.reset();
  }

  function cancel() {
    closing.current = true;
    setEditing(null);
    setErrorField(null);
    patch.reset();
  }

  function save(key: keyof LeadPatch, kind: Kind, event?: FormEvent) {
    event?.preventDefault();
    if (closing.current) return;
    closing.current = true;
    setEditing(null);
    const value = toValue(draft, kind);
    if (JSON.stringify(value) === JSON.stringify(lead[key] ?? (kind === 'tags' ? [] : null))) return;
    setErrorField(key);
    patch.mutate({ [key]: value } as LeadPatch, {
      onError: () => {
        // Reopen the field with the refused text (draft still holds it).
        closing.current = false;
        setEditing(key);
      },
    });
  }

  /** Leaving the field saves, unless focus went to its own ✓ / ✕ buttons (they act themselves). */
  function onBlur(key: keyof LeadPatch, kind: Kind, event: FocusEvent<HTMLElement>) {
    const next = event.relatedTarget;
    if (next instanceof Node && event.currentTarget.closest('form')?.contains(next)) return;
    save(key, kind);
  }

  const fieldError = (key: string) => {
    if (errorField !== key || !patch.error) return undefined;
    return patch.error instanceof ApiError ? (patch.error.fieldErrors[key] ?? patch.error.detail) : String(patch.error);
  };

  return (
    <Card title="Profile" actions={!canEdit ? <span className="muted">Read only</span> : <span className="muted">Click a value to change it</span>}>
      <dl className="profile-list">
        {FIELDS.map(({ key, label, kind }) => {
          const error = fieldError(key);
          return (
            <div key={key} style={{ display: 'contents' }}>
              <dt id={`label-${key}`}>{label}</dt>
              <dd>
                {editing === key ? (
                  // noValidate: the server's message, in the app's words, rather than the browser's bubble.
                  <form className="profile-edit" onSubmit={(e) => save(key, kind, e)} noValidate>
                    {kind === 'status' ? (
                      <select
                        className="input input--sm"
                        aria-labelledby={`label-${key}`}
                        autoFocus
                        value={draft}
                        onChange={(e) => setDraft(e.target.value)}
                        onBlur={(e) => onBlur(key, kind, e)}
                        onKeyDown={(e) => e.key === 'Escape' && (e.preventDefault(), cancel())}
                      >
                        {STATUSES.map((s) => (
                          <option key={s} value={s}>
                            {humanize(s)}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <input
                        className="input input--sm"
                        aria-labelledby={`label-${key}`}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `error-${key}` : undefined}
                        autoFocus
                        type={kind === 'number' ? 'number' : kind === 'datetime' ? 'datetime-local' : kind === 'email' ? 'email' : 'text'}
                        value={draft}
                        onChange={(e) => setDraft(e.target.value)}
                        onBlur={(e) => onBlur(key, kind, e)}
                        onKeyDown={(e) => e.key === 'Escape' && (e.preventDefault(), cancel())}
                      />
                    )}
                    <button type="submit" className="btn btn--secondary btn--sm profile-edit__button" aria-label={`Save ${label}`} title="Save (Enter)">
                      <Icon name="check" size={16} />
                    </button>
                    <button type="button" className="btn btn--ghost btn--sm profile-edit__button" aria-label={`Cancel editing ${label}`} title="Cancel (Escape)" onClick={cancel}>
                      <Icon name="close" size={16} />
                    </button>
                  </form>
                ) : canEdit ? (
                  <button type="button" className="inline-edit" onClick={() => begin(key, kind)} aria-label={`Edit ${label}: ${display(lead, key, kind)}`}>
                    {display(lead, key, kind)}
                  </button>
                ) : (
                  <span className="inline-edit">{display(lead, key, kind)}</span>
                )}
                {error && (
                  <p className="field__error" role="alert" id={`error-${key}`}>
                    {error}
                  </p>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
      {patch.error && !errorField && <ErrorMessage error={patch.error} />}
    </Card>
  );
}
