import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENUMS } from '../src/db/schema.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

/**
 * The schema of record against the specification: every table, column (type and
 * default), enum value and index named in docs/spec/leadai-schema-design.md must exist in
 * the migrated database. The list is read from the spec itself, not retyped.
 */
const spec = readFileSync(new URL('../docs/spec/leadai-schema-design.md', import.meta.url), 'utf8');

interface SpecColumn {
  name: string;
  type: string;
  default: string | null;
}

function parseSpec() {
  const tables = new Map<string, SpecColumn[]>();
  for (const m of spec.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) {
    const columns: SpecColumn[] = [];
    for (const raw of m[2]!.split('\n')) {
      const line = raw.replace(/--.*$/, '').trim().replace(/,$/, '');
      const col = /^(\w+)\s+([A-Z]+(?: WITH TIME ZONE)?(?:\(\d+(?:,\d+)?\))?(?:\[\])?|\w+)(.*)$/.exec(line);
      if (!col || line === '') continue;
      const def = /DEFAULT\s+('[^']*'|[\w.()-]+)/i.exec(col[3]!);
      columns.push({ name: col[1]!, type: col[2]!, default: def ? def[1]! : null });
    }
    tables.set(m[1]!, columns);
  }
  const enums = new Map<string, string[]>();
  for (const m of spec.matchAll(/CREATE TYPE (\w+) AS ENUM \(([\s\S]*?)\);/g)) {
    enums.set(m[1]!, [...m[2]!.matchAll(/'([^']+)'/g)].map((v) => v[1]!));
  }
  const indexes = [...spec.matchAll(/CREATE INDEX (\w+) ON (\w+)/g)].map((m) => ({ name: m[1]!, table: m[2]! }));
  return { tables, enums, indexes };
}

const parsed = parseSpec();
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

describe(`schema of record vs the specification (${MODE})`, () => {
  it('reads a complete list from the spec', () => {
    expect([...parsed.tables.keys()].sort()).toEqual([
      'activities', 'ai_insights', 'conversations', 'forecasts', 'journey_events', 'lead_scores', 'leads',
      'organizations', 'performance_metrics', 'teams', 'users',
    ]);
    expect([...parsed.tables.values()].flat().length).toBe(153);
    expect([...parsed.tables.values()].flat().filter((c) => c.default !== null).length).toBe(64);
    expect(parsed.enums.size).toBe(9);
    expect(parsed.indexes.length).toBe(12);
  });

  it('has every spec table with every spec column, of the spec type, with the spec default', async () => {
    const { rows } = await sql<{
      table_name: string; column_name: string; data_type: string; udt_name: string;
      character_maximum_length: number | null; numeric_precision: number | null; numeric_scale: number | null; column_default: string | null;
    }>`SELECT table_name, column_name, data_type, udt_name, character_maximum_length, numeric_precision, numeric_scale, column_default
       FROM information_schema.columns WHERE table_schema = 'public'`.execute(database.db);
    const problems: string[] = [];
    for (const [table, columns] of parsed.tables) {
      for (const column of columns) {
        const actual = rows.find((r) => r.table_name === table && r.column_name === column.name);
        if (!actual) {
          problems.push(`${table}.${column.name} is missing`);
          continue;
        }
        const t = column.type.toUpperCase();
        const expectType = (ok: boolean) => ok || problems.push(`${table}.${column.name}: spec ${column.type}, found ${actual.data_type}/${actual.udt_name}(${actual.character_maximum_length ?? actual.numeric_precision ?? ''})`);
        if (t === 'UUID') expectType(actual.udt_name === 'uuid');
        else if (t.startsWith('VARCHAR')) expectType(actual.udt_name === 'varchar' && actual.character_maximum_length === Number(/\d+/.exec(t)![0]));
        else if (t === 'TEXT') expectType(actual.udt_name === 'text');
        else if (t === 'TEXT[]') expectType(actual.udt_name === '_text');
        else if (t === 'JSONB') expectType(actual.udt_name === 'jsonb');
        else if (t === 'INTEGER') expectType(actual.udt_name === 'int4');
        else if (t === 'DATE') expectType(actual.udt_name === 'date');
        else if (t === 'INET') expectType(actual.udt_name === 'inet');
        else if (t === 'TIMESTAMP WITH TIME ZONE') expectType(actual.udt_name === 'timestamptz');
        else if (t.startsWith('DECIMAL')) {
          const [p, s] = /\((\d+),(\d+)\)/.exec(t)!.slice(1).map(Number);
          expectType(actual.udt_name === 'numeric' && actual.numeric_precision === p && actual.numeric_scale === s);
        } else expectType(actual.udt_name === column.type); // an enum type
        if (column.default !== null) {
          const d = column.default.replace(/^'|'$/g, '').toLowerCase();
          const found = (actual.column_default ?? '').toLowerCase();
          if (!found.includes(d.replace(/\(\)$/, '')) && !(d === '0.0' && found === '0.0')) problems.push(`${table}.${column.name}: spec default ${column.default}, found ${actual.column_default}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has every spec enum with exactly its values, in order, and the code agrees', async () => {
    const { rows } = await sql<{ typname: string; labels: string[] }>`
      SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`.execute(database.db);
    for (const [name, values] of parsed.enums) {
      expect(rows.find((r) => r.typname === name)?.labels, name).toEqual(values);
      expect([...ENUMS[name as keyof typeof ENUMS]], `src/db/schema.ts ${name}`).toEqual(values);
    }
  });

  it('has every spec index, by name, on the spec table', async () => {
    const { rows } = await sql<{ indexname: string; tablename: string }>`
      SELECT indexname, tablename FROM pg_indexes WHERE schemaname = 'public'`.execute(database.db);
    for (const index of parsed.indexes) {
      expect(rows.find((r) => r.indexname === index.name)?.tablename, index.name).toBe(index.table);
    }
  });

  it('keeps updated_at current by trigger, and keeps an explicitly set value', async () => {
    const org = await database.db.insertInto('organizations').values({ name: 'Clock' }).returning(['id', 'updated_at']).executeTakeFirstOrThrow();
    await new Promise((r) => setTimeout(r, 20));
    const after = await database.db.updateTable('organizations').set({ name: 'Clock 2' }).where('id', '=', org.id).returning('updated_at').executeTakeFirstOrThrow();
    expect(after.updated_at.getTime()).toBeGreaterThan(org.updated_at.getTime());
    const explicit = new Date('2024-01-02T03:04:05Z');
    const kept = await database.db.updateTable('organizations').set({ name: 'Clock 3', updated_at: explicit }).where('id', '=', org.id).returning('updated_at').executeTakeFirstOrThrow();
    expect(kept.updated_at.toISOString()).toBe(explicit.toISOString());
  });

  it('returns the same JavaScript types in both modes (numbers, dates, json, arrays)', async () => {
    const org = await database.db.insertInto('organizations').values({ name: 'Types' }).returning('id').executeTakeFirstOrThrow();
    const lead = await database.db
      .insertInto('leads')
      .values({ organization_id: org.id, first_name: 'T', last_name: 'Y', tags: ['a', 'b "q"'], custom_fields: JSON.stringify({ n: 1 }), deal_value: 1234.5, score_confidence: 0.25 })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(lead.tags).toEqual(['a', 'b "q"']);
    expect(lead.custom_fields).toEqual({ n: 1 });
    expect(lead.deal_value).toBe(1234.5);
    expect(lead.score_confidence).toBe(0.25);
    expect(lead.created_at).toBeInstanceOf(Date);
    const f = await database.db
      .insertInto('forecasts')
      .values({ organization_id: org.id, forecast_type: 'revenue', period_start: '2026-03-01', period_end: '2026-03-31', predicted_value: 10, model_version: 'x' })
      .returning(['period_start'])
      .executeTakeFirstOrThrow();
    expect(f.period_start).toBe('2026-03-01');
    const count = await database.db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(typeof count.n).toBe('number');
  });
});
