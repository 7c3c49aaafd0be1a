/**
 * Reads the server's own OpenAPI document and turns every operation into request "slots":
 * each path parameter, query parameter and body field (nested ones too), with what kind of
 * value it holds. A minimal valid body is built from the schema, so a hostile value placed
 * in one slot is the only thing wrong with the request. New routes are covered without
 * touching the tests that use this.
 */
export type SlotKind = 'text' | 'date' | 'cursor' | 'json' | 'other';
export interface Slot { in: 'path' | 'query' | 'body'; name: string; path: (string | number)[]; kind: SlotKind }
export interface Operation {
  method: string; path: string; slots: Slot[]; body: unknown; hasBody: boolean;
  /** Minimal values for the required query parameters (the access sweep sends them; the fuzzer does not read them). */
  query: Record<string, string>;
  /** The operation's OpenAPI extensions (`x-…`), e.g. `x-leadai-action`. */
  extensions: Record<string, unknown>;
}

type Schema = {
  type?: string; format?: string; enum?: unknown[]; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]; $ref?: string;
  properties?: Record<string, Schema>; required?: string[]; items?: Schema; additionalProperties?: Schema | boolean;
  minLength?: number; minimum?: number; minItems?: number; default?: unknown; pattern?: string;
};
type OpenApi = { paths: Record<string, Record<string, { parameters?: { in: string; name: string; required?: boolean; schema?: Schema }[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>; components?: { schemas?: Record<string, Schema> } };

/** Values the generated bodies use for ids, by field name (real rows of the test organization). */
export type IdsByName = (name: string) => string;

export function operations(doc: OpenApi, ids: IdsByName): Operation[] {
  const resolve = (s: Schema | undefined): Schema => {
    let schema = s ?? {};
    while (schema.$ref) schema = doc.components?.schemas?.[schema.$ref.split('/').pop()!] ?? {};
    if (schema.allOf?.length === 1) return resolve(schema.allOf[0]);
    return schema;
  };
  const variants = (s: Schema): Schema[] => (s.anyOf ?? s.oneOf ?? [s]).map(resolve).filter((v) => v.type !== 'null');
  const isDate = (s: Schema) => s.format === 'date-time' || s.format === 'date' || (Object.keys(s).length === 0) || (!s.type && !s.anyOf && !s.enum && !s.properties && !s.$ref);
  const isJson = (s: Schema) => s.type === 'object' && !s.properties && s.additionalProperties !== false;
  const kindOf = (name: string, s: Schema): SlotKind => {
    const vs = variants(s);
    if (name === 'cursor') return 'cursor';
    if (vs.some((v) => v.type === 'object' && isJson(v))) return 'json';
    if (vs.some((v) => isDate(v))) return 'date';
    if (vs.some((v) => v.type === 'string')) return 'text';
    return 'other';
  };

  function example(name: string, s0: Schema): unknown {
    const s = variants(resolve(s0))[0] ?? {};
    if (s.enum) return s.enum[0];
    if (isDate(s)) return new Date().toISOString();
    switch (s.type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const key of s.required ?? []) out[key] = example(key, s.properties?.[key] ?? {});
        return out;
      }
      // One item even where none is required: a hostile value placed in an item meets a valid one.
      case 'array': return Array.from({ length: Math.max(s.minItems ?? 0, 1) }, () => example(name.replace(/s$/, ''), s.items ?? {}));
      case 'integer': case 'number': return s.minimum ?? 1;
      case 'boolean': return false;
      case 'string':
        if (s.format === 'uuid' || /(^|_)ids?$/.test(name)) return ids(name);
        if (s.format === 'email') return `fuzz-${Math.random().toString(36).slice(2)}@example.com`;
        if (s.pattern && !/^\^\[A-Za-z0-9/.test(s.pattern)) return s.default ?? 'x';
        return 'x'.repeat(Math.max(s.minLength ?? 1, 1));
      default: return 'x';
    }
  }

  function bodySlots(s0: Schema, path: (string | number)[], out: Slot[]) {
    const s = resolve(s0);
    const name = String(path.at(-1) ?? '');
    for (const v of variants(s)) {
      if (v.type === 'object' && v.properties) {
        for (const [key, prop] of Object.entries(v.properties)) bodySlots(prop, [...path, key], out);
        if (v.additionalProperties && v.additionalProperties !== true) out.push({ in: 'body', name: [...path, '*'].join('.'), path: [...path, 'zz'], kind: 'text' });
        continue;
      }
      if (v.type === 'array' && v.items) {
        bodySlots(v.items, [...path, 0], out);
        continue;
      }
    }
    if (path.length > 0 && !variants(s).some((v) => v.type === 'object' && v.properties) && !variants(s).some((v) => v.type === 'array')) {
      out.push({ in: 'body', name: path.join('.'), path, kind: kindOf(name, s) });
    }
    if (path.length > 0 && variants(s).some((v) => v.type === 'object' && v.properties)) out.push({ in: 'body', name: path.join('.'), path, kind: 'json' });
  }

  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const slots: Slot[] = [];
      const query: Record<string, string> = {};
      for (const p of op.parameters ?? []) {
        if (p.in === 'path' || p.in === 'query') slots.push({ in: p.in, name: p.name, path: [p.name], kind: kindOf(p.name, resolve(p.schema)) });
        if (p.in === 'query' && p.required) query[p.name] = String(example(p.name, p.schema ?? {}));
      }
      const extensions = Object.fromEntries(Object.entries(op).filter(([key]) => key.startsWith('x-')));
      const json = op.requestBody?.content?.['application/json']?.schema;
      if (json) bodySlots(json, [], slots);
      ops.push({ method: method.toUpperCase(), path, slots, body: json ? example('', json) : undefined, hasBody: Boolean(json), query, extensions });
    }
  }
  return ops;
}

/** A copy of `body` with `value` placed at `path`, creating the objects and arrays on the way. */
export function withValue(body: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (typeof head === 'number') {
    const arr = Array.isArray(body) ? [...body] : [];
    arr[head] = withValue(arr[head] ?? {}, rest, value);
    return arr;
  }
  const obj = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as Record<string, unknown>) } : {};
  obj[head] = withValue(obj[head] ?? (typeof rest[0] === 'number' ? [] : {}), rest, value);
  return obj;
}
