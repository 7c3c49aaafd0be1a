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
  simulate: (horizon: number, normal: () => number) => number[];
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
        simulate: (h, normal) => {
          let v = last;
          return Array.from({ length: h }, () => (v += sigma * normal()));
        },
      };
    }
    case 'seasonal_naive': {
      const sigma = rms(y.slice(m).map((v, t) => v - y[t]!));
      return {
        kind,
        name: `Seasonal naive m=${m}`,
        point: (h) => Array.from({ length: h }, (_, i) => y[n - m + (i % m)]!),
        simulate: (h, normal) => {
          const path: number[] = [];
          for (let i = 0; i < h; i++) path.push((i < m ? y[n - m + i]! : path[i - m]!) + sigma * normal());
          return path;
        },
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
        simulate: (h, normal) => {
          // The slope itself is uncertain (estimated from n − 1 steps): draw it once per path.
          const c = slope + (sigma / Math.sqrt(Math.max(1, n - 1))) * normal();
          let v = last;
          return Array.from({ length: h }, () => (v += c + sigma * normal()));
        },
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
        simulate: (h, normal) => Array.from({ length: h }, () => mu + spread * normal()),
      };
    }
  }
}
