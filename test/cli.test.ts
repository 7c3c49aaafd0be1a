import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase, MODE, SERVER_URL } from './helpers/db.ts';

/**
 * The real `leadai` binary, as a user runs it: a fresh embedded data directory, or a fresh
 * database on the server when DATABASE_URL is set.
 */
const BIN = join(import.meta.dirname, '..', 'bin', 'leadai.js');
let env: NodeJS.ProcessEnv;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadai-cli-'));
  env = { ...process.env, LEADAI_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
  let drop = async () => {};
  if (SERVER_URL) {
    const created = await createServerDatabase();
    env.DATABASE_URL = created.url;
    drop = created.drop;
  }
  cleanup = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await drop();
  };
});
afterAll(async () => cleanup?.());

function leadai(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Each test spawns the CLI several times (a process start is seconds on a loaded machine): no speed claim here.
describe(`leadai CLI (${MODE})`, { timeout: 180_000 }, () => {
  it('explains itself: --help on the program and on every command', () => {
    const top = leadai('--help');
    expect(top.code).toBe(0);
    for (const command of ['serve', 'migrate', 'seed', 'org']) expect(top.stdout).toContain(command);
    for (const args of [['serve', '--help'], ['migrate', '--help'], ['seed', '--help'], ['org', 'create', '--help'], ['org', 'list', '--help']]) {
      const r = leadai(...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: leadai/);
    }
  });

  it('migrates, then reports nothing to do', () => {
    const first = leadai('migrate', '--json');
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
    const second = leadai('migrate', '--json');
    expect(JSON.parse(second.stdout).applied).toEqual([]);
  });

  it('creates an organization with its admin, lists it, and refuses a duplicate admin email', () => {
    const created = leadai('org', 'create', 'Acme Corp', '--admin-email', 'Ada@Acme.example', '--admin-password', 'correct horse battery', '--json');
    expect(created.code, created.stderr).toBe(0);
    const body = JSON.parse(created.stdout);
    expect(body.organization.name).toBe('Acme Corp');
    expect(body.admin).toMatchObject({ email: 'ada@acme.example', role: 'admin' });
    const list = JSON.parse(leadai('org', 'list', '--json').stdout);
    expect(list.map((o: { name: string }) => o.name)).toContain('Acme Corp');
    const dup = leadai('org', 'create', 'Other', '--admin-email', 'ada@acme.example', '--admin-password', 'correct horse battery');
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/already exists; choose another admin email/);
  });

  it('says what is wrong, and how to fix it, for bad input, with a non-zero exit', () => {
    const weak = leadai('org', 'create', 'Weak', '--admin-email', 'w@weak.example', '--admin-password', 'short');
    expect(weak.code).not.toBe(0);
    expect(weak.stderr).toMatch(/at least 10 characters/);
    const badEmail = leadai('org', 'create', 'Bad', '--admin-email', 'not-an-email', '--admin-password', 'long enough password');
    expect(badEmail.code).not.toBe(0);
    expect(badEmail.stderr).toMatch(/not a valid email/);
    const missing = leadai('org', 'create', 'NoAdmin');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/--admin-email/);
    const badNumber = leadai('seed', '--demo', '--leads', 'many');
    expect(badNumber.code).not.toBe(0);
    expect(badNumber.stderr).toMatch(/--leads must be a whole number/);
    const badEnv = spawnSync(process.execPath, [BIN, 'migrate'], { env: { ...env, PORT: 'eighty', LOG_LEVEL: 'loud' }, encoding: 'utf8' });
    expect(badEnv.status).not.toBe(0);
    expect(badEnv.stderr).toMatch(/PORT="eighty"/);
    expect(badEnv.stderr).toMatch(/LOG_LEVEL="loud"/);
  });

  it('seeds a demo organization and prints counts as JSON', () => {
    const r = leadai('seed', '--demo', '--leads', '40', '--seed', '5', '--anchor', '2026-11-25', '--json');
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.counts.leads).toBe(40);
    expect(result.adminEmail).toBe('admin@northwind-5.example');
    expect(result.anchor).toBe('2026-11-25T00:00:00.000Z');
  });

  it('trains a model, evaluates it, lists the models and scores every lead (model and score commands)', () => {
    const seeded = leadai('seed', '--demo', '--leads', '300', '--seed', '6', '--anchor', '2026-11-25', '--json');
    expect(seeded.code, seeded.stderr).toBe(0);
    const org = JSON.parse(seeded.stdout).organizationId as string;
    const trained = leadai('model', 'train', '--org', org, '--json');
    expect(trained.code, trained.stderr).toBe(0);
    const model = JSON.parse(trained.stdout);
    expect(model.version).toMatch(/^v\d+$/);
    expect(model.training_size).toBeGreaterThan(20);
    expect(model.metrics).toMatchObject({ roc_auc: expect.any(Number), log_loss: expect.any(Number), brier: expect.any(Number) });
    // Training rescored every lead of the organization itself, with the new model.
    expect(model.rescored).toBe(300);
    const evaluated = leadai('model', 'evaluate', '--org', org, '--folds', '3', '--json');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ n: model.training_size, folds: 3, roc_auc: expect.any(Number), log_loss: expect.any(Number), brier: expect.any(Number) });
    const listed = leadai('model', 'list', '--org', org, '--json');
    expect(listed.code, listed.stderr).toBe(0);
    const models = JSON.parse(listed.stdout) as { version: string; is_active: boolean }[];
    expect(models.filter((m) => m.is_active).map((m) => m.version)).toEqual([model.version]);
    const scored = leadai('score', '--all', '--org', org, '--json');
    expect(scored.code, scored.stderr).toBe(0);
    expect(JSON.parse(scored.stdout)).toMatchObject({ scored: 300, history_rows: 0 });
  });
});
