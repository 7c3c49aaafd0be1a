import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import type { ApiResponse, Lead, LeadPage, LeadStatus } from '../../../api/types';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-keys';

export type Pipeline = ApiResponse<'/api/v1/pipeline', 'get'>;
export type PipelineColumn = Pipeline['columns'][number];

/** Cards per page of a column: the best-scored leads of its status first, more on demand. */
export const CARDS_PER_PAGE = 12;
const cardsQuery = (status: LeadStatus) => ({ status, sort: 'score', limit: CARDS_PER_PAGE }) as const;
const cardsKey = (status: LeadStatus) => queryKeys.leads.list(cardsQuery(status));
/** A column's cards as loaded so far: pages of the leads list, each with the keyset cursor of the next. */
export type CardPages = InfiniteData<LeadPage, string | undefined>;

export function usePipelineColumns() {
  return useQuery({
    queryKey: queryKeys.pipeline.columns({}),
    queryFn: ({ signal }) => api.get('/api/v1/pipeline', { signal }),
  });
}

/** One column's cards, page after page through the list's keyset cursor (GET /leads?status=…&sort=score&cursor=…). */
export function useColumnCards(status: LeadStatus) {
  return useInfiniteQuery({
    queryKey: cardsKey(status),
    queryFn: ({ pageParam, signal }) => api.get('/api/v1/leads', { query: { ...cardsQuery(status), ...(pageParam ? { cursor: pageParam } : {}) }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** The list's order for sort=score: score descending, then id descending. */
const sortsBefore = (a: Lead, b: Lead) => a.current_score > b.current_score || (a.current_score === b.current_score && a.id > b.id);

export function withoutCard(data: CardPages, id: string): CardPages {
  return { ...data, pages: data.pages.map((p) => (p.data.some((l) => l.id === id) ? { ...p, data: p.data.filter((l) => l.id !== id) } : p)) };
}

/**
 * The card in its place by score among the loaded pages. One that sorts after every loaded
 * card goes last even when more pages exist: the person who moved it sees where it went,
 * and the refetch once the move is saved puts it where the server lists it.
 */
export function withCard(data: CardPages, lead: Lead): CardPages {
  const pages = [...data.pages];
  let at = pages.findIndex((p) => p.data.some((l) => sortsBefore(lead, l)));
  if (at < 0) at = pages.length - 1;
  if (at < 0) return data;
  const page = pages[at]!;
  const index = page.data.findIndex((l) => sortsBefore(lead, l));
  const cards = [...page.data];
  cards.splice(index < 0 ? cards.length : index, 0, lead);
  pages[at] = { ...page, data: cards };
  return { ...data, pages };
}

/**
 * A move someone else made, announced by the stream: the card leaves its loaded column and
 * joins the other at once (the refetch that follows confirms the order and the totals).
 * Whether the card was loaded at all (else the refetch alone brings it).
 */
export function applyRemoteMove(client: QueryClient, id: string, from: LeadStatus, to: LeadStatus): boolean {
  const source = client.getQueryData<CardPages>(cardsKey(from));
  const lead = source?.pages.flatMap((p) => p.data).find((l) => l.id === id);
  if (!source || !lead) return false;
  client.setQueryData<CardPages>(cardsKey(from), withoutCard(source, id));
  const target = client.getQueryData<CardPages>(cardsKey(to));
  if (target && !target.pages.some((p) => p.data.some((l) => l.id === id))) client.setQueryData<CardPages>(cardsKey(to), withCard(target, { ...lead, status: to }));
  return true;
}

export interface Move {
  lead: Lead;
  from: LeadStatus;
  to: LeadStatus;
}

/** Decided leads: their money is their deal value alone (the server's pipeline totals say the same). */
export const DECIDED: ReadonlySet<LeadStatus> = new Set(['closed_won', 'closed_lost', 'unqualified']);

/**
 * A lead's value on its card: its deal value; an open lead without one shows the model's
 * prediction (the typical deal if won, labelled as predicted). A decided lead has only its deal value.
 */
export const leadValue = (lead: Lead) => lead.deal_value ?? (DECIDED.has(lead.status) ? 0 : (lead.predicted_value ?? 0));

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
      // Both columns' loaded pages, kept whole so a refusal restores them exactly (pages loaded with "Show more" included).
      const previous = {
        from: client.getQueryData<CardPages>(cardsKey(from)),
        to: client.getQueryData<CardPages>(cardsKey(to)),
        columns: client.getQueryData<Pipeline>(queryKeys.pipeline.columns({})),
      };
      if (previous.from) client.setQueryData<CardPages>(cardsKey(from), withoutCard(previous.from, lead.id));
      if (previous.to) client.setQueryData<CardPages>(cardsKey(to), withCard(previous.to, { ...lead, status: to }));
      if (previous.columns) {
        // Only what is known here moves at once: the count and an own deal value. Predicted money
        // counts at the model's expected value, and not at all in a decided column: the columns'
        // money is the server's to say, and it is refetched when the move settles.
        const deal = lead.deal_value ?? 0;
        const shift = (c: PipelineColumn, sign: 1 | -1): PipelineColumn => ({
          ...c,
          count: c.count + sign,
          total_value: c.total_value + sign * deal,
        });
        client.setQueryData<Pipeline>(queryKeys.pipeline.columns({}), {
          columns: previous.columns.columns.map((c) => (c.status === from ? shift(c, -1) : c.status === to ? shift(c, 1) : c)),
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
