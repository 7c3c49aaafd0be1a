import type { FormEvent, ReactNode } from 'react';
import { ErrorMessage } from '../../../components/feedback';
import { TextField } from '../../../components/field';
import { ApiError, type FieldErrors } from '../../../lib/api-client';

export type EventType = { type: string; label: string };
export interface WebhookDraft {
  url: string;
  description: string;
  event_types: string[];
}

const FIELDS = ['url', 'description', 'event_types'] as const;

/** Schema messages are phrased to follow a field name ("choose at least one …"); alone under the list they read as a sentence. */
const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1);

/**
 * A refusal's messages by field. Schema refusals list them in `errors`; the service's own
 * checks (a URL with a user name, an ftp:// URL …) name one `field` and say why in `detail`,
 * so that sentence goes beside the field too instead of in a box away from it.
 */
export function webhookFieldErrors(error: unknown): FieldErrors {
  if (!(error instanceof ApiError)) return {};
  const out: FieldErrors = {};
  for (const [key, message] of Object.entries(error.fieldErrors)) {
    // An unknown event type is reported at its index ("event_types.3"): shown under the list.
    const field = FIELDS.find((f) => key === f || key.startsWith(`${f}.`));
    if (field && !(field in out)) out[field] = message;
  }
  const named = error.problem.field;
  if (typeof named === 'string' && (FIELDS as readonly string[]).includes(named) && !(named in out)) out[named] = error.detail;
  return out;
}

/**
 * The endpoint's fields — URL, description, the events it receives — for adding one and for
 * changing one; the caller owns the values, the request and where the submit button sits
 * (a button outside the form reaches it with `form={id}`).
 */
export function WebhookForm({ id, label, value, onChange, onSubmit, eventTypes, error, errorTitle, children }: {
  id: string;
  label: string;
  value: WebhookDraft;
  onChange: (next: WebhookDraft) => void;
  onSubmit: () => void;
  eventTypes: EventType[];
  error: unknown;
  errorTitle: string;
  children?: ReactNode;
}) {
  const errors = webhookFieldErrors(error);
  const toggle = (type: string) =>
    onChange({ ...value, event_types: value.event_types.includes(type) ? value.event_types.filter((t) => t !== type) : [...value.event_types, type] });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit();
  };
  return (
    <form id={id} className="stack webhook-form" onSubmit={submit} aria-label={label}>
      <div className="inline-form">
        <TextField label="URL" type="url" required value={value.url} onChange={(e) => onChange({ ...value, url: e.target.value })} error={errors.url} placeholder="https://example.com/hooks/leadai" />
        <TextField label="Description" value={value.description} onChange={(e) => onChange({ ...value, description: e.target.value })} error={errors.description} placeholder="e.g. Billing system" />
      </div>
      <fieldset className="webhook-events" aria-describedby={errors.event_types ? `${id}-events-error` : undefined}>
        <legend className="field__label">Events to send</legend>
        {eventTypes.map((e) => (
          <label key={e.type} className="webhook-events__item">
            <input type="checkbox" className="checkbox" checked={value.event_types.includes(e.type)} onChange={() => toggle(e.type)} />
            <span>
              {e.label}
              <code className="webhook-events__type">{e.type}</code>
            </span>
          </label>
        ))}
        {errors.event_types && <p id={`${id}-events-error`} className="field__error webhook-events__error" role="alert">{sentence(errors.event_types)}</p>}
      </fieldset>
      {error && Object.keys(errors).length === 0 ? <ErrorMessage error={error} title={errorTitle} /> : null}
      {children}
    </form>
  );
}
