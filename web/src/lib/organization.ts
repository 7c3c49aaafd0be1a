import { useQuery } from '@tanstack/react-query';
import { api } from './api-client';
import { queryKeys } from './query-keys';

/** The signed-in user's organization (GET /api/v1/organization; every role may read it). */
export function useOrganization() {
  return useQuery({
    queryKey: queryKeys.organization,
    queryFn: ({ signal }) => api.get('/api/v1/organization', { signal }),
    staleTime: 5 * 60_000,
  });
}

/** The organization's currency for money amounts (settings.currency, an ISO 4217 code), USD until known. */
export function useCurrency(): string {
  const currency = useOrganization().data?.settings.currency;
  return typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : 'USD';
}

/** The browser's IANA time zone, for "today" in server-side date logic. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
