import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiResponse } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { browserTimeZone } from '../../../lib/organization';
import { queryKeys } from '../../../lib/query-keys';

export type Dashboard = ApiResponse<'/api/v1/dashboard', 'get'>;
export type Kpi = Dashboard['kpis']['new_leads'];
export type FunnelStep = Dashboard['funnel'][number];
export type HotLead = Dashboard['hot_leads'][number];
export type FollowUp = Dashboard['follow_ups']['overdue'][number];
export type InsightPage = ApiResponse<'/api/v1/insights/inbox', 'get'>;
export type Insight = InsightPage['data'][number];

export const PERIODS = [7, 30, 90] as const;
export type Period = (typeof PERIODS)[number];

/** Funnel, KPIs, hot leads and follow-ups for the last `days` days, "today" in the browser's time zone. */
export function useDashboard(days: Period) {
  const tz = browserTimeZone();
  return useQuery({
    queryKey: queryKeys.dashboard.view({ days, tz }),
    queryFn: ({ signal }) => api.get('/api/v1/dashboard', { query: { days, tz }, signal }),
    // Switching the period keeps the previous numbers on screen until the new ones arrive.
    placeholderData: keepPreviousData,
  });
}

const INBOX = { limit: 5 } as const;
/** Managers and admins with no leads of their own see the organization's top open insights instead. */
const ORG_TOP = { status: 'open', acknowledged: 'false', priority: 'urgent,high', limit: 5 } as const;

export function useInsightInbox() {
  const inbox = useQuery({
    queryKey: queryKeys.insights.inbox(INBOX),
    queryFn: ({ signal }) => api.get('/api/v1/insights/inbox', { query: INBOX, signal }),
  });
  const inboxEmpty = inbox.isSuccess && inbox.data.data.length === 0;
  const orgTop = useQuery({
    queryKey: queryKeys.insights.list(ORG_TOP),
    queryFn: ({ signal }) => api.get('/api/v1/insights', { query: ORG_TOP, signal }),
    enabled: inboxEmpty,
  });
  return { inbox, orgTop, inboxEmpty };
}

/** Acknowledge: the insight leaves every inbox and open list at once; restored if the server refuses. */
export function useAcknowledgeInsight() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post('/api/v1/insights/{id}/acknowledge', { params: { id }, body: {} }),
    onMutate: async (id) => {
      await client.cancelQueries({ queryKey: queryKeys.insights.all });
      const previous = client.getQueriesData<InsightPage>({ queryKey: queryKeys.insights.all });
      for (const [key, page] of previous) {
        if (page?.data) client.setQueryData<InsightPage>(key, { ...page, data: page.data.filter((i) => i.id !== id) });
      }
      return { previous };
    },
    onError: (_error, _id, context) => {
      for (const [key, page] of context?.previous ?? []) client.setQueryData(key, page);
    },
    onSettled: () => client.invalidateQueries({ queryKey: queryKeys.insights.all }),
  });
}
