import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREPARED } from '../src/db/prepared.ts';
import { createTestDatabase, MODE, type TestDatabase } from './helpers/db.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
});
afterAll(async () => database?.close());

describe(`prepared statements (${MODE})`, () => {
  it('runs a marked statement with its parameters, and on the server keeps it prepared on the connection', async () => {
    const prepared = await database.db.connection().execute(async (conn) => {
      const answers: number[] = [];
      for (const n of [1, 2, 3]) answers.push((await sql<{ x: number }>`${PREPARED}SELECT ${n}::int * 10 AS x`.execute(conn)).rows[0]!.x);
      expect(answers).toEqual([10, 20, 30]);
      const unmarked = (await sql<{ x: number }>`SELECT ${4}::int * 10 AS x`.execute(conn)).rows[0]!.x;
      expect(unmarked).toBe(40);
      return (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(conn)).rows.map((r) => r.statement);
    });
    // PGlite runs the same SQL; the mark is a comment there and nothing is kept.
    if (MODE === 'server') expect(prepared).toEqual(['/*prepared*/ SELECT $1::int * 10 AS x']);
    else expect(prepared.filter((s) => s.startsWith('/*prepared*/'))).toEqual([]);
  });
});

describe(`session settings of pooled connections (${MODE})`, () => {
  // Row Level Security's plans carry cost estimates far above what runs; with JIT on, a one-row
  // tracking insert spent half a second compiling (bench:load). Every connection has it off.
  it('JIT is off on every connection of the pool, the first statement included', async () => {
    const seen = await Promise.all(Array.from({ length: 3 }, () => database.db.connection().execute(async (conn) => (await sql<{ jit: string }>`SHOW jit`.execute(conn)).rows[0]!.jit)));
    expect(seen).toEqual(['off', 'off', 'off']);
  });
});
