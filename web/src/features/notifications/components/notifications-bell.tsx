import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Icon } from '../../../components/icons';
import { formatDateTime, formatNumber, formatRelative } from '../../../lib/format';
import { useMarkAllRead, useMarkRead, useNotifications, type Notification, type NotificationKind } from '../api/notifications-api';
import '../../../styles/notifications.css';
import { useDismiss } from '../../../lib/use-dismiss';

const KIND_LABEL: Record<NotificationKind, string> = {
  insight: 'Insight',
  assigned: 'Assigned to you',
  follow_up_due: 'Follow-up due',
  job_finished: 'Finished',
  job_failed: 'Failed',
  mention: 'Mention',
  workflow: 'Workflow',
};

/** Where a notification leads: its own link, else its lead's page. */
const targetOf = (n: Notification) => n.link ?? (n.lead_id ? `/leads/${n.lead_id}` : null);

/**
 * The bell in the top bar: the unread count on it, and a panel with the list (unread first),
 * each linking to what it is about. Opening an item marks it read; "Mark all read" clears the
 * count. The count follows the stream (notification.created / .read invalidate the list).
 */
export function NotificationsBell() {
  const notifications = useNotifications();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const location = useLocation();
  const unread = notifications.data?.pages[0]?.unread_count ?? 0;

  const closeMenu = useCallback(() => setOpen(false), []);
  useEffect(() => setOpen(false), [location.pathname]);
  useDismiss(open, closeMenu, root, button);

  const countText = unread > 99 ? '99+' : formatNumber(unread);
  return (
    <div className="bell" ref={root}>
      <button
        ref={button}
        type="button"
        className="btn btn--ghost bell__button"
        aria-label={unread > 0 ? `Notifications, ${formatNumber(unread)} unread` : 'Notifications'}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
      >
        <Icon name="bell" />
        {unread > 0 && (
          <span className="bell__count" aria-hidden="true" data-testid="unread-count">
            {countText}
          </span>
        )}
      </button>
      {open && <NotificationsPanel id={panelId} query={notifications} unread={unread} onNavigate={() => setOpen(false)} />}
    </div>
  );
}

function NotificationsPanel({ id, query, unread, onNavigate }: { id: string; query: ReturnType<typeof useNotifications>; unread: number; onNavigate: () => void }) {
  const markRead = useMarkRead();
  const markAll = useMarkAllRead();
  const items = query.data?.pages.flatMap((p) => p.data) ?? [];
  const headingId = `${id}-title`;
  return (
    <section id={id} className="bell__panel" aria-labelledby={headingId}>
      <header className="bell__header">
        <h2 id={headingId} className="bell__title">
          Notifications
        </h2>
        {/* Nothing to mark on an empty list: no button, rather than one that does nothing. */}
        {items.length > 0 && (
          <button type="button" className="btn btn--ghost btn--sm" disabled={unread === 0 || markAll.isPending} onClick={() => markAll.mutate()}>
            Mark all read
          </button>
        )}
      </header>
      <ErrorMessage error={query.error ?? markRead.error ?? markAll.error} />
      {query.isPending ? (
        <SkeletonBlock lines={4} label="Loading notifications" />
      ) : items.length === 0 && !query.error ? (
        <div className="bell__empty">
          <p className="bell__empty-title">No notifications yet</p>
          <p className="muted small">
            You will be told here when a lead is assigned to you, a high-priority insight appears on one of your leads, a follow-up falls due, an import or
            retraining you started finishes, or someone mentions you in a note.
          </p>
        </div>
      ) : (
        <ul className="bell__list" aria-label={unread > 0 ? `${formatNumber(unread)} unread` : 'All read'}>
          {items.map((n) => {
            const target = targetOf(n);
            const isUnread = !n.read_at;
            const read = () => {
              if (isUnread) markRead.mutate(n.id);
              onNavigate();
            };
            return (
              <li key={n.id} className={['bell__item', isUnread ? 'bell__item--unread' : ''].join(' ')} data-notification-id={n.id}>
                <span className="bell__dot" aria-hidden="true" />
                <div className="bell__body">
                  <div className="bell__meta small muted">
                    <span>{KIND_LABEL[n.kind] ?? n.kind}</span>
                    <time dateTime={n.created_at} title={formatDateTime(n.created_at)}>
                      {formatRelative(n.created_at)}
                    </time>
                  </div>
                  {target ? (
                    <Link to={target} className="bell__link" onClick={read}>
                      {isUnread && <span className="visually-hidden">Unread: </span>}
                      {n.title}
                    </Link>
                  ) : (
                    <span className="bell__link">
                      {isUnread && <span className="visually-hidden">Unread: </span>}
                      {n.title}
                    </span>
                  )}
                  {n.body && <p className="bell__text small muted">{n.body}</p>}
                </div>
                {isUnread && (
                  <button type="button" className="btn btn--ghost btn--sm bell__mark" onClick={() => markRead.mutate(n.id)} aria-label={`Mark “${n.title}” read`} title="Mark read">
                    <Icon name="check" size={16} />
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {query.hasNextPage && (
        <div className="bell__more">
          <button type="button" className="btn btn--secondary btn--sm" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
            {query.isFetchingNextPage ? 'Loading…' : 'Show older'}
          </button>
        </div>
      )}
    </section>
  );
}
