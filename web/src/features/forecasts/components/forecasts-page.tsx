import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { EmptyState, ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card, PageHeader } from '../../../components/page';
import { formatRelative } from '../../../lib/format';
import { useCurrency } from '../../../lib/organization';
import { useCurrentUser } from '../../../lib/session';
import { currentPoint, GRANULARITIES, useForecasts, type ForecastPoint, type Forecasts, type ForecastType, type Granularity } from '../api/forecasts-api';
import { useForecastRun } from '../hooks/use-forecast-run';
import { formatUnit, levelLabel, type PeriodKind } from './forecast-format';
import { ForecastVsActual } from './forecast-vs-actual';
import { KeyDrivers } from './key-drivers';
import { RefreshButton, RunProgress } from './refresh-forecast';
import { ScenarioCards } from './scenario-cards';
import { SeriesChart } from './series-chart';
import type { BandPoint } from './band-chart';

const PERIOD: Record<Granularity, PeriodKind> = { weekly: 'week', monthly: 'month', quarterly: 'quarter' };

function parseGranularity(value: string | null): Granularity {
  return value === 'weekly' || value === 'quarterly' ? value : 'monthly';
}

function toRows(points: readonly ForecastPoint[]): BandPoint[] {
  return points.map((p) => ({ period_start: p.period_start, period_end: p.period_end, median: p.predicted_value, lower: p.confidence_lower, upper: p.confidence_upper, actual: p.actual }));
}

/**
 * What will close, how sure we are, what drives it, and how often past forecasts were right:
 * the organization's latest forecast run, by week, month or quarter.
 */
export function ForecastsPage() {
  const [params, setParams] = useSearchParams();
  const granularity = parseGranularity(params.get('granularity'));
  const forecasts = useForecasts(granularity);
  const me = useCurrentUser();
  // Forecasts are the organization's: everyone may read them, admins and managers make them.
  const canRefresh = me?.role === 'admin' || me?.role === 'manager';
  const run = useForecastRun();
  const data = forecasts.data;
  const hasForecast = !!data?.generated_at;

  return (
    <>
      <PageHeader
        title="Forecasts"
        description={
          hasForecast
            ? `What the open pipeline and the trend say will close, with a ${levelLabel(data.level)} band. Made ${formatRelative(data.generated_at)}.`
            : 'What the open pipeline and the trend say will close, and how sure that is.'
        }
        actions={
          hasForecast && (
          <>
            <div className="segmented" role="group" aria-label="Period">
              {GRANULARITIES.map((g) => (
                <button
                  key={g.value}
                  type="button"
                  className="segmented__option"
                  aria-pressed={g.value === granularity}
                  onClick={() => setParams(g.value === 'monthly' ? {} : { granularity: g.value }, { replace: true })}
                >
                  {g.label}
                </button>
              ))}
            </div>
            {canRefresh && <RefreshButton run={run} />}
          </>
          )
        }
      />
      <RunProgress run={run} />
      <ErrorMessage error={forecasts.error} title="The forecasts could not be loaded" />
      {forecasts.isPending && !forecasts.error ? (
        <div className="fc">
          <Card title="Revenue">
            <SkeletonBlock lines={8} label="Loading the forecast" />
          </Card>
        </div>
      ) : data && !hasForecast ? (
        <Card>
          <EmptyState title="No forecast yet" action={canRefresh ? <RefreshButton run={run} variant="primary" label="Make a forecast now" /> : undefined}>
            Forecasts are made every night from your open pipeline and your won deals; {canRefresh ? 'you can make one now.' : 'an admin or manager can make one now.'}
          </EmptyState>
        </Card>
      ) : data ? (
        <ForecastView data={data} granularity={granularity} busy={forecasts.isFetching} />
      ) : null}
    </>
  );
}

function ForecastView({ data, granularity, busy }: { data: Forecasts; granularity: Granularity; busy: boolean }) {
  const currency = useCurrency();
  const period = PERIOD[granularity];
  const level = levelLabel(data.level);
  const formatter = useCallback((type: ForecastType) => (v: number) => formatUnit(data.series[type].unit, v, currency), [data, currency]);
  const revenue = data.series.revenue;
  const now = useMemo(() => currentPoint(revenue.points), [revenue.points]);
  const money = useMemo(() => formatter('revenue'), [formatter]);

  return (
    <div className="fc" aria-busy={busy || undefined}>
      <Card title="Revenue">
        {now ? (
          <p className="fc-headline">
            <span className="fc-headline__label">This {period}:</span> <strong className="fc-headline__value">{money(now.predicted_value)}</strong>, likely between{' '}
            <strong>{money(now.confidence_lower)}</strong> and <strong>{money(now.confidence_upper)}</strong>
            {now.actual !== null && <span className="muted"> · {money(now.actual)} won so far</span>}
          </p>
        ) : (
          <p className="muted">No revenue forecast for the current {period}.</p>
        )}
        <p className="muted small">
          A simulation of every open deal (its win probability, value and likely close date) plus the leads not created yet. The big figure and the dashed line are the median, as
          likely to be beaten as missed; the band holds the actual {level} of the time.
        </p>
        {revenue.points.length > 0 && <SeriesChart rows={toRows(revenue.points)} format={money} level={level} caption="Revenue forecast by period" actualLabel="Actual revenue" today={data.today} />}
      </Card>

      {now && <ScenarioCards scenarios={now.scenarios} period={period} level={data.level} currency={currency} />}

      <div className="fc__grid">
        <Card title={`What drives this ${period}’s revenue`}>
          <KeyDrivers drivers={now?.key_drivers ?? []} unit={revenue.unit} currency={currency} period={period} />
        </Card>
        <div className="fc__col">
          <SmallSeries title="Lead volume" noun="new leads" type="lead_volume" data={data} period={period} format={formatter('lead_volume')} level={level} />
          <SmallSeries title="Conversion rate" noun="of decided leads won" type="conversion_rate" data={data} period={period} format={formatter('conversion_rate')} level={level} />
          <Velocity data={data} period={period} currency={currency} />
        </div>
      </div>

      <Card title="Forecast vs actual">
        <ForecastVsActual data={data} format={money} fallbackKind={period} />
      </Card>
    </div>
  );
}

/** A series beside the revenue: this period's figure and band, and a small chart. */
function SmallSeries({ title, noun, type, data, period, format, level }: { title: string; noun: string; type: ForecastType; data: Forecasts; period: PeriodKind; format: (v: number) => string; level: string }) {
  const points = data.series[type].points;
  const now = currentPoint(points);
  return (
    <Card title={title} headingLevel={2}>
      {now ? (
        <p className="fc-small">
          This {period}: <strong>{format(now.predicted_value)}</strong> {noun}, likely {format(now.confidence_lower)}–{format(now.confidence_upper)}
        </p>
      ) : (
        <p className="muted">No forecast for the current {period}.</p>
      )}
      {points.length > 0 && <SeriesChart rows={toRows(points)} format={format} level={level} caption={`${title} forecast by period`} height={150} today={data.today} />}
      {data.series[type].model && <p className="muted small">Model: {data.series[type].model}</p>}
    </Card>
  );
}

/** Sales velocity and the inputs it is made of (open deals, win rate, deal size, cycle length), each with its trend. */
function Velocity({ data, period, currency }: { data: Forecasts; period: PeriodKind; currency: string }) {
  const series = data.series.deal_velocity;
  const now = currentPoint(series.points);
  if (!now) return null;
  const inputs = now.key_drivers.filter((d) => d.kind === 'input');
  return (
    <Card title="Sales velocity">
      <p className="fc-small">
        Forecast this {period}: <strong>{formatUnit(series.unit, now.predicted_value, currency)}</strong>, likely {formatUnit(series.unit, now.confidence_lower, currency)}–
        {formatUnit(series.unit, now.confidence_upper, currency)}
      </p>
      <p className="muted small">Open opportunities × win rate × average deal size ÷ days to close: revenue the pipeline makes per day.</p>
      {inputs.length > 0 && (
        <ul className="fc-inputs" aria-label="Velocity inputs">
          {inputs.map((d) => (
            <li key={d.label}>
              <div className="strong">{d.label}</div>
              {d.detail && <div className="muted small">{d.detail}</div>}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
