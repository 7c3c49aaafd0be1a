import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ForecastPoint, Forecasts } from '../api/types';
import { api } from './api-client';
import { queryKeys } from './query-keys';

/**
 * The organization's latest forecasts (GET /api/v1/forecasts), shared by the Forecasts screen
 * and the dashboard's card: one query key per granularity, so both read the same cache and a
 * finished forecast run refreshes both.
 */
export type Granularity = 'weekly' | 'monthly' | 'quarterly';

export function useForecasts(granularity: Granularity) {
  return useQuery({
    queryKey: queryKeys.forecasts.view({ granularity }),
    queryFn: ({ signal }): Promise<Forecasts> => api.get('/api/v1/forecasts', { query: { granularity }, signal }),
    // Switching the granularity keeps the previous charts on screen until the new ones arrive.
    placeholderData: keepPreviousData,
  });
}

/** Today as the browser's calendar date, YYYY-MM-DD (periods are calendar dates, not instants). */
export function localToday(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * The period a person means by "this month" / "this week": the one containing today, else
 * the first one still to come (a forecast made just before a period starts).
 */
export function currentPoint<P extends Pick<ForecastPoint, 'period_start' | 'period_end'>>(points: readonly P[], today = localToday()): P | undefined {
  return points.find((p) => p.period_start <= today && today <= p.period_end) ?? points.find((p) => p.period_start > today);
}
