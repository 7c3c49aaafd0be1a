import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deprecatedPackages, engineProblems } from '../scripts/deps-check.ts';

/**
 * Every installed package runs on the Node.js we support (package.json's engines), and none is
 * a deprecated version: read from the lockfile, so a dependency added later is checked too.
 */
const root = join(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Parameters<typeof engineProblems>[0];
const supported = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

describe('dependencies', () => {
  it('all run on the supported Node.js and none is deprecated', () => {
    expect(supported).toBe('>=24');
    expect(Object.keys(lock.packages).length).toBeGreaterThan(100);
    expect(engineProblems(lock, supported)).toEqual([]);
    expect(deprecatedPackages(lock)).toEqual([]);
  });

  it('the check names a package that wants a newer Node.js, or is deprecated', () => {
    const bad = { packages: { '': {}, 'node_modules/a/node_modules/future-lib': { version: '2.0.0', engines: { node: '>=26' } }, 'node_modules/old-lib': { version: '1.0.0', engines: { node: '>=18' }, deprecated: 'use new-lib' } } };
    expect(engineProblems(bad, supported)).toEqual([{ name: 'future-lib', version: '2.0.0', wants: '>=26' }]);
    expect(deprecatedPackages(bad)).toEqual([{ name: 'old-lib', version: '1.0.0', why: 'use new-lib' }]);
  });
});
