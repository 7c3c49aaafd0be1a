import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatDateTime } from '../../../lib/format';
import type { ScoreHistory } from '../api/leads-api';

/** At least an hour across: scores minutes (or milliseconds) apart otherwise got sub-second tick labels (":10.400"). */
const MIN_SPAN_S = 3600;
const timeRange: uPlot.Range.Function = (_u, min, max) => {
  const pad = Math.max(0, MIN_SPAN_S - (max - min)) / 2;
  return [min - pad, max + pad];
};

/** The score over time (uPlot, loaded only with this chart). A table carries the same data for screen readers. */
export default function ScoreHistoryChart({ history }: { history: ScoreHistory }) {
  const box = useRef<HTMLDivElement>(null);
  const points = useMemo(() => [...history].sort((a, b) => a.created_at.localeCompare(b.created_at)), [history]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const data: uPlot.AlignedData = [points.map((p) => new Date(p.created_at).getTime() / 1000), points.map((p) => p.score)];
    const plot = new uPlot(
      {
        width: el.clientWidth || 480,
        height: 180,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true, range: timeRange }, y: { range: [0, 100] } },
        axes: [{ stroke: '#4d5566', grid: { stroke: '#eceef3' }, space: 70 }, { stroke: '#4d5566', grid: { stroke: '#eceef3' }, size: 36 }],
        series: [{}, { label: 'Score', stroke: '#4338ca', width: 2, fill: 'rgba(67,56,202,0.08)', points: { size: 5 } }],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points]);
  return (
    <figure style={{ margin: 0 }}>
      <div ref={box} className="chart-box" aria-hidden="true" />
      <figcaption className="visually-hidden">
        <table>
          <caption>Score history</caption>
          <tbody>
            {points.map((p) => (
              <tr key={p.id}>
                <td>{formatDateTime(p.created_at)}</td>
                <td>{p.score}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
