import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { formatDate, formatDateTime } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import '../../../styles/privacy.css';
import { isPending, useCreatePrivacyRequest, usePrivacyRequests, type PrivacyRequest, type PrivacyRequestBody } from '../api/privacy-requests';
import { resultInWords, STATUS, TYPE_LABEL } from '../privacy-words';
import { Dialog } from '../../../components/dialog';
import { ExportDownload, RequestProgress, Verification } from './request-progress';

/**
 * Settings → Privacy (admins): data subject requests. A person asks for a copy of their data
 * (export) or to be forgotten (erasure); each request is answered within a month. The register
 * shows who asked, who acted, progress, the one-time download and the erasure's proof.
 */
export function PrivacyRequestsTab() {
  const canManage = useCan('privacy:manage');
  if (!canManage) {
    return (
      <Card>
        <EmptyState title="Privacy requests are handled by admins">
          Exports and erasures of a person’s data are made by an admin of your organization. Ask one if someone asked you for a copy of their data or to be forgotten.
        </EmptyState>
      </Card>
    );
  }
  return (
    <div className="stack">
      <NewRequestCard />
      <RequestsCard />
    </div>
  );
}

function NewRequestCard() {
  const create = useCreatePrivacyRequest();
  const toast = useToast();
  const [type, setType] = useState<'export' | 'erasure'>('export');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [confirming, setConfirming] = useState(false);
  const errors = create.error instanceof ApiError ? create.error.fieldErrors : {};
  const body = (): PrivacyRequestBody => ({ type, ...(email.trim() ? { email: email.trim() } : {}), ...(phone.trim() ? { phone: phone.trim() } : {}) });
  const send = () =>
    create.mutate(body(), {
      onSuccess: () => {
        setConfirming(false);
        toast(type === 'export' ? 'Export requested: it is being prepared below' : 'Erasure requested: it is being carried out below');
        setEmail('');
        setPhone('');
      },
      onError: () => setConfirming(false),
    });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (type === 'erasure') setConfirming(true);
    else send();
  };
  const who = [email.trim(), phone.trim()].filter(Boolean).join(' / ');
  return (
    <Card title="New privacy request">
      <form className="stack" onSubmit={submit} aria-label="New privacy request">
        <fieldset className="privacy-type">
          <legend>The person asks for</legend>
          <label className="check">
            <input type="radio" name="privacy-type" value="export" checked={type === 'export'} onChange={() => setType('export')} />
            A copy of their data (export)
          </label>
          <label className="check">
            <input type="radio" name="privacy-type" value="erasure" checked={type === 'erasure'} onChange={() => setType('erasure')} />
            To be forgotten (erasure)
          </label>
        </fieldset>
        <div className="inline-form">
          <TextField label="Their e-mail" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} autoComplete="off" placeholder="jane@example.com" />
          <TextField label="Or their phone" type="tel" value={phone} onChange={(e) => setPhone(e.target.value)} error={errors.phone} autoComplete="off" placeholder="+1 555 010 0200" />
          <Button type="submit" variant={type === 'erasure' ? 'danger' : 'primary'} busy={create.isPending && !confirming}>
            {type === 'export' ? 'Request export' : 'Erase…'}
          </Button>
        </div>
        <p className="small muted">
          {type === 'export'
            ? 'Every lead with this e-mail or phone, and everything linked to them, in one JSON document you can download once within 24 hours.'
            : 'Every lead with this e-mail or phone and everything linked to them is deleted; mentions in other records become “[erased]”. The person cannot be imported or tracked again.'}{' '}
          Requests are due one month after they are received.
        </p>
        {create.error && Object.keys(errors).length === 0 ? <ErrorMessage error={create.error} title="Not requested" /> : null}
      </form>
      <Dialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title="Erase this person for good?"
        footer={
          <>
            <Button onClick={() => setConfirming(false)}>Cancel</Button>
            <Button variant="danger" busy={create.isPending} onClick={send}>
              Erase permanently
            </Button>
          </>
        }
      >
        <p>
          Every lead matching <strong>{who}</strong> is deleted with its activities, conversations, web visits, scores, insights and notifications, and mentions of them in other records are rewritten to “[erased]”.
        </p>
        <p className="privacy-warning">
          <strong>This cannot be undone.</strong> Only a keyed fingerprint of the e-mail and phone stays, so the person is not imported or tracked again.
        </p>
      </Dialog>
    </Card>
  );
}

function RequestsCard() {
  const requests = usePrivacyRequests();
  const list = requests.data?.data ?? [];
  return (
    <Card title="Requests">
      <ErrorMessage error={requests.error} title="Requests could not be loaded" />
      {requests.isPending ? (
        <SkeletonBlock lines={4} label="Loading privacy requests" />
      ) : list.length === 0 ? (
        <EmptyState title="No privacy requests yet">When someone asks for a copy of their data or to be forgotten, record it above (or from their lead page): it is carried out in the background and listed here with its due date.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table privacy-table" aria-label="Privacy requests">
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">Status</th>
                <th scope="col">Received</th>
                <th scope="col">Due</th>
                <th scope="col">Asked by / acted by</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <RequestRow key={r.id} request={r} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function RequestRow({ request: r }: { request: PrivacyRequest }) {
  const subject = [r.subject.email, r.subject.phone].filter(Boolean).join(' / ') || (r.subject.lead_ids.length ? `lead ${r.subject.lead_ids[0]!.slice(0, 8)}…` : null);
  return (
    <tr data-testid={`privacy-request-${r.id}`}>
      <td data-label="Request">
        <div className="strong">{TYPE_LABEL[r.type]}</div>
        <div className="small muted">{subject ?? 'The person’s details were deleted from the request when it was done'}</div>
      </td>
      <td data-label="Status">
        <Badge tone={STATUS[r.status].tone}>{STATUS[r.status].label}</Badge>
      </td>
      <td data-label="Received" className="small">
        {formatDateTime(r.received_at)}
      </td>
      <td data-label="Due" className="small">
        {r.status === 'done' ? (
          <span className="muted">{formatDate(r.due_at)}</span>
        ) : r.overdue ? (
          <span className="privacy-overdue">Overdue since {formatDate(r.due_at)}</span>
        ) : (
          formatDate(r.due_at)
        )}
      </td>
      <td data-label="Asked by / acted by" className="small">
        {r.requested_by?.name ?? <span className="muted">Command line</span>}
        <span className="muted"> / </span>
        {r.acted_by?.name ?? <span className="muted">{r.status === 'received' ? 'not started' : 'the system'}</span>}
      </td>
      <td data-label="Outcome" className="privacy-outcome">
        <Outcome request={r} />
      </td>
    </tr>
  );
}

function Outcome({ request: r }: { request: PrivacyRequest }) {
  if (isPending(r)) return <RequestProgress request={r} />;
  if (r.status === 'failed') return <p className="small privacy-traces">{r.error ?? 'The request failed.'} Make the request again{r.type === 'erasure' ? ': nothing was half-erased (an erasure runs in one transaction)' : ''}.</p>;
  return (
    <div className="stack stack--sm">
      <span className="small">{resultInWords(r)}</span>
      {r.type === 'export' ? <ExportDownload request={r} /> : <Verification request={r} />}
    </div>
  );
}
