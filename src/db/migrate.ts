import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../db/migrations');

/** Arbitrary constant: the advisory-lock key every LeadAI process uses to migrate. */
const MIGRATION_LOCK_KEY = 7_130_482_551;

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: { version: string; name: string; durationMs: number }[];
  alreadyApplied: number;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new MigrationError(`Migration file "${file}" must be named NNNN_name.sql`);
      const text = readFileSync(join(dir, file), 'utf8');
      return {
        version: match[1]!,
        name: match[2]!,
        sql: text,
        checksum: createHash('sha256').update(text).digest('hex'),
      };
    });
}

/**
 * Applies pending migrations in order, each in its own transaction, recorded in
 * schema_migrations. A session-level advisory lock serialises concurrent processes: the
 * second waits, then finds nothing left to do. A landed migration whose file changed is
 * an error, not something to paper over.
 */
export async function migrate(db: Kysely<DB>, migrations = loadMigrations()): Promise<MigrationReport> {
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY}::bigint)`.execute(conn);
    try {
      await sql`
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version VARCHAR(20) PRIMARY KEY,
          name VARCHAR(255) NOT NULL,
          checksum CHAR(64) NOT NULL,
          applied_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
          duration_ms INTEGER NOT NULL
        )`.execute(conn);
      const rows = await conn.selectFrom('schema_migrations').select(['version', 'checksum']).execute();
      const done = new Map(rows.map((r) => [r.version, r.checksum]));
      for (const m of migrations) {
        const checksum = done.get(m.version);
        if (checksum !== undefined && checksum !== m.checksum) {
          throw new MigrationError(
            `Migration ${m.version}_${m.name} was edited after it was applied. Landed migrations are never edited: restore the file and add a new migration instead.`,
          );
        }
      }
      const report: MigrationReport = { applied: [], alreadyApplied: done.size };
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        const started = performance.now();
        await sql.raw('BEGIN').execute(conn);
        try {
          await sql.raw(m.sql).execute(conn);
          const durationMs = Math.round(performance.now() - started);
          await conn
            .insertInto('schema_migrations')
            .values({ version: m.version, name: m.name, checksum: m.checksum, duration_ms: durationMs })
            .execute();
          await sql.raw('COMMIT').execute(conn);
          report.applied.push({ version: m.version, name: m.name, durationMs });
        } catch (error) {
          await sql.raw('ROLLBACK').execute(conn);
          const reason = error instanceof Error ? error.message : String(error);
          throw new MigrationError(`Migration ${m.version}_${m.name} failed and was rolled back: ${reason}`);
        }
      }
      return report;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`.execute(conn);
    }
  });
}
