import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/connect.ts';
import { migrate } from '../../src/db/migrate.ts';

/**
 * Embedded mode: build one migrated PGlite data directory and let every test file start
 * its own database from that dump, instead of running initdb (slow in WASM) each time.
 */
export default async function setup(): Promise<() => void> {
  if (process.env.DATABASE_URL) return () => {};
  const dir = mkdtempSync(join(tmpdir(), 'leadai-test-'));
  const database = await openDatabase({ kind: 'memory' });
  await migrate(database.db);
  const dump = await database.dumpDataDir!();
  await database.close();
  const file = join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  process.env.LEADAI_TEST_TEMPLATE = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
