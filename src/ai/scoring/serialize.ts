import type { Calibrator } from './calibration.ts';
import { ScoringInputError, type FeatureMeta } from './dataset.ts';
import type { GbdtModel, GbdtTree } from './gbdt.ts';
import type { LogisticModel } from './logistic.ts';
import type { ScoringModel, TrainingInfo } from './model.ts';

/**
 * Plain-JSON form of a scoring model for the model registry. The format is self-describing and
 * independent of this code's version: named fields, numbers in plain arrays (JSON numbers keep
 * every double exactly, so predictions after a round trip are bit-identical), features by name
 * and kind, and an explicit `formatVersion` that readers check. Non-finite numbers never occur
 * in the model parts; in metrics NaN becomes null.
 */
export const MODEL_FORMAT = 'leadai.scoring-model';
export const MODEL_FORMAT_VERSION = 1;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface ScoringModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  features: FeatureMeta[];
  blendWeight: number;
  calibrator: { method: 'identity' } | { method: 'platt'; a: number; b: number } | { method: 'isotonic'; x: number[]; p: number[] };
  logistic: { offsets: number[]; mean: number[]; scale: number[]; coef: number[]; covariance: number[]; termMean: number[]; info: LogisticModel['info']; encodings?: EncodingsJson };
  gbdt: GbdtJson | null;
  gbdtFolds: GbdtJson[];
  info: TrainingInfo;
}

interface TreeJson {
  feature: number[];
  threshold: number[];
  missingLeft: number[];
  catOffset: number[];
  catMask: number[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
}

/** Per feature, the target encoding of a high-cardinality categorical (one value per code, then missing), else null. */
type EncodingsJson = (number[] | null)[];

interface GbdtJson {
  baseScore: number;
  nCodes: number[];
  encodings?: EncodingsJson;
  trees: TreeJson[];
  info: GbdtModel['info'];
}

const arr = (a: ArrayLike<number>): number[] => Array.from(a);

function finite(a: ArrayLike<number>, what: string): number[] {
  const out = arr(a);
  for (const v of out) if (!Number.isFinite(v)) throw new ScoringInputError(`non-finite number in ${what}`);
  return out;
}

function encodingsToJson(e: (Float64Array | null)[] | undefined): { encodings?: EncodingsJson } {
  return e ? { encodings: e.map((t) => (t ? finite(t, 'target encodings') : null)) } : {};
}

/** Stored encodings, checked against the features: one table of k + 1 numbers per encoded categorical. */
function encodingsFromJson(v: unknown, features: FeatureMeta[]): { encodings?: (Float64Array | null)[] } {
  if (v === undefined || v === null) return {};
  if (!Array.isArray(v) || v.length !== features.length) throw new ScoringInputError('model JSON: invalid encodings');
  return {
    encodings: v.map((t, j) => {
      if (t === null) return null;
      const table = Float64Array.from(nums(t, 'encodings'));
      const f = features[j]!;
      if (f.kind !== 'categorical' || table.length !== (f.categories?.length ?? 0) + 1 || table.some((x) => !Number.isFinite(x))) throw new ScoringInputError('model JSON: invalid encodings');
      return table;
    }),
  };
}

function gbdtToJson(g: GbdtModel): GbdtJson {
  return {
    baseScore: g.baseScore,
    nCodes: arr(g.nCodes),
    ...encodingsToJson(g.encodings),
    trees: g.trees.map((t) => ({
      feature: arr(t.feature),
      threshold: finite(t.threshold, 'tree thresholds'),
      missingLeft: arr(t.missingLeft),
      catOffset: arr(t.catOffset),
      catMask: arr(t.catMask),
      left: arr(t.left),
      right: arr(t.right),
      value: finite(t.value, 'leaf values'),
      cover: finite(t.cover, 'covers'),
    })),
    info: g.info,
  };
}

export function scoringModelToJson(model: ScoringModel): ScoringModelJson {
  const c = model.calibrator;
  const lr = model.logistic;
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    features: model.features.map((f) => ({ ...f, ...(f.categories ? { categories: [...f.categories] } : {}) })),
    blendWeight: model.blendWeight,
    calibrator: c.method === 'isotonic' ? { method: 'isotonic', x: finite(c.x, 'isotonic'), p: finite(c.p, 'isotonic') } : { ...c },
    logistic: {
      offsets: arr(lr.offsets),
      mean: finite(lr.mean, 'means'),
      scale: finite(lr.scale, 'scales'),
      coef: finite(lr.coef, 'coefficients'),
      covariance: finite(lr.covariance, 'covariance'),
      termMean: finite(lr.termMean, 'term means'),
      info: lr.info,
      ...encodingsToJson(lr.encodings),
    },
    gbdt: model.gbdt ? gbdtToJson(model.gbdt) : null,
    gbdtFolds: model.gbdtFolds.map(gbdtToJson),
    // Round-trip through JSON text semantics (NaN → null) so the object is plain JSON as given.
    info: JSON.parse(JSON.stringify(model.info)) as TrainingInfo,
  };
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nums(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw new ScoringInputError(`model JSON: ${what} must be an array of numbers`);
  return v as number[];
}

function treeFromJson(t: unknown, nodes: (what: string) => never): GbdtTree {
  if (!isObj(t)) return nodes('tree');
  const tree: GbdtTree = {
    feature: Int32Array.from(nums(t.feature, 'tree.feature')),
    threshold: Float64Array.from(nums(t.threshold, 'tree.threshold')),
    missingLeft: Uint8Array.from(nums(t.missingLeft, 'tree.missingLeft')),
    catOffset: Int32Array.from(nums(t.catOffset, 'tree.catOffset')),
    catMask: Uint8Array.from(nums(t.catMask, 'tree.catMask')),
    left: Int32Array.from(nums(t.left, 'tree.left')),
    right: Int32Array.from(nums(t.right, 'tree.right')),
    value: Float64Array.from(nums(t.value, 'tree.value')),
    cover: Float64Array.from(nums(t.cover, 'tree.cover')),
  };
  const m = tree.feature.length;
  for (const k of ['threshold', 'missingLeft', 'catOffset', 'left', 'right', 'value', 'cover'] as const) if (tree[k].length !== m) nodes(`tree.${k} length`);
  for (let i = 0; i < m; i++) {
    if (tree.feature[i]! < 0) continue;
    // Children must come after their parent: a stored tree can never loop.
    if (!(tree.left[i]! > i && tree.left[i]! < m && tree.right[i]! > i && tree.right[i]! < m)) nodes('tree children');
  }
  return tree;
}

function gbdtFromJson(g: unknown, features: FeatureMeta[]): GbdtModel {
  const bad = (what: string): never => {
    throw new ScoringInputError(`model JSON: invalid ${what}`);
  };
  if (!isObj(g) || typeof g.baseScore !== 'number' || !Array.isArray(g.trees)) return bad('gbdt');
  const trees = g.trees.map((t) => treeFromJson(t, bad));
  for (const t of trees) {
    for (let i = 0; i < t.feature.length; i++) {
      const f = t.feature[i]!;
      if (f >= features.length) bad('tree feature index');
    }
  }
  return { kind: 'gbdt', features, baseScore: g.baseScore, trees, nCodes: Int32Array.from(nums(g.nCodes, 'gbdt.nCodes')), info: g.info as GbdtModel['info'], ...encodingsFromJson(g.encodings, features) };
}

export function scoringModelFromJson(json: unknown): ScoringModel {
  const j = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  if (!isObj(j) || j.format !== MODEL_FORMAT) throw new ScoringInputError('not a LeadAI scoring model');
  if (typeof j.formatVersion !== 'number' || j.formatVersion > MODEL_FORMAT_VERSION) throw new ScoringInputError(`unsupported scoring model format version ${String(j.formatVersion)}`);
  if (!Array.isArray(j.features)) throw new ScoringInputError('model JSON: features missing');
  const features = j.features as FeatureMeta[];
  const l = j.logistic;
  if (!isObj(l)) throw new ScoringInputError('model JSON: logistic missing');
  const logistic: LogisticModel = {
    kind: 'logistic',
    features,
    offsets: Int32Array.from(nums(l.offsets, 'logistic.offsets')),
    mean: Float64Array.from(nums(l.mean, 'logistic.mean')),
    scale: Float64Array.from(nums(l.scale, 'logistic.scale')),
    coef: Float64Array.from(nums(l.coef, 'logistic.coef')),
    covariance: Float64Array.from(nums(l.covariance, 'logistic.covariance')),
    termMean: Float64Array.from(nums(l.termMean, 'logistic.termMean')),
    info: l.info as LogisticModel['info'],
    ...encodingsFromJson(l.encodings, features),
  };
  if (logistic.offsets.length !== features.length || logistic.covariance.length !== logistic.coef.length ** 2) throw new ScoringInputError('model JSON: logistic shape');
  const c = j.calibrator as Json;
  let calibrator: Calibrator;
  if (isObj(c) && c.method === 'platt' && typeof c.a === 'number' && typeof c.b === 'number') calibrator = { method: 'platt', a: c.a, b: c.b };
  else if (isObj(c) && c.method === 'isotonic') calibrator = { method: 'isotonic', x: Float64Array.from(nums(c.x, 'calibrator.x')), p: Float64Array.from(nums(c.p, 'calibrator.p')) };
  else if (isObj(c) && c.method === 'identity') calibrator = { method: 'identity' };
  else throw new ScoringInputError('model JSON: calibrator');
  return {
    kind: 'scoring-model',
    features,
    logistic,
    gbdt: j.gbdt === null || j.gbdt === undefined ? null : gbdtFromJson(j.gbdt, features),
    gbdtFolds: Array.isArray(j.gbdtFolds) ? j.gbdtFolds.map((g) => gbdtFromJson(g, features)) : [],
    blendWeight: typeof j.blendWeight === 'number' ? j.blendWeight : 0,
    calibrator,
    info: j.info as TrainingInfo,
  };
}
