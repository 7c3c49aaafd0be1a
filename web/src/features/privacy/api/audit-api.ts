import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { ApiQuery, ApiResponse } from '../../../api/types';
import { api, rawRequest, toSearchParams } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type AuditPage = ApiResponse<'/api/v1/audit', 'get'>;
export type AuditEntry = AuditPage['data'][number];
export type AuditFilters = Omit<ApiQuery<'/api/v1/audit', 'get'>, 'cursor' | 'limit'>;

/** The audit log under the filters, page after page (keyset cursors). */
export function useAuditLog(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: queryKeys.audit.list(filters),
    queryFn: ({ pageParam, signal }) => rawRequest('get', `/api/v1/audit${toSearchParams({ ...filters, limit: 50, cursor: pageParam })}`, undefined, signal) as Promise<AuditPage>,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** People of the organization, to name actors and filter by them. */
export function useAuditUsers() {
  return useQuery({ queryKey: queryKeys.users.all, queryFn: ({ signal }) => api.get('/api/v1/users', { signal }) });
}
