import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/connect.ts';
import { migrate } from '../src/db/migrate.ts';
import { createOrganization } from '../src/modules/organizations/organizations.service.ts';
import { prepareCliData, runLeadai } from './helpers/cli.ts';
import { MODE, SERVER_URL } from './helpers/db.ts';

/** `leadai retention run` as a user runs it: the binary, its exit codes, its messages. */
const dir = mkdtempSync(join(tmpdir(), 'leadai-retention-'));
const env: NodeJS.ProcessEnv = { ...process.env, LEADAI_DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
let drop = async () => {};
let orgId = '';

beforeAll(async () => {
  drop = await prepareCliData(env);
  // Set up in-process: each CLI start on the embedded database costs seconds.
  const database = await open();
  try {
    await migrate(database.db);
    orgId = (await createOrganization(database.db, { name: 'Keepers', adminEmail: 'admin@keepers.example', adminPassword: 'long enough password' })).organization.id;
  } finally {
    await database.close();
  }
}, 180_000);
const open = () => openDatabase(SERVER_URL ? { kind: 'server', url: env.DATABASE_URL!, poolSize: 2 } : { kind: 'embedded', dataDir: dir });
afterAll(async () => {
  await drop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`leadai retention run (${MODE})`, { timeout: 180_000 }, () => {
  it('refuses a real run before policies are saved, with what to do and exit code 4; a bad option is named', async () => {
    const refused = await runLeadai(env, ['retention', 'run', '--org', 'Keepers']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^Error: This organization has no retention policies yet: save them first/);
    const bad = await runLeadai(env, ['retention', 'run', '--batch-size', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--batch-size.*whole number from 1 to 10000/);
  });

  it('previews, then deletes what is due, in batches, and says so', async () => {
    const database = await open();
    try {
      await database.db.insertInto('retention_policies').values({ organization_id: orgId, journey_events_months: 1, audit_log_months: 72 }).execute();
      const old = new Date(Date.now() - 60 * 86_400_000);
      await database.db.insertInto('journey_events').values([0, 1, 2].map((i) => ({ organization_id: orgId, event_type: 'page_view', event_name: '/', occurred_at: new Date(old.getTime() - i * 1000) }))).execute();
      await database.db.insertInto('journey_events').values({ organization_id: orgId, event_type: 'page_view', event_name: '/', occurred_at: new Date() }).execute();
    } finally {
      await database.close();
    }
    const preview = await runLeadai(env, ['retention', 'run', '--dry-run', '--org', 'Keepers']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toMatch(/Journey events\s+│?\s*1 months/);
    expect(preview.stdout).toMatch(/3 rows are due\. Run without --dry-run to delete them\./);
    const run = await runLeadai(env, ['retention', 'run', '--batch-size', '2', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.categories.find((c: { category: string }) => c.category === 'journey_events').deleted).toBe(3);
    expect(report.batches).toBe(2);
    expect(report.total_due).toBe(3);
  });
});
