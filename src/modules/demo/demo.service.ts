import { sql } from 'kysely';
import type { Database } from '../../db/connect.ts';
import { withTenant } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { ANALYSIS_QUEUE } from '../analysis/analysis.queue.ts';
import { DomainError } from '../../shared/errors.ts';
import { hashPassword } from '../auth/password.ts';
import { organizationExists } from '../organizations/organizations.queries.ts';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_DEMO_SEED, LANES, blockCount, demoBlocks, encodeBatch, generateOrganization, type DemoOrganization, type EncodedBatch,
} from './demo.generator.ts';
import { DEMO_TABLES, copyDemoBatch, copyDemoBatchInto, deleteOrganization, identifyDemoVisitors, insertDemoOrganization, refreshSearchWords } from './demo.queries.ts';

export const DEMO_PASSWORD = 'leadai-demo-password';

export interface SeedDemoOptions {
  leads: number;
  seed?: number;
  /** "Today" of the data set; defaults to the start of the current UTC day. */
  anchor?: Date;
  onProgress?: (done: number, total: number) => void;
  /** Phases without a count (e.g. the index build at the end of a bulk load). */
  onStatus?: (message: string) => void;
}

export interface SeedDemoResult {
  organizationId: string;
  organizationName: string;
  adminEmail: string;
  password: string;
  seed: number;
  anchor: string;
  counts: { leads: number; activities: number; conversations: number; journeyEvents: number; users: number; teams: number };
  seconds: number;
}

/** From this many leads on, an empty database is loaded in bulk (indexes built once). */
const BULK_THRESHOLD = 50_000;

/** Above this many leads, generation moves to worker threads (one per lane). */
const WORKER_THRESHOLD = 20_000;

/**
 * Blocks in order. Large runs generate on LANES worker threads, each a couple of blocks
 * ahead of the database; small runs stay on this thread (a worker costs a second to
 * start). Both give the same bytes.
 */
async function* demoBatches(org: DemoOrganization, seed: number, anchor: Date, leads: number): AsyncGenerator<EncodedBatch> {
  if (leads < WORKER_THRESHOLD) {
    for (const block of demoBlocks(org, seed, anchor, leads)) yield encodeBatch(block);
    return;
  }
  // Workers do not inherit the TypeScript loader: a tiny bootstrap registers it first.
  const entry = new URL('./demo.worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  const lanes = Array.from({ length: LANES }, (_, lane) => {
    // A young generation big enough for a block's strings: most die young instead of being
    // copied into the old generation (GC was half of generation time with the default).
    const worker = new Worker(bootstrap, {
      eval: true,
      workerData: { seed, anchor: anchor.getTime(), leads, lane },
      resourceLimits: { maxYoungGenerationSizeMb: 256 },
    });
    const state = { worker, queue: [] as EncodedBatch[], failure: undefined as unknown, wake: undefined as (() => void) | undefined };
    worker.on('message', (batch: EncodedBatch) => {
      state.queue.push(batch);
      state.wake?.();
    });
    worker.on('error', (error) => {
      state.failure = error;
      state.wake?.();
    });
    worker.postMessage(2);
    return state;
  });
  try {
    for (let b = 0; b < blockCount(leads); b++) {
      const lane = lanes[b % LANES]!;
      while (lane.queue.length === 0 && lane.failure === undefined) await new Promise<void>((resolve) => (lane.wake = resolve));
      if (lane.failure !== undefined) throw lane.failure;
      const batch = lane.queue.shift()!;
      lane.worker.postMessage(1);
      yield batch;
    }
  } finally {
    await Promise.all(lanes.map((l) => l.worker.terminate()));
  }
}

export function startOfUtcDay(date = new Date()): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/** Writes a demo organization: its users and teams, then leads with everything around them. */
export async function seedDemo(database: Database, options: SeedDemoOptions): Promise<SeedDemoResult> {
  const started = performance.now();
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const anchor = options.anchor ?? startOfUtcDay();
  const org = generateOrganization(seed);
  if (await organizationExists(database.db, org.id)) {
    throw new DomainError('conflict', `The demo organization for seed ${seed} already exists (${org.name}, ${org.id}). Use another --seed, or start from an empty database.`);
  }
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await withTenant(database.db, { organizationId: org.id }, (tx) => insertDemoOrganization(tx, org, passwordHash));

  const counts = { leads: 0, activities: 0, conversations: 0, journeyEvents: 0, users: org.users.length, teams: org.teams.length };
  let written = 0;
  const add = (batch: EncodedBatch) => {
    written += batch.counts.leads;
    counts.leads += batch.counts.leads;
    counts.activities += batch.counts.activities;
    counts.conversations += batch.counts.conversations;
    counts.journeyEvents += batch.counts.journeyEvents;
    options.onProgress?.(written, options.leads);
  };
  options.onProgress?.(0, options.leads);
  try {
    // A fresh installation's big load: indexes are rebuilt once at the end (one transaction).
    const bulk =
      options.leads >= BULK_THRESHOLD &&
      (await database.bulkLoadIntoEmpty(DEMO_TABLES, async (copy) => {
        for await (const batch of demoBatches(org, seed, anchor, options.leads)) {
          await copyDemoBatchInto(copy, batch);
          add(batch);
        }
        options.onStatus?.('building indexes');
      }));
    if (!bulk) {
      const parallel = await database.skipsTriggersOnTrustedCopy();
      for await (const batch of demoBatches(org, seed, anchor, options.leads)) {
        await copyDemoBatch(database, batch, parallel);
        add(batch);
      }
    }
  } catch (error) {
    // Never leave half an organization behind: a re-run must start clean.
    await deleteOrganization(database, org.id);
    throw error;
  }
  options.onProgress?.(written, options.leads);
  await refreshSearchWords(database, org.id);
  await identifyDemoVisitors(database, org.id);
  // The bulk path loads with triggers off: queue the conversation analysis explicitly (it
  // retrains the scoring model when done, which scores every lead). Deduplicated otherwise.
  await enqueue(database.db, { organizationId: org.id, queue: ANALYSIS_QUEUE, dedupeKey: 'unanalyzed' });
  // Fresh statistics so the planner uses the new indexes at once (search, lists).
  await sql`ANALYZE leads, activities, conversations, journey_events`.execute(database.db);
  return {
    organizationId: org.id,
    organizationName: org.name,
    adminEmail: org.admin.email,
    password: DEMO_PASSWORD,
    seed,
    anchor: anchor.toISOString(),
    counts,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
