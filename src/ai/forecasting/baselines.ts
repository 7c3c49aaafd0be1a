import { mean } from './stats.ts';

/**
 * The simple benchmarks every forecast must beat (Hyndman & Athanasopoulos, FPP3 §5.2),
 * each with its own simulation so a fallback still has honest intervals.
 */
export type BaselineKind = 'naive' | 'seasonal_naive' | 'drift' | 'mean';

export interface Baseline {
  kind: BaselineKind;
  name: string;
  point: (horizon: number) => number[];
  /** `scale` multiplies the innovation variance (the out-of-sample calibration in series.ts). */
  simulate: (horizon: number, normal: () => number, scale?: number) => number[];
  /** The method's own h-step forecast variance (h from 1). */
  variance: (h: number) => number;
}

const rms = (xs: readonly number[]) => Math.sqrt(mean(xs.map((x) => x * x))) || 0;

export function baseline(kind: BaselineKind, y: readonly number[], m: number): Baseline {
  const n = y.length;
  const last = y[n - 1]!;
  switch (kind) {
    case 'naive': {
      const sigma = rms(y.slice(1).map((v, t) => v - y[t]!));
      return {
        kind,
        name: 'Naive',
        point: (h) => new Array<number>(h).fill(last),
        simulate: (h, normal, scale = 1) => {
          let v = last;
          const sd = sigma * Math.sqrt(scale);
          return Array.from({ length: h }, () => (v += sd * normal()));
        },
        variance: (h) => h * sigma * sigma,
      };
    }
    case 'seasonal_naive': {
      const sigma = rms(y.slice(m).map((v, t) => v - y[t]!));
      return {
        kind,
        name: `Seasonal naive m=${m}`,
        point: (h) => Array.from({ length: h }, (_, i) => y[n - m + (i % m)]!),
        simulate: (h, normal, scale = 1) => {
          const path: number[] = [];
          const sd = sigma * Math.sqrt(scale);
          for (let i = 0; i < h; i++) path.push((i < m ? y[n - m + i]! : path[i - m]!) + sd * normal());
          return path;
        },
        variance: (h) => sigma * sigma * (1 + Math.floor((h - 1) / m)),
      };
    }
    case 'drift': {
      const slope = n > 1 ? (last - y[0]!) / (n - 1) : 0;
      const diffs = y.slice(1).map((v, t) => v - y[t]! - slope);
      const sigma = Math.sqrt(diffs.reduce((s, d) => s + d * d, 0) / Math.max(1, diffs.length - 1));
      return {
        kind,
        name: 'Drift',
        point: (h) => Array.from({ length: h }, (_, i) => last + (i + 1) * slope),
        simulate: (h, normal, scale = 1) => {
          const sd = sigma * Math.sqrt(scale);
          // The slope itself is uncertain (estimated from n − 1 steps): draw it once per path.
          const c = slope + (sd / Math.sqrt(Math.max(1, n - 1))) * normal();
          let v = last;
          return Array.from({ length: h }, () => (v += c + sd * normal()));
        },
        variance: (h) => sigma * sigma * h * (1 + h / Math.max(1, n - 1)),
      };
    }
    case 'mean': {
      const mu = mean(y);
      const sd = Math.sqrt(y.reduce((s, v) => s + (v - mu) ** 2, 0) / Math.max(1, n - 1));
      const spread = sd * Math.sqrt(1 + 1 / n);
      return {
        kind,
        name: 'Mean',
        point: (h) => new Array<number>(h).fill(mu),
        simulate: (h, normal, scale = 1) => Array.from({ length: h }, () => mu + spread * Math.sqrt(scale) * normal()),
        variance: () => spread * spread,
      };
    }
  }
}
