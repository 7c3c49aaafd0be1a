/**
 * A trend in a table cell: a small SVG line over the periods, the last point marked. Plain
 * SVG rather than uPlot: one chart per row of a table would mean dozens of canvases and
 * their listeners for a picture of eight points. Read aloud as its label (first → last).
 */
export function Sparkline({ values, label, width = 96, height = 28 }: { values: (number | null)[]; label: string; width?: number; height?: number }) {
  const points = values.map((v) => v ?? 0);
  const max = Math.max(...points, 0);
  const min = Math.min(...points, 0);
  const span = max - min || 1;
  const step = points.length > 1 ? (width - 4) / (points.length - 1) : 0;
  const xy = points.map((v, i) => [2 + i * step, height - 3 - ((v - min) / span) * (height - 6)] as const);
  const last = xy[xy.length - 1];
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <polyline points={xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')} fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
      {last && <circle cx={last[0]} cy={last[1]} r="2.5" fill="currentColor" />}
    </svg>
  );
}
