import { Link } from 'react-router';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { formatDateTime, formatNumber, formatRelative, humanize } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import { useCreateTrackingKey, useOrganizationSettings, useRecentTrackingEvents, useRotateTrackingKey, useTrackingKeys, useUpdateOrganization, type TrackingKey } from '../api/settings-api';
import { CopyButton } from './copy-button';

export function TrackingTab() {
  const canRead = useCan('tracking:read');
  const canManage = useCan('tracking:manage');
  const keys = useTrackingKeys(canRead);
  const create = useCreateTrackingKey();
  if (!canRead) {
    return (
      <Card>
        <EmptyState title="Website tracking is set up by marketing and admins">Ask them for the snippet if you run a page that should report visits.</EmptyState>
      </Card>
    );
  }
  const active = (keys.data?.data ?? []).filter((k) => !k.revoked_at);
  return (
    <div className="stack">
      <ErrorMessage error={keys.error} title="Tracking keys could not be loaded" />
      {keys.isPending ? (
        <Card>
          <SkeletonBlock lines={4} label="Loading tracking keys" />
        </Card>
      ) : active.length === 0 ? (
        <Card>
          <EmptyState
            title="Track your website visitors"
            action={canManage ? <Button variant="primary" busy={create.isPending} onClick={() => create.mutate('Website')}>Create a write key</Button> : undefined}
          >
            A write key and one script tag on your site record page views and form submissions; visitors who fill in a form become leads with their whole visit history.
            {!canManage && ' An admin creates the key.'}
          </EmptyState>
          <ErrorMessage error={create.error} title="Not created" />
        </Card>
      ) : (
        active.map((k) => <KeyCard key={k.id} trackingKey={k} canManage={canManage} />)
      )}
      <TrackingPrivacyCard />
      <RecentEventsCard />
    </div>
  );
}

const PRIVACY_SWITCHES = [
  { key: 'honor_gpc', label: 'Honour Global Privacy Control', hint: 'Browsers sending Sec-GPC: 1 are not recorded. A valid opt-out of sale and sharing under the CCPA. On by default.', fallback: true },
  { key: 'honor_dnt', label: 'Honour Do-Not-Track', hint: 'Browsers sending DNT: 1 are not recorded. No legal force, and some browsers send it for everyone. Off by default.', fallback: false },
  { key: 'truncate_ip', label: 'Truncate visitors’ IP addresses', hint: 'Store IPv4 addresses to /24 and IPv6 to /48, enough for a region, not for a household.', fallback: false },
] as const;

/** Consent settings of the tracker: each switch saves at once (settings merge key by key). */
function TrackingPrivacyCard() {
  const org = useOrganizationSettings();
  const update = useUpdateOrganization();
  const canEdit = useCan('org:update');
  const toast = useToast();
  const tracking = (org.data?.settings.tracking ?? {}) as Record<string, unknown>;
  return (
    <Card title="Visitor privacy">
      <div className="stack">
        <p className="small muted">
          Never recorded, whatever these say: people marked do-not-contact or unsubscribed, and people who withdrew consent to tracking (on their lead page).
        </p>
        {PRIVACY_SWITCHES.map((s) => {
          const on = typeof tracking[s.key] === 'boolean' ? (tracking[s.key] as boolean) : s.fallback;
          return (
            <div className="field" key={s.key}>
              <label className="switch">
                <input
                  type="checkbox"
                  className="checkbox"
                  checked={on}
                  disabled={!canEdit || !org.data || update.isPending}
                  aria-describedby={`tracking-${s.key}-hint`}
                  onChange={(e) => update.mutate({ settings: { tracking: { [s.key]: e.target.checked } } }, { onSuccess: () => toast(`${s.label}: ${e.target.checked ? 'on' : 'off'}`) })}
                />
                <span className="field__label">{s.label}</span>
              </label>
              <p id={`tracking-${s.key}-hint`} className="field__hint">{s.hint}</p>
            </div>
          );
        })}
        {!canEdit && <p className="small muted">Only admins can change these.</p>}
        <ErrorMessage error={update.error} title="Not saved" />
      </div>
    </Card>
  );
}

function KeyCard({ trackingKey, canManage }: { trackingKey: TrackingKey; canManage: boolean }) {
  const rotate = useRotateTrackingKey();
  const toast = useToast();
  const snippet = `<script src="${window.location.origin}/t.js" data-key="${trackingKey.write_key}" async></script>`;
  return (
    <Card
      title={`Write key: ${trackingKey.name}`}
      actions={
        canManage && (
          <Button size="sm" busy={rotate.isPending} onClick={() => rotate.mutate(trackingKey.id, { onSuccess: () => toast('Key rotated: update the snippet on your pages') })}>
            Rotate key
          </Button>
        )
      }
    >
      <div className="stack stack--sm">
        <div className="secret__row">
          <code className="secret__value" aria-label="Write key">{trackingKey.write_key}</code>
          <CopyButton text={trackingKey.write_key} label="Copy write key" />
        </div>
        <p className="small muted">
          Public by design: it can only send tracking events. Last used {trackingKey.last_used_at ? formatRelative(trackingKey.last_used_at) : 'never'}.
        </p>
        <h3 className="subhead">Install</h3>
        <ol className="steps">
          <li>Paste this tag into every page, just before <code>&lt;/body&gt;</code> (or add it through your tag manager):</li>
        </ol>
        <div className="secret__row">
          <pre className="snippet" aria-label="Tracking snippet">{snippet}</pre>
          <CopyButton text={snippet} label="Copy snippet" />
        </div>
        <ol className="steps" start={2}>
          <li>Page views are sent automatically. Forms with an email field identify the visitor and create or update the lead.</li>
          <li>
            To identify a visitor yourself: <code>leadai.identify(&quot;ada@example.com&quot;, {'{'} first_name: &quot;Ada&quot; {'}'})</code>; custom events: <code>leadai.track(&quot;Demo booked&quot;)</code>.
          </li>
          <li>Open your site, then check below that events arrive.</li>
        </ol>
        <ErrorMessage error={rotate.error} title="Not rotated" />
      </div>
    </Card>
  );
}

function RecentEventsCard() {
  const events = useRecentTrackingEvents(true);
  const data = events.data;
  return (
    <Card
      title="Last events received"
      actions={
        <Button size="sm" busy={events.isFetching} onClick={() => events.refetch()}>
          Check now
        </Button>
      }
    >
      <ErrorMessage error={events.error} title="Events could not be loaded" />
      {events.isPending ? (
        <SkeletonBlock lines={3} label="Loading recent events" />
      ) : !data || data.data.length === 0 ? (
        <p className="muted" role="status">
          No website events in the last 30 days. Once the snippet is on a page, visit it: the first page view shows up here within seconds.
        </p>
      ) : (
        <>
          <p role="status">
            <Badge tone="good">Receiving</Badge> {formatNumber(data.last_30d)} website {data.last_30d === 1 ? 'event' : 'events'} in the last 30 days, {formatNumber(data.last_24h)} in the last 24 hours; the newest arrived {formatRelative(data.last_received_at)}.
          </p>
          <div className="table-wrap">
            <table className="table table--compact">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Event</th>
                  <th scope="col">Page</th>
                  <th scope="col">Visitor</th>
                </tr>
              </thead>
              <tbody>
                {data.data.map((e) => (
                  <tr key={e.id}>
                    <td className="small nowrap" title={formatDateTime(e.occurred_at)}>
                      {formatRelative(e.occurred_at)}
                    </td>
                    <td>
                      <Badge tone="info">{humanize(e.event_type)}</Badge> <span className="small">{e.event_name}</span>
                    </td>
                    <td className="small truncate" title={e.url ?? undefined}>{e.url ?? '—'}</td>
                    <td className="small">{e.lead_id ? <Link to={`/leads/${e.lead_id}`}>Known lead</Link> : <span className="muted">Anonymous</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Card>
  );
}
