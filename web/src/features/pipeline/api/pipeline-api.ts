import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiResponse, Lead, LeadPage, LeadStatus } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type Pipeline = ApiResponse<'/api/v1/pipeline', 'get'>;
export type PipelineColumn = Pipeline['columns'][number];

/** Cards per column: the best-scored leads of each status (the rest are a link to the Leads list). */
export const CARDS_PER_COLUMN = 12;
const cardsQuery = (status: LeadStatus) => ({ status, sort: 'score', limit: CARDS_PER_COLUMN }) as const;
const cardsKey = (status: LeadStatus) => queryKeys.leads.list(cardsQuery(status));

export function usePipelineColumns() {
  return useQuery({
    queryKey: queryKeys.pipeline.columns({}),
    queryFn: ({ signal }) => api.get('/api/v1/pipeline', { signal }),
  });
}

export function useColumnCards(statuses: readonly LeadStatus[]) {
  return useQueries({
    queries: statuses.map((status) => ({
      queryKey: cardsKey(status),
      queryFn: ({ signal }: { signal: AbortSignal }) => api.get('/api/v1/leads', { query: cardsQuery(status), signal }),
    })),
  });
}

export interface Move {
  lead: Lead;
  from: LeadStatus;
  to: LeadStatus;
}

/** A lead's value on the board: its deal value, else what the model predicts it is worth. */
export const leadValue = (lead: Lead) => lead.deal_value ?? lead.predicted_value ?? 0;

/**
 * Moving a card: it changes column at once (cards and column totals), the server is asked,
 * and on a refusal (a role that may not write, a conflict) everything goes back as it was.
 */
export function useMoveLead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (move: Move) => api.patch('/api/v1/leads/{id}', { params: { id: move.lead.id }, body: { status: move.to } }),
    onMutate: async ({ lead, from, to }) => {
      await Promise.all([client.cancelQueries({ queryKey: queryKeys.leads.lists() }), client.cancelQueries({ queryKey: queryKeys.pipeline.all })]);
      const previous = {
        from: client.getQueryData<LeadPage>(cardsKey(from)),
        to: client.getQueryData<LeadPage>(cardsKey(to)),
        columns: client.getQueryData<Pipeline>(queryKeys.pipeline.columns({})),
      };
      const moved = { ...lead, status: to };
      if (previous.from) client.setQueryData<LeadPage>(cardsKey(from), { ...previous.from, data: previous.from.data.filter((l) => l.id !== lead.id) });
      if (previous.to) {
        const data = [...previous.to.data, moved].sort((a, b) => b.current_score - a.current_score);
        client.setQueryData<LeadPage>(cardsKey(to), { ...previous.to, data });
      }
      if (previous.columns) {
        const value = leadValue(lead);
        client.setQueryData<Pipeline>(queryKeys.pipeline.columns({}), {
          columns: previous.columns.columns.map((c) =>
            c.status === from ? { ...c, count: c.count - 1, total_value: c.total_value - value } : c.status === to ? { ...c, count: c.count + 1, total_value: c.total_value + value } : c,
          ),
        });
      }
      return previous;
    },
    onError: (_error, { from, to }, previous) => {
      if (!previous) return;
      if (previous.from) client.setQueryData(cardsKey(from), previous.from);
      if (previous.to) client.setQueryData(cardsKey(to), previous.to);
      if (previous.columns) client.setQueryData(queryKeys.pipeline.columns({}), previous.columns);
    },
    onSettled: (_data, _error, { lead }) =>
      Promise.all([
        client.invalidateQueries({ queryKey: queryKeys.leads.lists() }),
        client.invalidateQueries({ queryKey: queryKeys.leads.detail(lead.id) }),
        client.invalidateQueries({ queryKey: queryKeys.pipeline.all }),
        client.invalidateQueries({ queryKey: queryKeys.dashboard.all }),
      ]),
  });
}
