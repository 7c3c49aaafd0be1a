import { formatNumber } from '../../../lib/format';
import type { ForecastHistory, Forecasts, ForecastType, SeriesAccuracy } from '../api/forecasts-api';
import { countOf, levelLabel, periodKind, type PeriodKind } from './forecast-format';
import { SeriesChart } from './series-chart';

const SUBJECT: Record<ForecastType, string> = {
  revenue: 'actual revenue',
  lead_volume: 'the number of new leads',
  conversion_rate: 'the conversion rate',
  deal_velocity: 'sales velocity',
};
const ORDER: ForecastType[] = ['revenue', 'lead_volume', 'conversion_rate', 'deal_velocity'];

/**
 * "Last 6 months: actual revenue inside the 80 % band 5 times." — the forecast's record in
 * plain words, with what an honest band would score, so a manager can tell a lucky band
 * from a calibrated one.
 */
export function accuracySentence(type: ForecastType, accuracy: SeriesAccuracy, kind: PeriodKind): string {
  const level = levelLabel(accuracy.level);
  const times = accuracy.inside === 1 ? 'time' : 'times';
  const record = `Last ${countOf(kind, accuracy.periods)}: ${SUBJECT[type]} inside the ${level} band ${formatNumber(accuracy.inside)} ${times} (an honest ${level} band: about ${formatNumber(Math.round(accuracy.level * accuracy.periods))}).`;
  // Backtests were made after the fact (from what was known then): say so, and count a
  // forecast that was on record before its period apart from them.
  const backtests = `forecasts re-made from what was known at each ${kind}'s start`;
  const { forecasts: made, backtests: re } = accuracy;
  if (made.periods === 0) return `${record} All backtests: ${backtests}.`;
  if (re.periods === 0) return `${record} All forecasts made before their ${kind} began.`;
  return `${record} Forecasts made before their ${kind} began: inside ${formatNumber(made.inside)} of ${formatNumber(made.periods)}; backtests (${backtests}): inside ${formatNumber(re.inside)} of ${formatNumber(re.periods)}.`;
}

/** Past forecasts against what happened: the revenue chart of them and the record of every series. */
export function ForecastVsActual({ data, format, fallbackKind }: { data: Forecasts; format: (v: number) => string; fallbackKind: PeriodKind }) {
  const revenue = latestPerPeriod(data.history.filter((h) => h.forecast_type === 'revenue'));
  const kindOf = (type: ForecastType) => {
    const row = data.history.find((h) => h.forecast_type === type);
    return row ? periodKind(row.period_start, row.period_end) : fallbackKind;
  };
  const records = ORDER.flatMap((type) => {
    const a = data.accuracy[type];
    return a && a.periods > 0 ? [{ type, sentence: accuracySentence(type, a, kindOf(type)) }] : [];
  });
  const level = levelLabel(data.level);
  if (records.length === 0 && revenue.length === 0) {
    return (
      <p className="muted">
        Nothing to compare yet: once a period with a forecast has ended, what was forecast and what happened show up here side by side, with how often the {level} band held.
      </p>
    );
  }
  return (
    <div className="stack">
      {records.length > 0 && (
        <ul className="fc-accuracy" aria-label="Accuracy">
          {records.map((r) => (
            <li key={r.type} className={r.type === 'revenue' ? 'fc-accuracy__lead' : undefined}>
              {r.sentence}
            </li>
          ))}
        </ul>
      )}
      {revenue.length > 0 && (
        <SeriesChart
          rows={revenue.map((h) => ({ period_start: h.period_start, period_end: h.period_end, median: h.predicted_value, lower: h.confidence_lower, upper: h.confidence_upper, actual: h.actual }))}
          format={format}
          level={level}
          caption="Past revenue forecasts against actual revenue"
          height={200}
        />
      )}
    </div>
  );
}

/** A period forecast more than once keeps its latest forecast made before the period's figures were known. */
function latestPerPeriod(rows: readonly ForecastHistory[]): ForecastHistory[] {
  const byPeriod = new Map<string, ForecastHistory>();
  for (const row of rows) {
    const seen = byPeriod.get(row.period_start);
    if (!seen || seen.made_at < row.made_at) byPeriod.set(row.period_start, row);
  }
  return [...byPeriod.values()].sort((a, b) => a.period_start.localeCompare(b.period_start));
}
