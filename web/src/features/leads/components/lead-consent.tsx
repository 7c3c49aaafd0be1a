import { Badge, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Button } from '../../../components/button';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import type { LeadDetail } from '../../../api/types';
import { formatDateTime } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import { useConsentChange, useLeadConsents, usePatchLead, useUsers, type ConsentPurpose } from '../api/leads-api';

const PURPOSES: Record<ConsentPurpose, { label: string; hint: string }> = {
  sales_contact: { label: 'Sales contact', hint: 'Calls and e-mails from sales; withdrawn: no contact suggestions or follow-up reminders' },
  marketing: { label: 'Marketing', hint: 'Newsletters and campaigns; withdrawn: left out of exports' },
  tracking: { label: 'Website tracking', hint: 'Visits recorded by the tracking snippet; withdrawn: nothing more is recorded' },
  profiling: { label: 'Profiling', hint: 'Scoring and insights about this person' },
};
const TONE = { granted: 'good', withdrawn: 'bad', unknown: 'neutral' } as const;
const STATE = { granted: 'Granted', withdrawn: 'Withdrawn', unknown: 'Not recorded' } as const;

/** Consent status and the do-not-contact and unsubscribed switches of one lead. */
export function LeadConsent({ lead, canEdit }: { lead: LeadDetail; canEdit: boolean }) {
  const consents = useLeadConsents(lead.id);
  const change = useConsentChange(lead.id);
  const patch = usePatchLead(lead.id);
  const users = useUsers();
  const canConsent = useCan('consents:write');
  const toast = useToast();
  const who = (id: string | null) => (id ? (users.data?.data.find((u) => u.id === id)?.full_name ?? 'a user') : 'an integration');
  const flags = [
    { key: 'do_not_contact', label: 'Do not contact', on: lead.do_not_contact, at: lead.do_not_contact_at, by: lead.do_not_contact_by },
    { key: 'unsubscribed', label: 'Unsubscribed', on: lead.unsubscribed, at: lead.unsubscribed_at, by: lead.unsubscribed_by },
  ] as const;
  const blocked = consents.data && !consents.data.contactable;
  return (
    <Card title="Consent and contact" actions={blocked ? <Badge tone="bad">Not to be contacted</Badge> : consents.data ? <Badge tone="good">Contactable</Badge> : undefined}>
      <div className="stack">
        <div className="stack stack--sm">
          {flags.map((f) => (
            <div className="field" key={f.key}>
              <label className="switch">
                <input
                  type="checkbox"
                  className="checkbox"
                  checked={f.on}
                  disabled={!canEdit || patch.isPending}
                  aria-describedby={`consent-${f.key}-hint`}
                  onChange={(e) => patch.mutate({ [f.key]: e.target.checked }, { onSuccess: () => toast(`${f.label}: ${e.target.checked ? 'on' : 'off'}`) })}
                />
                <span className="field__label">{f.label}</span>
              </label>
              <p id={`consent-${f.key}-hint`} className="field__hint">
                {f.at ? `${f.on ? 'Set' : 'Cleared'} by ${who(f.by)}, ${formatDateTime(f.at)}.` : 'Never set.'}
                {f.on && ' No contact suggestions or reminders, no website tracking, left out of exports.'}
              </p>
            </div>
          ))}
          <ErrorMessage error={patch.error} title="Not changed" />
        </div>
        <h3 className="subhead">Consent by purpose</h3>
        <ErrorMessage error={consents.error} title="Consent could not be loaded" />
        {consents.isPending ? (
          <SkeletonBlock lines={4} label="Loading consent" />
        ) : consents.data ? (
          <ul className="consent-list" aria-label="Consent by purpose">
            {(Object.keys(PURPOSES) as ConsentPurpose[]).map((p) => {
              const state = consents.data.status[p] ?? 'unknown';
              const last = consents.data.data.find((r) => r.purpose === p);
              return (
                <li key={p} className="consent-list__row">
                  <div className="consent-list__what">
                    <span className="consent-list__label">{PURPOSES[p].label}</span>{' '}
                    <Badge tone={TONE[state]}>{STATE[state]}</Badge>
                    <p className="small muted">
                      {last ? `${state === 'withdrawn' ? 'Withdrawn' : 'Given'} ${formatDateTime(state === 'withdrawn' ? last.withdrawn_at : last.granted_at)} · ${last.source.replace(/_/g, ' ')}` : PURPOSES[p].hint}
                    </p>
                  </div>
                  {canConsent && (
                    <Button
                      size="sm"
                      busy={change.isPending && change.variables?.purpose === p}
                      onClick={() => change.mutate({ purpose: p, grant: state !== 'granted' }, { onSuccess: () => toast(`${PURPOSES[p].label}: ${state !== 'granted' ? 'consent recorded' : 'consent withdrawn'}`) })}
                    >
                      {state === 'granted' ? 'Withdraw' : 'Record consent'}
                    </Button>
                  )}
                </li>
              );
            })}
          </ul>
        ) : null}
        <ErrorMessage error={change.error} title="Not recorded" />
      </div>
    </Card>
  );
}
