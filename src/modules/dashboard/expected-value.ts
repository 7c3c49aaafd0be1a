import { sql, type RawBuilder } from 'kysely';

/**
 * A lead's predicted value as an expected value, fit for adding up. The deal-value model
 * stores the MEDIAN deal if won (src/ai/features/deal-value.ts): a typical deal, below the
 * mean because a few large deals skew sizes. Sums and forecasts need the mean, so the median
 * is scaled by the active model's mean factor (mean / median, its metrics.deal_value.mean_factor);
 * without a model that says, the stored value as it is. One definition for every money total.
 */
export function expectedValue(predicted: RawBuilder<unknown> = sql.ref('predicted_value')): RawBuilder<number> {
  return sql<number>`(${predicted} * coalesce((SELECT (m.metrics -> 'deal_value' ->> 'mean_factor')::float8 FROM scoring_models AS m WHERE m.is_active), 1))`;
}
