import { useState } from 'react';
import { Button } from '../../../components/button';
import { Dialog } from '../../../components/dialog';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import '../../../styles/webhooks.css';
import { ShownOnce } from '../../settings/components/shown-once';
import {
  useCreateWebhook, useDeleteWebhook, useDeliveries, useReplay, useRotateSecret, useSaveWebhookSettings, useSendTest, useUpdateWebhook, useWebhooks, useWebhookSettings,
  type WebhookBody, type WebhookDelivery, type WebhookEndpoint, type WebhookPatch,
} from '../api/webhooks-api';
import { WebhookForm, type EventType, type WebhookDraft } from './webhook-form';

/** Settings › Webhooks: endpoints with their state, a form to add one, the delivery log with replay. */
export function WebhooksTab() {
  const canManage = useCan('webhooks:manage');
  const settings = useWebhookSettings(canManage);
  const hooks = useWebhooks(canManage);
  const [selected, setSelected] = useState<string | null>(null);
  if (!canManage) {
    return (
      <Card>
        <EmptyState title="Webhooks are managed by admins">Ask an admin to register an endpoint if another system should hear about new and changed leads.</EmptyState>
      </Card>
    );
  }
  const eventTypes = settings.data?.event_types ?? [];
  const list = hooks.data?.data ?? [];
  const open = list.find((h) => h.id === selected) ?? null;
  return (
    <div className="stack">
      <CreateWebhookCard eventTypes={eventTypes} />
      <Card title="Endpoints">
        <ErrorMessage error={hooks.error} title="Endpoints could not be loaded" />
        {hooks.isPending ? (
          <SkeletonBlock lines={3} label="Loading webhook endpoints" />
        ) : list.length === 0 ? (
          <EmptyState title="No webhook endpoints">Add one above: LeadAI will POST each chosen event to it, signed, and retry until it answers 2xx.</EmptyState>
        ) : (
          <ul className="webhook-list" aria-label="Webhook endpoints">
            {list.map((h) => (
              <EndpointItem key={h.id} hook={h} eventTypes={eventTypes} selected={h.id === selected} onShowLog={() => setSelected(h.id === selected ? null : h.id)} />
            ))}
          </ul>
        )}
      </Card>
      {open && <DeliveryLog hook={open} />}
      <PrivateTargetsCard allowed={settings.data?.allow_private_targets} />
    </div>
  );
}

function StateBadge({ hook }: { hook: WebhookEndpoint }) {
  if (hook.state === 'disabled') return <Badge tone="bad">Disabled</Badge>;
  if (hook.state === 'failing') return <Badge tone="warn" title={`Every attempt since ${formatDateTime(hook.failing_since)} failed`}>Failing</Badge>;
  return <Badge tone="good">Enabled</Badge>;
}

function EndpointItem({ hook, eventTypes, selected, onShowLog }: { hook: WebhookEndpoint; eventTypes: EventType[]; selected: boolean; onShowLog: () => void }) {
  const update = useUpdateWebhook();
  const remove = useDeleteWebhook();
  const rotate = useRotateSecret();
  const test = useSendTest();
  const toast = useToast();
  const [secret, setSecret] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [editing, setEditing] = useState(false);
  const labels = hook.event_types.map((t) => eventTypes.find((e) => e.type === t)?.label ?? t);
  return (
    <li className="webhook">
      <div className="webhook__head">
        <code className="webhook__url">{hook.url}</code>
        <StateBadge hook={hook} />
      </div>
      {hook.description && <div className="small">{hook.description}</div>}
      <div className="small muted">Sends: {labels.join(', ')}</div>
      {hook.state === 'failing' && <div className="alert alert--info">Failing since {formatDateTime(hook.failing_since)} ({formatRelative(hook.failing_since)}). After 24 hours of failures it is disabled and admins are told.</div>}
      {hook.state === 'disabled' && <div className="alert alert--error">{hook.disabled_reason ?? 'Disabled.'} Deliveries wait until it is enabled again.</div>}
      <div className="webhook__actions">
        <Button size="sm" aria-expanded={selected} onClick={onShowLog}>{selected ? 'Hide deliveries' : 'Deliveries'}</Button>
        <Button size="sm" busy={test.isPending} onClick={() => test.mutate(hook.id, { onSuccess: () => toast('Test event queued: see it in the delivery log') })}>Send test event</Button>
        {hook.enabled ? (
          <Button size="sm" busy={update.isPending} onClick={() => update.mutate({ id: hook.id, body: { enabled: false } }, { onSuccess: () => toast('Endpoint paused') })}>Pause</Button>
        ) : (
          <Button size="sm" variant="primary" busy={update.isPending} onClick={() => update.mutate({ id: hook.id, body: { enabled: true } }, { onSuccess: () => toast('Endpoint enabled: waiting deliveries go out now') })}>Enable</Button>
        )}
        <Button size="sm" aria-label={`Edit webhook ${hook.url}`} onClick={() => setEditing(true)}>Edit</Button>
        <Button size="sm" busy={rotate.isPending} onClick={() => rotate.mutate(hook.id, { onSuccess: (r) => setSecret(r.secret) })}>Rotate secret</Button>
        <Button size="sm" variant="danger" aria-label={`Delete webhook ${hook.url}`} onClick={() => setConfirmDelete(true)}>Delete</Button>
      </div>
      <ErrorMessage error={update.error ?? test.error ?? rotate.error ?? remove.error} title="That did not work" />
      {secret && (
        <ShownOnce value={secret} valueLabel="New signing secret" copyLabel="Copy signing secret"
          footer={<Button size="sm" variant="ghost" onClick={() => setSecret(null)}>I have stored it — hide</Button>}>
          <strong>The new signing secret, shown only this once.</strong> The old one no longer signs deliveries: update the receiver now.
        </ShownOnce>
      )}
      {editing && <EditWebhookDialog hook={hook} eventTypes={eventTypes} onClose={() => setEditing(false)} />}
      <Dialog open={confirmDelete} onClose={() => setConfirmDelete(false)} title="Delete this endpoint?"
        footer={
          <>
            <Button onClick={() => setConfirmDelete(false)}>Keep it</Button>
            <Button variant="danger" busy={remove.isPending} onClick={() => remove.mutate(hook.id, { onSuccess: () => { setConfirmDelete(false); toast('Endpoint deleted'); } })}>Delete</Button>
          </>
        }>
        <p>{hook.url} will receive nothing more, and its delivery log goes with it.</p>
      </Dialog>
    </li>
  );
}

const NEW_DRAFT: WebhookDraft = { url: '', description: '', event_types: ['lead.created', 'lead.updated'] };

function CreateWebhookCard({ eventTypes }: { eventTypes: EventType[] }) {
  const create = useCreateWebhook();
  const [draft, setDraft] = useState<WebhookDraft>(NEW_DRAFT);
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const submit = () => {
    create.mutate({ url: draft.url, description: draft.description, event_types: draft.event_types as WebhookBody['event_types'] }, {
      onSuccess: (h) => { setCreated({ url: h.url, secret: h.secret }); setDraft((d) => ({ ...d, url: '', description: '' })); },
    });
  };
  return (
    <Card title="Add an endpoint">
      <WebhookForm id="webhook-add" label="Add a webhook endpoint" value={draft} onChange={setDraft} onSubmit={submit} eventTypes={eventTypes} error={create.error} errorTitle="Not added">
        <div>
          <Button type="submit" variant="primary" busy={create.isPending}>Add endpoint</Button>
        </div>
      </WebhookForm>
      {created && (
        <ShownOnce value={created.secret} valueLabel="Signing secret" copyLabel="Copy signing secret"
          footer={
            <>
              <div className="small">Verify the <code>webhook-signature</code> header with it (Standard Webhooks: HMAC-SHA256 over <code>webhook-id.webhook-timestamp.body</code>).</div>
              <Button size="sm" variant="ghost" onClick={() => setCreated(null)}>I have stored it — hide</Button>
            </>
          }>
          <strong>Copy the signing secret for {created.url} now.</strong> It is shown only this once.
        </ShownOnce>
      )}
    </Card>
  );
}

const sameTypes = (a: string[], b: string[]) => a.length === b.length && a.every((t) => b.includes(t));

/** Changes URL, description and events through PATCH, sending only what changed; the signing secret stays as it is. */
function EditWebhookDialog({ hook, eventTypes, onClose }: { hook: WebhookEndpoint; eventTypes: EventType[]; onClose: () => void }) {
  const update = useUpdateWebhook();
  const toast = useToast();
  const [draft, setDraft] = useState<WebhookDraft>({ url: hook.url, description: hook.description, event_types: hook.event_types });
  const submit = () => {
    const body: WebhookPatch = {};
    if (draft.url.trim() !== hook.url) body.url = draft.url;
    if (draft.description.trim() !== hook.description) body.description = draft.description;
    if (!sameTypes(draft.event_types, hook.event_types)) body.event_types = draft.event_types as WebhookBody['event_types'];
    if (Object.keys(body).length === 0) return onClose();
    update.mutate({ id: hook.id, body }, { onSuccess: () => { toast('Endpoint saved'); onClose(); } });
  };
  return (
    <Dialog open onClose={onClose} title="Edit endpoint" footer={
      <>
        <Button onClick={onClose}>Cancel</Button>
        <Button type="submit" form="webhook-edit" variant="primary" busy={update.isPending}>Save changes</Button>
      </>
    }>
      <WebhookForm id="webhook-edit" label="Edit webhook endpoint" value={draft} onChange={setDraft} onSubmit={submit} eventTypes={eventTypes} error={update.error} errorTitle="Not saved" />
      <p className="small muted">The signing secret stays the same: use “Rotate secret” to change it. Newly chosen events are sent from now on, not for what happened before.</p>
    </Dialog>
  );
}

const STATUS: Record<WebhookDelivery['status'], { label: string; tone: 'good' | 'bad' | 'warn' | 'neutral' }> = {
  queued: { label: 'Queued', tone: 'neutral' },
  succeeded: { label: 'Delivered', tone: 'good' },
  failed: { label: 'Retrying', tone: 'warn' },
  gave_up: { label: 'Gave up', tone: 'bad' },
};

function DeliveryLog({ hook }: { hook: WebhookEndpoint }) {
  const log = useDeliveries(hook.id);
  const replay = useReplay();
  const toast = useToast();
  const rows = log.data?.data ?? [];
  return (
    <Card title={<>Deliveries to <span className="webhook__url">{hook.url}</span></>}>
      <ErrorMessage error={log.error ?? replay.error} title={replay.error ? 'Not replayed' : 'The log could not be loaded'} />
      {log.isPending ? (
        <SkeletonBlock lines={3} label="Loading deliveries" />
      ) : rows.length === 0 ? (
        <EmptyState title="Nothing sent yet">Deliveries appear here as events happen. Use “Send test event” to try the endpoint now.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Delivery log">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">Code</th>
                <th scope="col" className="num">Latency</th>
                <th scope="col" className="num">Attempts</th>
                <th scope="col">Time</th>
                <th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id}>
                  <td><code>{d.event_type}</code>{d.replay_of && <span className="small muted"> (replay)</span>}</td>
                  <td>
                    <Badge tone={STATUS[d.status].tone}>{STATUS[d.status].label}</Badge>
                    {d.error && <div className="small webhook__error">{d.error}</div>}
                    {d.status === 'failed' && d.next_attempt_at && <div className="small muted">Next try {formatRelative(d.next_attempt_at)}</div>}
                  </td>
                  <td className="num">{d.last_status_code ?? '—'}</td>
                  <td className="num">{d.latency_ms === null ? '—' : `${d.latency_ms} ms`}</td>
                  <td className="num">{d.attempts}</td>
                  <td className="small" title={formatDateTime(d.last_attempt_at ?? d.created_at)}>{formatRelative(d.last_attempt_at ?? d.created_at)}</td>
                  <td className="num">
                    <Button size="sm" aria-label={`Replay ${d.event_type} delivery`} onClick={() => replay.mutate(d, { onSuccess: () => toast('Replay queued') })}>Replay</Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function PrivateTargetsCard({ allowed }: { allowed: boolean | undefined }) {
  const save = useSaveWebhookSettings();
  const toast = useToast();
  // While saving, the box shows the value asked for (the server's answer replaces it). Held in
  // local state set in the change handler itself: the mutation's pending state reaches React a
  // tick later, and a controlled box would snap back to the old value in between.
  const [asked, setAsked] = useState<boolean | null>(null);
  return (
    <Card title="Private targets">
      <div className="field">
        <label className="switch">
          <input type="checkbox" className="checkbox" checked={asked ?? allowed ?? false} disabled={allowed === undefined || asked !== null} aria-describedby="webhooks-private-hint"
            onChange={(e) => {
              setAsked(e.target.checked);
              save.mutate({ allow_private_targets: e.target.checked }, { onSuccess: (s) => toast(s.allow_private_targets ? 'Private targets allowed' : 'Private targets refused'), onSettled: () => setAsked(null) });
            }} />
          <span className="field__label">Allow endpoints on private networks</span>
        </label>
        <p id="webhooks-private-hint" className="field__hint">
          Off (recommended): deliveries to loopback, private (10/8, 172.16/12, 192.168/16), link-local (cloud metadata) and carrier-grade NAT addresses are refused, checked after DNS resolution at every attempt. Turn on only for a receiver inside your own network.
        </p>
      </div>
      <ErrorMessage error={save.error} title="Not saved" />
    </Card>
  );
}
