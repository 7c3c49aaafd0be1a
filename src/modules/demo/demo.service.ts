import { sql } from 'kysely';
import type { Database } from '../../db/connect.ts';
import { withTenant } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import { hashPassword } from '../auth/password.ts';
import { organizationExists } from '../organizations/organizations.queries.ts';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_DEMO_SEED, LeadGenerator, encodeBatch, generateOrganization, type DemoOrganization, type EncodedBatch,
} from './demo.generator.ts';
import { copyDemoBatch, deleteOrganization, insertDemoOrganization } from './demo.queries.ts';

export const DEMO_PASSWORD = 'leadai-demo-password';

export interface SeedDemoOptions {
  leads: number;
  seed?: number;
  /** "Today" of the data set; defaults to the start of the current UTC day. */
  anchor?: Date;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
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

/** Above this many leads, generation moves to a worker thread and overlaps with COPY. */
const WORKER_THRESHOLD = 20_000;

/**
 * Batches in generation order. Large runs generate on a worker thread, two batches ahead
 * of the database; small runs stay on this thread (a worker costs a second to start).
 */
async function* demoBatches(org: DemoOrganization, seed: number, anchor: Date, leads: number, batchSize: number): AsyncGenerator<EncodedBatch> {
  if (leads < WORKER_THRESHOLD) {
    const generator = new LeadGenerator(org, seed, anchor);
    for (let done = 0; done < leads; done += batchSize) yield encodeBatch(generator.nextBatch(Math.min(batchSize, leads - done)));
    return;
  }
  // Workers do not inherit the TypeScript loader: a tiny bootstrap registers it first.
  const entry = new URL('./demo.worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { seed, anchor: anchor.getTime(), leads, batchSize } });
  const queue: (EncodedBatch | 'done')[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  worker.on('message', (message: EncodedBatch | 'done') => {
    queue.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  try {
    worker.postMessage(2);
    for (;;) {
      while (queue.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
      if (failure !== undefined) throw failure;
      const next = queue.shift()!;
      if (next === 'done') return;
      worker.postMessage(1);
      yield next;
    }
  } finally {
    await worker.terminate();
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

  const batchSize = options.batchSize ?? 2000;
  const counts = { leads: 0, activities: 0, conversations: 0, journeyEvents: 0, users: org.users.length, teams: org.teams.length };
  let written = 0;
  const parallel = await database.skipsTriggersOnTrustedCopy();
  try {
    for await (const batch of demoBatches(org, seed, anchor, options.leads, batchSize)) {
      options.onProgress?.(written, options.leads);
      await copyDemoBatch(database, batch, parallel);
      written += batch.counts.leads;
      counts.leads += batch.counts.leads;
      counts.activities += batch.counts.activities;
      counts.conversations += batch.counts.conversations;
      counts.journeyEvents += batch.counts.journeyEvents;
    }
  } catch (error) {
    // Never leave half an organization behind: a re-run must start clean.
    await deleteOrganization(database, org.id);
    throw error;
  }
  options.onProgress?.(written, options.leads);
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
