/**
 * The real server on a database of its own that is thrown away afterwards, for the scripts
 * that attack it (`npm run fuzz`, `npm run scan:sql`): a new database on the PostgreSQL server
 * when DATABASE_URL is set, an in-memory embedded one otherwise. No demo data, no workers.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase, type Database } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { createLogger } from '../src/shared/logger.ts';

export interface ThrowawayApp {
  app: Awaited<ReturnType<typeof createApp>>;
  database: Database;
  /** http://127.0.0.1:PORT */
  base: string;
  /** Stops the server and drops its database. */
  close(): Promise<void>;
}

export async function startThrowawayApp(prefix: string, poolSize: number): Promise<ThrowawayApp> {
  const serverUrl = process.env.DATABASE_URL;
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  };
  let drop = async () => {};
  let database: Database;
  if (serverUrl) {
    const name = `${prefix}_${randomBytes(4).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    database = await openDatabase({ kind: 'server', url: url.toString(), poolSize });
    drop = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } else {
    database = await openDatabase({ kind: 'memory' });
  }
  await migrate(database.db);
  const config = loadConfig({ ...process.env, LEADAI_DEMO: 'off', LEADAI_WORKERS: 'false', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' });
  const app = await createApp(config, createLogger(config), { database });
  const base = await app.server.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    database,
    base,
    async close() {
      await app.close();
      await drop();
    },
  };
}
