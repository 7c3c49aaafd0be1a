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

/**
 * The period a person means by "this month" / "this week": the server marks it (the one
 * containing today in the organization's time zone, else the first one still to come), so
 * a browser in another time zone or with a wrong clock shows the same period.
 */
export function currentPoint<P extends Pick<ForecastPoint, 'current'>>(points: readonly P[]): P | undefined {
  return points.find((p) => p.current);
}
