import { lazy, Suspense } from 'react';
import { SkeletonBlock } from '../../../components/feedback';
import type { BandPoint } from './band-chart';
import { BAND_COLOURS } from './band-colours';
import { ForecastTable } from './forecast-table';

const BandChart = lazy(() => import('./band-chart'));

/**
 * A band chart with its legend and its table of numbers. `today` is the organization's date
 * (GET /api/v1/forecasts says it); charts of ended periods have none and no running period.
 */
export function SeriesChart({ rows, format, level, caption, height, actualLabel = 'Actual', today }: { rows: readonly BandPoint[]; format: (v: number) => string; level: string; caption: string; height?: number; actualLabel?: string; today?: string }) {
  const running = today !== undefined && rows.some((r) => r.period_start <= today && today <= r.period_end && r.actual !== null);
  return (
    <figure className="fc-chart">
      <ul className="fc-legend small" aria-label="Legend">
        <li>
          <span className="fc-legend__swatch" style={{ background: BAND_COLOURS.band }} aria-hidden="true" />
          {level} band
        </li>
        <li>
          <span className="fc-legend__swatch fc-legend__swatch--line" style={{ borderColor: BAND_COLOURS.median }} aria-hidden="true" />
          Forecast (median)
        </li>
        <li>
          <span className="fc-legend__swatch fc-legend__swatch--dot" style={{ background: BAND_COLOURS.actual }} aria-hidden="true" />
          {actualLabel}
        </li>
        {running && (
          <li>
            <span className="fc-legend__swatch fc-legend__swatch--dot fc-legend__swatch--hollow" style={{ borderColor: BAND_COLOURS.actual }} aria-hidden="true" />
            So far (period not over)
          </li>
        )}
        {today && (
          <li>
            <span className="fc-legend__swatch fc-legend__swatch--today" style={{ borderColor: BAND_COLOURS.today }} aria-hidden="true" />
            Today
          </li>
        )}
      </ul>
      <Suspense fallback={<SkeletonBlock lines={5} label="Loading chart" />}>
        <BandChart points={rows} format={format} height={height} today={today} />
      </Suspense>
      <figcaption>
        <ForecastTable rows={rows} caption={caption} format={format} level={level} />
      </figcaption>
    </figure>
  );
}
