import { formatMoney, formatMoneyCompact, formatNumber, formatPercent } from '../../../lib/format';
import type { Figures, MetricName } from '../api/team-api';

/** The figures as columns: label, what it counts (header title), how to format it. */
export interface MetricColumn {
  key: MetricName;
  label: string;
  counts: string;
  format: (v: number | null, currency: string) => string;
  exact?: (v: number | null, currency: string) => string;
}

export const METRIC_COLUMNS: MetricColumn[] = [
  { key: 'leads_created', label: 'New leads', counts: 'Leads created in the period, for their current owner', format: (v) => formatNumber(v) },
  { key: 'leads_qualified', label: 'Qualified', counts: 'Leads that first reached qualified (or a later step) in the period, for the owner then', format: (v) => formatNumber(v) },
  { key: 'leads_converted', label: 'Won', counts: 'Leads won in the period, for the owner who won them, less the wins reopened in it', format: (v) => formatNumber(v) },
  { key: 'revenue_generated', label: 'Revenue', counts: 'Deal values of the leads won in the period, less the wins reopened in it', format: (v, c) => formatMoneyCompact(v, c), exact: (v, c) => formatMoney(v, c) },
  { key: 'activities_completed', label: 'Activities', counts: 'Activities completed in the period', format: (v) => formatNumber(v) },
  { key: 'conversion_rate', label: 'Win rate', counts: 'Won ÷ (won + lost) among the leads decided in the period', format: (v) => formatPercent(v) },
  { key: 'average_deal_size', label: 'Avg deal', counts: 'Revenue ÷ leads won', format: (v, c) => formatMoneyCompact(v, c), exact: (v, c) => formatMoney(v, c) },
  { key: 'sales_velocity', label: 'Velocity', counts: 'Money per day: open leads × win rate × average deal ÷ average sales cycle (days)', format: (v, c) => (v === null ? '—' : `${formatMoneyCompact(v, c)}/day`), exact: (v, c) => (v === null ? '—' : `${formatMoney(v, c)} per day`) },
];

export const columnOf = (key: MetricName) => METRIC_COLUMNS.find((c) => c.key === key)!;

/** Relative change against the period before, null when there is nothing to compare with. */
export function change(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return (current - previous) / Math.abs(previous);
}

/** Sorting: higher first; a figure not defined (no win rate without decisions) last. */
export function compareBy(key: MetricName, a: Figures, b: Figures): number {
  return (b[key] ?? -Infinity) - (a[key] ?? -Infinity);
}
