import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_SEED, generateOrganization } from '../src/modules/demo/demo.generator.ts';
import { DEMO_PASSWORD } from '../src/modules/demo/demo.service.ts';

/** The README is the first thing read: its tables render, and its demo sign-in is the real one. */
const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

/** Cells of a GitHub table row: split on pipes not escaped as `\|` (code spans do not protect a pipe there). */
const cells = (row: string) => row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).length;

describe('README.md', () => {
  it('every table is one block: no row cut off by a blank line, each row as wide as its header', () => {
    const lines = README.replace(/```[\s\S]*?```/g, (block) => block.replace(/[^\n]/g, '')).split('\n');
    const problems: string[] = [];
    let header: number | undefined;
    for (const [i, line] of lines.entries()) {
      const isRow = line.trimStart().startsWith('|');
      if (!isRow) {
        header = undefined;
        continue;
      }
      if (header === undefined) {
        // A row that starts a block must be a header followed by its delimiter row.
        if (!/^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(lines[i + 1] ?? '')) problems.push(`line ${i + 1}: a table row outside a table: ${line.slice(0, 60)}`);
        header = cells(line);
      } else if (cells(line) !== header) {
        problems.push(`line ${i + 1}: ${cells(line)} cells where the header has ${header}: ${line.slice(0, 60)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names the demo organization and its sign-in as `npm start` creates them', () => {
    const org = generateOrganization(DEFAULT_DEMO_SEED);
    expect(README).toContain(`*${org.name}*`);
    expect(README).toContain(`\`${org.admin.email}\` / \`${DEMO_PASSWORD}\``);
  });
});
