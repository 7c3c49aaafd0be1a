import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { SelectField, TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { useCan } from '../../../lib/session';
import '../../../styles/email.css';
import { useEmailSettings, useRemoveSmtpAccount, useSaveEmailSettings, useSaveSmtpAccount, useSendTest, useSmtpAccount, type Scope, type SmtpAccount, type SmtpBody } from '../api/email';

/**
 * Settings › E-mail: the organization relay (admins), your own SMTP account (anyone who
 * sends), and open/click tracking (admins). Passwords go in and never come back: the form
 * shows whether one is saved, and an empty password field keeps it.
 */
export function EmailTab() {
  const canSend = useCan('email:send');
  const isAdmin = useCan('org:update');
  if (!canSend) {
    return (
      <Card>
        <EmptyState title="Your role does not send e-mail">Sales reps, managers, marketing and admins send e-mail to leads; ask an admin if you need to.</EmptyState>
      </Card>
    );
  }
  return (
    <div className="settings-grid email-tab">
      {isAdmin && <AccountCard scope="organization" />}
      <AccountCard scope="personal" />
      {isAdmin && <TrackingCard />}
    </div>
  );
}

const TEXT = {
  organization: {
    title: 'Organization relay',
    intro: 'Every e-mail goes out through this SMTP server unless its sender set their own account.',
    empty: 'No relay yet: until one is saved, only people with their own SMTP account can send.',
  },
  personal: {
    title: 'My SMTP account',
    intro: 'Your e-mails to leads go out through your own mailbox, so replies come back to you. Without it, the organization relay sends them.',
    empty: 'Not set: your e-mails go through the organization relay.',
  },
} as const;

function AccountCard({ scope }: { scope: Scope }) {
  const account = useSmtpAccount(scope);
  if (account.error) return <ErrorMessage error={account.error} title="The SMTP settings could not be loaded" />;
  if (!account.data) return <Card title={TEXT[scope].title}><SkeletonBlock lines={5} label="Loading the SMTP settings" /></Card>;
  return <AccountForm key={String(account.data.updated_at)} scope={scope} data={account.data} />;
}

function AccountForm({ scope, data }: { scope: Scope; data: SmtpAccount }) {
  const save = useSaveSmtpAccount(scope);
  const remove = useRemoveSmtpAccount(scope);
  const test = useSendTest();
  const toast = useToast();
  const [form, setForm] = useState({
    host: data.host ?? '', port: String(data.port ?? 587), security: data.security ?? 'starttls', username: data.username ?? '',
    password: '', from_name: data.from_name ?? '', from_address: data.from_address ?? '',
  });
  const errors = save.error instanceof ApiError ? save.error.fieldErrors : {};
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const id = scope === 'organization' ? 'relay' : 'own';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: SmtpBody = {
      host: form.host.trim(), port: Number(form.port), security: form.security as SmtpBody['security'], username: form.username.trim() || null,
      from_name: form.from_name.trim() || null, from_address: form.from_address.trim(),
      ...(form.password ? { password: form.password } : {}),
    };
    save.mutate(body, { onSuccess: () => toast(`${TEXT[scope].title} saved`) });
  };

  return (
    <form onSubmit={submit} aria-label={TEXT[scope].title}>
      <Card title={TEXT[scope].title} actions={data.configured ? <Badge tone="good">Saved</Badge> : <Badge tone="warn">Not set</Badge>}>
        <p className="muted">{TEXT[scope].intro}</p>
        {!data.configured && <p className="small">{TEXT[scope].empty}</p>}
        <div className="email-fields">
          <TextField label="SMTP server" name={`${id}-host`} value={form.host} onChange={set('host')} placeholder="smtp.example.com" error={errors.host} required />
          <TextField label="Port" name={`${id}-port`} value={form.port} onChange={set('port')} inputMode="numeric" error={errors.port} required />
          <SelectField label="Security" name={`${id}-security`} value={form.security} onChange={set('security')} error={errors.security} hint="TLS for port 465, STARTTLS for 587; none only on a trusted network.">
            <option value="starttls">STARTTLS</option>
            <option value="tls">TLS</option>
            <option value="none">None</option>
          </SelectField>
          <TextField label="User name" name={`${id}-username`} value={form.username} onChange={set('username')} autoComplete="off" error={errors.username} />
          <TextField
            label="Password" name={`${id}-password`} type="password" value={form.password} onChange={set('password')} autoComplete="new-password" error={errors.password}
            placeholder={data.password_set ? '•••••••• (saved)' : ''}
            hint={data.password_set ? 'A password is saved; it is never shown. Type a new one to replace it.' : 'Stored encrypted; never shown again.'}
          />
          <TextField label="Sender name" name={`${id}-from-name`} value={form.from_name} onChange={set('from_name')} placeholder="Ada at Acme" error={errors.from_name} />
          <TextField label="Sender address" name={`${id}-from-address`} type="email" value={form.from_address} onChange={set('from_address')} placeholder="ada@acme.example" error={errors.from_address} required />
        </div>
        <ErrorMessage error={save.error} title="Not saved" />
        <ErrorMessage error={test.error} title="The test e-mail was not sent" />
        <ErrorMessage error={remove.error} title="Not removed" />
        {test.data && <p role="status" className="small">Test e-mail sent to {test.data.sent_to}: check your inbox.</p>}
        <div className="row email-actions">
          {data.configured && (
            <>
              <Button onClick={() => test.mutate(scope)} disabled={test.isPending}>{test.isPending ? 'Sending…' : 'Send test e-mail to me'}</Button>
              <Button variant="ghost" onClick={() => remove.mutate(undefined, { onSuccess: () => toast(`${TEXT[scope].title} removed`) })} disabled={remove.isPending}>Remove</Button>
            </>
          )}
          <Button type="submit" variant="primary" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save'}</Button>
        </div>
      </Card>
    </form>
  );
}

function TrackingCard() {
  const settings = useEmailSettings();
  const save = useSaveEmailSettings();
  const toast = useToast();
  if (settings.error) return <ErrorMessage error={settings.error} title="The tracking settings could not be loaded" />;
  if (!settings.data) return <Card title="Open and click tracking"><SkeletonBlock lines={2} label="Loading the tracking settings" /></Card>;
  const s = settings.data;
  const toggle = (k: 'track_opens' | 'track_clicks') => save.mutate({ ...s, [k]: !s[k] }, { onSuccess: (d) => toast(`${k === 'track_opens' ? 'Open' : 'Click'} tracking ${d[k] ? 'on' : 'off'}`) });
  return (
    <Card title="Open and click tracking">
      <p className="muted">
        Off by default. When on, a message carries an open pixel and its links go through a redirect — only for leads who are not do-not-contact or unsubscribed and
        have not withdrawn consent to tracking or profiling. Opens and clicks appear in the lead’s journey and count toward the score.
      </p>
      <label className="email-toggle"><input type="checkbox" checked={s.track_opens} onChange={() => toggle('track_opens')} disabled={save.isPending} /> Track opens</label>
      <label className="email-toggle"><input type="checkbox" checked={s.track_clicks} onChange={() => toggle('track_clicks')} disabled={save.isPending} /> Track link clicks</label>
      <ErrorMessage error={save.error} title="Not saved" />
    </Card>
  );
}
