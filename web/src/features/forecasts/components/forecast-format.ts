import { formatMoney, formatMoneyCompact, formatNumber, formatPercent } from '../../../lib/format';
import type { ForecastUnit } from '../api/forecasts-api';

/** A value in its series' unit, short (cards, axes): "$48K", "1,204", "23.5 %", "$1.2K/day". */
export function formatUnit(unit: ForecastUnit, value: number, currency: string): string {
  switch (unit) {
    case 'money':
      return formatMoneyCompact(value, currency);
    case 'count':
      return formatNumber(Math.round(value));
    case 'ratio':
      return formatPercent(value, 1);
    case 'money_per_day':
      return `${formatMoneyCompact(value, currency)}/day`;
  }
}

/** The same value in full, for a title beside the short one ("$48,213"). */
export function formatUnitExact(unit: ForecastUnit, value: number, currency: string): string {
  if (unit === 'money') return formatMoney(value, currency);
  if (unit === 'money_per_day') return `${formatMoney(value, currency)} per day`;
  return formatUnit(unit, value, currency);
}

/** A signed effect: "+$39K", "−12 leads" reads as a change, not a level. */
export function formatEffect(unit: ForecastUnit, value: number, currency: string): string {
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  return `${sign}${formatUnit(unit, Math.abs(value), currency)}`;
}

export type PeriodKind = 'day' | 'week' | 'month' | 'quarter';

function parseDate(date: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d);
}

/** What a period is, from its length (history rows carry dates only). */
export function periodKind(start: string, end: string): PeriodKind {
  const days = Math.round((parseDate(end).getTime() - parseDate(start).getTime()) / 86_400_000) + 1;
  return days <= 1 ? 'day' : days <= 7 ? 'week' : days <= 31 ? 'month' : 'quarter';
}

const monthYear = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

/** "Oct 2026", "Week of 5 Oct 2026", "Q4 2026". */
export function periodLabel(start: string, end: string): string {
  const date = parseDate(start);
  switch (periodKind(start, end)) {
    case 'day':
      return dayMonth.format(date);
    case 'week':
      return `Week of ${dayMonth.format(date)}`;
    case 'month':
      return monthYear.format(date);
    case 'quarter':
      return `Q${Math.floor(date.getMonth() / 3) + 1} ${date.getFullYear()}`;
  }
}

/** "5 months", "1 week". */
export function countOf(kind: PeriodKind, n: number): string {
  return `${formatNumber(n)} ${kind}${n === 1 ? '' : 's'}`;
}

/** "80 %" for a level of 0.8. */
export function levelLabel(level: number): string {
  return formatPercent(level);
}
