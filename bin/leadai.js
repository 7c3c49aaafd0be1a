#!/usr/bin/env node
// The `leadai` command. Sources are TypeScript run through tsx's loader, so a fresh
// checkout needs no build step before `npx leadai` or `npm start`.
import { register } from 'tsx/esm/api';
import { relaunchWithYoungGeneration } from './young-generation.js';

// Long commands (imports, scoring, the server) allocate a lot: see young-generation.js.
// On a PostgreSQL server only (DATABASE_URL): the embedded data directory admits one process.
await relaunchWithYoungGeneration({ serverOnly: true });
register();
const { main } = await import('../src/main.ts');
await main(process.argv);
