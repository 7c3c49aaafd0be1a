import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { EmptyState, Spinner } from '../components/feedback';

export function RouteError() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <div className="content">
      <EmptyState title={notFound ? 'There is no page here' : 'This page failed to load'} action={<Link to="/">Go to the dashboard</Link>}>
        {notFound ? 'Check the address, or go back to the dashboard.' : 'Reload the page to try again. If it keeps happening, tell your admin.'}
      </EmptyState>
    </div>
  );
}

export function NotFoundPage() {
  return (
    <EmptyState title="There is no page here" action={<Link to="/">Go to the dashboard</Link>}>
      Check the address, or go back to the dashboard.
    </EmptyState>
  );
}

/** While the first screen's code loads. */
export function PageLoading() {
  return (
    <div className="auth-page">
      <Spinner label="Loading LeadAI" />
    </div>
  );
}
