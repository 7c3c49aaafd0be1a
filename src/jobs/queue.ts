import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, Job, JobProgress, JobStatus, JsonObject, JsonValue } from '../db/schema.ts';
import { emitEvent, type EventContext, type OutboxEvent } from '../modules/events/events.service.ts';

/**
 * The durable job queue: rows in `jobs`, claimed with FOR UPDATE SKIP LOCKED so any
 * number of workers (threads, processes, hosts) share the queue without double-claiming.
 *
 * Every function takes the caller's executor, so an enqueue can commit or roll back with
 * the change that caused it. Inside withTenant the statements run as leadai_app under Row
 * Level Security: the job's organization_id must then be the tenant's own.
 * Workers claim as the owner role because they serve every organization.
 */
export type JobsDb = Kysely<DB> | Transaction<DB>;

export type { Job, JobProgress, JobStatus } from '../db/schema.ts';

export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Retry delays double per attempt (2 s, 4 s, 8 s …) but never exceed this. */
export const MAX_BACKOFF_SECONDS = 3600;

export interface EnqueueOptions {
  /** null only for system jobs, which the application role can neither see nor create. */
  organizationId: string | null;
  queue: string;
  payload?: JsonObject;
  runAt?: Date;
  /** Higher runs first. */
  priority?: number;
  /** Including the first run; the schema's default (5) when omitted. */
  maxAttempts?: number;
  /** While a job with the same queue and key is still queued, enqueueing returns that job. */
  dedupeKey?: string;
  createdBy?: string;
}

export interface EnqueueResult {
  id: number;
  deduplicated: boolean;
}

export class JobWaitTimeoutError extends Error {
  constructor(
    readonly jobId: number,
    readonly timeoutMs: number,
    readonly lastStatus: JobStatus,
  ) {
    super(`Job ${jobId} did not finish within ${timeoutMs} ms (still ${lastStatus})`);
    this.name = 'JobWaitTimeoutError';
  }
}

// Literals rather than parameters where they must match the partial indexes' predicates
// (jobs_claim_idx, jobs_running_idx, jobs_dedupe_key): the planner proves index usability
// and ON CONFLICT arbiter inference from constants, not from bound values.
const QUEUED = sql.lit<JobStatus>('queued');
const RUNNING = sql.lit<JobStatus>('running');
const NOW = sql<Date>`now()`;

// A ran-out job fails for good instead of going back to the queue.
const EXHAUSTED = sql<boolean>`(jobs.attempts >= jobs.max_attempts)`;

// The partial unique index admits one queued job per (organization, queue, dedupe_key). A job returning
// to the queue gives up its key when a sibling enqueued meanwhile (dedupe stops once a job
// has started) already holds it; otherwise the UPDATE would fail on the index.
const QUEUED_SIBLING_HOLDS_KEY = sql<boolean>`EXISTS (
  SELECT 1 FROM jobs AS sibling
  WHERE sibling.organization_id IS NOT DISTINCT FROM jobs.organization_id
    AND sibling.queue = jobs.queue AND sibling.dedupe_key = jobs.dedupe_key
    AND sibling.status = 'queued' AND sibling.id <> jobs.id)`;

const DEDUPE_RETRIES = 3;

export async function enqueue(db: JobsDb, options: EnqueueOptions): Promise<EnqueueResult> {
  if (options.queue.length === 0 || options.queue.length > 100) {
    throw new RangeError('Job queue names must have 1 to 100 characters');
  }
  if (options.maxAttempts !== undefined && !(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${options.maxAttempts}`);
  }
  if (options.priority !== undefined && !Number.isInteger(options.priority)) {
    throw new RangeError(`priority must be an integer, got ${options.priority}`);
  }
  // Undefined properties are left out of the INSERT, so the column defaults apply.
  const values = {
    organization_id: options.organizationId,
    queue: options.queue,
    payload: JSON.stringify(options.payload ?? {}),
    priority: options.priority,
    run_at: options.runAt,
    max_attempts: options.maxAttempts,
    dedupe_key: options.dedupeKey ?? null,
    created_by: options.createdBy ?? null,
  };
  const dedupeKey = options.dedupeKey;
  if (dedupeKey === undefined) {
    const row = await db.insertInto('jobs').values(values).returning('id').executeTakeFirstOrThrow();
    return { id: row.id, deduplicated: false };
  }

  for (let attempt = 0; attempt < DEDUPE_RETRIES; attempt++) {
    const inserted = await db
      .insertInto('jobs')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['organization_id', 'queue', 'dedupe_key']).where('status', '=', QUEUED).where('dedupe_key', 'is not', null).doNothing(),
      )
      .returning('id')
      .executeTakeFirst();
    if (inserted) return { id: inserted.id, deduplicated: false };

    const existing = await db
      .selectFrom('jobs')
      .select('id')
      .where((eb) =>
        options.organizationId === null ? eb('organization_id', 'is', null) : eb('organization_id', '=', options.organizationId),
      )
      .where('queue', '=', options.queue)
      .where('dedupe_key', '=', dedupeKey)
      .where('status', '=', QUEUED)
      .executeTakeFirst();
    if (existing) return { id: existing.id, deduplicated: true };
    // The holder was claimed or cancelled between the two statements: the key is free again.
  }
  throw new Error(
    `Could not enqueue on "${options.queue}" with dedupe key "${dedupeKey}": the key changed hands ${DEDUPE_RETRIES} times in a row; try again`,
  );
}

/**
 * Whether a job's progress is news: work a person started (an import, a training, rescoring
 * everything) is watched on a screen; the automatic work that follows every change (rescoring
 * a lead, refreshing insights, analysing a message) tells its results through their own events
 * (lead.scored, insight.*, conversation.analyzed), and its job events would double the stream
 * for every user (measured: 31 % of all events in bench:realtime).
 */
export function announcesJob(job: Pick<Job, 'organization_id' | 'created_by'>): boolean {
  return job.organization_id !== null && job.created_by !== null;
}

/**
 * A job's event (job.progress / job.finished) for its organization: queue, status and
 * counts only (a job's message and payload may carry text). Not addressed to anyone: the
 * whole organization sees its background work move. The actor is whoever started it.
 */
export function jobEvent(
  job: Pick<Job, 'id' | 'queue' | 'organization_id' | 'created_by'>,
  type: 'job.progress' | 'job.finished',
  state: { status: JobStatus; done?: number | undefined; total?: number | undefined },
): [EventContext, OutboxEvent] {
  return [
    { organizationId: job.organization_id!, actor: { id: job.created_by } },
    { type, entityType: 'job', entityId: null, payload: { job_id: job.id, queue: job.queue, status: state.status, done: state.done ?? null, total: state.total ?? null } },
  ];
}

export async function getJob(db: JobsDb, id: number): Promise<Job | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Only a queued job can be cancelled; a running one is its worker's to finish. Its
 * job.finished event is written with the caller's executor: pass a transaction for both to
 * commit together.
 */
export async function cancelJob(db: JobsDb, id: number): Promise<boolean> {
  const job = await db
    .updateTable('jobs')
    .set({ status: 'cancelled', finished_at: NOW })
    .where('id', '=', id)
    .where('status', '=', QUEUED)
    .returning(['id', 'queue', 'organization_id', 'created_by'])
    .executeTakeFirst();
  if (job && announcesJob(job)) await emitEvent(db, ...jobEvent(job, 'job.finished', { status: 'cancelled' }));
  return job !== undefined;
}

export interface ClaimOptions {
  queues: readonly string[];
  workerId: string;
  limit: number;
}

/**
 * Claims up to `limit` due jobs, highest priority first, then oldest. One statement, so a
 * claim is atomic even outside a transaction; SKIP LOCKED lets concurrent claimers pass
 * over each other's rows instead of waiting for (and then double-claiming) them.
 */
export async function claimJobs(db: JobsDb, options: ClaimOptions): Promise<Job[]> {
  if (options.queues.length === 0 || options.limit < 1) return [];
  const jobs = await db
    .updateTable('jobs')
    .set((eb) => ({
      status: 'running',
      locked_by: options.workerId,
      locked_at: NOW,
      attempts: eb('attempts', '+', 1),
      started_at: eb.fn.coalesce('started_at', NOW),
    }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('jobs')
        .select('id')
        .where('status', '=', QUEUED)
        .where('queue', '=', eb.fn.any(eb.val([...options.queues])))
        .where('run_at', '<=', NOW)
        .orderBy('priority', 'desc')
        .orderBy('run_at')
        .orderBy('id')
        .limit(Math.floor(options.limit))
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute();
  // RETURNING has no order of its own.
  return jobs.sort(
    (a, b) => b.priority - a.priority || a.run_at.getTime() - b.run_at.getTime() || a.id - b.id,
  );
}

/**
 * `lockedBy` guards against a worker whose lock expired (and whose job another worker has
 * since claimed) overwriting the newer run's outcome.
 */
export async function completeJob(
  db: JobsDb,
  id: number,
  result?: JsonValue | null,
  lockedBy?: string,
): Promise<boolean> {
  let query = db
    .updateTable('jobs')
    .set({
      status: 'succeeded',
      result: result === undefined || result === null ? null : JSON.stringify(result),
      finished_at: NOW,
    })
    .where('id', '=', id)
    .where('status', '=', RUNNING);
  if (lockedBy !== undefined) query = query.where('locked_by', '=', lockedBy);
  const updated = await query.executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/**
 * Records a failed run. The job goes back to the queue after min(2^attempts s, 1 h) while
 * it has attempts left, else it fails for good. Returns the updated row, or undefined when
 * the job is no longer this run's (finished, or re-claimed after its lock expired).
 */
export async function failJob(
  db: JobsDb,
  job: Pick<Job, 'id' | 'locked_by'>,
  error: unknown,
): Promise<Job | undefined> {
  let query = db
    .updateTable('jobs')
    .set({
      status: sql<JobStatus>`CASE WHEN ${EXHAUSTED} THEN 'failed'::job_status ELSE 'queued'::job_status END`,
      // Exponent capped so power() cannot overflow for large max_attempts.
      run_at: sql<Date>`CASE WHEN ${EXHAUSTED} THEN jobs.run_at
        ELSE now() + least(power(2, least(jobs.attempts, 16)), ${MAX_BACKOFF_SECONDS}) * interval '1 second' END`,
      finished_at: sql<Date | null>`CASE WHEN ${EXHAUSTED} THEN now() END`,
      locked_by: sql<string | null>`CASE WHEN ${EXHAUSTED} THEN jobs.locked_by END`,
      locked_at: null,
      last_error: errorMessage(error),
      dedupe_key: sql<string | null>`CASE WHEN NOT ${EXHAUSTED} AND ${QUEUED_SIBLING_HOLDS_KEY} THEN NULL ELSE jobs.dedupe_key END`,
    })
    .where('id', '=', job.id)
    .where('status', '=', RUNNING);
  query = job.locked_by === null ? query.where('locked_by', 'is', null) : query.where('locked_by', '=', job.locked_by);
  return query.returningAll().executeTakeFirst();
}

/** Also counts as a heartbeat: a job that reports progress is evidently alive. */
export async function reportProgress(
  db: JobsDb,
  id: number,
  progress: JobProgress,
  lockedBy?: string,
): Promise<boolean> {
  const value: JobProgress = {};
  if (progress.done !== undefined) value.done = progress.done;
  if (progress.total !== undefined) value.total = progress.total;
  if (progress.message !== undefined) value.message = progress.message;
  let query = db
    .updateTable('jobs')
    .set({ progress: JSON.stringify(value), locked_at: NOW })
    .where('id', '=', id)
    .where('status', '=', RUNNING);
  if (lockedBy !== undefined) query = query.where('locked_by', '=', lockedBy);
  const updated = await query.executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/**
 * Extends a running job's lock. Returns false when the lock is no longer this worker's, in
 * which case the job has been (or will be) recovered and the worker must drop the result.
 */
export async function heartbeat(db: JobsDb, id: number, workerId: string): Promise<boolean> {
  const updated = await db
    .updateTable('jobs')
    .set({ locked_at: NOW })
    .where('id', '=', id)
    .where('status', '=', RUNNING)
    .where('locked_by', '=', workerId)
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

export interface RecoveredJobs {
  /** Back in the queue, due now. */
  requeued: number[];
  /** Had used their last attempt: failed for good, so a job that kills its worker cannot loop. */
  failed: number[];
}

/**
 * Running jobs whose lock has not been renewed for `olderThanMs` belonged to a worker that
 * died (killed, crashed, lost its connection). They go back to the queue; the lost run
 * already counted as an attempt. `exceptWorker`: the caller's own jobs, which it knows alive.
 */
export async function recoverStaleJobs(db: JobsDb, olderThanMs: number, options: { exceptWorker?: string } = {}): Promise<RecoveredJobs> {
  const cutoff = sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`;
  // Several stale jobs may share a dedupe key (dedupe stops once a job starts). Only the
  // lowest id keeps it; the statement sees the rows as they were before it, so this is
  // decided consistently even while another worker recovers some of the siblings.
  const staleSiblingHoldsKey = sql<boolean>`EXISTS (
    SELECT 1 FROM jobs AS sibling
    WHERE sibling.organization_id IS NOT DISTINCT FROM jobs.organization_id
      AND sibling.queue = jobs.queue AND sibling.dedupe_key = jobs.dedupe_key
      AND sibling.status = 'running' AND sibling.locked_at < ${cutoff}
      AND sibling.attempts < sibling.max_attempts AND sibling.id < jobs.id)`;
  const rows = await db
    .updateTable('jobs')
    .set({
      status: sql<JobStatus>`CASE WHEN ${EXHAUSTED} THEN 'failed'::job_status ELSE 'queued'::job_status END`,
      run_at: sql<Date>`CASE WHEN ${EXHAUSTED} THEN jobs.run_at ELSE now() END`,
      finished_at: sql<Date | null>`CASE WHEN ${EXHAUSTED} THEN now() END`,
      last_error: sql<string>`'Lock expired: worker ' || coalesce(jobs.locked_by, '?') || ' stopped renewing it (killed or disconnected)'`,
      locked_by: sql<string | null>`CASE WHEN ${EXHAUSTED} THEN jobs.locked_by END`,
      locked_at: null,
      dedupe_key: sql<string | null>`CASE
        WHEN NOT ${EXHAUSTED} AND (${QUEUED_SIBLING_HOLDS_KEY} OR ${staleSiblingHoldsKey}) THEN NULL
        ELSE jobs.dedupe_key END`,
    })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('jobs')
        .select('id')
        .where('status', '=', RUNNING)
        .where('locked_at', '<', cutoff)
        // A worker's own jobs are alive however late their heartbeat (an event loop held by a
        // CPU-bound handler delays both): requeueing them would run them twice at once.
        .$if(options.exceptWorker !== undefined, (qb) => qb.where('locked_by', 'is distinct from', options.exceptWorker!))
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'status', 'queue', 'organization_id', 'created_by'])
    .execute();
  const recovered: RecoveredJobs = { requeued: [], failed: [] };
  for (const row of rows.sort((a, b) => a.id - b.id)) {
    (row.status === 'failed' ? recovered.failed : recovered.requeued).push(row.id);
    // Rare (a worker died on its last attempt): one event per job is fine here.
    if (row.status === 'failed' && announcesJob(row)) await emitEvent(db, ...jobEvent(row, 'job.finished', { status: 'failed' }));
  }
  return recovered;
}

export interface WaitOptions {
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * Polls until the job has finished (succeeded, failed or cancelled). Call it with a plain
 * Kysely handle, not inside a transaction: on embedded PGlite an open transaction holds
 * the only connection, so no worker could make progress meanwhile.
 */
export async function waitForJob(db: JobsDb, id: number, options: WaitOptions = {}): Promise<Job> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pollMs = options.pollMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(db, id);
    if (!job) throw new Error(`Job ${id} does not exist (or is not visible to this role)`);
    if (FINISHED_STATUSES.includes(job.status)) return job;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new JobWaitTimeoutError(id, timeoutMs, job.status);
    await sleep(Math.min(pollMs, remaining));
  }
}

const MAX_ERROR_LENGTH = 10_000;

function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}…` : message;
}
