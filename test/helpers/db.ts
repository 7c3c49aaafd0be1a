import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';

export const SERVER_URL = process.env.DATABASE_URL;
export const MODE: 'embedded' | 'server' = SERVER_URL ? 'server' : 'embedded';

export interface TestDatabase extends Database {
  /** Server mode: the URL of this test's own database (for CLI subprocesses). */
  url?: string;
}

/**
 * A fresh, migrated database for one test file: an in-memory PGlite in embedded mode, a
 * new database on the server (dropped afterwards) when DATABASE_URL is set.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const shouldMigrate = options.migrate ?? true;
  if (!SERVER_URL) {
    const templateFile = process.env.LEADAI_TEST_TEMPLATE;
    const database =
      shouldMigrate && templateFile
        ? await openDatabase({ kind: 'memory', template: new Blob([readFileSync(templateFile)]) })
        : await openDatabase({ kind: 'memory' });
    if (shouldMigrate && !templateFile) await migrate(database.db);
    return database;
  }
  const { url, drop } = await createServerDatabase();
  const database = await openDatabase({ kind: 'server', url, poolSize: 5 });
  if (shouldMigrate) await migrate(database.db);
  return {
    ...database,
    url,
    async close() {
      await database.close();
      await drop();
    },
  };
}

/** Creates an empty database on the server named after the test run; returns its URL. */
export async function createServerDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!SERVER_URL) throw new Error('DATABASE_URL is not set');
  const name = `leadai_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: SERVER_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
