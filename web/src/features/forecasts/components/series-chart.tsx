import { lazy, Suspense, useMemo } from 'react';
import { SkeletonBlock } from '../../../components/feedback';
import { localToday } from '../../../lib/forecasts';
import { BAND_COLOURS } from './band-colours';
import { ForecastTable, type TableRow } from './forecast-table';

const BandChart = lazy(() => import('./band-chart'));

/** A band chart with its legend and its table of numbers. */
export function SeriesChart({ rows, format, level, caption, height, actualLabel = 'Actual' }: { rows: readonly TableRow[]; format: (v: number) => string; level: string; caption: string; height?: number; actualLabel?: string }) {
  const today = useMemo(() => localToday(), []);
  return (
    <figure className="fc-chart">
      <ul className="fc-legend small" aria-label="Legend">
        <li>
          <span className="fc-legend__swatch fc-legend__swatch--band" style={{ background: BAND_COLOURS.band }} aria-hidden="true" />
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
        <li>
          <span className="fc-legend__swatch fc-legend__swatch--today" style={{ borderColor: BAND_COLOURS.today }} aria-hidden="true" />
          Today
        </li>
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
