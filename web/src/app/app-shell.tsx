import { Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { SkeletonBlock } from '../components/feedback';
import { Icon, type IconName } from '../components/icons';
import { humanize } from '../lib/format';
import type { Me } from '../api/types';
import { useMe } from '../lib/session';
import { useLogout } from '../features/auth/api/auth-api';
import { NotificationsBell } from '../features/notifications/components/notifications-bell';
import { useLiveUpdates, useStreamStatus } from '../lib/realtime/use-live-updates';
import { useDismiss } from '../lib/use-dismiss';

const NAV: { to: string; label: string; icon: IconName; end?: boolean }[] = [
  { to: '/', label: 'Dashboard', icon: 'dashboard', end: true },
  { to: '/leads', label: 'Leads', icon: 'leads' },
  { to: '/pipeline', label: 'Pipeline', icon: 'pipeline' },
  { to: '/insights', label: 'Insights', icon: 'insights' },
  { to: '/forecasts', label: 'Forecasts', icon: 'trendingUp' },
  { to: '/team', label: 'Team', icon: 'team' },
  { to: '/settings', label: 'Settings', icon: 'settings' },
];

export function AppShell() {
  const me = useMe().data;
  // One stream per tab, open while someone is signed in: every screen below is kept current by it.
  useLiveUpdates();
  if (!me) return null;
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <aside className="sidebar">
        <Link to="/" className="brand">
          <span className="brand__mark" aria-hidden="true">
            L
          </span>
          <span className="brand__name">LeadAI</span>
        </Link>
        <nav aria-label="Main" className="nav">
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.end} className="nav__link" title={item.label}>
              <Icon name={item.icon} />
              <span className="nav__label">{item.label}</span>
            </NavLink>
          ))}
        </nav>
        <div className="sidebar__footer">{me.organization.name}</div>
      </aside>
      <div className="main">
        <header className="topbar">
          <span className="topbar__org" title={me.organization.name}>
            {me.organization.name}
          </span>
          <div className="topbar__end">
            <LiveStatus />
            {me.user && <NotificationsBell />}
            <UserMenu me={me} />
          </div>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          <Suspense fallback={<SkeletonBlock lines={6} label="Loading page" />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </div>
  );
}

/**
 * Whether the screens are live: a quiet "Live" while the stream is connected, a visible
 * "Reconnecting…" while it is down (what is on screen may be behind until it is back).
 */
function LiveStatus() {
  const status = useStreamStatus();
  const text = status === 'live' ? 'Live' : status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…';
  return (
    <span className={`live-status live-status--${status}`} role="status" title={status === 'live' ? 'Changes by others appear as they happen' : 'Changes by others will appear once the connection is back'}>
      <span className="live-status__dot" aria-hidden="true" />
      <span className="live-status__text">{text}</span>
    </span>
  );
}

/** A disclosure menu: Escape and a click outside close it; focus returns to the button. */
function UserMenu({ me }: { me: Me }) {
  const logout = useLogout();
  const navigate = useNavigate();
  const location = useLocation();
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const name = me.user?.full_name ?? 'API key';

  const closeMenu = useCallback(() => setOpen(false), []);
  useEffect(() => setOpen(false), [location.pathname]);
  useDismiss(open, closeMenu, root, button);

  return (
    <div className="menu" ref={root}>
      <button ref={button} type="button" className="btn btn--ghost topbar__user" aria-expanded={open} aria-controls="user-menu" onClick={() => setOpen((o) => !o)}>
        <Icon name="user" />
        <span className="topbar__user-name">{name}</span>
        <Icon name="chevronDown" size={16} />
      </button>
      {open && (
        <ul id="user-menu" className="menu__list">
          <li className="menu__header">
            <div style={{ fontWeight: 700 }}>{name}</div>
            <div className="muted" style={{ fontSize: 12.5 }}>
              {me.user?.email} · {humanize(me.role)}
            </div>
          </li>
          <li>
            <Link className="menu__item" to="/account/sessions">
              Sessions
            </Link>
          </li>
          <li>
            <button type="button" className="menu__item" onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })}>
              Sign out
            </button>
          </li>
        </ul>
      )}
    </div>
  );
}
