import { useMemo, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Button } from '../../../components/button';
import { Badge, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card } from '../../../components/page';
import { Dialog } from '../../../components/dialog';
import { SelectField, TextAreaField, TextField } from '../../../components/field';
import { ApiError } from '../../../lib/api-client';
import { useCan } from '../../../lib/session';
import { useDebouncedValue } from '../../../lib/use-debounced-value';
import '../../../styles/email.css';
import { useLeadEmails, useReadiness, useSendEmail, useTemplates, type EmailMessage } from '../api/email';
import { EmailPreview } from './email-preview';

/**
 * The lead page's "Send e-mail": a dialog with a template picker, subject, text and a live
 * preview for this lead. A lead that may not be e-mailed (do-not-contact, unsubscribed,
 * consent withdrawn, no address) gets the reasons instead of the form.
 */
export function SendEmailAction({ leadId, leadName, canWrite }: { leadId: string; leadName: string; canWrite: boolean }) {
  const [open, setOpen] = useState(false);
  const canSend = useCan('email:send');
  if (!canSend || !canWrite) return null;
  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)}>Send e-mail</Button>
      {open && <SendEmailDialog leadId={leadId} leadName={leadName} onClose={() => setOpen(false)} />}
    </>
  );
}

const STATUS_WORDS: Record<EmailMessage['status'], string> = { queued: 'Sending…', sent: 'Sent', failed: 'Not sent' };

function SendEmailDialog({ leadId, leadName, onClose }: { leadId: string; leadName: string; onClose: () => void }) {
  const readiness = useReadiness(leadId, true);
  const templates = useTemplates();
  const send = useSendEmail(leadId);
  const emails = useLeadEmails(leadId, send.isSuccess);
  const [templateId, setTemplateId] = useState('');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  // A template sent as it is keeps its HTML part; edited text replaces its bodies.
  const [edited, setEdited] = useState(false);
  const errors = send.error instanceof ApiError ? send.error.fieldErrors : {};
  const debounced = useDebouncedValue(JSON.stringify({ subject, body_text: body, body_html: null, lead_id: leadId }), 300);
  const draft = useMemo(() => JSON.parse(debounced) as { subject: string; body_text: string; body_html: null; lead_id: string }, [debounced]);
  const template = templates.data?.data.find((t) => t.id === templateId);
  const previewDraft = template && !edited ? { subject: template.subject, body_text: template.body_text, body_html: template.body_html, lead_id: leadId } : draft.subject && draft.body_text ? draft : null;

  const pick = (id: string) => {
    setTemplateId(id);
    const t = templates.data?.data.find((x) => x.id === id);
    setSubject(t?.subject ?? '');
    setBody(t?.body_text ?? '');
    setEdited(false);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate(template && !edited ? { template_id: template.id } : { ...(template ? { template_id: template.id } : {}), subject, body });
  };
  const sentMessage = send.data ? emails.data?.data.find((m) => m.id === send.data.id) : undefined;
  const r = readiness.data;

  const footer = send.isSuccess || (r && !r.can_send)
    ? <Button onClick={onClose}>Close</Button>
    : (
      <>
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" form="send-email-form" variant="primary" disabled={send.isPending || !r}>{send.isPending ? 'Sending…' : 'Send'}</Button>
      </>
    );

  return (
    <Dialog open onClose={onClose} title={`E-mail ${leadName}`} footer={footer}>
      <div className="email-send-dialog stack">
        {readiness.error ? (
          <ErrorMessage error={readiness.error} title="Cannot check this lead" />
        ) : !r ? (
          <SkeletonBlock lines={3} label="Checking whether this lead can be e-mailed" />
        ) : !r.can_send ? (
          <div className="alert alert--error" role="alert">
            <p><strong>{leadName} cannot be e-mailed.</strong></p>
            <ul>{r.reasons.map((x) => <li key={x}>{x}</li>)}</ul>
            {r.reasons.some((x) => x.startsWith('No SMTP account')) && <p><Link to="/settings/email">Settings › E-mail</Link></p>}
          </div>
        ) : send.isSuccess ? (
          <p role="status">
            {sentMessage ? `${STATUS_WORDS[sentMessage.status]}${sentMessage.status === 'sent' ? ` to ${sentMessage.to_address}.` : sentMessage.status === 'failed' ? `: ${sentMessage.error ?? ''}` : ''}` : 'Sending…'}
          </p>
        ) : (
          <form id="send-email-form" onSubmit={submit} className="stack stack--sm" aria-label="E-mail">
            <p className="small muted">From {r.from} to {r.to}. An unsubscribe link is added to every message.</p>
            <SelectField label="Template" value={templateId} onChange={(e) => pick(e.target.value)} hint={templates.data?.data.length === 0 ? 'No templates yet: write one in Settings › Templates, or type the message below.' : undefined}>
              <option value="">No template</option>
              {templates.data?.data.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </SelectField>
            <TextField label="Subject" value={subject} onChange={(e) => { setSubject(e.target.value); setEdited(true); }} error={errors.subject} required />
            <TextAreaField label="Message" value={body} rows={8} onChange={(e) => { setBody(e.target.value); setEdited(true); }} error={errors.body} required hint="Fields like {{first_name}} are filled in for this lead." />
            <ErrorMessage error={send.error} title="Not sent" />
            <div className="stack stack--sm">
              <span className="field__label">Preview</span>
              <EmailPreview draft={previewDraft} />
            </div>
          </form>
        )}
      </div>
    </Dialog>
  );
}

/**
 * The lead's e-mails sent from LeadAI with their state: a message that could not be sent
 * says why here (the timeline shows only what went out). Nothing when there are none.
 */
export function LeadEmails({ leadId }: { leadId: string }) {
  const emails = useLeadEmails(leadId, true);
  const list = emails.data?.data ?? [];
  if (emails.error) return <ErrorMessage error={emails.error} title="The e-mails could not be loaded" />;
  if (list.length === 0) return null;
  return (
    <Card title="E-mails from LeadAI">
      <ul className="email-status-list" aria-label="E-mails from LeadAI">
        {list.slice(0, 10).map((m) => (
          <li key={m.id}>
            <Badge tone={m.status === 'sent' ? 'good' : m.status === 'failed' ? 'bad' : 'info'}>{STATUS_WORDS[m.status]}</Badge>
            <span>{m.subject}</span>
            <span className="small muted">{new Date(m.sent_at ?? m.created_at).toLocaleString()}{m.opened_at ? ' · opened' : ''}{m.clicked_at ? ' · clicked' : ''}</span>
            {m.status === 'failed' && m.error && <span className="small" role="note">{m.error}</span>}
          </li>
        ))}
      </ul>
    </Card>
  );
}
