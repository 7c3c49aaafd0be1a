import { createBrowserRouter } from 'react-router';
import { AppShell } from './app-shell';
import { RedirectIfSignedIn, RequireAuth } from './require-auth';
import { NotFoundPage, PageLoading, RouteError } from './route-error';

/**
 * Every screen is its own chunk, loaded when first visited: the first paint carries the
 * shell and the sign-in screens only (initial JS budget: 300 KB gzipped).
 */
export const router = createBrowserRouter([
  {
    errorElement: <RouteError />,
    HydrateFallback: PageLoading,
    children: [
      {
        element: <RedirectIfSignedIn />,
        children: [
          { path: '/login', lazy: async () => ({ Component: (await import('../features/auth/components/login-page')).LoginPage }) },
          { path: '/signup', lazy: async () => ({ Component: (await import('../features/auth/components/signup-page')).SignupPage }) },
        ],
      },
      { path: '/accept-invitation', lazy: async () => ({ Component: (await import('../features/auth/components/accept-invitation-page')).AcceptInvitationPage }) },
      {
        element: <RequireAuth />,
        children: [
          {
            element: <AppShell />,
            children: [
              { index: true, lazy: async () => ({ Component: (await import('../features/dashboard/components/dashboard-page')).DashboardPage }) },
              { path: 'leads', lazy: async () => ({ Component: (await import('../features/leads/components/leads-page')).LeadsPage }) },
              { path: 'leads/import', lazy: async () => ({ Component: (await import('../features/leads/components/import-wizard')).ImportWizard }) },
              { path: 'leads/:id', lazy: async () => ({ Component: (await import('../features/leads/components/lead-detail-page')).LeadDetailPage }) },
              { path: 'pipeline', lazy: async () => ({ Component: (await import('../features/pipeline/components/pipeline-page')).PipelinePage }) },
              { path: 'forecasts', lazy: async () => ({ Component: (await import('../features/forecasts/components/forecasts-page')).ForecastsPage }) },
              { path: 'team', lazy: async () => ({ Component: (await import('../features/team/components/team-page')).TeamPage }) },
              { path: 'insights', lazy: async () => ({ Component: (await import('../features/insights/components/insights-page')).InsightsPage }) },
              { path: 'settings/*', lazy: async () => ({ Component: (await import('../features/settings/components/settings-page')).SettingsPage }) },
              { path: 'account/sessions', lazy: async () => ({ Component: (await import('../features/auth/components/sessions-page')).SessionsPage }) },
              { path: '*', Component: NotFoundPage },
            ],
          },
        ],
      },
    ],
  },
]);
