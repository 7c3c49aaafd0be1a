import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CalibrationBin } from '../api/settings-api';

const pct = (v: number) => `${Math.round(v * 100)} %`;

/** Reliability diagram (uPlot, loaded with this chart only); the table beside it carries the same numbers. */
export default function CalibrationChart({ bins }: { bins: CalibrationBin[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // The diagonal (perfect calibration) runs corner to corner: x = 0 and 1 carry it alone.
    const points = [...bins].sort((a, b) => (a.meanPredicted ?? 0) - (b.meanPredicted ?? 0));
    const xs = [0, ...points.map((b) => b.meanPredicted ?? 0), 1];
    const data: uPlot.AlignedData = [xs, [null, ...points.map((b) => b.observedRate), null], xs];
    const plot = new uPlot(
      {
        width: el.clientWidth || 360,
        height: 240,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
        axes: [
          { stroke: '#4d5566', grid: { stroke: '#eceef3' }, values: (_u, v) => v.map(pct), label: 'Predicted', labelSize: 20 },
          { stroke: '#4d5566', grid: { stroke: '#eceef3' }, values: (_u, v) => v.map(pct), size: 48, label: 'Won', labelSize: 20 },
        ],
        series: [{}, { label: 'Observed', stroke: '#4338ca', width: 2, spanGaps: true, points: { size: 7, fill: '#4338ca' } }, { label: 'Perfect', stroke: '#8d94a6', width: 1, dash: [4, 4], points: { show: false } }],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [bins]);
  return (
    <div className="calibration">
      <div ref={box} className="calibration__chart" aria-hidden="true" />
      <table className="table table--compact calibration__table">
        <caption className="visually-hidden">Calibration: predicted probability against the share won</caption>
        <thead>
          <tr>
            <th scope="col">Bin</th>
            <th scope="col" className="num">Leads</th>
            <th scope="col" className="num">Predicted</th>
            <th scope="col" className="num">Won</th>
          </tr>
        </thead>
        <tbody>
          {bins.map((b) => (
            <tr key={b.lower}>
              <td className="nowrap">
                {pct(b.lower)}–{pct(b.upper)}
              </td>
              <td className="num">{b.count}</td>
              <td className="num">{pct(b.meanPredicted ?? 0)}</td>
              <td className="num">{pct(b.observedRate ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
