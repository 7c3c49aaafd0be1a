import { useState, type FormEvent } from 'react';
import type { Lead } from '../../../api/types';
import { Button } from '../../../components/button';
import { ErrorMessage } from '../../../components/feedback';
import { useToast } from '../../../components/toast';
import { formatDateTime } from '../../../lib/format';
import { usePatchLead } from '../api/leads-api';

function at(daysFromNow: number, hour = 9): string {
  const d = new Date();
  d.setDate(d.getDate() + daysFromNow);
  d.setHours(hour, 0, 0, 0);
  return d.toISOString();
}

/** The lead's next follow-up: quick picks or a date and time; it shows on the dashboard when due. */
export function ScheduleFollowUp({ lead }: { lead: Lead }) {
  const patch = usePatchLead(lead.id);
  const toast = useToast();
  const [custom, setCustom] = useState('');
  const set = (iso: string | null) =>
    patch.mutate({ next_follow_up_at: iso }, { onSuccess: () => toast(iso ? `Follow-up set for ${formatDateTime(iso)}` : 'Follow-up cleared') });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (custom) set(new Date(custom).toISOString());
  }
  return (
    <div className="stack stack--sm">
      <p>
        Next follow-up: <strong>{lead.next_follow_up_at ? formatDateTime(lead.next_follow_up_at) : 'none'}</strong>
      </p>
      <div className="row">
        <Button size="sm" onClick={() => set(at(1))}>
          Tomorrow 9:00
        </Button>
        <Button size="sm" onClick={() => set(at(3))}>
          In 3 days
        </Button>
        <Button size="sm" onClick={() => set(at(7))}>
          Next week
        </Button>
        {lead.next_follow_up_at && (
          <Button size="sm" variant="ghost" onClick={() => set(null)}>
            Clear
          </Button>
        )}
      </div>
      <form className="row" onSubmit={submit}>
        <label className="visually-hidden" htmlFor="follow-up-at">
          Follow-up date and time
        </label>
        <input id="follow-up-at" className="input input--sm" type="datetime-local" value={custom} onChange={(e) => setCustom(e.target.value)} />
        <Button size="sm" type="submit" disabled={!custom} busy={patch.isPending}>
          Schedule
        </Button>
      </form>
      <ErrorMessage error={patch.error} title="The follow-up was not saved" />
    </div>
  );
}
