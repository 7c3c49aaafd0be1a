import { Link } from 'react-router';
import { Badge, EmptyState } from '../../../components/feedback';
import { humanize } from '../../../lib/format';
import type { HotLead } from '../api/dashboard-api';
import { leadDisplayName } from '../../../lib/lead-name';

/** The best-scored open leads and how far their score moved in the last 7 days. */
export function HotLeads({ leads }: { leads: HotLead[] }) {
  if (leads.length === 0) {
    return (
      <EmptyState title="No hot leads yet">
        Leads appear here as their score climbs: log calls and emails, or install the tracking snippet (Settings → Tracking) so website visits count.
      </EmptyState>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table table--compact">
        <thead>
          <tr>
            <th scope="col">Lead</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Score</th>
            <th scope="col" className="num nowrap">7-day change</th>
          </tr>
        </thead>
        <tbody>
          {leads.map((lead) => (
            <tr key={lead.id}>
              <td>
                <Link to={`/leads/${lead.id}`} className="strong-link">
                  {leadDisplayName(lead)}
                </Link>
                {lead.company && <div className="muted small">{lead.company}</div>}
              </td>
              <td>
                <Badge>{humanize(lead.status)}</Badge>
              </td>
              <td className="num">
                <span className="score-pill">{lead.current_score}</span>
              </td>
              <td className="num">
                <ScoreChange change={lead.score_change} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ScoreChange({ change }: { change: number }) {
  if (change === 0) return <span className="muted">±0</span>;
  const up = change > 0;
  return (
    <span className={`delta delta--${up ? 'up' : 'down'}`}>
      <span aria-hidden="true">{up ? '▲' : '▼'} </span>
      <span className="visually-hidden">{up ? 'up' : 'down'} </span>
      {Math.abs(change)}
      <span className="visually-hidden"> points</span>
    </span>
  );
}
