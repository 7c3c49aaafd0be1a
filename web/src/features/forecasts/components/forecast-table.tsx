import type { BandPoint } from './band-chart';
import { periodLabel } from './forecast-format';

/** The numbers behind a band chart, for whoever wants them exact (and for screen readers: the chart is an image). */
export function ForecastTable({ rows, caption, format, level }: { rows: readonly BandPoint[]; caption: string; format: (v: number) => string; level: string }) {
  return (
    <details className="fc-table">
      <summary>Show the numbers</summary>
      {/* Focusable: at phone width the table scrolls sideways inside its box, and keyboards must reach it. */}
      <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
        <table className="table table--compact">
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col" className="num">
                Low end
              </th>
              <th scope="col" className="num">
                Forecast
              </th>
              <th scope="col" className="num">
                High end
              </th>
              <th scope="col" className="num">
                Actual
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.period_start}>
                <th scope="row" className="nowrap" style={{ fontWeight: 500 }}>
                  {periodLabel(r.period_start, r.period_end)}
                </th>
                <td className="num">{format(r.lower)}</td>
                <td className="num">{format(r.median)}</td>
                <td className="num">{format(r.upper)}</td>
                <td className="num">{r.actual === null ? '—' : format(r.actual)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        Low and high end: the {level} band — the forecast expects the actual between them {level} of the time. Forecast: the median, as likely to be beaten as missed. Actual: what
        happened — so far, for the period still running.
      </p>
    </details>
  );
}
