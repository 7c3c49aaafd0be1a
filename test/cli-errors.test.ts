import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareCliData, runLeadai } from './helpers/cli.ts';
import { MODE } from './helpers/db.ts';

/** Failures outside the database: each says what was wrong and how to fix it, with a non-zero exit. */
let dir: string;
let env: NodeJS.ProcessEnv;
let drop = async () => {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leadai-errors-'));
  env = { ...process.env, LEADAI_DATA_DIR: join(dir, 'data'), LEADAI_DEMO: 'off', LOG_LEVEL: 'silent', DATABASE_URL: '' };
  drop = await prepareCliData(env);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await drop();
});

describe(`leadai's errors outside the database (${MODE})`, { timeout: 300_000 }, () => {
  it('a port another program uses: names it and says how to choose another; the data folder is left free', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runLeadai(env, ['serve', '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Error: cannot listen on 127.0.0.1 port ${port}: another program is using it.\nChoose another with --port N (or PORT=N) and --host H (or HOST=H), or stop the program using it.\n`);
      expect(existsSync(join(env.LEADAI_DATA_DIR!, 'leadai.lock'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  // Embedded only: with DATABASE_URL there is no data folder.
  if (MODE === 'embedded') it('a data folder that is a file: says so and what LEADAI_DATA_DIR must be', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await runLeadai({ ...env, LEADAI_DATA_DIR: file }, ['org', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: cannot use ${file}: a file is in the way where a folder should be (EEXIST).`);
    expect(r.stderr).toContain('LEADAI_DATA_DIR');
    expect(r.stderr).not.toContain('Unexpected error');
  });
});
