import type { EncodedLeads } from './feature-space.ts';

/**
 * The first deal-size estimate, kept for two reasons: models stored before the regression
 * (`deal-value.ts`) carry it and keep scoring with it until they are retrained, and
 * bench:scoring measures the regression against it. The won deals are grouped by the one
 * fit feature that best explains their size (a company size band, an industry, a plan), and
 * each group's typical value (geometric mean, shrunk toward the overall one when the group
 * is small) is the estimate for every lead in it: a handful of values in all (on the demo
 * data, every new lead of a size quartile showed the same figure).
 */
export interface SegmentDealValueModel {
  feature: string | null;
  /** Numeric features are grouped by these edges (quartiles of the won deals). */
  edges: number[] | null;
  /** Group key → estimated value; key "" is every lead the feature says nothing about. */
  groups: Record<string, number>;
  overall: number;
  wonDeals: number;
  /** Share of the variance of log deal size the grouping explains. */
  explained: number;
}

const SHRINK = 10;
const MIN_GROUP = 5;

function groupKey(value: number, edges: number[] | null): string {
  if (Number.isNaN(value)) return '';
  if (!edges) return String(value);
  let k = 0;
  while (k < edges.length && value > edges[k]!) k++;
  return `q${k}`;
}

function quartileEdges(values: number[]): number[] | null {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length < 4 * MIN_GROUP) return null;
  const edges = [0.25, 0.5, 0.75].map((q) => v[Math.floor(q * (v.length - 1))]!);
  return [...new Set(edges)];
}

export function learnSegmentDealValues(won: EncodedLeads, values: readonly number[]): SegmentDealValueModel {
  const logs = values.map((v) => Math.log(Math.max(1, v)));
  const n = logs.length;
  if (n === 0) return { feature: null, edges: null, groups: {}, overall: 0, wonDeals: 0, explained: 0 };
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  const total = logs.reduce((a, b) => a + (b - mean) ** 2, 0);
  let best: SegmentDealValueModel = { feature: null, edges: null, groups: {}, overall: Math.exp(mean), wonDeals: n, explained: 0 };
  if (n < 2 * MIN_GROUP || total === 0) return best;
  won.features.forEach((def, j) => {
    if (def.group !== 'demographic') return;
    const col = won.columns[j]!;
    const edges = def.kind === 'numeric' ? quartileEdges(Array.from(col)) : null;
    if (def.kind === 'numeric' && !edges) return;
    const sums = new Map<string, { s: number; c: number }>();
    for (let i = 0; i < n; i++) {
      const k = groupKey(col[i]!, edges);
      const g = sums.get(k) ?? { s: 0, c: 0 };
      g.s += logs[i]!;
      g.c++;
      sums.set(k, g);
    }
    if ([...sums.values()].filter((g) => g.c >= MIN_GROUP).length < 2) return;
    // Shrunk group means; explained variance measured with them (small groups count little).
    const shrunk = new Map([...sums].map(([k, g]) => [k, (g.s + SHRINK * mean) / (g.c + SHRINK)]));
    let resid = 0;
    for (let i = 0; i < n; i++) resid += (logs[i]! - shrunk.get(groupKey(col[i]!, edges))!) ** 2;
    const explained = 1 - resid / total;
    if (explained > best.explained + 0.01) {
      const groups: Record<string, number> = {};
      for (const [k, m] of shrunk) groups[k] = Math.round(Math.exp(m));
      best = { feature: def.name, edges, groups, overall: Math.round(Math.exp(mean)), wonDeals: n, explained };
    }
  });
  return { ...best, overall: Math.round(best.overall) };
}

/** The estimate for each lead of an encoded batch (null when no deal has been won yet). */
export function predictSegmentDealValues(model: SegmentDealValueModel, leads: EncodedLeads): (number | null)[] {
  if (model.wonDeals === 0) return Array.from({ length: leads.n }, () => null);
  const j = model.feature ? leads.features.findIndex((f) => f.name === model.feature) : -1;
  return Array.from({ length: leads.n }, (_, i) => (j < 0 ? model.overall : (model.groups[groupKey(leads.columns[j]![i]!, model.edges)] ?? model.overall)));
}
