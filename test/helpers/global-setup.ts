import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createTemplateDatabase } from './db.ts';

/**
 * Migrating is the slow part of starting a test's database (43 migrations: seconds in WASM,
 * about 2 s on a loaded server), so it happens once per run here and tests start from copies:
 *
 * - embedded: a dump of a migrated in-memory PGlite (createTestDatabase), and a migrated data
 *   folder that CLI tests copy into their own folder (cli.ts newDataDir), so a `leadai`
 *   subprocess does not migrate in WASM on its first start;
 * - server: a migrated template database that createTestDatabase and CLI tests clone with
 *   CREATE DATABASE … TEMPLATE (a file copy on the server, a fraction of a second).
 *
 * Tests whose subject is an unmigrated database or an empty folder ask for one explicitly.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'leadai-test-'));
  // Every `leadai` subprocess of a test loads the whole CLI (about 2.5 s of CPU); Node.js's
  // on-disk compile cache, shared by the run's subprocesses, takes about 0.35 s off each start.
  process.env.NODE_COMPILE_CACHE ??= join(dir, 'node-compile-cache');
  if (process.env.DATABASE_URL) {
    const template = await createTemplateDatabase();
    process.env.LEADAI_TEST_TEMPLATE_DB = template.name;
    return async () => {
      await template.drop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const memory = await openDatabase({ kind: 'memory' });
  await migrate(memory.db);
  const dump = await memory.dumpDataDir!();
  await memory.close();
  const file = join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  process.env.LEADAI_TEST_TEMPLATE = file;

  // The data folder as `leadai` leaves it after its first start, before anything else: opened
  // (and locked) the way the CLI opens it, migrated, closed (the lock released).
  const dataDir = join(dir, 'data');
  const folder = await openDatabase({ kind: 'embedded', dataDir }, { purpose: 'test setup' });
  await migrate(folder.db);
  await folder.close();
  process.env.LEADAI_TEST_DATA_DIR = dataDir;
  return async () => rmSync(dir, { recursive: true, force: true });
}

