import { Link } from 'react-router';
import { ErrorMessage, SkeletonBlock } from '../../../components/feedback';
import { Card } from '../../../components/page';
import { formatMoney, formatMoneyCompact, formatPercent } from '../../../lib/format';
import { currentPoint, useForecasts } from '../../../lib/forecasts';

/**
 * This month's revenue forecast: its median and its band ("$120K, likely between $90K and
 * $150K"), from the same query as the Forecasts screen's monthly view.
 */
export function ForecastCard({ currency }: { currency: string }) {
  const forecasts = useForecasts('monthly');
  const data = forecasts.data;
  const point = data?.generated_at ? currentPoint(data.series.revenue.points) : undefined;
  const money = (v: number) => formatMoneyCompact(v, currency);
  return (
    <Card title="Revenue forecast this month" actions={<Link to="/forecasts" className="small">All forecasts</Link>}>
      <ErrorMessage error={forecasts.error} title="The forecast could not be loaded" />
      {forecasts.isPending && !forecasts.error ? (
        <SkeletonBlock lines={2} label="Loading the forecast" />
      ) : point ? (
        <div>
          <div className="fc-card__value" title={formatMoney(point.predicted_value, currency)}>
            {money(point.predicted_value)}
          </div>
          <p className="fc-card__band">
            likely between <strong>{money(point.confidence_lower)}</strong> and <strong>{money(point.confidence_upper)}</strong>
            {point.actual !== null && <span className="muted"> · {money(point.actual)} won so far</span>}
          </p>
          <p className="muted small">
            The median of the forecast; the actual lands in the band {formatPercent(data!.level)} of the time.
          </p>
        </div>
      ) : data ? (
        <p className="muted">
          No forecast yet. Forecasts are made every night; an admin or manager can make one now on the <Link to="/forecasts">Forecasts</Link> screen.
        </p>
      ) : null}
    </Card>
  );
}
