import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { SelectField, TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { formatDate, formatRelative } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import { ROLES, useApiKeys, useCreateApiKey, useRevokeApiKey, type ApiKeyCreated, type Role } from '../api/settings-api';
import { ShownOnce } from './shown-once';

export function ApiKeysTab() {
  const canManage = useCan('api_keys:manage');
  const keys = useApiKeys(canManage);
  const revoke = useRevokeApiKey();
  const toast = useToast();
  if (!canManage) {
    return (
      <Card>
        <EmptyState title="API keys are managed by admins">Ask an admin for a key if an integration needs to reach LeadAI’s API.</EmptyState>
      </Card>
    );
  }
  const active = (keys.data?.data ?? []).filter((k) => !k.revoked_at);
  return (
    <div className="stack">
      <CreateKeyCard />
      <Card title="Keys">
        <ErrorMessage error={keys.error ?? revoke.error} title={revoke.error ? 'Not revoked' : undefined} />
        {keys.isPending ? (
          <SkeletonBlock lines={3} label="Loading API keys" />
        ) : active.length === 0 ? (
          <EmptyState title="No API keys">Create one above for an integration (a CRM sync, a form handler, a script). It acts with the permissions of the role you pick.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Role</th>
                  <th scope="col">Created</th>
                  <th scope="col">Expires</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {active.map((k) => (
                  <tr key={k.id}>
                    <td className="strong">{k.name}</td>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>{ROLES[k.role].label}</td>
                    <td className="small">{formatRelative(k.created_at)}</td>
                    <td className="small">{k.expires_at ? formatDate(k.expires_at) : <Badge>Never</Badge>}</td>
                    <td className="num">
                      <Button size="sm" variant="danger" aria-label={`Revoke API key ${k.name}`} onClick={() => revoke.mutate(k.id, { onSuccess: () => toast(`API key “${k.name}” revoked`) })}>
                        Revoke
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function CreateKeyCard() {
  const create = useCreateApiKey();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('sales_rep');
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const errors = create.error instanceof ApiError ? create.error.fieldErrors : {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, role }, { onSuccess: (k) => { setCreated(k); setName(''); } });
  };
  return (
    <Card title="Create an API key">
      <form className="inline-form" onSubmit={submit} aria-label="Create an API key">
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} placeholder="e.g. Website form" />
        <SelectField label="Acts as" value={role} onChange={(e) => setRole(e.target.value as Role)} error={errors.role} hint={ROLES[role].hint}>
          {(Object.keys(ROLES) as Role[]).map((r) => (
            <option key={r} value={r}>
              {ROLES[r].label}
            </option>
          ))}
        </SelectField>
        <Button type="submit" variant="primary" busy={create.isPending}>
          Create key
        </Button>
      </form>
      {create.error && Object.keys(errors).length === 0 ? <ErrorMessage error={create.error} title="Not created" /> : null}
      {created && (
        <ShownOnce
          value={created.key}
          valueLabel="New API key"
          copyLabel="Copy API key"
          footer={
            <>
              <div className="small">
                Send it as <code>Authorization: Bearer {created.prefix}…</code>
              </div>
              <Button size="sm" variant="ghost" onClick={() => setCreated(null)}>
                I have stored it — hide
              </Button>
            </>
          }
        >
          <strong>Copy the key for “{created.name}” now.</strong> It is shown only this once; LeadAI keeps only a hash of it.
        </ShownOnce>
      )}
    </Card>
  );
}
