import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ApiResponse } from '../../../api/types';
import { rawRequest, toSearchParams, type QueryParams } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';
import { LEAD_PAGE_SIZE } from './leads-api';

export type LeadCount = ApiResponse<'/api/v1/leads/count', 'get'>;

/**
 * How many leads the list's filters select: exact, or "about N" from the server's estimate.
 * With a search the sort matters: ranked by relevance (the default) the list is one page of
 * the best matches, and the count is of that page (`best`), so the header agrees with it.
 */
export function useLeadCount(params: QueryParams, options: { enabled?: boolean } = {}) {
  const { sort, ...rest } = params;
  const filters: QueryParams = rest.q ? { ...rest, sort: sort ?? 'relevance', limit: LEAD_PAGE_SIZE } : rest;
  return useQuery({
    // Under the list's key root, so whatever refreshes the lists refreshes the count.
    queryKey: [...queryKeys.leads.lists(), 'count', filters] as const,
    queryFn: ({ signal }) => rawRequest('get', `/api/v1/leads/count${toSearchParams(filters)}`, undefined, signal) as Promise<LeadCount>,
    placeholderData: keepPreviousData,
    enabled: options.enabled ?? true,
  });
}
