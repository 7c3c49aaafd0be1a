import { Link } from 'react-router';
import { EmptyState } from '../../../components/feedback';
import { formatDateTime, formatRelative } from '../../../lib/format';
import type { Dashboard, FollowUp } from '../api/dashboard-api';
import { leadDisplayName } from '../../../lib/lead-name';

/** Your follow-ups: overdue first, then those due today (in your time zone). */
export function FollowUps({ followUps }: { followUps: Dashboard['follow_ups'] }) {
  if (followUps.overdue_count === 0 && followUps.due_today_count === 0) {
    return (
      <EmptyState title="Nothing due today">
        Set a next follow-up date on a lead and it shows up here on the day — and stays, marked overdue, until it is done.
      </EmptyState>
    );
  }
  return (
    <div className="followups">
      <FollowUpList title="Overdue" tone="bad" items={followUps.overdue} count={followUps.overdue_count} moreHref="/leads?follow_up=overdue" />
      <FollowUpList title="Due today" tone="warn" items={followUps.due_today} count={followUps.due_today_count} moreHref="/leads?follow_up=due" />
    </div>
  );
}

function FollowUpList({ title, tone, items, count, moreHref }: { title: string; tone: 'bad' | 'warn'; items: FollowUp[]; count: number; moreHref: string }) {
  return (
    <section className="followups__group" aria-label={`${title}: ${count}`}>
      <h3 className="followups__title">
        {title} <span className={`badge badge--${tone}`}>{count}</span>
      </h3>
      {items.length === 0 ? (
        <p className="muted small">None.</p>
      ) : (
        <ul className="followups__list">
          {items.map((f) => (
            <li key={f.id} className="followups__item">
              <Link to={`/leads/${f.id}`} className="strong-link">
                {leadDisplayName(f)}
              </Link>
              {f.company && <span className="muted small"> · {f.company}</span>}
              <time className="followups__when small" dateTime={String(f.next_follow_up_at)} title={formatDateTime(String(f.next_follow_up_at))}>
                {formatRelative(String(f.next_follow_up_at))}
              </time>
            </li>
          ))}
        </ul>
      )}
      {count > items.length && (
        <Link to={moreHref} className="small">
          All {count} {title.toLowerCase()}
        </Link>
      )}
    </section>
  );
}
