import { useState, type FormEvent } from 'react';
import '../../../styles/mailboxes.css';
import { Button } from '../../../components/button';
import { Dialog } from '../../../components/dialog';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { SelectField, TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { formatRelative } from '../../../lib/format';
import { useCan, useCurrentUser } from '../../../lib/session';
import { useConnectMailbox, useDisconnectMailbox, useMailboxes, useSyncMailbox, useUpdateMailbox, type Mailbox, type MailboxBody } from '../api/mailboxes';

const STATE: Record<Mailbox['state'], { label: string; tone: 'good' | 'bad' | 'warn' | 'info' }> = {
  pending: { label: 'Waiting for the first sync', tone: 'info' },
  syncing: { label: 'Syncing…', tone: 'info' },
  ok: { label: 'Connected', tone: 'good' },
  error: { label: 'Sync failed', tone: 'bad' },
};
const DEFAULT_PORT = { tls: 993, starttls: 143, none: 143 } as const;

function syncedWords(m: Mailbox) {
  if (m.state === 'syncing') return 'Syncing now…';
  return m.last_synced_at ? `Synced ${formatRelative(m.last_synced_at)}` : 'Not synced yet';
}

/** Settings › Mailbox: connect your IMAP mailbox, see its sync state, the unknown-sender rule. */
export function MailboxTab() {
  const canOwn = useCan('mailboxes:own');
  if (!canOwn) {
    return (
      <Card>
        <EmptyState title="Viewers do not connect a mailbox">
          E-mail sync records your conversations with leads; ask an admin for a sales, marketing or manager role to connect yours.
        </EmptyState>
      </Card>
    );
  }
  return <MailboxLoader />;
}

function MailboxLoader() {
  const me = useCurrentUser();
  const list = useMailboxes();
  if (list.error) return <ErrorMessage error={list.error} title="Your mailbox could not be loaded" />;
  if (!list.data || !me) return <Card><SkeletonBlock lines={5} label="Loading your mailbox" /></Card>;
  // Admins receive everyone's mailboxes (state only): theirs is the one with their id.
  const isAdmin = me.role === 'admin';
  const mine = list.data.data.find((m) => m.user_id === me.user?.id);
  const others = list.data.data.filter((m) => m.user_id !== me.user?.id);
  return (
    <div className="stack mailbox-tab">
      {mine ? <MailboxStatus mailbox={mine} /> : <ConnectForm />}
      {isAdmin && <TeamMailboxes mailboxes={others} />}
    </div>
  );
}

function ConnectForm() {
  const connect = useConnectMailbox();
  const toast = useToast();
  const [form, setForm] = useState({ host: '', port: '993', security: 'tls' as MailboxBody['security'], username: '', auth_kind: 'password' as MailboxBody['auth_kind'], secret: '' });
  const errors = connect.error instanceof ApiError ? connect.error.fieldErrors : {};
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    connect.mutate(
      { host: form.host.trim(), port: Number(form.port), security: form.security, username: form.username.trim(), auth_kind: form.auth_kind, secret: form.secret },
      { onSuccess: () => toast('Mailbox connected: the first sync has started') },
    );
  };
  return (
    <Card title="Connect your mailbox">
      <EmptyState title="No mailbox connected">
        Connect your work mailbox over IMAP and your e-mails with leads appear in their timelines, analysed and scored like any conversation.
        Mail with nobody the organization knows as a lead is never stored.
      </EmptyState>
      <form className="mailbox-form" onSubmit={submit} aria-label="Connect a mailbox">
        <TextField label="IMAP server" value={form.host} onChange={set('host')} placeholder="imap.example.com" required error={errors.host} autoComplete="off" />
        <SelectField label="Security" value={form.security} onChange={(e) => setForm((f) => ({ ...f, security: e.target.value as MailboxBody['security'], port: String(DEFAULT_PORT[e.target.value as MailboxBody['security']]) }))} hint="TLS on port 993 is the usual choice.">
          <option value="tls">TLS (port 993)</option>
          <option value="starttls">STARTTLS (port 143)</option>
          <option value="none">None (a server on this machine only)</option>
        </SelectField>
        <TextField label="Port" inputMode="numeric" value={form.port} onChange={set('port')} required error={errors.port} />
        <TextField label="User name" value={form.username} onChange={set('username')} placeholder="you@example.com" required error={errors.username} autoComplete="off" />
        <SelectField label="Sign in with" value={form.auth_kind} onChange={(e) => setForm((f) => ({ ...f, auth_kind: e.target.value as MailboxBody['auth_kind'] }))}>
          <option value="password">Password (or app password)</option>
          <option value="oauth2">OAuth2 access token</option>
        </SelectField>
        <TextField label={form.auth_kind === 'password' ? 'Password' : 'Access token'} type="password" value={form.secret} onChange={set('secret')} required error={errors.secret}
          hint="Stored encrypted; never shown again." autoComplete="new-password" />
        <div className="mailbox-form__actions">
          <ErrorMessage error={connect.error} title="Not connected" />
          <Button type="submit" variant="primary" busy={connect.isPending} disabled={connect.isPending}>{connect.isPending ? 'Trying the login…' : 'Connect'}</Button>
        </div>
      </form>
    </Card>
  );
}

function MailboxStatus({ mailbox }: { mailbox: Mailbox }) {
  const sync = useSyncMailbox();
  const disconnect = useDisconnectMailbox();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const state = STATE[mailbox.state];
  return (
    <>
      <Card title="Your mailbox" actions={<Badge tone={state.tone}>{state.label}</Badge>}>
        <dl className="mailbox-facts">
          <dt>Account</dt><dd>{mailbox.username} on {mailbox.host}:{mailbox.port}</dd>
          <dt>Folders</dt><dd>{mailbox.folders.join(', ')}</dd>
          <dt>State</dt><dd role="status">{syncedWords(mailbox)}</dd>
          <dt>E-mails recorded</dt><dd>{mailbox.messages_stored.toLocaleString()}</dd>
        </dl>
        {mailbox.state === 'error' && mailbox.last_error && (
          <div className="alert alert--error" role="alert">
            <strong>The last sync failed {formatRelative(mailbox.last_error_at)}: </strong>{mailbox.last_error}
          </div>
        )}
        <ErrorMessage error={sync.error} title="Sync not started" />
        <div className="row">
          <Button variant="primary" onClick={() => sync.mutate(mailbox.id, { onSuccess: () => toast('Sync started') })} disabled={sync.isPending || mailbox.state === 'syncing'}>Sync now</Button>
          <Button variant="danger" onClick={() => setConfirming(true)}>Disconnect</Button>
        </div>
      </Card>
      <div className="settings-grid">
        <ConnectionCard key={`${mailbox.id}-${mailbox.updated_at}`} mailbox={mailbox} />
        <RuleCard key={`rule-${mailbox.id}-${mailbox.updated_at}`} mailbox={mailbox} />
      </div>
      <Dialog open={confirming} onClose={() => setConfirming(false)} title="Disconnect this mailbox?"
        footer={<>
          <Button variant="secondary" onClick={() => setConfirming(false)}>Cancel</Button>
          <Button variant="danger" busy={disconnect.isPending} onClick={() => disconnect.mutate(mailbox.id, { onSuccess: () => { setConfirming(false); toast('Mailbox disconnected'); } })}>Disconnect</Button>
        </>}>
        <p>Syncing stops and the stored password or token is deleted. E-mails already recorded stay in the leads’ timelines.</p>
        <ErrorMessage error={disconnect.error} title="Not disconnected" />
      </Dialog>
    </>
  );
}

function ConnectionCard({ mailbox }: { mailbox: Mailbox }) {
  const update = useUpdateMailbox();
  const toast = useToast();
  const [secret, setSecret] = useState('');
  const [folders, setFolders] = useState(mailbox.folders.join(', '));
  const errors = update.error instanceof ApiError ? update.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const list = folders.split(',').map((f) => f.trim()).filter(Boolean);
    update.mutate({ id: mailbox.id, body: { ...(secret ? { secret } : {}), folders: list } }, { onSuccess: () => { setSecret(''); toast('Mailbox updated'); } });
  };
  return (
    <form onSubmit={submit} aria-label="Mailbox connection">
      <Card title="Connection">
        <div className="stack stack--sm">
        <TextField label="Folders to sync" value={folders} onChange={(e) => setFolders(e.target.value)} hint="Separated by commas, e.g. INBOX, Sent" error={errors.folders} />
        <TextField label={mailbox.auth_kind === 'password' ? 'New password' : 'New access token'} type="password" value={secret} onChange={(e) => setSecret(e.target.value)}
          hint="Leave empty to keep the stored one. A new one is tried before it is saved." error={errors.secret} autoComplete="new-password" />
        <ErrorMessage error={update.error} title="Not saved" />
        <div className="row"><Button type="submit" busy={update.isPending}>Save connection</Button></div>
        </div>
      </Card>
    </form>
  );
}

function RuleCard({ mailbox }: { mailbox: Mailbox }) {
  const update = useUpdateMailbox();
  const toast = useToast();
  const canCreateLeads = useCan('leads:write');
  const [on, setOn] = useState(mailbox.create_leads_from_unknown);
  const [to, setTo] = useState(mailbox.unknown_sender_to.join(', '));
  const errors = update.error instanceof ApiError ? update.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const addresses = to.split(/[,\s]+/).map((a) => a.trim()).filter(Boolean);
    update.mutate({ id: mailbox.id, body: { create_leads_from_unknown: on, unknown_sender_to: addresses } }, { onSuccess: () => toast('Rule saved') });
  };
  return (
    <form onSubmit={submit} aria-label="Unknown senders">
      <Card title="Unknown senders">
        <div className="stack stack--sm">
        <p className="muted">Mail from someone who is not a lead is ignored. Turn this on to make such senders leads, e.g. people replying to a campaign address.</p>
        <label className="row mailbox-check">
          <input type="checkbox" checked={on} onChange={(e) => setOn(e.target.checked)} disabled={!canCreateLeads} />
          Create leads from unknown senders
        </label>
        {!canCreateLeads && <p className="field__hint">Your role cannot create leads, so this rule is not available to you.</p>}
        <TextField label="Only for mail sent to" value={to} onChange={(e) => setTo(e.target.value)} placeholder="spring-offer@yourcompany.example" disabled={!on}
          hint="One or more addresses, separated by commas. Empty: any unknown sender." error={errors.unknown_sender_to ?? errors['unknown_sender_to.0']} />
        <ErrorMessage error={update.error} title="Not saved" />
        <div className="row"><Button type="submit" busy={update.isPending} disabled={!canCreateLeads}>Save rule</Button></div>
        </div>
      </Card>
    </form>
  );
}

function TeamMailboxes({ mailboxes }: { mailboxes: Mailbox[] }) {
  return (
    <Card title="Your team’s mailboxes">
      {mailboxes.length === 0 ? (
        <p className="muted">Nobody else has connected a mailbox yet. Each person connects their own under Settings › Mailbox.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Team mailboxes">
            <thead><tr><th scope="col">Person</th><th scope="col">Account</th><th scope="col">State</th><th scope="col">Last sync</th><th scope="col">Last error</th></tr></thead>
            <tbody>
              {mailboxes.map((m) => (
                <tr key={m.id}>
                  <td>{m.user_name}</td>
                  <td>{m.username}</td>
                  <td><Badge tone={STATE[m.state].tone}>{STATE[m.state].label}</Badge></td>
                  <td>{formatRelative(m.last_synced_at)}</td>
                  <td>{m.state === 'error' ? m.last_error : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
