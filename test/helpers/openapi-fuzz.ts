import fc from 'fast-check';
import { withValue } from './openapi-requests.ts';

/**
 * Requests generated from the server's own OpenAPI document: for every operation, fast-check
 * arbitraries derived from its path, query and body schemas (types, formats, enums, bounds,
 * lengths, required fields, additionalProperties: false) that give
 * - `valid`: shaped as the schema asks (the server may still refuse them: an id of no row, a
 *   rule of the domain), so anything but a 5xx is fine;
 * - `broken`: exactly one thing the schema forbids (one field broken, a required one
 *   missing, an unknown one added, a body that is not JSON, too big, too deep, not UTF-8, of
 *   the wrong content type...): these must be refused with a 4xx and change nothing;
 * - `edge`: hand-picked odd but possibly acceptable input (-0, unicode normalization forms,
 *   duplicated query parameters, strings at their maximum length, path traversal in a file
 *   name): anything but a 5xx, and nothing changed when refused.
 * New routes are covered without touching this file.
 */
export type Schema = {
  type?: string; format?: string; enum?: unknown[]; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]; $ref?: string;
  properties?: Record<string, Schema>; required?: string[]; items?: Schema; additionalProperties?: Schema | boolean;
  minLength?: number; maxLength?: number; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number;
  minItems?: number; maxItems?: number; pattern?: string; default?: unknown; const?: unknown;
};
type Parameter = { in: string; name: string; required?: boolean; schema?: Schema };
export type OpenApiDoc = {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
};

export type Intent = 'valid' | 'broken' | 'edge';
export interface FuzzRequest {
  method: string;
  /** Path and query, already percent-encoded (it may hold bytes that are not UTF-8 on purpose). */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  intent: Intent;
  /** What is odd about it, for the report of a failure. */
  note: string;
}
export interface FuzzParam { name: string; required: boolean; schema: Schema }
export interface FuzzOperation {
  method: string;
  path: string;
  params: FuzzParam[];
  query: FuzzParam[];
  body?: Schema;
  bodyRequired: boolean;
  /** The key of the operation in reports: `POST /api/v1/leads`. */
  key: string;
}
/** Real ids of the fuzzing organization, by the name of the path parameter or field and the route. */
export type IdSource = (name: string, path: string) => string | undefined;

/** The JSON body limit of the server (Fastify's bodyLimit): one byte more is "too big". */
export const BODY_LIMIT = 1_048_576;
let HUGE_BODY: string | undefined;
/** Written as text: JSON.stringify would overflow on it. */
export const DEEP_JSON = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);

export function fuzzOperations(doc: OpenApiDoc): FuzzOperation[] {
  const resolve = (s: Schema | undefined): Schema => {
    let schema = s ?? {};
    while (schema.$ref) schema = doc.components?.schemas?.[schema.$ref.split('/').pop()!] ?? {};
    if (schema.allOf?.length === 1) return resolve(schema.allOf[0]);
    return deref(schema);
  };
  // Resolves every nested $ref once, so the arbitraries below never see one.
  const deref = (s: Schema): Schema => {
    const out: Schema = { ...s };
    if (s.anyOf) out.anyOf = s.anyOf.map(resolve);
    if (s.oneOf) out.oneOf = s.oneOf.map(resolve);
    if (s.items) out.items = resolve(s.items);
    if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, resolve(v)]));
    if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = resolve(s.additionalProperties);
    return out;
  };
  const ops: FuzzOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []).map((p) => ({ ...p, required: Boolean(p.required), schema: resolve(p.schema) }));
      const json = op.requestBody?.content?.['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(), path, key: `${method.toUpperCase()} ${path}`,
        params: params.filter((p) => p.in === 'path'), query: params.filter((p) => p.in === 'query'),
        ...(json ? { body: resolve(json) } : {}), bodyRequired: Boolean(op.requestBody?.required),
      });
    }
  }
  return ops;
}

const variants = (s: Schema): Schema[] => s.anyOf ?? s.oneOf ?? [s];
const nonNull = (s: Schema): Schema[] => variants(s).filter((v) => v.type !== 'null');
const nullable = (s: Schema) => variants(s).some((v) => v.type === 'null');
const isoFrom = (d: Date) => d.toISOString();
const dateArb = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-12-31T00:00:00Z'), noInvalidDate: true }).map(isoFrom);
const PATTERN_CACHE = new Map<string, RegExp | null>();
function compiled(pattern: string): RegExp | null {
  if (!PATTERN_CACHE.has(pattern)) {
    try { PATTERN_CACHE.set(pattern, new RegExp(pattern, 'u')); } catch { PATTERN_CACHE.set(pattern, null); }
  }
  return PATTERN_CACHE.get(pattern)!;
}

/** A value the schema accepts (ids of real rows where the name says it is one). */
export function validArb(schema: Schema, name: string, path: string, ids: IdSource, depth = 0): fc.Arbitrary<unknown> {
  const options = nonNull(schema).map((v) => validOne(v, name, path, ids, depth));
  if (options.length === 0) return fc.constant(null);
  const one = options.length === 1 ? options[0]! : fc.oneof(...options);
  return nullable(schema) ? fc.option(one, { nil: null, freq: 5 }) : one;
}

function validOne(s: Schema, name: string, path: string, ids: IdSource, depth: number): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  if (s.format === 'date-time' || s.format === 'date') return s.format === 'date' ? dateArb.map((d) => d.slice(0, 10)) : dateArb;
  switch (s.type) {
    case 'string': {
      const min = s.minLength ?? 0;
      const max = Math.min(s.maxLength ?? 40, Math.max(min, 40));
      if (s.format === 'uuid') {
        const real = ids(name, path);
        return real ? fc.oneof({ arbitrary: fc.constant(real), weight: 4 }, { arbitrary: fc.uuid({ version: 4 }), weight: 1 }) : fc.uuid({ version: 4 });
      }
      // Names that promise a shape the schema can only say in words: an address, a host.
      if (/(^|_)url$/.test(name) && !s.pattern) return fc.constantFrom('https://hooks.example.com/leadai', 'https://crm.example.org/in?x=1', 'http://203.0.113.7:8080/hook');
      if (/(^|_)host$/.test(name) && !s.pattern) return fc.constantFrom('mail.example.com', 'smtp.example.org', '203.0.113.9');
      if (s.format === 'email') return fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/), fc.constantFrom('example.com', 'acme.example', 'mail.test.org')).map(([a, b]) => `${a}@${b}`);
      const re = s.pattern ? compiled(s.pattern) : null;
      if (re) return fc.stringMatching(re).filter((v) => v.length >= min && v.length <= (s.maxLength ?? Infinity));
      return fc.string({ minLength: min, maxLength: max, unit: fc.oneof({ arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 -_.'), weight: 8 }, { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }), weight: 1 }) })
        .filter((v) => [...v].length >= min && v.length <= (s.maxLength ?? Infinity));
    }
    case 'integer': return fc.integer({ min: lower(s, true) ?? -1000, max: upper(s, true) ?? 100_000 });
    case 'number': return fc.double({ min: lower(s, false) ?? -1e6, max: upper(s, false) ?? 1e9, noNaN: true, noDefaultInfinity: true, minExcluded: s.exclusiveMinimum !== undefined, maxExcluded: s.exclusiveMaximum !== undefined });
    case 'boolean': return fc.boolean();
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.min(s.maxItems ?? 3, minLength + 3);
      return fc.array(validArb(s.items ?? {}, name.replace(/s$/, ''), path, ids, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      if (!s.properties) {
        // A free-form object (settings, custom fields, metadata): a few plain values.
        return depth > 3 ? fc.constant({}) : fc.dictionary(fc.stringMatching(/^[a-z][a-z_]{0,8}$/), fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean()), { maxKeys: 3 });
      }
      const required = s.required ?? [];
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, prop] of Object.entries(s.properties)) record[key] = validArb(prop, key, path, ids, depth + 1);
      return fc.record(record, { requiredKeys: required.filter((k) => k in record) });
    }
    default: return fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean());
  }
}

function lower(s: Schema, integer: boolean): number | undefined {
  if (s.minimum !== undefined) return integer ? Math.ceil(s.minimum) : s.minimum;
  if (s.exclusiveMinimum !== undefined) return integer ? Math.floor(s.exclusiveMinimum) + 1 : s.exclusiveMinimum;
  return undefined;
}
function upper(s: Schema, integer: boolean): number | undefined {
  const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? (integer ? Math.ceil(s.exclusiveMaximum) - 1 : s.exclusiveMaximum) : undefined);
  return max === undefined ? undefined : integer ? Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER) : max;
}

/**
 * Values the schema refuses whatever else is true, each with why. Empty where nothing can be
 * said for sure (an unconstrained string, a free-form object).
 */
export function brokenValues(schema: Schema, inQuery: boolean): { value: unknown; why: string }[] {
  const vs = nonNull(schema);
  if (vs.length === 0) return [];
  const out: { value: unknown; why: string }[] = [];
  const accepts = (value: unknown) => vs.some((v) => acceptsLoosely(v, value, inQuery)) || (value === null && nullable(schema));
  const push = (value: unknown, why: string) => { if (!accepts(value)) out.push({ value, why }); };
  for (const s of vs) {
    if (s.enum) push('zz-not-one-of-them', 'not one of the enum values');
    switch (s.type) {
      case 'string':
        if (s.maxLength !== undefined) push('x'.repeat(s.maxLength + 1), `one character over maxLength ${s.maxLength}`);
        if (s.maxLength !== undefined) push('y'.repeat(Math.max(s.maxLength * 4, 5_000)), 'far over maxLength');
        if ((s.minLength ?? 0) > 0) push('', `shorter than minLength ${s.minLength}`);
        if (s.format === 'uuid') { push('not-a-uuid', 'not a uuid'); push('../../etc/passwd', 'path traversal, not a uuid'); }
        if (s.format === 'email') push('no-at-sign.example', 'not an email address');
        if (s.format === 'date-time') { push('yesterday at noon', 'not a date-time'); push('2026-13-45T25:61:00Z', 'an impossible date-time'); }
        if (!inQuery) { push(12345, 'a number where a string is asked'); push(['a'], 'a list where a string is asked'); push({ a: 1 }, 'an object where a string is asked'); }
        break;
      case 'integer':
        push(inQuery ? 'abc' : 'abc', 'text where an integer is asked');
        push(inQuery ? '1.5' : 1.5, 'a fraction where an integer is asked');
        push(inQuery ? 'NaN' : 'NaN', 'NaN');
        push(inQuery ? '9223372036854775808' : 2 ** 63, '2^63, past every integer column');
        if (upper(s, true) !== undefined) push(inQuery ? '1e308' : 1e308, '1e308, over maximum');
        if (lower(s, true) !== undefined) push(lower(s, true)! - 1, `under minimum ${lower(s, true)}`);
        if (upper(s, true) !== undefined) push(upper(s, true)! + 1, `over maximum ${upper(s, true)}`);
        break;
      case 'number':
        push('abc', 'text where a number is asked');
        push('NaN', 'NaN as text');
        if (upper(s, false) !== undefined) { push(inQuery ? '1e308' : 1e308, '1e308, over maximum'); push(upper(s, false)! + 1, 'over maximum'); }
        if (lower(s, false) !== undefined) { push(inQuery ? '-1e308' : -1e308, '-1e308, under minimum'); push(lower(s, false)! - 1, 'under minimum'); }
        break;
      case 'boolean':
        push(inQuery ? 'maybe' : 'yes', 'not a boolean');
        if (!inQuery) push(1, 'a number where a boolean is asked');
        break;
      case 'array':
        if (!inQuery) push('not a list', 'not a list');
        if (s.maxItems !== undefined && !inQuery) push(Array.from({ length: s.maxItems + 1 }, () => sampleOf(s.items ?? {})), `over maxItems ${s.maxItems}`);
        if ((s.minItems ?? 0) > 0 && !inQuery) push([], `under minItems ${s.minItems}`);
        break;
      case 'object':
        if (!inQuery) { push('not an object', 'not an object'); push([1, 2], 'a list where an object is asked'); }
        if (s.properties && s.additionalProperties === false && !inQuery) push({ ...(sampleOf(s) as object), zz_unknown_field: 1 }, 'an unknown field in a strict object');
        break;
    }
  }
  const seen = new Set<string>();
  return out.filter((b) => { const k = JSON.stringify(b.value); if (seen.has(k)) return false; seen.add(k); return true; });
}

/** A rough schema check, only to drop "broken" values that another variant of an anyOf accepts. */
function acceptsLoosely(s: Schema, value: unknown, inQuery: boolean): boolean {
  if (s.enum) return s.enum.some((e) => e === value || (inQuery && String(e) === value));
  const text = typeof value === 'string' ? value : undefined;
  switch (s.type) {
    case 'string':
      if (text === undefined) return false;
      if (s.maxLength !== undefined && [...text].length > s.maxLength) return false;
      if (s.minLength !== undefined && [...text].length < s.minLength) return false;
      if (s.format === 'uuid') return /^[0-9a-f-]{36}$/i.test(text);
      if (s.format === 'date-time') return !Number.isNaN(Date.parse(text)) && /^\d{4}-\d{2}-\d{2}/.test(text);
      if (s.format === 'email') return text.includes('@');
      if (s.pattern && compiled(s.pattern)) return compiled(s.pattern)!.test(text);
      return true;
    case 'integer': case 'number': {
      const n = typeof value === 'number' ? value : inQuery && text !== undefined && text.trim() !== '' ? Number(text) : NaN;
      if (!Number.isFinite(n)) return false;
      if (s.type === 'integer' && !Number.isSafeInteger(n)) return false;
      const lo = lower(s, s.type === 'integer'); const hi = upper(s, s.type === 'integer');
      return (lo === undefined || n >= lo) && (hi === undefined || n <= hi);
    }
    case 'boolean': return typeof value === 'boolean' || (inQuery && (text === 'true' || text === 'false'));
    case 'array': return Array.isArray(value) || inQuery;
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value) && !(s.additionalProperties === false && s.properties && Object.keys(value).some((k) => !(k in s.properties!)));
    case 'null': return value === null;
    default: return true;
  }
}

/** One plain valid-looking value, no randomness: for the parts of a broken value that are not the point. */
function sampleOf(s0: Schema): unknown {
  const s = nonNull(s0)[0] ?? {};
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.format === 'date-time') return '2026-06-15T12:00:00.000Z';
  if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  if (s.format === 'email') return 'fuzz@example.com';
  switch (s.type) {
    case 'string': return 'x'.repeat(Math.max(s.minLength ?? 1, 1));
    case 'integer': case 'number': return lower(s, s.type === 'integer') ?? 1;
    case 'boolean': return false;
    case 'array': return Array.from({ length: s.minItems ?? 0 }, () => sampleOf(s.items ?? {}));
    case 'object': return Object.fromEntries((s.required ?? []).map((k) => [k, sampleOf(s.properties?.[k] ?? {})]));
    default: return 'x';
  }
}

/** Every field of a body (nested objects and list items too), by its path. */
function bodyFields(s0: Schema, path: (string | number)[] = [], out: { path: (string | number)[]; schema: Schema; parent: Schema }[] = [], parent: Schema = s0): typeof out {
  if (path.length > 0) out.push({ path, schema: s0, parent });
  if (path.length > 6) return out;
  // Into a union of several shapes (an action of one of five types) the fields are not
  // descended: what one shape forbids, another may accept.
  const shapes = nonNull(s0);
  if (shapes.length !== 1) return out;
  for (const v of shapes) {
    if (v.type === 'object' && v.properties) for (const [k, p] of Object.entries(v.properties)) bodyFields(p, [...path, k], out, v);
    if (v.type === 'array' && v.items) bodyFields(v.items, [...path, 0], out, v);
  }
  return out;
}

function without(body: unknown, path: (string | number)[]): unknown {
  if (path.length === 1) { const copy = { ...(body as Record<string, unknown>) }; delete copy[path[0] as string]; return copy; }
  const [head, ...rest] = path;
  const inner = (body as Record<string | number, unknown>)?.[head as string];
  return inner === undefined ? body : withValue(body, [head!], without(inner, rest));
}

/** Percent-encodes like a browser, but a lone surrogate becomes the bytes ED A0 80 (not UTF-8). */
export function encodeRaw(v: string): string {
  return encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, '\u0001')).replace(/%01/g, '%ED%A0%80');
}
const queryValue = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : JSON.stringify(v));

interface Parts { params: Record<string, string>; query: [string, string][]; body?: unknown; hasBody: boolean }

function build(op: FuzzOperation, parts: Parts, intent: Intent, note: string, extra: Partial<FuzzRequest> = {}): FuzzRequest {
  const url = op.path.replace(/\{(\w+)\}/g, (_, n: string) => parts.params[n] ?? '00000000-0000-4000-8000-000000000000')
    + (parts.query.length ? '?' + parts.query.map(([k, v]) => `${k}=${v}`).join('&') : '');
  const headers: Record<string, string> = {};
  let body: string | Uint8Array | undefined;
  if (parts.hasBody) { headers['content-type'] = 'application/json'; body = JSON.stringify(parts.body ?? {}); }
  return { method: op.method, url, ...(body !== undefined ? { body } : {}), intent, note, ...extra, headers: { ...headers, ...extra.headers } };
}

/** Valid-shaped path, query and body of an operation. */
function validParts(op: FuzzOperation, ids: IdSource): fc.Arbitrary<Parts> {
  const params = fc.record(Object.fromEntries(op.params.map((p) => {
    const real = ids(p.name, op.path);
    return [p.name, (real ? fc.constant(real) : validArb(p.schema, p.name, op.path, ids)).map((v) => encodeRaw(String(v)))];
  })));
  const query = fc.tuple(...op.query.map((q) => (q.required ? validArb(q.schema, q.name, op.path, ids) : fc.option(validArb(q.schema, q.name, op.path, ids), { freq: 2, nil: undefined })).map((v) => [q.name, v] as const)))
    .map((pairs) => pairs.filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, encodeRaw(queryValue(v))] as [string, string]));
  const body = op.body ? validArb(op.body, '', op.path, ids) : fc.constant(undefined);
  return fc.record({ params, query, body }).map((p) => ({ ...p, hasBody: op.body !== undefined }));
}

/** Valid-shaped requests. */
export function validRequests(op: FuzzOperation, ids: IdSource): fc.Arbitrary<FuzzRequest> {
  return validParts(op, ids).map((p) => build(op, p, 'valid', 'valid-shaped'));
}

/** Requests with exactly one slot broken (path, query or body field), drawn at random; null if the schema leaves nothing to break. */
export function brokenRequests(op: FuzzOperation, ids: IdSource): fc.Arbitrary<FuzzRequest> | null {
  const choices: fc.Arbitrary<FuzzRequest>[] = [];
  const base = validParts(op, ids);
  for (const p of op.params) {
    for (const b of brokenValues(p.schema, true)) {
      choices.push(base.map((parts) => build(op, { ...parts, params: { ...parts.params, [p.name]: encodeRaw(queryValue(b.value)) } }, 'broken', `path ${p.name}: ${b.why}`)));
    }
  }
  for (const q of op.query) {
    for (const b of brokenValues(q.schema, true)) {
      choices.push(base.map((parts) => build(op, { ...parts, query: [...parts.query.filter(([k]) => k !== q.name), [q.name, encodeRaw(queryValue(b.value))]] }, 'broken', `query ${q.name}: ${b.why}`)));
    }
  }
  if (op.body) {
    for (const f of bodyFields(op.body)) {
      // A field inside an optional object or a list item is only there if the path builds it: fine, withValue creates it.
      for (const b of brokenValues(f.schema, false)) {
        choices.push(base.map((parts) => build(op, { ...parts, body: withValue(parts.body, f.path, b.value) }, 'broken', `body ${f.path.join('.')}: ${b.why}`)));
      }
      const key = f.path.at(-1);
      if (typeof key === 'string' && f.parent.required?.includes(key)) {
        choices.push(base.map((parts) => build(op, { ...parts, body: without(withValue(parts.body, f.path, sampleOf(f.schema)), f.path) }, 'broken', `body ${f.path.join('.')}: required, missing`)));
      }
    }
    for (const b of brokenValues(op.body, false)) choices.push(base.map((parts) => build(op, { ...parts, body: b.value }, 'broken', `body: ${b.why}`)));
  }
  return choices.length ? fc.oneof(...choices) : null;
}

/**
 * The cases the issue names, whole-request ones (size, depth, bytes, content type, address)
 * and ones placed in this operation's slots. `broken` ones must be refused; `edge` ones may
 * be accepted.
 */
export function edgeCases(op: FuzzOperation, ids: IdSource): FuzzRequest[] {
  const parts = fc.sample(validParts(op, ids), { numRuns: 1, seed: 7 })[0]!;
  const out: FuzzRequest[] = [];
  const b = (note: string, extra: Partial<FuzzRequest>, p: Parts = parts) => out.push(build(op, p, 'broken', note, extra));
  const e = (note: string, p: Parts, extra: Partial<FuzzRequest> = {}) => out.push(build(op, p, 'edge', note, extra));
  const json = { 'content-type': 'application/json' };
  // The address: bytes that are not UTF-8, NUL, a lone surrogate, traversal.
  b('query: invalid UTF-8 bytes %FF%FE', {}, { ...parts, query: [...parts.query, [op.query[0]?.name ?? 'q', '%FF%FE']] });
  b('query: a value that is not percent-decodable (%E0%A4%A)', {}, { ...parts, query: [...parts.query, [op.query[0]?.name ?? 'q', '%E0%A4%A']] });
  if (op.query.length) {
    const q = op.query.find((x) => nonNull(x.schema).some((v) => v.type === 'string')) ?? op.query[0]!;
    b(`query ${q.name}: NUL byte`, {}, { ...parts, query: [...parts.query.filter(([k]) => k !== q.name), [q.name, 'a%00b']] });
    b(`query ${q.name}: lone surrogate as bytes ED A0 80`, {}, { ...parts, query: [...parts.query.filter(([k]) => k !== q.name), [q.name, 'a%ED%A0%80']] });
    // ?status=a&status=b: a list where one value is asked, or two of a list: either may be right.
    const v = parts.query.find(([k]) => k === q.name)?.[1] ?? 'a';
    e(`query ${q.name}: duplicated`, { ...parts, query: [...parts.query.filter(([k]) => k !== q.name), [q.name, v], [q.name, v]] });
    e(`query ${q.name}: unicode, NFD form (e + combining acute) and a right-to-left override`, { ...parts, query: [...parts.query.filter(([k]) => k !== q.name), [q.name, encodeURIComponent('cafe\u0301\u202Eexe')]] });
  }
  for (const p of op.params) {
    b(`path ${p.name}: invalid UTF-8 bytes`, {}, { ...parts, params: { ...parts.params, [p.name]: '%FF%FE%FD' } });
    b(`path ${p.name}: NUL byte`, {}, { ...parts, params: { ...parts.params, [p.name]: 'a%00b' } });
    b(`path ${p.name}: encoded path traversal`, {}, { ...parts, params: { ...parts.params, [p.name]: '..%2F..%2F..%2Fetc%2Fpasswd' } });
    b(`path ${p.name}: overlong (10,000 characters)`, {}, { ...parts, params: { ...parts.params, [p.name]: 'z'.repeat(10_000) } });
  }
  if (op.body) {
    b('body: over the size limit', { body: (HUGE_BODY ??= JSON.stringify({ padding: 'p'.repeat(BODY_LIMIT) })), headers: json });
    b('body: JSON nested 10,000 deep', { body: DEEP_JSON, headers: json });
    b('body: not JSON', { body: '{"a": ', headers: json });
    b('body: invalid UTF-8 bytes inside a string', { body: Buffer.concat([Buffer.from('{"zz":"a'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]), headers: json });
    b('content type: text/plain', { headers: { 'content-type': 'text/plain' } });
    b('content type: application/xml', { body: '<lead><name>x</name></lead>', headers: { 'content-type': 'application/xml' } });
    b('content type: form-urlencoded', { body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    b('body: JSON null', { body: 'null', headers: json });
    const fields = bodyFields(op.body);
    const text = fields.find((f) => nonNull(f.schema).some((v) => v.type === 'string' && !v.enum && !v.format && !v.pattern));
    if (text) {
      b(`body ${text.path.join('.')}: NUL byte`, {}, { ...parts, body: withValue(parts.body, text.path, 'a\u0000b') });
      b(`body ${text.path.join('.')}: lone surrogate`, {}, { ...parts, body: withValue(parts.body, text.path, 'a\uD800b') });
      const max = nonNull(text.schema).find((v) => v.type === 'string')?.maxLength;
      e(`body ${text.path.join('.')}: unicode normalization forms, zero-width and right-to-left characters`, { ...parts, body: withValue(parts.body, text.path, 'Cafe\u0301 \u00C5ngstr\u00F6m \u200B\u202E'.slice(0, max ?? 100)) });
      if (max !== undefined && max <= 100_000) e(`body ${text.path.join('.')}: exactly maxLength ${max} characters, astral ones`, { ...parts, body: withValue(parts.body, text.path, '\u{1F600}'.repeat(Math.floor(max / 2)) + (max % 2 ? 'x' : '')) });
    }
    const num = fields.find((f) => nonNull(f.schema).some((v) => v.type === 'number' || v.type === 'integer'));
    if (num) {
      e(`body ${num.path.join('.')}: -0`, { ...parts, body: withValue(parts.body, num.path, 0) }, { body: JSON.stringify(withValue(parts.body, num.path, '__MINUS_ZERO__')).replace('"__MINUS_ZERO__"', '-0'), headers: json });
      e(`body ${num.path.join('.')}: 1e308`, { ...parts, body: withValue(parts.body, num.path, 1e308) });
      e(`body ${num.path.join('.')}: 2^63 written out`, { ...parts, body: withValue(parts.body, num.path, 0) }, { body: JSON.stringify(withValue(parts.body, num.path, '__BIG__')).replace('"__BIG__"', '9223372036854775808'), headers: json });
      b(`body ${num.path.join('.')}: "NaN" as text`, {}, { ...parts, body: withValue(parts.body, num.path, 'NaN') });
    }
    e('body: a duplicated key (the last one counts)', { ...parts }, { body: (JSON.stringify(parts.body ?? {}).replace(/^\{/, '{"zz_dup":1,"zz_dup":2,') ).replace(',}', '}'), headers: json });
  }
  return out;
}

/** A multipart upload whose file name climbs out of any folder: stored under a safe name or refused, never a 5xx. */
export function multipartTraversal(path: string): FuzzRequest[] {
  const boundary = 'fuzzboundary';
  const part = (filename: string) => `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: text/csv\r\n\r\nfirst_name,last_name\r\nAda,Lovelace\r\n--${boundary}--\r\n`;
  const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
  return ['../../../../etc/passwd', '..\\..\\windows\\win.ini', '/etc/shadow', 'leads/../../x.csv', '%2e%2e%2fetc%2fpasswd.csv', 'Cafe\u0301.csv']
    .map((name) => ({ method: 'POST', url: path, headers, body: part(name), intent: 'edge' as const, note: `multipart file name ${JSON.stringify(name)}` }));
}

/**
 * One deterministic value with every property filled (not only the required ones), for
 * tools that test each parameter they are shown (the SQL injection scan).
 */
export function fullExample(schema: Schema, name: string, path: string, ids: IdSource, depth = 0): unknown {
  const s = nonNull(schema)[0] ?? {};
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.format === 'uuid') return ids(name, path) ?? '00000000-0000-4000-8000-000000000000';
  if (s.format === 'date-time') return '2026-06-15T12:00:00.000Z';
  if (s.format === 'email') return 'scan@example.com';
  switch (s.type) {
    case 'string':
      if (/(^|_)url$/.test(name)) return 'https://hooks.example.com/leadai';
      if (s.pattern) return fc.sample(validArb(s, name, path, ids), { numRuns: 1, seed: 1 })[0];
      return 'acme'.padEnd(s.minLength ?? 1, 'x').slice(0, s.maxLength ?? 100);
    case 'integer': case 'number': return lower(s, s.type === 'integer') ?? 1;
    case 'boolean': return false;
    case 'array': return depth > 4 ? [] : Array.from({ length: Math.max(s.minItems ?? 0, 1) }, () => fullExample(s.items ?? {}, name.replace(/s$/, ''), path, ids, depth + 1)).slice(0, s.maxItems ?? 1);
    case 'object':
      if (!s.properties) return { note: 'acme' };
      return depth > 4 ? {} : Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, fullExample(v, k, path, ids, depth + 1)]));
    default: return 'acme';
  }
}
