import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCliData } from './helpers/cli.ts';
import { MODE } from './helpers/db.ts';

/** `leadai import` as a user runs it: a fresh embedded data directory, or a fresh server database. */
const BIN = join(import.meta.dirname, '..', 'bin', 'leadai.js');
const FIXTURES = join(import.meta.dirname, 'fixtures', 'imports');
let env: NodeJS.ProcessEnv;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadai-cli-import-'));
  env = { ...process.env, LEADAI_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent', DATABASE_URL: '' };
  const drop = await prepareCliData(env);
  cleanup = async () => {
    rmSync(dir, { recursive: true, force: true });
    await drop();
  };
  const org = leadai('org', 'create', 'Import Corp', '--admin-email', 'admin@import.example', '--admin-password', 'correct horse battery', '--json');
  if (org.code !== 0) throw new Error(org.stderr);
}, 120_000);
afterAll(async () => cleanup?.());

function leadai(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const leadCount = () => (JSON.parse(leadai('org', 'list', '--json').stdout) as { leads: number }[])[0]!.leads;

// Each test spawns the CLI several times (a process start is seconds on a loaded machine): no speed claim here.
describe(`leadai import (${MODE})`, { timeout: 180_000 }, () => {
  it('prints created, updated and rejected with --json; a dry run writes nothing; a second run updates', () => {
    const dry = leadai('import', join(FIXTURES, 'salesforce-leads-report.csv'), '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, rows: 5, created: 3, updated: 0, rejected: 2 });
    expect(leadCount()).toBe(0);

    const mapping = join(dir, 'mapping.json');
    writeFileSync(mapping, JSON.stringify({ columns: { Converted: 'status' }, values: { status: { '1': 'closed_won', '0': 'closed_lost' } }, ignore: ['Notes', 'Lead Status'] }));
    const errorsFile = join(dir, 'errors.csv');
    const first = leadai('import', join(FIXTURES, 'salesforce-leads-report.csv'), '--mapping', mapping, '--errors', errorsFile, '--json');
    expect(first.code, first.stderr).toBe(0);
    const body = JSON.parse(first.stdout);
    expect(body).toMatchObject({ dry_run: false, rows: 5, created: 4, updated: 0, rejected: 1 });
    expect(body.mapping.columns).toMatchObject({ Converted: 'status', Notes: 'ignore', 'Lead Status': 'ignore' });
    expect(leadCount()).toBe(4);

    const again = JSON.parse(leadai('import', join(FIXTURES, 'salesforce-leads-report.csv'), '--mapping', mapping, '--json').stdout);
    expect(again).toMatchObject({ created: 0, updated: 4, rejected: 1 });
    expect(leadCount()).toBe(4);
  });

  it('says what is wrong, with a non-zero exit, for a missing file and a bad mapping', () => {
    const missing = leadai('import', join(dir, 'nope.csv'));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/There is no file at .*nope\.csv/);

    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"columns": {"Converted": "status",}');
    const bad = leadai('import', join(FIXTURES, 'hubspot-contacts.csv'), '--mapping', badJson);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/mapping file .*bad\.json is not valid JSON/);

    const unknownColumn = join(dir, 'unknown.json');
    writeFileSync(unknownColumn, JSON.stringify({ columns: { Revenue: 'deal_value' } }));
    const unknown = leadai('import', join(FIXTURES, 'hubspot-contacts.csv'), '--mapping', unknownColumn);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no column "Revenue"/);

    const badTarget = join(dir, 'target.json');
    writeFileSync(badTarget, JSON.stringify({ columns: { Email: 'e_mail' } }));
    expect(leadai('import', join(FIXTURES, 'hubspot-contacts.csv'), '--mapping', badTarget).stderr).toMatch(/"e_mail" .* is not a lead field/);
    const notCsv = leadai('import', join(dir, 'mapping.json'));
    expect(notCsv.code).toBe(2);
    expect(notCsv.stderr).toMatch(/no data rows/);
    expect(leadCount()).toBe(4);
  });

  it('a process killed mid-import resumes on the next run: every row exactly once', async () => {
    const file = join(dir, 'big.csv');
    const lines = ['Email,First Name,Last Name,Company'];
    for (let i = 1; i <= 20_000; i++) lines.push(`person${i}@big.example,Person,"Number ${i}",Big Co`);
    writeFileSync(file, lines.join('\n') + '\n');
    const before = leadCount();

    // Its own process group: with a server database `leadai` runs the import in a relaunched
    // child (bin/young-generation.js), and killing the command means killing both at once.
    const child = spawn(process.execPath, [BIN, 'import', file, '--batch-size', '250'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr.on('data', (d: Buffer) => {
        seen += d.toString();
        // Killed once a few batches have committed, before the end.
        if (/Importing \(bytes\): [1-9]\d*\//.test(seen)) {
          process.kill(-child.pid!, 'SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`finished before it could be killed: ${seen}`)));
    });
    await new Promise((r) => child.once('exit', r));
    const partial = leadCount() - before;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(20_000);
    expect(partial % 250).toBe(0);

    const rerun = leadai('import', file, '--batch-size', '250', '--json');
    expect(rerun.code, rerun.stderr).toBe(0);
    const result = JSON.parse(rerun.stdout);
    expect(result.resumed).toBe(true);
    expect(result).toMatchObject({ rows: 20_000, created: 20_000, updated: 0, rejected: 0 });
    expect(leadCount() - before).toBe(20_000);
  }, 180_000);
});
