import { useState } from 'react';
import { Button } from '../../../components/button';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card } from '../../../components/page';
import { formatRelative, humanize } from '../../../lib/format';
import { useInsightAction, useLeadInsights } from '../api/leads-api';

export function LeadInsights({ leadId, canAct }: { leadId: string; canAct: boolean }) {
  const insights = useLeadInsights(leadId);
  const action = useInsightAction(leadId);
  const [dismissing, setDismissing] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const open = (insights.data?.data ?? []).filter((i) => !i.dismissed_at);
  return (
    <Card title="Insights">
      {insights.isPending ? (
        <SkeletonBlock lines={3} label="Loading insights" />
      ) : insights.error ? (
        <ErrorMessage error={insights.error} title="Could not load insights" />
      ) : open.length === 0 ? (
        <EmptyState title="No open insights">Insights appear when the AI notices something: a buying signal, a risk, a better time to call.</EmptyState>
      ) : (
        <div className="stack stack--sm">
          {open.map((i) => (
            <article key={i.id} className="insight" aria-label={i.title}>
              <div className="row row--between">
                <strong>{i.title}</strong>
                <span className="row">
                  <Badge tone={i.priority === 'urgent' || i.priority === 'high' ? 'bad' : i.priority === 'medium' ? 'warn' : 'neutral'}>{i.priority}</Badge>
                  <Badge tone="accent">{humanize(i.insight_type)}</Badge>
                </span>
              </div>
              <p>{i.description}</p>
              <p className="muted">
                {Math.round(i.confidence * 100)}% confident · {formatRelative(i.created_at)}
                {i.acknowledged_at && ' · acknowledged'}
              </p>
              {canAct && (
                <div className="row">
                  {!i.acknowledged_at && (
                    <Button size="sm" onClick={() => action.mutate({ id: i.id, kind: 'acknowledge' })}>
                      Acknowledge
                    </Button>
                  )}
                  {dismissing === i.id ? (
                    <form className="row" onSubmit={(e) => (e.preventDefault(), action.mutate({ id: i.id, kind: 'dismiss', reason: reason || 'not relevant' }), setDismissing(null))}>
                      <label className="visually-hidden" htmlFor={`reason-${i.id}`}>
                        Why dismiss it?
                      </label>
                      <input id={`reason-${i.id}`} className="input input--sm" placeholder="Why? (optional)" value={reason} onChange={(e) => setReason(e.target.value)} autoFocus />
                      <Button size="sm" type="submit" variant="danger">
                        Dismiss
                      </Button>
                    </form>
                  ) : (
                    <Button size="sm" variant="ghost" onClick={() => (setDismissing(i.id), setReason(''))}>
                      Dismiss…
                    </Button>
                  )}
                </div>
              )}
            </article>
          ))}
          <ErrorMessage error={action.error} title="The insight was not updated" />
        </div>
      )}
    </Card>
  );
}
