import { useState } from 'react';
import type { User } from '../../../api/types';
import { Button } from '../../../components/button';
import { ErrorMessage } from '../../../components/feedback';
import { useToast } from '../../../components/toast';
import { humanize } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import { useBulkAssign, useBulkUpdate } from '../api/leads-api';
import { STATUSES } from './lead-columns';

/** Actions on the selected leads; each shows only to roles that may do it. */
export function BulkBar({ ids, users, onDone }: { ids: string[]; users: User[]; onDone: () => void }) {
  const canWrite = useCan('leads:write');
  const canAssign = useCan('leads:assign');
  const bulk = useBulkUpdate();
  const assign = useBulkAssign();
  const toast = useToast();
  const [owner, setOwner] = useState('');
  const [status, setStatus] = useState('');
  const [tag, setTag] = useState('');
  const done = (what: string) => (r: { updated: number; not_found: string[] }) => {
    toast(`${what}: ${r.updated} lead${r.updated === 1 ? '' : 's'}${r.not_found.length ? ` (${r.not_found.length} not yours to change)` : ''}`);
    onDone();
  };
  if (!canWrite && !canAssign) return <div className="bulk-bar">{ids.length} selected</div>;
  return (
    <div className="bulk-bar" role="region" aria-label="Bulk actions">
      <strong>{ids.length} selected</strong>
      {canAssign && (
        <form className="row" onSubmit={(e) => (e.preventDefault(), assign.mutate({ lead_ids: ids, assigned_to: owner === 'none' ? null : owner }, { onSuccess: done('Assigned') }))}>
          <label className="visually-hidden" htmlFor="bulk-owner">
            Assign to
          </label>
          <select id="bulk-owner" className="input input--sm" value={owner} onChange={(e) => setOwner(e.target.value)} required>
            <option value="">Assign to…</option>
            <option value="none">Nobody (unassign)</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.full_name}
              </option>
            ))}
          </select>
          <Button size="sm" type="submit" busy={assign.isPending} disabled={!owner}>
            Assign
          </Button>
        </form>
      )}
      {canWrite && (
        <>
          <form className="row" onSubmit={(e) => (e.preventDefault(), bulk.mutate({ lead_ids: ids, status: status as (typeof STATUSES)[number] }, { onSuccess: done('Status changed') }))}>
            <label className="visually-hidden" htmlFor="bulk-status">
              New status
            </label>
            <select id="bulk-status" className="input input--sm" value={status} onChange={(e) => setStatus(e.target.value)} required>
              <option value="">Change status…</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {humanize(s)}
                </option>
              ))}
            </select>
            <Button size="sm" type="submit" busy={bulk.isPending && !!status} disabled={!status}>
              Apply
            </Button>
          </form>
          <form className="row" onSubmit={(e) => (e.preventDefault(), bulk.mutate({ lead_ids: ids, add_tags: [tag.trim()] }, { onSuccess: (r) => (setTag(''), done('Tagged')(r)) }))}>
            <label className="visually-hidden" htmlFor="bulk-tag">
              Tag to add
            </label>
            <input id="bulk-tag" className="input input--sm" placeholder="Add tag" value={tag} onChange={(e) => setTag(e.target.value)} />
            <Button size="sm" type="submit" disabled={!tag.trim()}>
              Tag
            </Button>
          </form>
        </>
      )}
      <ErrorMessage error={bulk.error ?? assign.error} />
    </div>
  );
}
