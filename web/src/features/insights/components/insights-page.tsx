import { useState } from 'react';
import { Link } from 'react-router';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { SelectField, TextAreaField } from '../../../components/field';
import { Card, PageHeader } from '../../../components/page';
import { useToast } from '../../../components/toast';
import { ApiError } from '../../../lib/api-client';
import { formatDateTime, formatPercent, formatRelative, humanize } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import '../../../styles/workspace.css';
import { useAcknowledge, useDismiss, useInbox, useInsightList, type Insight, type InsightListQuery, type InsightType, type Priority } from '../api/insights-api';
import { Evidence } from './evidence';
import { WhyNote } from './why-note';

const TYPES: Record<InsightType, string> = {
  buying_signal: 'Buying signal',
  churn_risk: 'Churn risk',
  optimal_contact_time: 'Best time to contact',
  content_recommendation: 'Content to share',
  next_best_action: 'Next best action',
  competitive_threat: 'Competitor threat',
};
const PRIORITIES: Record<Priority, { label: string; tone: 'bad' | 'warn' | 'info' | 'neutral' }> = {
  urgent: { label: 'Urgent', tone: 'bad' },
  high: { label: 'High', tone: 'warn' },
  medium: { label: 'Medium', tone: 'info' },
  low: { label: 'Low', tone: 'neutral' },
};

type View = 'inbox' | 'all';
type StatusFilter = 'open' | 'dismissed' | 'expired' | '';
type AckFilter = 'true' | 'false' | '';

/** The priority inbox, and every insight with filters; each with its evidence, acknowledge and dismiss. */
export function InsightsPage() {
  const [view, setView] = useState<View>('inbox');
  const [type, setType] = useState<InsightType | ''>('');
  const [priority, setPriority] = useState<Priority | ''>('');
  const [status, setStatus] = useState<StatusFilter>('open');
  const [acknowledged, setAcknowledged] = useState<AckFilter>('');
  const filters: Omit<InsightListQuery, 'limit' | 'cursor'> = {
    ...(type ? { type } : {}),
    ...(priority ? { priority } : {}),
    ...(status ? { status } : {}),
    ...(acknowledged ? { acknowledged } : {}),
  };
  // Mutations and the dismiss form live here, not in the item: an optimistic change takes the
  // item out of the list, and a refusal puts it back with its form, reason and error intact.
  const acknowledge = useAcknowledge();
  const dismiss = useDismiss();
  const [dismissing, setDismissing] = useState<{ id: string; reason: string } | null>(null);
  const inbox = useInbox(view === 'inbox');
  const list = useInsightList(filters, view === 'all');
  const source = view === 'inbox' ? inbox : list;
  const all = source.data?.pages.flatMap((p) => p.data) ?? [];
  // The inbox endpoint has no filters: they narrow what it returned. A just-acknowledged or
  // dismissed insight leaves the views it no longer belongs to at once.
  const items = all.filter(
    (i) =>
      (!type || i.insight_type === type) &&
      (!priority || i.priority === priority) &&
      (view === 'inbox' ? i.status === 'open' && !i.acknowledged_at : (!status || i.status === status) && (acknowledged !== 'false' || !i.acknowledged_at)),
  );

  return (
    <>
      <PageHeader
        title="Insights"
        description="What the AI noticed in your leads’ activity, conversations and website visits — most pressing first."
        actions={
          <div className="segmented" role="group" aria-label="Show">
            <button type="button" className="segmented__option" aria-pressed={view === 'inbox'} onClick={() => setView('inbox')}>
              My inbox
            </button>
            <button type="button" className="segmented__option" aria-pressed={view === 'all'} onClick={() => setView('all')}>
              All insights
            </button>
          </div>
        }
      />
      <div className="insight-filters" role="search" aria-label="Filter insights">
        <SelectField label="Type" value={type} onChange={(e) => setType(e.target.value as InsightType | '')}>
          <option value="">All types</option>
          {(Object.keys(TYPES) as InsightType[]).map((t) => (
            <option key={t} value={t}>
              {TYPES[t]}
            </option>
          ))}
        </SelectField>
        <SelectField label="Priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority | '')}>
          <option value="">All priorities</option>
          {(Object.keys(PRIORITIES) as Priority[]).map((p) => (
            <option key={p} value={p}>
              {PRIORITIES[p].label}
            </option>
          ))}
        </SelectField>
        {view === 'all' && (
          <>
            <SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
              <option value="open">Open</option>
              <option value="dismissed">Dismissed</option>
              <option value="expired">Expired</option>
              <option value="">Any status</option>
            </SelectField>
            <SelectField label="Acknowledged" value={acknowledged} onChange={(e) => setAcknowledged(e.target.value as AckFilter)}>
              <option value="">Either</option>
              <option value="false">Not yet</option>
              <option value="true">Acknowledged</option>
            </SelectField>
          </>
        )}
      </div>
      <ErrorMessage error={source.error} title="Insights could not be loaded" />
      {source.isPending && !source.error ? (
        <Card>
          <SkeletonBlock lines={8} label="Loading insights" />
        </Card>
      ) : items.length === 0 && !source.error ? (
        <Card>
          {view === 'inbox' && !type && !priority ? (
            <EmptyState title="Your inbox is clear" action={<Button onClick={() => setView('all')}>See all insights</Button>}>
              New insights on your leads land here: buying signals, churn risks, competitor mentions and the best time to call. Log activities and conversations on your leads so the AI has something to read.
            </EmptyState>
          ) : (
            <EmptyState title="No insights match these filters">Try another type or priority, or “Any status”.</EmptyState>
          )}
        </Card>
      ) : (
        <ul className="insights" aria-label={view === 'inbox' ? 'My inbox' : 'Insights'}>
          {items.map((insight) => (
            <InsightItem key={insight.id} insight={insight} acknowledge={acknowledge} dismiss={dismiss} dismissing={dismissing?.id === insight.id ? dismissing : null} setDismissing={setDismissing} />
          ))}
        </ul>
      )}
      {source.hasNextPage && (
        <div className="row" style={{ justifyContent: 'center', marginTop: 16 }}>
          <Button onClick={() => source.fetchNextPage()} busy={source.isFetchingNextPage}>
            Load more
          </Button>
        </div>
      )}
    </>
  );
}

function InsightItem({
  insight, acknowledge, dismiss, dismissing, setDismissing,
}: {
  insight: Insight;
  acknowledge: ReturnType<typeof useAcknowledge>;
  dismiss: ReturnType<typeof useDismiss>;
  dismissing: { id: string; reason: string } | null;
  setDismissing: (d: { id: string; reason: string } | null) => void;
}) {
  const canAct = useCan('leads:write');
  const toast = useToast();
  const mine = (v: { id: string } | undefined) => v?.id === insight.id;
  const ackError = mine(acknowledge.variables) ? acknowledge.error : null;
  const dismissFailure = mine(dismiss.variables) ? dismiss.error : null;
  const reason = dismissing?.reason ?? '';
  const p = PRIORITIES[insight.priority];
  const titleId = `insight-${insight.id}`;
  const open = insight.status === 'open';
  const dismissError = dismissFailure instanceof ApiError ? dismissFailure : null;

  return (
    <li className="card insight" aria-labelledby={titleId}>
      <div className="insight__meta">
        <Badge tone={p.tone}>{p.label}</Badge>
        <Badge tone="accent">{TYPES[insight.insight_type]}</Badge>
        <span className="insight__confidence" title="The share of such insights that came true on your decided leads">
          <span className="meter" aria-hidden="true">
            <span className="meter__fill" style={{ width: `${Math.round(insight.confidence * 100)}%` }} />
          </span>
          {formatPercent(insight.confidence)} confidence
        </span>
        <span className="muted small" title={formatDateTime(insight.created_at)}>
          {formatRelative(insight.created_at)}
        </span>
        {insight.acknowledged_at && <Badge tone="good">Acknowledged</Badge>}
        {insight.status !== 'open' && <Badge>{humanize(insight.status)}</Badge>}
      </div>
      <h2 id={titleId} className="insight__title">
        {insight.title}
      </h2>
      <div className="small">
        Lead: <Link to={`/leads/${insight.lead_id}`}>{insight.lead_name}</Link>
      </div>
      <p className="insight__description">{insight.description}</p>
      <WhyNote data={insight.data} confidence={insight.confidence} />
      {insight.dismiss_reason && (
        <p className="small muted">
          Dismissed {formatRelative(insight.dismissed_at)}: “{insight.dismiss_reason}”
        </p>
      )}
      <details className="insight__evidence">
        <summary>Evidence</summary>
        <Evidence data={insight.data} />
      </details>
      <ErrorMessage error={ackError} title="Not acknowledged" />
      {canAct && open && !dismissing && (
        <div className="row">
          {!insight.acknowledged_at && (
            <Button size="sm" variant="primary" onClick={() => acknowledge.mutate({ id: insight.id }, { onSuccess: () => toast('Insight acknowledged') })} aria-label={`Acknowledge: ${insight.title}`}>
              Acknowledge
            </Button>
          )}
          <Button size="sm" onClick={() => setDismissing({ id: insight.id, reason: '' })} aria-label={`Dismiss: ${insight.title}`}>
            Dismiss…
          </Button>
        </div>
      )}
      {canAct && open && dismissing && (
        <form
          className="stack stack--sm insight__dismiss"
          onSubmit={(e) => {
            e.preventDefault();
            dismiss.mutate({ id: insight.id, reason }, { onSuccess: () => { setDismissing(null); toast('Insight dismissed'); } });
          }}
        >
          <TextAreaField
            label="Why does this not apply?"
            hint="The reason is kept with the insight; it is not raised again while the reason lasts."
            value={reason}
            onChange={(e) => setDismissing({ id: insight.id, reason: e.target.value })}
            error={dismissError?.fieldErrors.reason}
            rows={2}
            autoFocus
          />
          {dismissFailure && !dismissError?.fieldErrors.reason ? <ErrorMessage error={dismissFailure} title="Not dismissed" /> : null}
          <div className="row">
            <Button type="submit" size="sm" variant="danger" busy={dismiss.isPending && mine(dismiss.variables)}>
              Dismiss insight
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setDismissing(null)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </li>
  );
}
