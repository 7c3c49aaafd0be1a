import { Navigate, Outlet, useLocation } from 'react-router';
import { ErrorMessage, Spinner } from '../components/feedback';
import { useMe } from '../lib/session';

/** Signed-in pages: wait for /me, send strangers to sign in (and back here afterwards). */
export function RequireAuth() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) {
    return (
      <div className="auth-page">
        <Spinner label="Loading LeadAI" />
      </div>
    );
  }
  if (me.error) {
    return (
      <div className="auth-page">
        <ErrorMessage error={me.error} title="LeadAI could not load" />
      </div>
    );
  }
  if (!me.data) {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

/** Sign-in pages: someone already signed in goes to the app. */
export function RedirectIfSignedIn() {
  const me = useMe();
  if (me.isPending) return null;
  if (me.data) return <Navigate to="/" replace />;
  return <Outlet />;
}
