import { z } from 'zod';
import { Uuid } from '../auth/auth.schemas.ts';

export const ForecastsQuery = z.strictObject({
  granularity: z.enum(['daily', 'weekly', 'monthly', 'quarterly'], { message: 'granularity must be one of daily, weekly, monthly or quarterly' })
    .default('monthly')
    .describe('Length of the periods: daily (30 days ahead), weekly (13 weeks), monthly (6 months) or quarterly (the months summed path by path)'),
});
export type ForecastsQuery = z.infer<typeof ForecastsQuery>;

export const GenerateBody = z.strictObject({}).optional();

export const GenerateAccepted = z.object({
  job_id: z.number().int().describe('Follow it at GET /api/v1/jobs/{job_id}'),
  deduplicated: z.boolean().describe('True when a requested run was already waiting: its job is returned'),
});

const DateOnly = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const KeyDriver = z.object({
  kind: z.enum(['lead', 'segment', 'input']),
  label: z.string().describe('In words a manager understands, e.g. "Acme Corp, negotiation, p = 0.82, $48k: +$39k expected this month"'),
  lead_id: Uuid.optional(),
  effect: z.number().describe("Signed, in the series' unit"),
  detail: z.string().optional(),
});

export const Scenarios = z.object({
  worst: z.number().describe('The lower end of the interval'),
  expected: z.number().describe('The mean of the simulated paths'),
  best: z.number().describe('The upper end of the interval'),
  categories: z.object({
    closed: z.number().describe('Already won in the period'),
    commit: z.number().describe('Expected from open deals meeting the commit rule (default: negotiation, p ≥ 0.7)'),
    best_case: z.number().describe('Expected from open deals meeting the best-case rule (default: proposal or negotiation, p ≥ 0.4)'),
    pipeline: z.number().describe('Expected from the other open deals and from leads not created yet'),
  }).optional().describe('Revenue only; closed + commit + best_case + pipeline = expected'),
});

export const ForecastPoint = z.object({
  id: Uuid,
  period_start: DateOnly,
  period_end: DateOnly.describe('Last day of the period (inclusive)'),
  predicted_value: z.number().describe('The median'),
  confidence_lower: z.number(),
  confidence_upper: z.number(),
  actual: z.number().nullable().describe('What happened: final for past periods, so far for the current one, null for future ones'),
  model_version: z.string(),
  current: z.boolean().describe("The period a person means by \"this month\" (or week, quarter): the one containing today in the organization's time zone, else the first one to come"),
  key_drivers: z.array(KeyDriver),
  scenarios: Scenarios,
});

const Series = (unit: string) => z.object({
  unit: z.literal(unit),
  model: z.string().nullable().describe('The model behind the latest forecast, in words'),
  points: z.array(ForecastPoint).describe('Recent past periods (their forecast made before they began, with the actual), then the latest run from the current period on, by period_start'),
});

export const HistoryEntry = z.object({
  forecast_type: z.enum(['revenue', 'lead_volume', 'conversion_rate', 'deal_velocity']),
  period_start: DateOnly,
  period_end: DateOnly,
  predicted_value: z.number(),
  confidence_lower: z.number(),
  confidence_upper: z.number(),
  made_at: z.date().describe('What the forecast knew the data up to'),
  kind: z.enum(['forecast', 'backtest']).describe('forecast: made before the period began and on record then; backtest: re-made later from what was known at the period\'s start'),
  actual: z.number().nullable(),
  inside: z.boolean().nullable().describe('Whether the actual fell inside the interval (null when there is no actual: a rate of a period without decisions)'),
});

const Record_ = z.object({ periods: z.number().int(), inside: z.number().int() });
const Accuracy = z.object({
  periods: z.number().int().describe('Past periods with an actual, among the last consecutive ended periods (6 months, 6 weeks, 7 days or 4 quarters)'),
  inside: z.number().int(),
  level: z.number(),
  forecasts: Record_.describe('Of them, those judged on a forecast made before the period began'),
  backtests: Record_.describe('Of them, those judged on a backtest: a forecast re-made from what was known at the period\'s start'),
});

export const Forecasts = z.object({
  generated_at: z.date().nullable(),
  today: DateOnly.describe("Today in the organization's time zone"),
  level: z.number().describe('Interval level, e.g. 0.8: the 10th to the 90th percentile'),
  model_version: z.string(),
  currency: z.string().describe("The organization's currency for money series"),
  series: z.object({
    revenue: Series('money'),
    lead_volume: Series('count'),
    conversion_rate: Series('ratio'),
    deal_velocity: Series('money_per_day'),
  }),
  history: z.array(HistoryEntry).describe('Forecasts made before their period began, for periods now past, with what happened'),
  accuracy: z.object({ revenue: Accuracy, lead_volume: Accuracy, conversion_rate: Accuracy, deal_velocity: Accuracy })
    .describe('Per series: the last consecutive ended periods with an actual, how many fell inside their interval, forecasts and backtests counted apart'),
});
export type Forecasts = z.infer<typeof Forecasts>;
