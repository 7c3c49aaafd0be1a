/** The product's forecasts service as a backtest forecaster: compute as of each origin (reads only, never peeks). */
import type { Database } from '../src/db/connect.ts';
import { createForecastsService } from '../src/modules/forecasts/forecasts.service.ts';
import type { Forecaster } from './forecast-backtest.ts';

export function productForecaster(database: Database, organizationId: string): Forecaster {
  const forecasts = createForecastsService(database.db);
  return async (origin, granularity, horizon) => {
    const f = await forecasts.compute(organizationId, { asOf: origin, granularity, horizon, level: 0.8 });
    return { lead_volume: f.lead_volume, revenue: f.revenue };
  };
}
