import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** `leadai analyze`, as a user runs it: the real binary, stdin and files. No database involved. */
const BIN = join(import.meta.dirname, '..', 'bin', 'leadai.js');
const dir = mkdtempSync(join(tmpdir(), 'leadai-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  line: number;
  intent: { primary_intent: string };
  sentiment: { label: string };
  entities: unknown[];
}

function leadai(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, 'analyze', ...args], { input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOG_LEVEL: 'silent' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line) };
}

describe('leadai analyze', () => {
  it('reads plain text and JSON lines from stdin and prints one analysis per message', () => {
    const input = [
      'How much does it cost for 20 seats?',
      '',
      JSON.stringify({ text: 'Please remove me from your mailing list.', direction: 'inbound' }),
      JSON.stringify({ text: 'Can we meet next Friday?', subject: 'Meeting', sent_at: '2026-11-25T10:00:00Z' }),
    ].join('\n');
    const r = leadai(['-'], input);
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => [l.line, l.intent.primary_intent])).toEqual([
      [1, 'pricing_inquiry'],
      [3, 'unsubscribe'],
      [4, 'meeting_scheduling'],
    ]);
    expect(r.lines[2]!.entities).toEqual([{ type: 'date', text: 'next Friday', value: '2026-12-04', start: 12, end: 23 }]);
    for (const l of r.lines) expect(Object.keys(l).sort()).toEqual(['buying_signals', 'entities', 'intent', 'line', 'sentiment', 'topics']);
  });

  it('reads a file, with --json', () => {
    const file = join(dir, 'messages.jsonl');
    writeFileSync(file, `${JSON.stringify({ text: "We're ready to move forward, send the contract." })}\n${JSON.stringify({ text: 'This is unacceptable, we were charged twice!' })}\n`);
    const r = leadai([file, '--json']);
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => [l.intent.primary_intent, l.sentiment.label])).toEqual([
      ['purchase', 'positive'],
      ['complaint', 'negative'],
    ]);
  });

  it('names the bad line and exits with 2', () => {
    const r = leadai([], `fine message\n{"text": "ok"}\n{"text": broken\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 3: not valid JSON/);
    expect(r.lines).toHaveLength(2);
    const plain = leadai(['--json'], 'not json at all\n');
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/line 1: not valid JSON/);
    const field = leadai([], `${JSON.stringify({ text: 'x', sent_at: 'yesterday-ish' })}\n`);
    expect(field.code).toBe(2);
    expect(field.stderr).toMatch(/line 1: "sent_at" must be an ISO date-time/);
  });

  it('says when the file is missing', () => {
    const r = leadai([join(dir, 'missing.txt')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cannot read .*missing\.txt/);
  });
});
