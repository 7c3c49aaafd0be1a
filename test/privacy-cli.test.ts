import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareCliData, runLeadai } from './helpers/cli.ts';
import { MODE } from './helpers/db.ts';

/** `leadai privacy …` as an admin runs it: export to a file, erase with --yes, verify, the record of processing. */
describe(`leadai privacy (${MODE})`, () => {
  it('exports, refuses to erase without --yes, erases, verifies clean, and prints the record', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadai-privacy-'));
    const env: NodeJS.ProcessEnv = { ...process.env, LEADAI_DATA_DIR: dir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
    const drop = await prepareCliData(env);
    try {
      // The organization (its own admin, no demo data: the commands below need only an organization),
      // and meanwhile the usage errors, which are refused before any database is opened.
      const [created, noPerson, noYes] = await Promise.all([
        runLeadai(env, ['org', 'create', 'Privacy CLI', '--admin-email', 'admin@privacy-cli.example', '--admin-password', 'correct horse battery', '--json']),
        runLeadai(env, ['privacy', 'erase', '--yes']),
        runLeadai(env, ['privacy', 'erase', '--email', 'nobody@nowhere.example']),
      ]);
      expect(created.code, created.stderr).toBe(0);
      expect(noPerson.code).toBe(2);
      expect(noPerson.stderr).toMatch(/--email/);
      expect(noYes.code).toBe(2);
      expect(noYes.stderr).toMatch(/--yes/);
      const record = await runLeadai(env, ['privacy', 'record', '--json']);
      expect(record.code, record.stderr).toBe(0);
      const parsed = JSON.parse(record.stdout) as { tables: { table: string; retention: string }[]; not_yet_described: string[] };
      // No policy saved yet: nothing is deleted, and the record says what would be proposed.
      expect(parsed.tables.find((t) => t.table === 'journey_events')?.retention).toBe('kept until deleted or erased (no retention policy saved yet; proposed: 13 months)');
      // Tables added later that nobody described are listed, never dropped silently; today's are all described.
      expect(parsed.not_yet_described).toEqual([]);

      const out = join(dir, 'export.json');
      const exported = await runLeadai(env, ['privacy', 'export', '--email', 'nobody@nowhere.example', '--out', out, '--json']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8')).format).toBe('leadai.privacy-export/1');

      const erased = await runLeadai(env, ['privacy', 'erase', '--email', 'nobody@nowhere.example', '--yes', '--json']);
      expect(erased.code, erased.stderr).toBe(0);
      expect(JSON.parse(erased.stdout).verification.clean).toBe(true);
      const verified = await runLeadai(env, ['privacy', 'verify', '--email', 'nobody@nowhere.example', '--name', 'Nobody Nowhere']);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toContain('No trace found.');
    } finally {
      await drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
