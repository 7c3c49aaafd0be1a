import { Link } from 'react-router';
import { EmptyState } from '../../../components/feedback';
import { formatNumber, formatPercent, humanize } from '../../../lib/format';
import type { FunnelStep } from '../api/dashboard-api';

/**
 * The funnel as horizontal bars (plain HTML: crisp at any width, read as a list by screen
 * readers), with the conversion from each step to the next between the bars.
 */
export function Funnel({ steps, lost, days }: { steps: FunnelStep[]; lost: number; days: number }) {
  const top = Math.max(1, ...steps.map((s) => s.reached));
  if (steps.every((s) => s.reached === 0)) {
    return (
      <EmptyState title="No leads created in this period" action={<Link to="/leads" className="btn btn--primary">Add or import leads</Link>}>
        The funnel follows the leads created in the last {days} days through each status. Import a list or add a lead to start it.
      </EmptyState>
    );
  }
  return (
    <div>
      <ol className="funnel" aria-label={`Leads created in the last ${days} days by the furthest step they reached`}>
        {steps.map((step, i) => (
          <li key={step.status} className="funnel__step">
            {i > 0 && (
              <div className="funnel__conversion">
                <span aria-hidden="true">↓</span> {formatPercent(step.conversion, 0)} <span className="muted">of {humanize(steps[i - 1]!.status).toLowerCase()}</span>
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
        {formatNumber(lost)} {lost === 1 ? 'lead' : 'leads'} of the period closed lost or unqualified.
      </p>
    </div>
  );
}
