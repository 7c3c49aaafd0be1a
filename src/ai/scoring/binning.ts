import type { FeatureMeta } from './dataset.ts';

/**
 * Quantile binning for the histogram GBDT: every feature becomes a Uint8 column of at most 255
 * value bins plus bin 255 for missing, so split finding scans ≤ 256 histogram cells instead of
 * sorting rows, and the missing bin learns its own direction at every split.
 */
export const MISSING_BIN = 255;
export const MAX_VALUE_BINS = 255;

export interface BinMapper {
  kind: 'numeric' | 'categorical';
  /** Value bins in use (missing excluded). */
  nBins: number;
  /** Numeric: bin(x) = first i with x <= edges[i], else edges.length. */
  edges: Float64Array;
  /** Categorical: bin of each code; MISSING_BIN routes with missing. Rare codes share one pooled bin. */
  codeToBin: Int32Array;
}

export interface BinningOptions {
  maxBins: number;
  /** Categories seen fewer times than this share one pooled bin. */
  rareCategoryCount: number;
  /** Rows sampled to find quantiles (seeded), as in LightGBM's bin_construct_sample_cnt. */
  sampleRows: number;
}

function numericEdges(values: Float64Array, maxBins: number): Float64Array {
  values.sort();
  const n = values.length;
  if (n === 0) return new Float64Array(0);
  const distinct: number[] = [values[0]!];
  for (let i = 1; i < n && distinct.length <= maxBins; i++) if (values[i] !== values[i - 1]) distinct.push(values[i]!);
  if (distinct.length <= maxBins) {
    const e = new Float64Array(distinct.length - 1);
    for (let i = 0; i + 1 < distinct.length; i++) e[i] = distinct[i]! + (distinct[i + 1]! - distinct[i]!) / 2;
    return e;
  }
  // Midpoint percentiles (scikit-learn's choice), de-duplicated: heavy values get one bin.
  const out: number[] = [];
  for (let q = 1; q < maxBins; q++) {
    const pos = (q / maxBins) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    const v = (values[lo]! + values[hi]!) / 2;
    if (out.length === 0 || v > out[out.length - 1]!) out.push(v);
  }
  return Float64Array.from(out);
}

export function fitBinMapper(meta: FeatureMeta, column: Float64Array, rows: ArrayLike<number>, opts: BinningOptions): BinMapper {
  if (meta.kind === 'numeric') {
    const n = rows.length;
    const step = n > opts.sampleRows ? n / opts.sampleRows : 1;
    const vals: number[] = [];
    for (let s = 0; s < n; s += step) {
      const v = column[rows[Math.floor(s)]!]!;
      if (v === v) vals.push(v);
    }
    const edges = numericEdges(Float64Array.from(vals), Math.min(opts.maxBins, MAX_VALUE_BINS));
    return { kind: 'numeric', nBins: edges.length + 1, edges, codeToBin: new Int32Array(0) };
  }
  const k = meta.categories?.length ?? 0;
  const counts = new Float64Array(k);
  for (let i = 0; i < rows.length; i++) {
    const v = column[rows[i]!]!;
    if (v === v && v >= 0 && v < k) counts[v]!++;
  }
  const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => counts[b]! - counts[a]! || a - b);
  const codeToBin = new Int32Array(k).fill(MISSING_BIN);
  let nBins = 0;
  let pooled = -1;
  for (const c of order) {
    if (counts[c]! >= Math.max(1, opts.rareCategoryCount) && nBins < MAX_VALUE_BINS - 1) codeToBin[c] = nBins++;
    else {
      // Unseen and rare codes share one bin, so a category that appears later is routed with its peers.
      if (pooled < 0) pooled = nBins++;
      codeToBin[c] = pooled;
    }
  }
  return { kind: 'categorical', nBins, edges: new Float64Array(0), codeToBin };
}

export function binValue(m: BinMapper, v: number): number {
  if (v !== v) return MISSING_BIN;
  if (m.kind === 'categorical') return v >= 0 && v < m.codeToBin.length && v === Math.floor(v) ? m.codeToBin[v]! : MISSING_BIN;
  const e = m.edges;
  let lo = 0;
  let hi = e.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= e[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function binColumn(m: BinMapper, column: Float64Array, rows: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = binValue(m, column[rows[i]!]!);
  return out;
}
