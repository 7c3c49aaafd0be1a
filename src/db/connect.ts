import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Config } from '../config.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import type { DB } from './schema.ts';

/**
 * One database handle for both modes. Everything above this file speaks Kysely; only
 * bulk loading (COPY) needs to know which engine is underneath.
 */
export interface Database {
  readonly mode: 'embedded' | 'server';
  /** Runs as the connecting (owner) role. Tenant work goes through withTenant(). */
  readonly db: Kysely<DB>;
  /**
   * Streams CSV-encoded rows into a table with COPY. The caller must be allowed to
   * bypass Row Level Security (see bulk.ts, which falls back to INSERT otherwise).
   */
  copyCsv(table: string, columns: readonly string[], chunks: AsyncIterable<string> | Iterable<string>): Promise<void>;
  close(): Promise<void>;
}

// Type OIDs. The same JavaScript types come back in both modes (see schema.ts).
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const toNumber = (value: string) => Number(value);
const keepString = (value: string) => value;

export type DatabaseOptions = Config['database'] | { kind: 'memory' };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.kind === 'server' ? openServer(options.url, options.poolSize) : openEmbedded(options);
}

async function openEmbedded(options: { kind: 'embedded'; dataDir: string } | { kind: 'memory' }): Promise<Database> {
  let dataDir: string | undefined;
  if (options.kind === 'embedded') {
    mkdirSync(options.dataDir, { recursive: true });
    dataDir = join(options.dataDir, 'pg');
  }
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    extensions: { pg_trgm },
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber, [DATE]: keepString },
  });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    mode: 'embedded',
    db,
    async copyCsv(table, columns, chunks) {
      const parts: string[] = [];
      for await (const chunk of chunks) parts.push(chunk);
      if (parts.length === 0) return;
      // PGlite reads COPY input from a virtual /dev/blob file; go through Kysely's
      // connection so the copy waits its turn like any other statement.
      await db.connection().execute(async () => {
        await pglite.query(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`, [], {
          blob: new Blob(parts),
        });
      });
    },
    async close() {
      await db.destroy();
      await pglite.close();
    },
  };
}

async function openServer(url: string, poolSize: number): Promise<Database> {
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8 || oid === NUMERIC) return toNumber;
      if (oid === DATE) return keepString;
      return pg.types.getTypeParser(oid, format);
    },
  } as pg.CustomTypesConfig;
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  // An idle client losing its server connection must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    mode: 'server',
    db,
    async copyCsv(table, columns, chunks) {
      const client = await pool.connect();
      try {
        const sink = client.query(
          copyFrom(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN WITH (FORMAT csv)`),
        ) as Writable;
        await pipeline(Readable.from(chunks, { objectMode: false }), sink);
      } finally {
        client.release();
      }
    },
    async close() {
      await db.destroy();
    },
  };
}

/** Identifiers in COPY come from code, never from users; quoting is belt and braces. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
