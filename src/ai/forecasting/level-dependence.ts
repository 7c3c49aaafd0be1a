import { leastSquares, mean } from './stats.ts';

/**
 * Does the series' swing grow with its level? The elasticity of the within-block spread on
 * the block level: log(spread_b) = c + e·log(level_b) over consecutive blocks (one season
 * long when there is a season, so the spread is the seasonal swing plus noise; otherwise
 * about a sixth of the history). The spread is taken around a line fitted inside each block,
 * so a trend is not mistaken for a swing. e ≈ 1: the swing is proportional to the level
 * (multiplicative: model the log); e ≈ 0: it is constant (additive: model the values).
 * Returns null when the question cannot be asked (values ≤ 0, fewer than 2 blocks, or levels
 * too close together to tell one from the other).
 */
export function swingElasticity(values: readonly number[], block: number): number | null {
  if (values.some((v) => !(v > 0))) return null;
  const L = Math.max(3, block);
  const blocks = Math.floor(values.length / L);
  if (blocks < 2) return null;
  const start = values.length - blocks * L; // complete blocks ending at the latest value
  const x: number[][] = [];
  const y: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const seg = values.slice(start + b * L, start + (b + 1) * L);
    const [a, s] = leastSquares(seg.map((_, t) => [1, t]), seg);
    const spread = Math.sqrt(mean(seg.map((v, t) => (v - a! - s! * t) ** 2)));
    if (!(spread > 0)) continue;
    x.push([1, Math.log(mean(seg))]);
    y.push(Math.log(spread));
  }
  if (x.length < 2) return null;
  const levels = x.map((r) => r[1]!);
  // Levels within 10 % of each other say nothing about proportionality.
  if (Math.max(...levels) - Math.min(...levels) < Math.log(1.1)) return null;
  return leastSquares(x, y)[1]!;
}
