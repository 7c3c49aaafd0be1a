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
 * new database on the server (dropped afterwards) when DATABASE_URL is set. Both start from
 * the copy migrated once in global-setup.ts; `migrate: false` gives an empty one.
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
  const { url, drop, migrated } = await createServerDatabase({ migrated: shouldMigrate });
  const database = await openDatabase({ kind: 'server', url, poolSize: 5 });
  if (shouldMigrate && !migrated) await migrate(database.db);
  return {
    ...database,
    url,
    async close() {
      await database.close();
      await drop();
    },
  };
}

const adminQuery = async (statement: string) => {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
};

const databaseUrl = (name: string) => {
  const url = new URL(SERVER_URL!);
  url.pathname = `/${name}`;
  return url.toString();
};

/**
 * Creates a database on the server named after the test run and returns its URL: empty by
 * default, or with `migrated` a copy of the template migrated in global-setup.ts (when there
 * is one: `migrated` in the result says whether it was, so a caller migrates otherwise).
 */
export async function createServerDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void>; migrated: boolean }> {
  if (!SERVER_URL) throw new Error('DATABASE_URL is not set');
  const name = `leadai_t_${randomBytes(6).toString('hex')}`;
  const template = options.migrated ? process.env.LEADAI_TEST_TEMPLATE_DB : undefined;
  // Nobody connects to the template after global setup, so concurrent copies of it succeed
  // (CREATE DATABASE refuses a template that has other sessions on it).
  await adminQuery(template ? `CREATE DATABASE ${name} TEMPLATE ${template}` : `CREATE DATABASE ${name}`);
  return {
    url: databaseUrl(name),
    migrated: Boolean(template),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * Server mode, global setup: a migrated database for createServerDatabase({ migrated }) to
 * copy. Its pool is closed before the tests start (a template must have no sessions).
 */
export async function createTemplateDatabase(): Promise<{ name: string; drop: () => Promise<void> }> {
  if (!SERVER_URL) throw new Error('DATABASE_URL is not set');
  const name = `leadai_tmpl_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const drop = () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  try {
    const database = await openDatabase({ kind: 'server', url: databaseUrl(name), poolSize: 1 });
    try {
      await migrate(database.db);
    } finally {
      await database.close();
    }
  } catch (error) {
    await drop();
    throw error;
  }
  return { name, drop };
}
