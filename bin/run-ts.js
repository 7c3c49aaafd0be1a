#!/usr/bin/env node
// Runs a TypeScript entry point through tsx's loader: `node bin/run-ts.js file.ts args…`.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { relaunchWithYoungGeneration } from './young-generation.js';

// The same heap settings as the `leadai` command, so benchmarks measure what users run.
await relaunchWithYoungGeneration();
register();
const [, , entry, ...rest] = process.argv;
if (!entry) {
  console.error('usage: node bin/run-ts.js FILE.ts [args…]');
  process.exit(2);
}
process.argv = [process.argv[0], resolve(entry), ...rest];
await import(pathToFileURL(resolve(entry)).href);
