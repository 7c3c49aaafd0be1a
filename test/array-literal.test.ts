import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayLiteral } from '../src/db/array-literal.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.close());

describe(`Array literals for bulk parameters (${MODE})`, () => {
  it('read back by PostgreSQL as exactly the values given, whatever they contain', async () => {
    const values = ['plain', '', 'NULL', 'null', 'with "quotes"', 'back\\slash', 'trailing\\', '{braces}', 'a,b', ' spaced ', 'new\nline', 'Zoë Ødegård ✓', '\\"both\\"', null];
    const { rows } = await sql<{ v: (string | null)[] }>`SELECT ${arrayLiteral(values)}::text[] AS v`.execute(database.db);
    expect(rows[0]!.v).toEqual(values);
  });

  it('numbers and missing values, as numeric and timestamp arrays take them', async () => {
    const { rows } = await sql<{ n: string[]; t: string[] }>`
      SELECT ${arrayLiteral([1, 2.5, null, 1234567.89])}::numeric[]::text[] AS n,
             ${arrayLiteral(['2024-01-02T03:04:05.000Z', undefined])}::timestamptz[]::text[] AS t`.execute(database.db);
    expect(rows[0]!.n).toEqual(['1', '2.5', null, '1234567.89']);
    expect(rows[0]!.t[1]).toBeNull();
    expect(new Date(rows[0]!.t[0]!).toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(arrayLiteral([])).toBe('{}');
  });
});
