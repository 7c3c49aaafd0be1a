import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ToastProvider } from '../components/toast';
import { ApiError, setUnauthorizedHandler } from '../lib/api-client';
import { queryKeys } from '../lib/query-keys';

export function createQueryClient() {
  const client = new QueryClient({
    queryCache: new QueryCache(),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Retry what may pass on a second try (network, 5xx); never a 4xx.
        retry: (count, error) => count < 2 && (!(error instanceof ApiError) || error.status === 0 || error.status >= 500),
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
  // A session that ended elsewhere (revoked, expired): back to sign-in.
  setUnauthorizedHandler(() => client.setQueryData(queryKeys.me, null));
  return client;
}

export function Providers({ client, children }: { client: QueryClient; children: ReactNode }) {
  return (
    <QueryClientProvider client={client}>
      <ToastProvider>{children}</ToastProvider>
    </QueryClientProvider>
  );
}
