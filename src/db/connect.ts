import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Config } from '../config.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { createDiskSpaceCheck, diskSpacePlugin } from './disk-space-guard.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import type { DB } from './schema.ts';
import { prepareMarkedStatements } from './prepared.ts';
import { createIndexes, dropIndexes, secondaryIndexes, type RunStatement } from './secondary-indexes.ts';
import { APP_ROLE, registerTenantSessions } from './tenant.ts';

/**
 * One database handle for both modes. Everything above this file speaks Kysely; only
 * bulk loading (COPY) needs to know which engine is underneath.
 */
export interface Database {
  readonly mode: 'embedded' | 'server';
  /** Runs as the connecting (owner) role. Tenant work goes through withTenant(). */
  readonly db: Kysely<DB>;
  /** Whether COPY with `trusted` skips foreign-key triggers here (superuser on a server). */
  skipsTriggersOnTrustedCopy(): Promise<boolean>;
  /**
   * Loads empty tables the way pg_restore does, or returns false when it cannot here
   * (embedded, not a superuser, or a table already has rows). See bulkLoadIntoEmpty.
   */
  bulkLoadIntoEmpty(tables: readonly string[], load: (copy: BulkCopy) => Promise<void>): Promise<boolean>;
  /**
   * Embedded on a data folder: this process's hold on it (see data-dir-lock.ts). The server
   * records its address there, for the refusals of other processes.
   */
  readonly lock?: DataDirLock;
  /** Embedded only: a dump of the data directory (tests start new databases from it). */
  dumpDataDir?(): Promise<Blob>;
  /**
   * Streams CSV-encoded rows into a table with COPY. A role subject to Row Level Security
   * cannot COPY into a forced-RLS table, so for it the rows go through a temporary table
   * and INSERT … SELECT, which the policies check as usual.
   */
  copyCsv(
    table: string,
    columns: readonly string[],
    chunks: CopyChunks,
    options?: CopyOptions,
  ): Promise<void>;
  /**
   * LISTENs on `channels` on a connection of its own (server) or on PGlite's (embedded).
   * `onConnected` runs after every (re)connection once LISTEN is in place: notifications
   * sent while the connection was down are lost, so the caller catches up from the tables.
   */
  listen(channels: readonly string[], onNotification: (channel: string, payload: string) => void, onConnected: () => void): Promise<Listening>;
  close(): Promise<void>;
}

export interface Listening {
  close(): Promise<void>;
}

export type BulkCopy = (table: string, columns: readonly string[], chunks: CopyChunks) => Promise<void>;

/** CSV text for COPY, as strings or bytes, in order. */
export type CopyChunks = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

export interface CopyOptions {
  /**
   * The rows are known to be consistent (generated together, parents first), so foreign
   * key triggers may be skipped where the role is allowed to (superuser), as pg_restore
   * does. Constraints, indexes and Row Level Security still apply.
   */
  trusted?: boolean;
}

// Type OIDs. The same JavaScript types come back in both modes (see schema.ts).
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const toNumber = (value: string) => Number(value);
const keepString = (value: string) => value;

/**
 * `memory`: an in-process database that vanishes on close (tests). `template` is a PGlite
 * data-directory dump to start from, which skips initdb (about 1 s instead of 3 s).
 */
export type DatabaseOptions = Config['database'] | { kind: 'memory'; template?: Blob };

export interface OpenOptions {
  /**
   * What this process is, for the lock on an embedded data folder ('serve', or the CLI
   * command): another process refused by the lock is told who holds the folder.
   */
  purpose?: string;
}

/**
 * Opens the database. An embedded data folder is locked first: when another live process
 * holds it this throws DataDirInUseError and PGlite is never opened (data-dir-lock.ts).
 */
export async function openDatabase(options: DatabaseOptions, open: OpenOptions = {}): Promise<Database> {
  return options.kind === 'server' ? openServer(options.url, options.poolSize) : openEmbedded(options, open.purpose ?? `the process ${basename(process.argv[1] ?? process.execPath)}`);
}

async function openEmbedded(
  options: { kind: 'embedded'; dataDir: string } | { kind: 'memory'; template?: Blob },
  purpose: string,
): Promise<Database> {
  let dataDir: string | undefined;
  let lock: DataDirLock | undefined;
  let checkSpace: (() => void) | undefined;
  if (options.kind === 'embedded') {
    mkdirSync(options.dataDir, { recursive: true });
    lock = acquireDataDirLock(options.dataDir, purpose);
    dataDir = join(options.dataDir, 'pg');
    checkSpace = createDiskSpaceCheck(options.dataDir);
  }
  let pglite: PGlite;
  try {
    // A full disk is refused before PGlite starts writing to it (see disk-space-guard.ts).
    checkSpace?.();
    pglite = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      ...(options.kind === 'memory' && options.template ? { loadDataDir: options.template } : {}),
      extensions: { pg_trgm },
      parsers: { [INT8]: toNumber, [NUMERIC]: toNumber, [DATE]: keepString },
    });
    // The server's session settings (applySessionSettings). PGlite has no LLVM, so this
    // changes no plan; it keeps one configuration for both engines.
    await pglite.exec('SET jit = off');
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite), plugins: checkSpace ? [diskSpacePlugin(checkSpace)] : [] });
  return {
    mode: 'embedded',
    db,
    ...(lock ? { lock } : {}),
    async skipsTriggersOnTrustedCopy() {
      return false;
    },
    async bulkLoadIntoEmpty() {
      return false;
    },
    async dumpDataDir() {
      return db.connection().execute(async () => (await pglite.dumpDataDir('none')) as Blob);
    },
    // PGlite runs as its superuser: COPY bypasses RLS; FK triggers stay on (cheap here).
    async copyCsv(table, columns, chunks) {
      const parts: (string | Uint8Array)[] = [];
      for await (const chunk of chunks) parts.push(chunk);
      if (parts.length === 0) return;
      checkSpace?.();
      // PGlite reads COPY input from a virtual /dev/blob file; go through Kysely's
      // connection so the copy waits its turn like any other statement.
      await db.connection().execute(async () => {
        await pglite.query(`COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`, [], {
          blob: new Blob(parts as (string | Uint8Array<ArrayBuffer>)[]),
        });
      });
    },
    async listen(channels, onNotification, onConnected) {
      // Through Kysely's one connection: a LISTEN sent while a transaction is open on it would
      // join that transaction, and be undone by its ROLLBACK.
      const unsubscribe = await db.connection().execute(async () => {
        const offs: (() => Promise<void>)[] = [];
        for (const channel of channels) offs.push(await pglite.listen(channel, (payload) => onNotification(channel, payload)));
        return offs;
      });
      onConnected();
      return {
        async close() {
          await db.connection().execute(async () => {
            for (const off of unsubscribe) await off();
          });
        },
      };
    },
    async close() {
      try {
        await db.destroy();
        await pglite.close();
      } finally {
        // Only once PGlite has written everything back may another process open the folder.
        lock?.release();
      }
    },
  };
}

/**
 * How long a request waits for a pooled connection (a new one, or a busy pool's next free
 * one) before it fails with a 503 rather than hanging while PostgreSQL is away.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Settings of every pooled connection. JIT off: LeadAI's statements are short, and Row Level
 * Security's plans carry cost estimates far above what runs (a branch never executed can cost
 * millions), which put them over jit_above_cost: PostgreSQL then spent about half a second
 * compiling LLVM code for a one-row insert (measured under bench:load, 100k leads). Queued on
 * the new connection before anything else it runs.
 */
function applySessionSettings(client: pg.PoolClient): void {
  client.query('SET jit = off').catch(() => {});
}

async function openServer(url: string, poolSize: number): Promise<Database> {
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8 || oid === NUMERIC) return toNumber;
      if (oid === DATE) return keepString;
      return pg.types.getTypeParser(oid, format);
    },
  } as pg.CustomTypesConfig;
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client losing its server connection must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    applySessionSettings(client);
    prepareMarkedStatements(client);
  });
  // Nor a checked-out one (its session terminated by an operator, or the server restarting
  // during a long import): the statement in flight fails with the error; the client's
  // 'error' event, unheard, would throw it again as an uncaught exception.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const tenantReads = createTenantReadPool(url, poolSize, types);
  registerTenantSessions(db, tenantReads.sessions);
  let rolePrivileges: Promise<RolePrivileges> | undefined;
  return {
    mode: 'server',
    db,
    async skipsTriggersOnTrustedCopy() {
      return (await (rolePrivileges ??= readRolePrivileges(db))).superuser;
    },
    async bulkLoadIntoEmpty(tables, load) {
      if (!(await (rolePrivileges ??= readRolePrivileges(db))).superuser) return false;
      const client = await pool.connect();
      try {
        return await bulkLoadIntoEmpty(client, tables, load);
      } finally {
        client.release();
      }
    },
    async copyCsv(table, columns, chunks, options = {}) {
      const privileges = await (rolePrivileges ??= readRolePrivileges(db));
      const client = await pool.connect();
      const target = `${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')})`;
      const skipTriggers = options.trusted === true && privileges.superuser;
      try {
        if (skipTriggers) await client.query('SET session_replication_role = replica');
        if (privileges.bypassRls) {
          await copyStream(client, `COPY ${target} FROM STDIN WITH (FORMAT csv)`, chunks);
        } else {
          // COPY FROM refuses tables with forced RLS for roles subject to it. A temp
          // table has no policies; INSERT … SELECT then goes through them as usual.
          await client.query('BEGIN');
          await client.query(`CREATE TEMP TABLE leadai_copy (LIKE ${quoteIdent(table)} INCLUDING DEFAULTS) ON COMMIT DROP`);
          await copyStream(client, `COPY leadai_copy (${columns.map(quoteIdent).join(', ')}) FROM STDIN WITH (FORMAT csv)`, chunks);
          await client.query(`INSERT INTO ${target} SELECT ${columns.map(quoteIdent).join(', ')} FROM leadai_copy`);
          await client.query('COMMIT');
        }
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        if (skipTriggers) await client.query('SET session_replication_role = DEFAULT').catch(() => {});
        client.release();
      }
    },
    listen(channels, onNotification, onConnected) {
      return listenOnServer(url, types, channels, onNotification, onConnected);
    },
    async close() {
      await tenantReads.close();
      await db.destroy();
    },
  };
}

/**
 * A second pool whose connections act as the application role for good and carry the
 * tenant settings at session level. Before a connection is handed out for a
 * statement, its settings are compared with the caller's (from AsyncLocalStorage) and
 * changed only if they differ. A statement never runs in another tenant's settings: the
 * check happens on every acquisition, and a caller without a context gets empty settings,
 * under which Row Level Security shows nothing.
 */
function createTenantReadPool(url: string, poolSize: number, types: pg.CustomTypesConfig) {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    applySessionSettings(client);
    prepareMarkedStatements(client);
  });
  const current = new WeakMap<pg.PoolClient, string>();
  const context = new AsyncLocalStorage<string>();
  const contextPool = {
    async connect() {
      const client = await pool.connect();
      const want = context.getStore() ?? '||';
      if (current.get(client) !== want) {
        try {
          const [org, user, role] = want.split('|');
          // The role is set with the settings, every time they change: a connection is
          // never used (not even once) before it has become the application role.
          await client.query(
            `SELECT set_config('role', $1, false), set_config('app.organization_id', $2, false), set_config('app.user_id', $3, false), set_config('app.role', $4, false)`,
            [APP_ROLE, org, user, role],
          );
        } catch (error) {
          client.release(error as Error);
          throw error;
        }
        current.set(client, want);
      }
      return client;
    },
    end: () => pool.end(),
  };
  const appDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool: contextPool }) });
  return {
    sessions: { read: <T>(key: string, fn: (db: Kysely<DB>) => Promise<T>) => context.run(key, () => fn(appDb)) },
    close: () => appDb.destroy(),
  };
}

/**
 * For a first, large load into empty tables (a fresh installation's demo data): one
 * transaction drops the tables' secondary indexes, COPYs everything without firing
 * foreign-key triggers, and builds the indexes again in bulk, which is several times
 * faster than maintaining them row by row. Constraint indexes (primary keys, the unique
 * keys composite foreign keys point at) stay. Killed half-way, the transaction rolls back
 * and leaves the tables as they were, indexes included.
 */
async function bulkLoadIntoEmpty(client: pg.PoolClient, tables: readonly string[], load: (copy: BulkCopy) => Promise<void>): Promise<boolean> {
  await client.query('BEGIN');
  try {
    const regclasses = tables.map((t) => quoteIdent(t));
    // ACCESS EXCLUSIVE: nobody may see the tables without their indexes.
    await client.query(`LOCK TABLE ${regclasses.join(', ')} IN ACCESS EXCLUSIVE MODE`);
    for (const table of regclasses) {
      const { rowCount } = await client.query(`SELECT 1 FROM ${table} LIMIT 1`);
      if (rowCount) {
        await client.query('ROLLBACK');
        return false;
      }
    }
    const run: RunStatement = (text, values) => client.query(text, values);
    const indexes = await secondaryIndexes(run, regclasses);
    await dropIndexes(run, indexes);
    await client.query('SET LOCAL session_replication_role = replica');
    await load((table, columns, chunks) =>
      copyStream(client, `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN WITH (FORMAT csv)`, chunks),
    );
    await client.query('SET LOCAL session_replication_role = DEFAULT');
    await createIndexes(run, indexes, { maintenanceWorkMem: '512MB' });
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

interface RolePrivileges {
  superuser: boolean;
  bypassRls: boolean;
}

async function readRolePrivileges(db: Kysely<DB>): Promise<RolePrivileges> {
  const { rows } = await sql<{ superuser: boolean; bypass: boolean }>`
    SELECT rolsuper AS superuser, rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user`.execute(db);
  return { superuser: rows[0]?.superuser ?? false, bypassRls: rows[0]?.bypass ?? false };
}

async function copyStream(client: pg.PoolClient, statement: string, chunks: CopyChunks) {
  const sink = client.query(copyFrom(statement)) as Writable;
  await pipeline(Readable.from(chunks, { objectMode: false }), sink);
}

/** Identifiers in COPY come from code, never from users; quoting is belt and braces. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A connection that only LISTENs, outside the pools (a pooled connection would drop its
 * LISTEN when released). When it ends (server restart, pg_terminate_backend, network) it
 * reconnects with backoff by itself and calls onConnected again for the catch-up.
 */
async function listenOnServer(
  url: string,
  types: pg.CustomTypesConfig,
  channels: readonly string[],
  onNotification: (channel: string, payload: string) => void,
  onConnected: () => void,
): Promise<Listening> {
  let closed = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  const connectOnce = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url, types, application_name: 'leadai-listen', keepAlive: true });
    client.on('error', () => {}); // 'end' follows, and that is where reconnection starts
    client.on('notification', (message) => onNotification(message.channel, message.payload ?? ''));
    client.on('end', () => {
      if (current === client) current = undefined;
      if (!closed) schedule();
    });
    try {
      await client.connect();
      for (const channel of channels) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await client.end().catch(() => {});
      return;
    }
    current = client;
    failures = 0;
    onConnected();
  };
  const schedule = () => {
    if (retry || closed) return;
    // 50 ms, 100 ms … up to 5 s between attempts while PostgreSQL is away.
    const delay = Math.min(5000, 50 * 2 ** Math.min(failures, 7));
    retry = setTimeout(() => {
      retry = undefined;
      connectOnce().catch(() => {
        failures += 1;
        schedule();
      });
    }, delay);
  };
  await connectOnce();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await current?.end().catch(() => {});
    },
  };
}
