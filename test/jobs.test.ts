import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../src/db/schema.ts';
import { withTenant } from '../src/db/tenant.ts';
import {
  cancelJob,
  claimJobs,
  completeJob,
  enqueue,
  failJob,
  getJob,
  JobWaitTimeoutError,
  recoverStaleJobs,
  reportProgress,
  waitForJob,
} from '../src/jobs/queue.ts';
import { createWorker, JobLockLostError, type JobHandler, type Worker } from '../src/jobs/worker.ts';
import { createTestDatabase, type TestDatabase } from './helpers/db.ts';

let database: TestDatabase;
let orgId: string;
let otherOrgId: string;
const workers: Worker[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const org = await database.db.insertInto('organizations').values({ name: 'Acme' }).returning('id').executeTakeFirstOrThrow();
  const other = await database.db
    .insertInto('organizations')
    .values({ name: 'Globex' })
    .returning('id')
    .executeTakeFirstOrThrow();
  orgId = org.id;
  otherOrgId = other.id;
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await database?.close();
});

/** Each test uses its own queue names, so tests never claim each other's jobs. */
let queueSeq = 0;
const newQueue = (name: string) => `${name}-${++queueSeq}`;

function startWorker(handlers: Record<string, JobHandler>, extra: { workerId?: string; concurrency?: number; staleAfterMs?: number } = {}) {
  const errors: unknown[] = [];
  const worker = createWorker({
    db: database.db,
    handlers,
    pollIntervalMs: 20,
    onError: (err) => errors.push(err),
    ...extra,
  });
  workers.push(worker);
  worker.start();
  return { worker, errors };
}

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(10);
  }
}

async function mustGet(id: number): Promise<Job> {
  const job = await getJob(database.db, id);
  if (!job) throw new Error(`job ${id} missing`);
  return job;
}

/** Makes a job due now, so tests skip backoff and scheduling waits. */
async function makeDue(id: number) {
  await database.db.updateTable('jobs').set({ run_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', id).execute();
}

describe('job queue', () => {
  it('enqueues and processes a job to success, recording result and progress', async () => {
    const queue = newQueue('score');
    const seen: Job[] = [];
    const { worker, errors } = startWorker(
      {
        [queue]: async (job, ctx) => {
          seen.push(job);
          await ctx.progress(1, 2, 'half way');
          await ctx.progress(2, 2, 'done');
          return { scored: job.payload.leads ?? null, ok: true };
        },
      },
      { workerId: 'w-basic' },
    );
    const { id, deduplicated } = await enqueue(database.db, { organizationId: orgId, queue, payload: { leads: 3 } });
    expect(deduplicated).toBe(false);
    worker.wake();

    const job = await waitForJob(database.db, id, { timeoutMs: 5_000, pollMs: 10 });
    expect(job.status).toBe('succeeded');
    expect(job.result).toEqual({ scored: 3, ok: true });
    expect(job.progress).toEqual({ done: 2, total: 2, message: 'done' });
    expect(job.attempts).toBe(1);
    expect(job.locked_by).toBe('w-basic');
    expect(job.organization_id).toBe(orgId);
    expect(job.started_at).toBeInstanceOf(Date);
    expect(job.finished_at).toBeInstanceOf(Date);
    expect(job.last_error).toBeNull();
    expect(seen.map((j) => j.id)).toEqual([id]);
    expect(seen[0]!.status).toBe('running');
    expect(errors).toEqual([]);
    await worker.stop();
  });

  it('stores a handler returning nothing as a null result', async () => {
    const queue = newQueue('void');
    const { worker } = startWorker({ [queue]: async () => {} });
    const { id } = await enqueue(database.db, { organizationId: orgId, queue });
    worker.wake();
    const job = await waitForJob(database.db, id, { timeoutMs: 5_000, pollMs: 10 });
    expect(job.status).toBe('succeeded');
    expect(job.result).toBeNull();
    await worker.stop();
  });

  it('coalesces jobs with the same dedupe key while queued, but not once started', async () => {
    const queue = newQueue('rescore');
    const first = await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'lead-1', payload: { n: 1 } });
    const second = await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'lead-1', payload: { n: 2 } });
    expect(first.deduplicated).toBe(false);
    expect(second).toEqual({ id: first.id, deduplicated: true });
    // Another key, or the same key on another queue, is another job.
    const otherKey = await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'lead-2' });
    const otherQueue = await enqueue(database.db, { organizationId: orgId, queue: newQueue('other'), dedupeKey: 'lead-1' });
    expect(new Set([first.id, otherKey.id, otherQueue.id]).size).toBe(3);

    const claimed = await claimJobs(database.db, { queues: [queue], workerId: 'w-dedupe', limit: 1 });
    expect(claimed.map((j) => j.id)).toEqual([first.id]);
    const third = await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'lead-1' });
    expect(third.deduplicated).toBe(false);
    expect(third.id).not.toBe(first.id);
    expect((await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'lead-1' })).id).toBe(third.id);

    // The started job fails and retries while `third` holds the key: it gives the key up
    // rather than violating the one-queued-job-per-key index.
    const retried = await failJob(database.db, claimed[0]!, new Error('boom'));
    expect(retried?.status).toBe('queued');
    expect(retried?.dedupe_key).toBeNull();
    expect((await mustGet(third.id)).dedupe_key).toBe('lead-1');
    expect((await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'lead-1' })).id).toBe(third.id);
  });

  it('scopes dedupe keys to the organization (and coalesces system jobs too)', async () => {
    const queue = newQueue('shared-key');
    const mine = await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'k' });
    const theirs = await enqueue(database.db, { organizationId: otherOrgId, queue, dedupeKey: 'k' });
    expect(theirs.deduplicated).toBe(false);
    expect(theirs.id).not.toBe(mine.id);
    expect(await enqueue(database.db, { organizationId: otherOrgId, queue, dedupeKey: 'k' })).toEqual({ id: theirs.id, deduplicated: true });
    const system = await enqueue(database.db, { organizationId: null, queue, dedupeKey: 'k' });
    expect(await enqueue(database.db, { organizationId: null, queue, dedupeKey: 'k' })).toEqual({ id: system.id, deduplicated: true });
  });

  it('retries with exponential backoff, then fails after max_attempts with the last error', async () => {
    const queue = newQueue('flaky');
    let calls = 0;
    const { worker, errors } = startWorker({
      [queue]: async () => {
        calls++;
        throw new Error(`upstream unavailable (call ${calls})`);
      },
    });
    const { id } = await enqueue(database.db, { organizationId: orgId, queue, maxAttempts: 3 });
    worker.wake();

    for (const attempt of [1, 2]) {
      const job = await until(async () => {
        const j = await mustGet(id);
        return j.attempts === attempt && j.status === 'queued' && j;
      });
      expect(job.last_error).toBe(`upstream unavailable (call ${attempt})`);
      expect(job.locked_by).toBeNull();
      expect(job.locked_at).toBeNull();
      expect(job.finished_at).toBeNull();
      // run_at and updated_at come from the same now(): the gap is exactly 2^attempts s.
      expect(job.run_at.getTime() - job.updated_at.getTime()).toBe(2 ** attempt * 1000);
      // Not due yet, so not retried early.
      await sleep(60);
      expect(calls).toBe(attempt);
      await makeDue(id);
      worker.wake();
    }

    const job = await waitForJob(database.db, id, { timeoutMs: 5_000, pollMs: 10 });
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(3);
    expect(job.last_error).toBe('upstream unavailable (call 3)');
    expect(job.finished_at).toBeInstanceOf(Date);
    expect(calls).toBe(3);
    expect(errors).toHaveLength(3);
    await worker.stop();
  });

  it('caps the backoff at one hour', async () => {
    const queue = newQueue('capped');
    const { id } = await enqueue(database.db, { organizationId: orgId, queue, maxAttempts: 100 });
    await database.db.updateTable('jobs').set({ attempts: 40 }).where('id', '=', id).execute();
    const [claimed] = await claimJobs(database.db, { queues: [queue], workerId: 'w-cap', limit: 1 });
    const job = await failJob(database.db, claimed!, 'still down');
    expect(job?.status).toBe('queued');
    expect(job?.last_error).toBe('still down');
    expect(job!.run_at.getTime() - job!.updated_at.getTime()).toBe(3600 * 1000);
  });

  it('does not claim jobs whose run_at is in the future', async () => {
    const queue = newQueue('later');
    const later = await enqueue(database.db, { organizationId: orgId, queue, runAt: new Date(Date.now() + 3600_000) });
    const now = await enqueue(database.db, { organizationId: orgId, queue });
    const claimed = await claimJobs(database.db, { queues: [queue], workerId: 'w-later', limit: 10 });
    expect(claimed.map((j) => j.id)).toEqual([now.id]);
    expect((await mustGet(later.id)).status).toBe('queued');
    await makeDue(later.id);
    expect((await claimJobs(database.db, { queues: [queue], workerId: 'w-later', limit: 10 })).map((j) => j.id)).toEqual([
      later.id,
    ]);
  });

  it('claims by priority, then run_at, then id, only from the requested queues', async () => {
    const queue = newQueue('prio');
    const elsewhere = newQueue('elsewhere');
    const past = (s: number) => new Date(Date.now() - s * 1000);
    const low = await enqueue(database.db, { organizationId: orgId, queue, priority: 0, runAt: past(30) });
    const high = await enqueue(database.db, { organizationId: orgId, queue, priority: 10, runAt: past(5) });
    const midLate = await enqueue(database.db, { organizationId: orgId, queue, priority: 5, runAt: past(5) });
    const midEarly = await enqueue(database.db, { organizationId: orgId, queue, priority: 5, runAt: past(10) });
    await enqueue(database.db, { organizationId: orgId, queue: elsewhere, priority: 100 });

    const first = await claimJobs(database.db, { queues: [queue], workerId: 'w-prio', limit: 1 });
    expect(first.map((j) => j.id)).toEqual([high.id]);
    const rest = await claimJobs(database.db, { queues: [queue], workerId: 'w-prio', limit: 10 });
    expect(rest.map((j) => j.id)).toEqual([midEarly.id, midLate.id, low.id]);
    for (const job of [...first, ...rest]) {
      expect(job.status).toBe('running');
      expect(job.locked_by).toBe('w-prio');
      expect(job.attempts).toBe(1);
      expect(job.locked_at).toBeInstanceOf(Date);
      expect(job.started_at).toBeInstanceOf(Date);
    }
    expect(await claimJobs(database.db, { queues: [queue], workerId: 'w-prio', limit: 10 })).toEqual([]);
    expect(await claimJobs(database.db, { queues: [], workerId: 'w-prio', limit: 10 })).toEqual([]);
  });

  it('cancels only queued jobs', async () => {
    const queue = newQueue('cancel');
    const { id } = await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'x' });
    expect(await cancelJob(database.db, id)).toBe(true);
    const cancelled = await mustGet(id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finished_at).toBeInstanceOf(Date);
    expect(await cancelJob(database.db, id)).toBe(false);
    expect(await claimJobs(database.db, { queues: [queue], workerId: 'w-cancel', limit: 10 })).toEqual([]);
    // A cancelled job no longer holds its dedupe key.
    const again = await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'x' });
    expect(again.deduplicated).toBe(false);

    await claimJobs(database.db, { queues: [queue], workerId: 'w-cancel', limit: 1 });
    expect(await cancelJob(database.db, again.id)).toBe(false);
    expect((await mustGet(again.id)).status).toBe('running');
    expect(await cancelJob(database.db, 987_654_321)).toBe(false);

    // waitForJob returns finished jobs, including cancelled ones.
    expect((await waitForJob(database.db, id)).status).toBe('cancelled');
  });

  it('times out waiting for a job that does not finish', async () => {
    const { id } = await enqueue(database.db, { organizationId: orgId, queue: newQueue('nobody') });
    const error: unknown = await waitForJob(database.db, id, { timeoutMs: 50, pollMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobWaitTimeoutError);
    expect((error as Error).message).toMatch(new RegExp(`Job ${id} did not finish within 50 ms \\(still queued\\)`));
    await expect(waitForJob(database.db, 987_654_321)).rejects.toThrow(/does not exist/);
  });

  it('recovers running jobs whose worker died, and fails those out of attempts', async () => {
    const queue = newQueue('stale');
    const orphan = await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'same' });
    const [claimed] = await claimJobs(database.db, { queues: [queue], workerId: 'dead-worker', limit: 1 });
    // A sibling enqueued while the orphan ran: it holds the key when the orphan returns.
    const sibling = await enqueue(database.db, { organizationId: orgId, queue, dedupeKey: 'same' });
    const lastChance = await enqueue(database.db, { organizationId: orgId, queue, maxAttempts: 1 });
    const alive = await enqueue(database.db, { organizationId: orgId, queue });
    const claimedMore = await claimJobs(database.db, { queues: [queue], workerId: 'dead-worker', limit: 10 });
    expect(claimedMore.map((j) => j.id).sort()).toEqual([sibling.id, lastChance.id, alive.id].sort());
    // The sibling is running now too: two stale jobs share the key.
    const ageLock = (id: number) =>
      database.db.updateTable('jobs').set({ locked_at: sql<Date>`now() - interval '10 minutes'` }).where('id', '=', id).execute();
    await ageLock(orphan.id);
    await ageLock(sibling.id);
    await ageLock(lastChance.id);

    const recovered = await recoverStaleJobs(database.db, 60_000);
    expect(recovered).toEqual({ requeued: [orphan.id, sibling.id], failed: [lastChance.id] });
    const back = await mustGet(orphan.id);
    expect(back).toMatchObject({ status: 'queued', locked_by: null, locked_at: null, attempts: 1, dedupe_key: 'same' });
    expect(back.started_at).toEqual(claimed!.started_at);
    expect(back.last_error).toMatch(/dead-worker/);
    expect((await mustGet(sibling.id)).dedupe_key).toBeNull();
    expect((await mustGet(lastChance.id)).status).toBe('failed');
    expect((await mustGet(alive.id)).status).toBe('running');
    expect(await recoverStaleJobs(database.db, 60_000)).toEqual({ requeued: [], failed: [] });

    const reclaimed = await claimJobs(database.db, { queues: [queue], workerId: 'new-worker', limit: 10 });
    expect(reclaimed.map((j) => j.id).sort()).toEqual([orphan.id, sibling.id].sort());
    expect(reclaimed.every((j) => j.attempts === 2)).toBe(true);
  });

  it('ignores the outcome reported by a worker that lost the lock', async () => {
    const queue = newQueue('lost');
    const { id } = await enqueue(database.db, { organizationId: orgId, queue });
    const [first] = await claimJobs(database.db, { queues: [queue], workerId: 'slow', limit: 1 });
    await database.db.updateTable('jobs').set({ locked_at: sql<Date>`now() - interval '1 hour'` }).where('id', '=', id).execute();
    await recoverStaleJobs(database.db, 60_000);
    const [second] = await claimJobs(database.db, { queues: [queue], workerId: 'fast', limit: 1 });
    expect(second?.id).toBe(id);
    expect(await completeJob(database.db, id, { from: 'slow' }, 'slow')).toBe(false);
    expect(await failJob(database.db, first!, new Error('late'))).toBeUndefined();
    expect(await reportProgress(database.db, id, { done: 1 }, 'slow')).toBe(false);
    expect(await completeJob(database.db, id, { from: 'fast' }, 'fast')).toBe(true);
    expect((await mustGet(id)).result).toEqual({ from: 'fast' });
  });

  it('a worker recovers stale jobs periodically and keeps its own long jobs locked', async () => {
    const queue = newQueue('heartbeat');
    const calls = new Map<number, number>();
    const { id: orphan } = await enqueue(database.db, { organizationId: orgId, queue, payload: { ms: 0 } });
    await claimJobs(database.db, { queues: [queue], workerId: 'killed', limit: 1 });
    await database.db.updateTable('jobs').set({ locked_at: sql<Date>`now() - interval '1 hour'` }).where('id', '=', orphan).execute();
    const { id: long } = await enqueue(database.db, { organizationId: orgId, queue, payload: { ms: 700 } });

    const { worker, errors } = startWorker(
      {
        [queue]: async (job) => {
          calls.set(job.id, (calls.get(job.id) ?? 0) + 1);
          await sleep(Number(job.payload.ms));
        },
      },
      // Locks expire after 150 ms; the 700 ms job survives only by renewing its lock.
      { staleAfterMs: 150, concurrency: 1 },
    );
    const [a, b] = await Promise.all([
      waitForJob(database.db, orphan, { timeoutMs: 5_000, pollMs: 10 }),
      waitForJob(database.db, long, { timeoutMs: 5_000, pollMs: 10 }),
    ]);
    expect(a.status).toBe('succeeded');
    expect(a.attempts).toBe(2);
    expect(b.status).toBe('succeeded');
    expect(b.attempts).toBe(1);
    expect(calls.get(long)).toBe(1);
    expect(errors).toEqual([]);
    await worker.stop();
  });

  it('aborts a handler whose lock was taken over and discards its outcome', async () => {
    const queue = newQueue('stolen');
    let aborted: unknown;
    const { worker, errors } = startWorker(
      {
        [queue]: (_job, ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              resolve('should be discarded');
            });
          }),
      },
      { workerId: 'victim', staleAfterMs: 150 },
    );
    const { id } = await enqueue(database.db, { organizationId: orgId, queue });
    worker.wake();
    await until(async () => (await mustGet(id)).status === 'running');
    // What recovery plus another worker's claim amount to, as seen from this worker.
    await database.db.updateTable('jobs').set({ locked_by: 'thief' }).where('id', '=', id).execute();
    await until(async () => aborted !== undefined);
    await worker.stop();
    expect(aborted).toBeInstanceOf(JobLockLostError);
    expect(errors).toEqual([aborted]);
    const job = await mustGet(id);
    expect(job).toMatchObject({ status: 'running', locked_by: 'thief', result: null });
  });

  it('enqueues inside a tenant transaction for its own organization only', async () => {
    const queue = newQueue('tenant');
    const own = await withTenant(database.db, { organizationId: orgId }, (tx) =>
      enqueue(tx, { organizationId: orgId, queue, payload: { via: 'tenant' }, dedupeKey: 'tenant-key' }),
    );
    expect(own.deduplicated).toBe(false);
    const again = await withTenant(database.db, { organizationId: orgId }, (tx) =>
      enqueue(tx, { organizationId: orgId, queue, dedupeKey: 'tenant-key' }),
    );
    expect(again).toEqual({ id: own.id, deduplicated: true });
    expect(await withTenant(database.db, { organizationId: orgId }, (tx) => getJob(tx, own.id))).toMatchObject({
      organization_id: orgId,
      payload: { via: 'tenant' },
    });
    // Another tenant cannot see it.
    expect(await withTenant(database.db, { organizationId: otherOrgId }, (tx) => getJob(tx, own.id))).toBeUndefined();

    await expect(
      withTenant(database.db, { organizationId: orgId }, (tx) => enqueue(tx, { organizationId: otherOrgId, queue })),
    ).rejects.toThrow(/row-level security/);
    await expect(
      withTenant(database.db, { organizationId: orgId }, (tx) => enqueue(tx, { organizationId: null, queue })),
    ).rejects.toThrow(/row-level security/);
    // The rejected enqueues left nothing behind.
    const rows = await database.db.selectFrom('jobs').select('id').where('queue', '=', queue).execute();
    expect(rows.map((r) => r.id)).toEqual([own.id]);

    // The enqueue commits or rolls back with the caller's transaction.
    await expect(
      withTenant(database.db, { organizationId: orgId }, async (tx) => {
        await enqueue(tx, { organizationId: orgId, queue });
        throw new Error('request failed');
      }),
    ).rejects.toThrow('request failed');
    expect(await database.db.selectFrom('jobs').select('id').where('queue', '=', queue).execute()).toHaveLength(1);
  });

  it('two workers process 40 jobs exactly once each, and never claim queues without a handler', async () => {
    const queue = newQueue('bulk');
    const unknown = newQueue('unknown');
    const calls = new Map<number, number>();
    const by = new Map<string, number>();
    const handler =
      (name: string): JobHandler =>
      async (job) => {
        calls.set(job.id, (calls.get(job.id) ?? 0) + 1);
        by.set(name, (by.get(name) ?? 0) + 1);
        await sleep(Math.floor(Math.random() * 5));
        return job.payload.i ?? null;
      };
    const { id: stranger } = await enqueue(database.db, { organizationId: orgId, queue: unknown });
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push((await enqueue(database.db, { organizationId: orgId, queue, payload: { i } })).id);
    }
    const one = startWorker({ [queue]: handler('one') }, { workerId: 'one', concurrency: 3 });
    const two = startWorker({ [queue]: handler('two') }, { workerId: 'two', concurrency: 3 });

    const done = await Promise.all(ids.map((id) => waitForJob(database.db, id, { timeoutMs: 15_000, pollMs: 20 })));
    await Promise.all([one.worker.stop(), two.worker.stop()]);
    expect(done.every((j) => j.status === 'succeeded' && j.attempts === 1)).toBe(true);
    expect(done.map((j) => j.result)).toEqual(ids.map((_, i) => i));
    expect([...calls.keys()].sort((a, b) => a - b)).toEqual(ids);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect((by.get('one') ?? 0) + (by.get('two') ?? 0)).toBe(40);
    expect(new Set(done.map((j) => j.locked_by))).toEqual(new Set([...by.keys()]));
    expect((await mustGet(stranger)).status).toBe('queued');
    expect([...one.errors, ...two.errors]).toEqual([]);
  });

  it('stop() waits for a running handler to finish', async () => {
    const queue = newQueue('slow');
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = false;
    const { worker } = startWorker({
      [queue]: async () => {
        started();
        await gate;
        finished = true;
        return 'finished';
      },
    });
    const { id } = await enqueue(database.db, { organizationId: orgId, queue });
    const other = await enqueue(database.db, { organizationId: orgId, queue, runAt: new Date(Date.now() + 3600_000) });
    worker.wake();
    await handlerStarted;

    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await sleep(100);
    expect(stopped).toBe(false);
    expect((await mustGet(id)).status).toBe('running');
    release();
    await stopping;
    expect(finished).toBe(true);
    expect((await mustGet(id)).status).toBe('succeeded');
    // A stopped worker claims nothing more, even once a job is due.
    await makeDue(other.id);
    worker.wake();
    await sleep(100);
    expect((await mustGet(other.id)).status).toBe('queued');
  });
});
