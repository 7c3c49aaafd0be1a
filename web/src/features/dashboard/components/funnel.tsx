import { Link } from 'react-router';
import { EmptyState } from '../../../components/feedback';
import { formatNumber, formatPercent, humanize } from '../../../lib/format';
import type { FunnelStep } from '../api/dashboard-api';

/**
 * The funnel as horizontal bars (plain HTML: crisp at any width, read as a list by screen
 * readers), with each step's count against the step before between the bars. It counts
 * what happened in the period, as the KPI cards do (one definition on the server): its
 * steps may not shrink one by one, since older leads move on in the period too.
 */
export function Funnel({ steps, lost, days }: { steps: FunnelStep[]; lost: number; days: number }) {
  const top = Math.max(1, ...steps.map((s) => s.reached));
  if (steps.every((s) => s.reached === 0)) {
    return (
      <EmptyState title="Nothing moved in this period" action={<Link to="/leads" className="btn btn--primary">Add or import leads</Link>}>
        The funnel counts the leads created, moved along the pipeline and won in the last {days} days. Import a list or add a lead to start it.
      </EmptyState>
    );
  }
  return (
    <div>
      <p className="funnel__legend muted small">
        Leads that reached each step in the last {days} days, however old they are: <strong>New</strong> = created, <strong>Closed won</strong> = marked won (less deals reopened), the
        steps between = got there for the first time. The same figures as the cards above.
      </p>
      <ol className="funnel" aria-label={`Leads that reached each step in the last ${days} days`}>
        {steps.map((step, i) => (
          <li key={step.status} className="funnel__step">
            {i > 0 && (
              <div className="funnel__conversion">
                <span aria-hidden="true">↓</span> {formatPercent(step.conversion, 0)} <span className="muted">as many as {humanize(steps[i - 1]!.status).toLowerCase()}</span>
              </div>
            )}
            <div className="funnel__row">
              <span className="funnel__label">{humanize(step.status)}</span>
              <span className="funnel__track">
                <span className="funnel__bar" style={{ width: `${Math.max(1.5, (step.reached / top) * 100)}%` }} />
              </span>
              <span className="funnel__count">{formatNumber(step.reached)}</span>
            </div>
          </li>
        ))}
      </ol>
      <p className="funnel__lost muted">
        {formatNumber(lost)} {lost === 1 ? 'lead' : 'leads'} closed lost or unqualified in the period.
      </p>
    </div>
  );
}
