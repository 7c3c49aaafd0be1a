import { useId, useRef, useState, type FocusEvent, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { Icon } from '../../../components/icons';
import { ApiError } from '../../../lib/api-client';
import { usePatchLead, type LeadPatch } from '../api/leads-api';

export type Control =
  | { type: 'text' | 'email' | 'number' | 'date' | 'datetime-local'; suggestions?: string[] }
  | { type: 'select'; options: { value: string; label: string }[] };

/** A value the page refuses before sending it (a number that is not one): shown like the server's refusals. */
export class InputError extends Error {}

export interface InlineFieldProps {
  leadId: string;
  /** Unique within the page, safe in an id: `company`, `address-city`, `cf-industry`. */
  name: string;
  label: string;
  /** The value as shown ("—" when empty). */
  display: ReactNode;
  /** The value's words for the edit button's name (defaults to `display` when it is text). */
  displayText?: string;
  /** The text in the control when editing starts. */
  initial: string;
  control: Control;
  canEdit: boolean;
  /** The PATCH body for the text typed; null when it changes nothing. May throw InputError. */
  toPatch: (draft: string) => LeadPatch | null;
  /** Keys of the server's field errors that belong to this field. */
  errorKeys: string[];
}

/**
 * One row of the profile: click the value to edit it; Enter, the ✓ button or leaving the
 * field saves, Escape or ✕ cancels. A value refused (by the page or the server) keeps the
 * field open with the text typed and the reason under it, so it can be corrected (the shown
 * value has already been rolled back). Each field has its own request state, so an error
 * stays with the field it belongs to.
 */
export function InlineField({ leadId, name, label, display, displayText, initial, control, canEdit, toPatch, errorKeys }: InlineFieldProps) {
  const patch = usePatchLead(leadId);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  // The field is leaving on purpose (saved or cancelled): the blur that follows must not save
  // again (Chromium blurs a focused input as it is removed).
  const closing = useRef(false);
  const listId = useId();
  const labelId = `label-${name}`;
  const errorId = `error-${name}`;

  function begin() {
    closing.current = false;
    setEditing(true);
    setDraft(initial);
    setLocalError(null);
    patch.reset();
  }

  function cancel() {
    closing.current = true;
    setEditing(false);
    setLocalError(null);
    patch.reset();
  }

  function save(event?: FormEvent) {
    event?.preventDefault();
    if (closing.current) return;
    let body: LeadPatch | null;
    try {
      body = toPatch(draft);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      setLocalError(error.message);
      return;
    }
    closing.current = true;
    setEditing(false);
    setLocalError(null);
    if (!body) return;
    patch.mutate(body, {
      onError: () => {
        // Reopen the field with the refused text (draft still holds it).
        closing.current = false;
        setEditing(true);
      },
    });
  }

  /** Leaving the field saves, unless focus went to its own ✓ / ✕ buttons (they act themselves). */
  function onBlur(event: FocusEvent<HTMLElement>) {
    const next = event.relatedTarget;
    if (next instanceof Node && event.currentTarget.closest('form')?.contains(next)) return;
    save();
  }

  const serverError = patch.error instanceof ApiError ? (errorKeys.map((k) => patch.error instanceof ApiError && patch.error.fieldErrors[k]).find(Boolean) || patch.error.detail) : patch.error ? String(patch.error) : undefined;
  const error = localError ?? serverError;
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      cancel();
    }
  };
  const common = {
    className: 'input input--sm',
    'aria-labelledby': labelId,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? errorId : undefined,
    autoFocus: true,
    value: draft,
    onBlur,
    onKeyDown,
  } as const;
  const shown = displayText ?? (typeof display === 'string' ? display : '');

  return (
    <div className="profile-list__row">
      <dt id={labelId}>{label}</dt>
      <dd>
        {editing ? (
          // noValidate: the server's message, in the app's words, rather than the browser's bubble.
          <form className="profile-edit" onSubmit={save} noValidate>
            {control.type === 'select' ? (
              <select {...common} onChange={(e) => setDraft(e.target.value)}>
                {control.options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            ) : (
              <>
                <input {...common} type={control.type} list={control.suggestions?.length ? listId : undefined} onChange={(e) => setDraft(e.target.value)} />
                {control.suggestions && control.suggestions.length > 0 && (
                  <datalist id={listId}>
                    {control.suggestions.map((s) => (
                      <option key={s} value={s} />
                    ))}
                  </datalist>
                )}
              </>
            )}
            <button type="submit" className="btn btn--secondary btn--sm profile-edit__button" aria-label={`Save ${label}`} title="Save (Enter)">
              <Icon name="check" size={16} />
            </button>
            <button type="button" className="btn btn--ghost btn--sm profile-edit__button" aria-label={`Cancel editing ${label}`} title="Cancel (Escape)" onClick={cancel}>
              <Icon name="close" size={16} />
            </button>
          </form>
        ) : canEdit ? (
          <button type="button" className="inline-edit" onClick={begin} aria-label={`Edit ${label}: ${shown}`}>
            {display}
          </button>
        ) : (
          <span className="inline-edit">{display}</span>
        )}
        {error && (
          <p className="field__error" role="alert" id={errorId}>
            {error}
          </p>
        )}
      </dd>
    </div>
  );
}
