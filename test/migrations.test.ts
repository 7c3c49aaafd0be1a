import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connect.ts';
import { loadMigrations, migrate, MigrationError } from '../src/db/migrate.ts';
import { createServerDatabase, createTestDatabase, MODE, SERVER_URL, type TestDatabase } from './helpers/db.ts';

const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});

async function fresh(): Promise<TestDatabase> {
  const database = await createTestDatabase({ migrate: false });
  opened.push(database);
  return database;
}

describe(`migrations (${MODE})`, () => {
  it('apply on an empty database, in order, each recorded once; the second run is a no-op', async () => {
    const database = await fresh();
    const all = loadMigrations();
    const first = await migrate(database.db);
    expect(first.applied.map((m) => m.version)).toEqual(all.map((m) => m.version));
    expect(first.alreadyApplied).toBe(0);
    const second = await migrate(database.db);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(all.length);
    const rows = await database.db.selectFrom('schema_migrations').select(['version', 'checksum']).orderBy('version').execute();
    expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
    expect(rows.map((r) => r.checksum)).toEqual(all.map((m) => m.checksum));
  });

  it('refuse to run when a landed migration was edited', async () => {
    const database = await fresh();
    await migrate(database.db);
    const edited = loadMigrations().map((m, i) => (i === 1 ? { ...m, sql: m.sql + '\n-- edited', checksum: 'f'.repeat(64) } : m));
    await expect(migrate(database.db, edited)).rejects.toThrow(MigrationError);
    await expect(migrate(database.db, edited)).rejects.toThrow(/was edited after it was applied/);
  });

  it('roll back a failing migration completely and say which one failed', async () => {
    const database = await fresh();
    await migrate(database.db);
    const broken = [
      ...loadMigrations(),
      { version: '9999', name: 'broken', checksum: '0'.repeat(64), sql: 'CREATE TABLE half_done (id int);\nSELECT no_such_function();' },
    ];
    await expect(migrate(database.db, broken)).rejects.toThrow(/9999_broken failed and was rolled back/);
    const { rows } = await sql<{ t: string | null }>`SELECT to_regclass('public.half_done')::text AS t`.execute(database.db);
    expect(rows[0]!.t).toBeNull();
    expect(await database.db.selectFrom('schema_migrations').select('version').where('version', '=', '9999').execute()).toEqual([]);
  });
});

// Server only: PGlite is one process by construction. Defined only when it can run, so
// the embedded run reports no skipped test.
if (SERVER_URL) describe('migrations on a server, two processes at once', () => {
  it('both succeed and each migration is applied exactly once', async () => {
    const { url, drop } = await createServerDatabase();
    const one = await openDatabase({ kind: 'server', url, poolSize: 2 });
    const two = await openDatabase({ kind: 'server', url, poolSize: 2 });
    try {
      const [r1, r2] = await Promise.all([migrate(one.db), migrate(two.db)]);
      const total = loadMigrations().length;
      // One run applied everything; the other waited for the lock, then found nothing to do.
      expect(r1.applied.length + r2.applied.length).toBe(total);
      expect([r1.applied.length, r2.applied.length].sort()).toEqual([0, total]);
      const { rows } = await sql<{ version: string; n: number }>`SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version`.execute(one.db);
      expect(rows.length).toBe(total);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      await one.close();
      await two.close();
      await drop();
    }
  });
});
