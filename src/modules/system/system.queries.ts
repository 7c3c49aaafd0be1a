import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

export async function latestMigration(db: Kysely<DB>): Promise<string | null> {
  const row = await db
    .selectFrom('schema_migrations')
    .select(['version', 'name'])
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? `${row.version}_${row.name}` : null;
}

export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

export async function organizationCount(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
