import pg from 'pg';
import { openDatabase, type Database } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';

/** The PostgreSQL server the benchmarks use: DATABASE_URL, or the local one. */
export const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A benchmark's own database on the server, kept between runs so a large seed is paid once;
 * `fresh` drops and recreates it. Migrated to the current schema.
 */
export async function openBenchDatabase(name: string, options: { fresh?: boolean; poolSize?: number } = {}): Promise<{ database: Database; url: URL }> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
    if (options.fresh && exists) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    if (options.fresh || !exists) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: 'server', url: url.toString(), poolSize: options.poolSize ?? 4 });
  await migrate(database.db);
  return { database, url };
}
