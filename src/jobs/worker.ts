import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { DB, Job, JsonValue } from '../db/schema.ts';
import { emitEvent } from '../modules/events/events.service.ts';
import { announcesJob, claimJobs, completeJob, failJob, heartbeat, jobEvent, recoverStaleJobs, reportProgress } from './queue.ts';

export interface JobContext {
  /** Stored on the job for anyone watching; also renews the job's lock. */
  progress(done: number, total?: number, message?: string): Promise<void>;
  /**
   * Aborted when this worker has lost the job's lock (it was recovered as stale and may be
   * running elsewhere): stop, since the outcome of this run will be discarded.
   */
  signal: AbortSignal;
}

export type JobHandler = (job: Job, ctx: JobContext) => Promise<JsonValue | void>;

export interface WorkerOptions {
  /** The owner-role handle: claims span every organization. Handlers pick their tenant. */
  db: Kysely<DB>;
  /** One handler per queue; only these queues are claimed. */
  handlers: Record<string, JobHandler>;
  workerId?: string;
  concurrency?: number;
  pollIntervalMs?: number;
  /** A running job whose lock is not renewed for this long is presumed orphaned. */
  staleAfterMs?: number;
  /**
   * Handler failures (with their job) and the worker's own errors (without). While the
   * database stays unreachable only the first of the worker's own errors is reported.
   */
  onError?: (err: unknown, job?: Job) => void;
  /** The worker's own queries work again after failing (the database is back). */
  onResume?: (failedForMs: number) => void;
}

export interface Worker {
  readonly workerId: string;
  start(): void;
  /** Stops claiming and resolves once every handler already running has finished. */
  stop(): Promise<void>;
  /** Polls now instead of at the next interval, e.g. right after an in-process enqueue. */
  wake(): void;
}

export class JobLockLostError extends Error {
  constructor(readonly jobId: number) {
    super(`Job ${jobId}: this worker's lock expired and the job was recovered; the run's outcome is discarded`);
    this.name = 'JobLockLostError';
  }
}

/** job.progress events of one job: at most one a second, and only when the whole percent moved. */
export const PROGRESS_EVENT_MS = 1000;

/** The longest wait between polls while the database is unreachable. */
const MAX_BACKOFF_MS = 5_000;

/**
 * A change to the job's row and its event in one transaction, as the owner role (workers
 * serve every organization; the outbox's owner policy admits it). Opened by hand like
 * withTenant's, on one connection (PGlite has only one).
 */
async function inTransaction<T>(db: Kysely<DB>, fn: (tx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql.raw('BEGIN').execute(conn);
    try {
      const result = await fn(conn);
      await sql.raw('COMMIT').execute(conn);
      return result;
    } catch (error) {
      await sql.raw('ROLLBACK').execute(conn).catch(() => {});
      throw error;
    }
  });
}

function defaultOnError(err: unknown, job?: Job): void {
  console.error(job ? `[jobs] job ${job.id} (${job.queue}) failed:` : '[jobs] worker error:', err);
}

export function createWorker(options: WorkerOptions): Worker {
  const { db, handlers } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const concurrency = options.concurrency ?? 2;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const onError = options.onError ?? defaultOnError;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
  if (!(pollIntervalMs > 0)) throw new RangeError('pollIntervalMs must be > 0');
  if (!(staleAfterMs > 0)) throw new RangeError('staleAfterMs must be > 0');

  const queues = Object.keys(handlers);
  // Three renewals per lock lifetime, so one slow or lost heartbeat does not orphan a job.
  const heartbeatMs = Math.max(50, Math.floor(staleAfterMs / 3));
  const recoverEveryMs = Math.max(1_000, Math.min(Math.floor(staleAfterMs / 2), 60_000));

  // The worker's own queries (claims, recovery) failing in a row: while the database is away,
  // polls back off to MAX_BACKOFF_MS and only the first failure is reported, not every poll's.
  let failingSince: number | undefined;
  let failures = 0;
  const ownFailure = (err: unknown) => {
    failures += 1;
    if (failingSince !== undefined) return;
    failingSince = Date.now();
    safeOnError(err);
  };
  const ownSuccess = () => {
    if (failingSince === undefined) return;
    const failedFor = Date.now() - failingSince;
    failingSince = undefined;
    failures = 0;
    try {
      options.onResume?.(failedFor);
    } catch {
      // As for onError: the loop goes on.
    }
  };

  let running = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let recoverTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let pollRequested = false;
  let recovering: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const active = new Map<number, Promise<void>>();

  const safeOnError = (err: unknown, job?: Job) => {
    try {
      onError(err, job);
    } catch {
      // A throwing error callback must not take the worker loop down with it.
    }
  };

  function schedule(delayMs: number): void {
    if (!running) return;
    if (pollTimer) clearTimeout(pollTimer);
    // Deliberately not unref'd: a started worker is a reason for the process to stay up.
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      poll();
    }, delayMs);
  }

  function poll(): void {
    if (!running) return;
    if (polling) {
      pollRequested = true;
      return;
    }
    let more = false;
    polling = (async () => {
      const free = concurrency - active.size;
      if (free < 1 || queues.length === 0) return;
      try {
        const jobs = await claimJobs(db, { queues, workerId, limit: free });
        ownSuccess();
        // A full batch suggests a backlog: go again at once rather than after the interval.
        more = jobs.length === free;
        for (const job of jobs) track(job);
      } catch (err) {
        ownFailure(err);
      }
    })().finally(() => {
      polling = undefined;
      const again = (pollRequested || more) && failures === 0;
      pollRequested = false;
      schedule(again ? 0 : failures > 0 ? Math.min(MAX_BACKOFF_MS, pollIntervalMs * 2 ** Math.min(failures - 1, 10)) : pollIntervalMs);
    });
  }

  function track(job: Job): void {
    // Jobs claimed just as stop() began still run: they are locked to this worker.
    const run = runJob(job).finally(() => {
      active.delete(job.id);
      poll();
    });
    active.set(job.id, run);
  }

  async function runJob(job: Job): Promise<void> {
    const handler = handlers[job.queue];
    const controller = new AbortController();
    let beating: Promise<void> | undefined;
    const beat = async () => {
      try {
        if (!(await heartbeat(db, job.id, workerId))) controller.abort(new JobLockLostError(job.id));
      } catch (err) {
        safeOnError(err, job);
      }
    };
    const timer = setInterval(() => {
      if (!beating && !controller.signal.aborted) beating = beat().finally(() => (beating = undefined));
    }, heartbeatMs);
    timer.unref();

    let outcome: { ok: true; value: JsonValue | void } | { ok: false; error: unknown };
    // What the job's events say of its progress, and when the last job.progress went out.
    const told = { at: 0, percent: -1, done: -1, total: undefined as number | undefined };
    try {
      if (!handler) throw new Error(`No handler for queue "${job.queue}"`);
      const ctx: JobContext = {
        progress: async (done, total, message) => {
          told.total = total;
          const percent = total ? Math.floor((100 * done) / total) : undefined;
          const now = Date.now();
          // Whichever is rarer: a second since the last event and a new whole percent (or, with
          // no total, a new count). System jobs (no organization) have no audience.
          const due = job.organization_id !== null && now - told.at >= PROGRESS_EVENT_MS && (percent === undefined ? done !== told.done : percent !== told.percent);
          if (!due) {
            await reportProgress(db, job.id, { done, total, message }, workerId);
            return;
          }
          await inTransaction(db, async (tx) => {
            if ((await reportProgress(tx, job.id, { done, total, message }, workerId)) && announcesJob(job)) await emitEvent(tx, ...jobEvent(job, 'job.progress', { status: 'running', done, total }));
          });
          Object.assign(told, { at: now, percent: percent ?? -1, done });
        },
        signal: controller.signal,
      };
      outcome = { ok: true, value: await handler(job, ctx) };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearInterval(timer);
      await beating;
    }

    if (controller.signal.aborted) {
      safeOnError(controller.signal.reason, job);
      return;
    }
    try {
      const finished = (tx: Kysely<DB>, status: 'succeeded' | 'failed') =>
        !announcesJob(job) ? undefined : emitEvent(tx, ...jobEvent(job, 'job.finished', { status, done: told.done < 0 ? undefined : told.done, total: told.total }));
      if (outcome.ok) {
        const value = outcome.value;
        const completed = await inTransaction(db, async (tx) => {
          const ok = await completeJob(tx, job.id, value ?? null, workerId);
          if (ok) await finished(tx, 'succeeded');
          return ok;
        });
        // A false return means the lock was lost between the last heartbeat and now.
        if (!completed) safeOnError(new JobLockLostError(job.id), job);
      } else {
        safeOnError(outcome.error, job);
        const error = outcome.error;
        await inTransaction(db, async (tx) => {
          // Back in the queue while it has attempts left: only a failure for good finishes it.
          if ((await failJob(tx, job, error))?.status === 'failed') await finished(tx, 'failed');
        });
      }
    } catch (err) {
      // The job stays running and is recovered once its lock expires.
      safeOnError(err, job);
    }
  }

  function recover(): void {
    if (!running || recovering) return;
    recovering = (async () => {
      try {
        const { requeued } = await recoverStaleJobs(db, staleAfterMs, { exceptWorker: workerId });
        if (requeued.length > 0) poll();
      } catch (err) {
        ownFailure(err);
      }
    })().finally(() => (recovering = undefined));
  }

  return {
    workerId,
    start() {
      if (running) return;
      running = true;
      stopping = undefined;
      recoverTimer = setInterval(recover, recoverEveryMs);
      // The poll timer keeps the process alive; this one need not.
      recoverTimer.unref();
      recover();
      poll();
    },
    stop() {
      if (stopping) return stopping;
      running = false;
      if (pollTimer) clearTimeout(pollTimer);
      if (recoverTimer) clearInterval(recoverTimer);
      pollTimer = undefined;
      recoverTimer = undefined;
      stopping = (async () => {
        await polling;
        await recovering;
        while (active.size > 0) await Promise.all(active.values());
      })();
      return stopping;
    },
    wake() {
      if (running) poll();
    },
  };
}
