import { useState } from 'react';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { SelectField, TextField } from '../../../components/field';
import { Card } from '../../../components/page';
import { formatDateTime } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import { useAuditLog, useAuditUsers, type AuditEntry, type AuditFilters } from '../api/audit-api';

/** The actions the log records, grouped as an admin looks for them. */
const ACTIONS: { group: string; actions: [string, string][] }[] = [
  { group: 'Sign-in', actions: [['auth.login', 'Signed in'], ['auth.login_failed', 'Failed sign-in']] },
  { group: 'Access', actions: [['user.role_change', 'Role changed'], ['user.deactivate', 'User deactivated'], ['user.reactivate', 'User reactivated'], ['user.update', 'User changed'], ['invitation.create', 'Invitation sent'], ['invitation.accept', 'Invitation accepted'], ['invitation.revoke', 'Invitation revoked'], ['team.create', 'Team created'], ['team.update', 'Team changed'], ['team.delete', 'Team deleted']] },
  { group: 'API and tracking keys', actions: [['api_key.create', 'API key created'], ['api_key.revoke', 'API key revoked'], ['api_key.use', 'API key used'], ['tracking_key.create', 'Write key created'], ['tracking_key.rotate', 'Write key rotated'], ['tracking_key.revoke', 'Write key revoked']] },
  { group: 'Settings and model', actions: [['organization.update', 'Organization changed'], ['settings.update', 'Settings changed'], ['model.activate', 'Model activated']] },
  { group: 'Data', actions: [['leads.export', 'Leads exported'], ['lead.merge', 'Leads merged'], ['consent.record', 'Consent recorded'], ['consent.withdraw', 'Consent withdrawn'], ['lead.do_not_contact', 'Do-not-contact changed'], ['lead.unsubscribed', 'Unsubscribed changed']] },
  { group: 'Privacy', actions: [['privacy.export', 'Personal data exported'], ['privacy.erase', 'Person erased'], ['privacy.verify', 'Erasure verified'], ['retention.run', 'Retention run'], ['retention.policy.update', 'Retention policy changed']] },
];
const ACTION_LABEL = new Map(ACTIONS.flatMap((g) => g.actions));
const ALERTS = new Set(['auth.login_failed', 'user.deactivate', 'privacy.erase', 'api_key.revoke']);
const ENTITY_TYPES = ['user', 'api_key', 'team', 'lead', 'organization', 'model', 'invitation', 'tracking_key'];

/** A date input's value (local day) as the start of that day, or the start of the next one for `to`. */
const dayBound = (value: string, end: boolean) => {
  if (!value) return undefined;
  const d = new Date(`${value}T00:00:00`);
  if (end) d.setDate(d.getDate() + 1);
  return d.toISOString();
};

function details(entry: AuditEntry): string {
  return Object.entries(entry.details)
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${typeof v === 'string' ? v.replace(/,/g, ', ') : JSON.stringify(v)}`)
    .join(' · ');
}

/** Settings → Audit log (admins): who did what, when, from where, with filters. */
export function AuditTab() {
  const canRead = useCan('audit:read');
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [entityType, setEntityType] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const filters: AuditFilters = Object.fromEntries(
    Object.entries({ action, actor_id: actor, entity_type: entityType, from: dayBound(from, false), to: dayBound(to, true) }).filter(([, v]) => v),
  ) as AuditFilters;
  const log = useAuditLog(filters);
  const users = useAuditUsers();
  if (!canRead) {
    return (
      <Card>
        <EmptyState title="The audit log is for admins">It records sign-ins, access changes, exports and privacy actions; ask an admin if you need to know who did what.</EmptyState>
      </Card>
    );
  }
  const people = new Map((users.data?.data ?? []).map((u) => [u.id, u.full_name]));
  const actorName = (e: AuditEntry) => (e.actor_type === 'system' ? 'System' : e.actor_type === 'api_key' ? `API key ${e.actor_id?.slice(0, 8) ?? ''}` : (people.get(e.actor_id ?? '') ?? 'Former user'));
  const target = (e: AuditEntry) => (e.entity_type ? `${e.entity_type.replace(/_/g, ' ')}${e.entity_id ? ` ${e.entity_type === 'user' && people.has(e.entity_id) ? people.get(e.entity_id) : e.entity_id.slice(0, 8)}` : ''}` : '—');
  const rows = log.data?.pages.flatMap((p) => p.data) ?? [];
  const filtered = Object.keys(filters).length > 0;
  return (
    <div className="stack">
      <Card title="Filters">
        <div className="audit-filters" role="search" aria-label="Audit log filters">
          <SelectField label="Action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">Every action</option>
            {ACTIONS.map((g) => (
              <optgroup key={g.group} label={g.group}>
                {g.actions.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
              </optgroup>
            ))}
          </SelectField>
          <SelectField label="Who" value={actor} onChange={(e) => setActor(e.target.value)}>
            <option value="">Anyone</option>
            {(users.data?.data ?? []).map((u) => <option key={u.id} value={u.id}>{u.full_name}</option>)}
          </SelectField>
          <SelectField label="Target" value={entityType} onChange={(e) => setEntityType(e.target.value)}>
            <option value="">Any target</option>
            {ENTITY_TYPES.map((t) => <option key={t} value={t}>{t.replace(/_/g, ' ')}</option>)}
          </SelectField>
          <TextField label="From" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
          <TextField label="To" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        {filtered && (
          <Button size="sm" onClick={() => { setAction(''); setActor(''); setEntityType(''); setFrom(''); setTo(''); }}>
            Clear filters
          </Button>
        )}
      </Card>
      <Card title="Audit log">
        <ErrorMessage error={log.error} title="The audit log could not be loaded" />
        {log.isPending ? (
          <SkeletonBlock lines={6} label="Loading the audit log" />
        ) : rows.length === 0 ? (
          <EmptyState title={filtered ? 'Nothing matches these filters' : 'Nothing recorded yet'}>{filtered ? 'Try a wider date range or another action.' : 'Sign-ins, access changes and exports appear here.'}</EmptyState>
        ) : (
          <div className="stack stack--sm">
            <table className="table audit-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Who</th>
                  <th scope="col">Target</th>
                  <th scope="col">Details</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((e) => (
                  <tr key={e.id}>
                    <td className="nowrap" data-label="When">{formatDateTime(e.created_at)}</td>
                    <td data-label="Action">
                      <Badge tone={ALERTS.has(e.action) ? 'warn' : 'neutral'} title={e.action}>{ACTION_LABEL.get(e.action) ?? e.action}</Badge>
                    </td>
                    <td data-label="Who">{actorName(e)}</td>
                    <td data-label="Target">{target(e)}</td>
                    <td className="small" data-label="Details">{details(e) || '—'}</td>
                    <td className="small" data-label="From" title={e.user_agent ?? undefined}>{e.ip_address ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {log.hasNextPage && (
              <Button busy={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
                Show older entries
              </Button>
            )}
          </div>
        )}
      </Card>
    </div>
  );
}
