import { Link } from 'react-router';
import { Badge, EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Button } from '../../../components/button';
import { Card } from '../../../components/page';
import { formatPercent } from '../../../lib/format';
import { useCan } from '../../../lib/session';
import { useAcknowledgeInsight, useInsightInbox, type Insight } from '../api/dashboard-api';

const PRIORITY_TONE: Record<Insight['priority'], 'bad' | 'warn' | 'info' | 'neutral'> = { urgent: 'bad', high: 'warn', medium: 'info', low: 'neutral' };

/** The top of "my insight inbox"; with nothing of your own, the organization's most pressing open insights. */
export function InsightInbox() {
  const { inbox, orgTop, inboxEmpty } = useInsightInbox();
  const acknowledge = useAcknowledgeInsight();
  const canAct = useCan('leads:write');
  const source = inboxEmpty ? orgTop : inbox;
  const items = source.data?.data ?? [];

  return (
    <Card title={inboxEmpty ? 'Open insights across the organization' : 'My insight inbox'} actions={<Link to="/insights" className="small">All insights</Link>} className="dash__inbox">
      <ErrorMessage error={source.error} title="Insights could not be loaded" />
      <ErrorMessage error={acknowledge.error} title="Not acknowledged" />
      {source.isPending && !source.error ? (
        <SkeletonBlock lines={6} label="Loading insights" />
      ) : items.length === 0 ? (
        <EmptyState title="Inbox zero">
          Insights appear as the AI notices buying signals, churn risks and competitor mentions in your leads’ activity and conversations.
        </EmptyState>
      ) : (
        <ul className="inbox">
          {items.map((insight) => (
            <li key={insight.id} className="inbox__item">
              <div className="row row--between">
                <Badge tone={PRIORITY_TONE[insight.priority]}>{insight.priority}</Badge>
                <span className="muted small" title="How sure the engine is">
                  {formatPercent(insight.confidence)} sure
                </span>
              </div>
              <div className="inbox__title">{insight.title}</div>
              <div className="small">
                <Link to={`/leads/${insight.lead_id}`}>{insight.lead_name}</Link>
              </div>
              {canAct && (
                <Button size="sm" onClick={() => acknowledge.mutate(insight.id)} aria-label={`Acknowledge: ${insight.title} (${insight.lead_name})`}>
                  Acknowledge
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
