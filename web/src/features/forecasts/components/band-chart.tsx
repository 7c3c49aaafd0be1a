import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { BAND_COLOURS } from './band-colours';
import { periodKind, type PeriodKind } from './forecast-format';

/** One period of a band chart: the forecast's median and interval, and what happened (null = not yet). */
export interface BandPoint {
  period_start: string;
  period_end: string;
  median: number;
  lower: number;
  upper: number;
  actual: number | null;
}

/** "2026-10-01" → seconds at local midnight: uPlot draws calendar dates in the browser's zone. */
function toSeconds(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d).getTime() / 1000;
}

const monthName = new Intl.DateTimeFormat(undefined, { month: 'short' });
const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** A tick under a period: "Oct" (with the year under January and the first tick), "5 Oct", "Q4 / 2026". */
function tickLabel(kind: PeriodKind, seconds: number, first: boolean): string {
  const date = new Date(seconds * 1000);
  const year = first || date.getMonth() === 0 ? `\n${date.getFullYear()}` : '';
  if (kind === 'quarter') return `Q${Math.floor(date.getMonth() / 3) + 1}${first || date.getMonth() < 3 ? `\n${date.getFullYear()}` : ''}`;
  if (kind === 'month') return `${monthName.format(date)}${year}`;
  return dayMonth.format(date);
}

/** Whether a period is still running on `today` (its actual is only what happened so far). */
export function isRunning(p: Pick<BandPoint, 'period_start' | 'period_end'>, today: string): boolean {
  return p.period_start <= today && today <= p.period_end;
}

/**
 * A forecast as a band (lower–upper) around its median line, with the actuals of ended
 * periods drawn over it as a line, the running period's "so far" as a hollow point of its own
 * (joined to the line, a half-month of revenue would read as a collapse), and a dashed
 * "today" line between past and future (uPlot, loaded with this chart only). The figure is
 * decorative for screen readers: the table beside it carries the same numbers.
 */
export default function BandChart({ points, format, height = 240, today }: { points: readonly BandPoint[]; format: (v: number) => string; height?: number; today?: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || points.length === 0) return;
    const xs = points.map((p) => toSeconds(p.period_start));
    const running = (p: BandPoint) => today !== undefined && isRunning(p, today);
    const data: uPlot.AlignedData = [
      xs,
      points.map((p) => p.lower),
      points.map((p) => p.upper),
      points.map((p) => p.median),
      points.map((p) => (running(p) ? null : p.actual)),
      points.map((p) => (running(p) ? p.actual : null)),
    ];
    const kind = periodKind(points[0]!.period_start, points[0]!.period_end);
    const todayX = today ? toSeconds(today) : null;
    const step = xs.length > 1 ? xs[1]! - xs[0]! : 86_400 * 30;
    const plot = new uPlot(
      {
        width: el.clientWidth || 480,
        height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: {
          // Half a period of room on each side, so the first and last points are not cut.
          x: { time: true, range: (_u, min, max) => [min - step / 2, max + step / 2] },
          // Counts, money and rates are never negative: the axis starts at zero.
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
        },
        axes: [
          {
            stroke: '#4d5566',
            grid: { stroke: '#eceef3' },
            size: 44,
            // One tick per period (every second or third one when they would crowd), named as a period.
            splits: (u) => {
              const stride = Math.max(1, Math.ceil((xs.length * 52) / Math.max(1, u.bbox.width / devicePixelRatio)));
              return xs.filter((_, i) => i % stride === 0);
            },
            values: (_u, splits) => splits.map((s, i) => tickLabel(kind, s, i === 0)),
          },
          { stroke: '#4d5566', grid: { stroke: '#eceef3' }, size: 64, values: (_u, values) => values.map((v) => format(v)) },
        ],
        series: [
          {},
          { label: 'Low end', stroke: 'transparent', points: { show: false } },
          { label: 'High end', stroke: 'transparent', points: { show: false } },
          { label: 'Forecast (median)', stroke: BAND_COLOURS.median, width: 2, dash: [6, 4], points: { show: true, size: 5, fill: BAND_COLOURS.median } },
          { label: 'Actual', stroke: BAND_COLOURS.actual, width: 2, spanGaps: false, points: { show: true, size: 7, fill: BAND_COLOURS.actual } },
          { label: 'So far', stroke: BAND_COLOURS.actual, width: 0, points: { show: true, size: 9, width: 2, fill: '#ffffff' } },
        ],
        bands: [{ series: [2, 1], fill: BAND_COLOURS.band }],
        hooks: {
          draw: [
            (u) => {
              if (todayX === null || todayX < u.scales.x!.min! || todayX > u.scales.x!.max!) return;
              const x = Math.round(u.valToPos(todayX, 'x', true));
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = BAND_COLOURS.today;
              ctx.lineWidth = devicePixelRatio;
              ctx.setLineDash([4 * devicePixelRatio, 4 * devicePixelRatio]);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.restore();
            },
          ],
        },
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points, format, height, today]);
  return <div ref={box} className="band-chart" style={{ minHeight: height }} aria-hidden="true" />;
}
