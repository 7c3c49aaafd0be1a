/** bench:load's arithmetic: the RSS trend and its verdict, and per-operation latency rows. */
import { Histogram, slope } from './realtime-shared.ts';
import type { OpResult } from './load-shared.ts';

/**
 * The threshold of the leak verdict: RSS grows when even the low end of the slope's 95 %
 * interval (slope − 2 standard errors) is above this many MB per minute. A garbage-collected
 * process's RSS saw-tooths by tens of MB, so a short window's slope alone is mostly noise; 1
 * MB/min is 60 MB an hour, which a leak under this load would exceed many times over.
 */
export const RSS_TREND_LIMIT_MB_PER_MIN = 1;

/** Least-squares slope of y over x with its standard error (points: [minutes, MB]). */
export function trend(points: readonly [number, number][]): { slope: number; se: number; growing: boolean } {
  const n = points.length;
  const b = slope(points);
  if (n < 3 || Number.isNaN(b)) return { slope: b, se: NaN, growing: false };
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const a = my - b * mx;
  const residual = points.reduce((s, [x, y]) => s + (y - a - b * x) ** 2, 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const se = Math.sqrt(residual / (n - 2) / sxx);
  return { slope: b, se, growing: b - 2 * se > RSS_TREND_LIMIT_MB_PER_MIN };
}

export interface OpRow {
  op: string;
  count: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  errors: number;
  samples: string[];
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export function opRows(ops: Record<string, OpResult>, seconds: number): { rows: OpRow[]; all: OpRow } {
  const all = new Histogram();
  let errors = 0;
  const rows: OpRow[] = [];
  for (const [op, o] of Object.entries(ops)) {
    const h = new Histogram();
    h.merge(o.hist);
    all.merge(o.hist);
    errors += o.errors;
    rows.push(row(op, h, o.errors, o.samples, seconds));
  }
  return { rows, all: row('all', all, errors, [], seconds) };
}

function row(op: string, h: Histogram, errors: number, samples: string[], seconds: number): OpRow {
  return { op, count: h.count, rps: r1(h.count / seconds), p50: r1(h.percentile(50)), p95: r1(h.percentile(95)), p99: r1(h.percentile(99)), max: r1(h.max), errors, samples };
}

/** A plain text table: the first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  return cells.map((r) => '  ' + r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ')).join('\n');
}
