import { useMutation } from '@tanstack/react-query';
import type { ForecastKeyDriver, ForecastPoint, Forecasts, ForecastScenarios, ForecastType, ForecastUnit } from '../../../api/types';
import { api } from '../../../lib/api-client';

export { currentPoint, useForecasts, type Granularity } from '../../../lib/forecasts';
export type { ForecastKeyDriver, ForecastPoint, Forecasts, ForecastScenarios, ForecastType, ForecastUnit };
export type ForecastHistory = Forecasts['history'][number];
export type SeriesAccuracy = Forecasts['accuracy']['revenue'];

export const GRANULARITIES = [
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly', label: 'Monthly' },
  { value: 'quarterly', label: 'Quarterly' },
] as const;

/** Makes a new forecast now (admins and managers): the server queues it and answers with the job to follow. */
export function useRefreshForecast() {
  return useMutation({ mutationFn: () => api.post('/api/v1/forecasts', { body: {} }) });
}
