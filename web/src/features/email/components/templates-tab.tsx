import { useMemo, useState, type FormEvent, type SyntheticEvent } from 'react';
import { Button } from '../../../components/button';
import { EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { TextAreaField, TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { useDebouncedValue } from '../../../lib/use-debounced-value';
import { useCan } from '../../../lib/session';
import '../../../styles/email.css';
import { useDeleteTemplate, useSaveTemplate, useTemplates, useVariables, type EmailTemplate } from '../api/email';
import { EmailPreview } from './email-preview';

/** Settings › Templates: the list, and an editor with the variables and a live preview for a sample lead. */
export function TemplatesTab() {
  const canSend = useCan('email:send');
  const canEdit = useCan('email:templates');
  const canRead = canSend || canEdit;
  const templates = useTemplates(canRead);
  const [selected, setSelected] = useState<string | 'new' | null>(null);
  if (!canRead) {
    return <Card><EmptyState title="Your role does not use e-mail templates">Templates are written by marketing, managers and admins, and used by everyone who sends e-mail.</EmptyState></Card>;
  }
  if (templates.error) return <ErrorMessage error={templates.error} title="The templates could not be loaded" />;
  if (!templates.data) return <Card><SkeletonBlock lines={4} label="Loading templates" /></Card>;
  const list = templates.data.data;
  const current = selected === 'new' ? null : list.find((t) => t.id === selected) ?? (selected === null ? list[0] ?? null : null);
  const editing = selected === 'new' || current !== null;
  return (
    <div className="settings-grid templates-tab">
      <Card title="Templates" actions={canEdit ? <Button variant="primary" onClick={() => setSelected('new')}>New template</Button> : undefined}>
        {list.length === 0 ? (
          <p className="muted">No templates yet. {canEdit ? 'Write one with “New template”: a subject and a text, with fields like {{first_name}} filled in for each lead.' : 'Marketing, managers and admins can write them.'}</p>
        ) : (
          <ul className="template-list" aria-label="Templates">
            {list.map((t) => (
              <li key={t.id}><button type="button" aria-current={current?.id === t.id && selected !== 'new'} onClick={() => setSelected(t.id)}>{t.name}</button></li>
            ))}
          </ul>
        )}
      </Card>
      {editing ? (
        <TemplateEditor key={current?.id ?? 'new'} template={current} canEdit={canEdit} onSaved={(id) => setSelected(id)} onDeleted={() => setSelected(null)} />
      ) : list.length > 0 ? (
        <Card><EmptyState title="Pick a template">Choose a template from the list{canEdit ? ', or start a new one' : ''}.</EmptyState></Card>
      ) : null}
    </div>
  );
}

function TemplateEditor({ template, canEdit, onSaved, onDeleted }: { template: EmailTemplate | null; canEdit: boolean; onSaved: (id: string) => void; onDeleted: () => void }) {
  const [form, setForm] = useState({ name: template?.name ?? '', subject: template?.subject ?? '', body_text: template?.body_text ?? '', body_html: template?.body_html ?? '' });
  const [focus, setFocus] = useState<'subject' | 'body_text' | 'body_html'>('body_text');
  // Where the cursor was in the field last used: a variable clicked goes there.
  const [cursor, setCursor] = useState<{ start: number; end: number } | null>(null);
  const remember = (field: typeof focus) => (e: SyntheticEvent<HTMLInputElement | HTMLTextAreaElement>) => {
    setFocus(field);
    setCursor({ start: e.currentTarget.selectionStart ?? 0, end: e.currentTarget.selectionEnd ?? 0 });
  };
  const variables = useVariables();
  const save = useSaveTemplate();
  const remove = useDeleteTemplate();
  const toast = useToast();
  // Debounced as a string: an object would be new on every render and never settle.
  const debounced = useDebouncedValue(JSON.stringify({ subject: form.subject, body_text: form.body_text, body_html: form.body_html.trim() ? form.body_html : null }), 300);
  const draft = useMemo(() => JSON.parse(debounced) as { subject: string; body_text: string; body_html: string | null }, [debounced]);
  const errors = save.error instanceof ApiError ? save.error.fieldErrors : {};

  const insert = (name: string) => {
    const token = `{{${name}}}`;
    const value = form[focus];
    const at = Math.min(cursor?.start ?? value.length, value.length);
    const end = Math.min(cursor?.end ?? at, value.length);
    setForm((f) => ({ ...f, [focus]: value.slice(0, at) + token + value.slice(end) }));
    setCursor({ start: at + token.length, end: at + token.length });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(
      { id: template?.id ?? null, body: { name: form.name, subject: form.subject, body_text: form.body_text, body_html: form.body_html.trim() ? form.body_html : null } },
      { onSuccess: (t) => { toast(`Template “${t.name}” saved`); onSaved(t.id); } },
    );
  };
  const set = (k: keyof typeof form) => (e: { target: { value: string; selectionStart?: number | null } }) => {
    setForm((f) => ({ ...f, [k]: e.target.value }));
    if (k !== 'name') {
      const at = e.target.selectionStart ?? e.target.value.length;
      setFocus(k);
      setCursor({ start: at, end: at });
    }
  };

  return (
    <div className="stack">
      <form onSubmit={submit} aria-label="Template" className="template-editor">
        <Card title={template ? `Edit “${template.name}”` : 'New template'}>
          <fieldset disabled={!canEdit} className="stack stack--sm" style={{ border: 0, padding: 0, margin: 0 }}>
            <TextField label="Name" value={form.name} onChange={set('name')} error={errors.name} required placeholder="First contact" />
            <TextField label="Subject" value={form.subject} onChange={set('subject')} onSelect={remember('subject')} onFocus={remember('subject')} error={errors.subject} required placeholder="Hello {{first_name}}" />
            <TextAreaField label="Text" value={form.body_text} onChange={set('body_text')} onSelect={remember('body_text')} onFocus={remember('body_text')} error={errors.body_text} required hint="Every message has a text part. An unsubscribe link is added below it." />
            <TextAreaField label="HTML (optional)" value={form.body_html} onChange={set('body_html')} onSelect={remember('body_html')} onFocus={remember('body_html')} error={errors.body_html} hint="Without it, the text is sent as simple HTML. Fields are HTML-escaped." />
            <div className="stack stack--sm">
              <span className="field__label">Variables (click to insert at the cursor)</span>
              <div className="template-variables" aria-label="Variables">
                {(variables.data?.variables ?? []).map((v) => <button type="button" key={v} onClick={() => insert(v)}>{`{{${v}}}`}</button>)}
              </div>
              <p className="field__hint">A field a lead does not have is left empty. Show text only when a field is set with {'{{#company}} at {{company}}{{/company}}'}.</p>
            </div>
          </fieldset>
          <ErrorMessage error={save.error} title="Not saved" />
          <ErrorMessage error={remove.error} title="Not deleted" />
          {canEdit && (
            <div className="row email-actions">
              {template && <Button variant="danger" onClick={() => remove.mutate(template.id, { onSuccess: () => { toast('Template deleted'); onDeleted(); } })} disabled={remove.isPending}>Delete</Button>}
              <Button type="submit" variant="primary" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save template'}</Button>
            </div>
          )}
        </Card>
      </form>
      <Card title="Preview" headingLevel={3}>
        <p className="small muted">For a sample lead of your organization, as it would be sent (without the unsubscribe footer).</p>
        <EmailPreview draft={draft.subject && draft.body_text ? draft : null} />
      </Card>
    </div>
  );
}
