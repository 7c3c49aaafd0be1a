import type { Kysely } from 'kysely';
import type { DB, Job, JsonObject } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { DomainError } from '../../shared/errors.ts';
import { canonicalTimeZone } from '../../shared/time-zone.ts';
import { auditActor, recordAudit } from '../audit/audit.service.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { localDay, startOfLocalDay } from '../forecasts/forecasts.calendar.ts';
import { CATEGORIES, DEFAULT_POLICIES, LABELS, LIMITS, POLICY_FIELDS, POLICY_OF, policyProblems, unitOf, type Category, type Policies, type PolicyField } from './retention.policies.ts';
import * as q from './retention.queries.ts';

export const RETENTION_QUEUE = 'retention.run';
/** Rows per batch transaction: short enough that no writer waits long behind one. */
export const DEFAULT_BATCH_SIZE = 1_000;
const SAMPLE_SIZE = 5;
/** The nightly run starts at this local hour, when the organization is least likely at work. */
const LOCAL_HOUR = 3;

/**
 * Leads first: they take their own conversations and visits with them, so those are not
 * deleted twice, and every later category sees what is left. Audit last: its entry for
 * this run is written after it, never pruned by it.
 */
const RUN_ORDER: readonly Category[] = ['inactive_leads', 'conversations', 'journey_events', 'import_files', 'import_errors', 'notifications', 'outbox_events', 'audit_log'];
/** The application role may not delete these: the owner connection does (see 0036). */
const PRIVILEGED: ReadonlySet<Category> = new Set(['outbox_events', 'audit_log']);

export interface CategoryReport {
  category: Category;
  label: string;
  policy_field: PolicyField;
  window: number | null;
  unit: 'months' | 'days';
  cutoff: string | null;
  due: number;
  oldest: string | null;
  newest: string | null;
  sample_ids: string[];
  deleted: number;
}

export interface RetentionReport {
  organization_id: string;
  dry_run: boolean;
  configured: boolean;
  as_of: string;
  batch_size: number;
  batches: number;
  categories: CategoryReport[];
  total_due: number;
  total_deleted: number;
}

export interface RunOptions {
  dryRun: boolean;
  batchSize?: number;
  progress?: (done: number, total: number, message: string) => Promise<void> | void;
  /** Who asked (null: the nightly schedule), for the audit entry. */
  actor?: { type: 'user' | 'api_key'; id: string } | null;
  /** A run needs saved policies; a preview may show the proposed defaults. */
  allowDefaults?: boolean;
}

const system = (organizationId: string) => ({ organizationId });

function policiesOf(row: Awaited<ReturnType<typeof q.readPolicies>>): Policies {
  const p = {} as Policies;
  for (const f of POLICY_FIELDS) p[f] = row ? row[f] : DEFAULT_POLICIES[f];
  return p;
}

export function createRetentionService(db: Kysely<DB>, opts: { now?: () => Date; onEnqueued?: () => void } = {}) {
  const now = opts.now ?? (() => new Date());

  async function policiesView(organizationId: string) {
    const row = await withTenant(db, system(organizationId), (tx) => q.readPolicies(tx, organizationId));
    return {
      configured: row !== undefined,
      policies: policiesOf(row),
      defaults: { ...DEFAULT_POLICIES },
      limits: { ...LIMITS },
      updated_at: row ? row.updated_at.toISOString() : null,
      updated_by: row?.updated_by ?? null,
    };
  }

  /** The next LOCAL_HOUR in the organization's time zone (settings.timezone, else UTC). */
  async function nextNightly(tx: Kysely<DB>, organizationId: string): Promise<Date> {
    const settings = await q.organizationSettings(tx, organizationId);
    const zone = canonicalTimeZone(typeof settings.timezone === 'string' ? settings.timezone : null) ?? 'UTC';
    const at = now();
    const today = localDay(at, zone).day;
    const runAt = (day: number) => new Date(startOfLocalDay(day, zone).getTime() + LOCAL_HOUR * 3_600_000);
    return runAt(today).getTime() > at.getTime() ? runAt(today) : runAt(today + 1);
  }

  /** One queued nightly run per configured organization (a no-op while one is queued). */
  async function ensureDaily(organizationId: string, tx?: Kysely<DB>) {
    const go = async (t: Kysely<DB>) => enqueue(t, { organizationId, queue: RETENTION_QUEUE, dedupeKey: 'daily', runAt: await nextNightly(t, organizationId), priority: -2, payload: { trigger: 'schedule' } });
    return tx ? go(tx) : withTenant(db, system(organizationId), go);
  }

  /**
   * Dry run and real run: one path. The same due rows are counted for the report and then,
   * unless dry, deleted oldest first in batches of `batchSize`, each its own short
   * transaction. Stopping anywhere loses nothing: the next run finds what is still due.
   */
  async function run(organizationId: string, options: RunOptions): Promise<RetentionReport> {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new DomainError('validation', `The batch size must be a whole number from 1 to 10000 (got ${batchSize}).`, { field: 'batch_size' });
    }
    const row = await withTenant(db, system(organizationId), (tx) => q.readPolicies(tx, organizationId));
    if (!row && !(options.dryRun && options.allowDefaults)) {
      throw new DomainError('conflict', 'This organization has no retention policies yet: save them first (Settings → Retention, or PUT /api/v1/privacy/retention). Nothing is deleted until they are saved.', { field: 'policies' });
    }
    const policies = policiesOf(row);
    const asOf = now();
    const fields = RUN_ORDER.map((c) => POLICY_OF[c]);
    const cuts = await q.cutoffs(db, asOf, fields.map((f) => ({ months: unitOf(f) === 'months' ? policies[f] : null, days: unitOf(f) === 'days' ? policies[f] : null })));

    const reports: CategoryReport[] = [];
    await withTenant(db, system(organizationId), async (tx) => {
      for (const [i, category] of RUN_ORDER.entries()) {
        const field = POLICY_OF[category];
        const cutoff = cuts[i]!;
        const p = cutoff ? await q.preview(tx, category, organizationId, cutoff, SAMPLE_SIZE) : { count: 0, oldest: null, newest: null, sample: [] };
        reports.push({
          category, label: LABELS[category], policy_field: field, window: policies[field], unit: unitOf(field),
          cutoff: cutoff?.toISOString() ?? null, due: p.count, oldest: p.oldest?.toISOString() ?? null, newest: p.newest?.toISOString() ?? null,
          sample_ids: p.sample, deleted: 0,
        });
      }
    });
    const totalDue = reports.reduce((s, r) => s + r.due, 0);
    let batches = 0;
    const report = (): RetentionReport => ({
      organization_id: organizationId, dry_run: options.dryRun, configured: row !== undefined, as_of: asOf.toISOString(), batch_size: batchSize, batches,
      categories: [...reports].sort((a, b) => CATEGORIES.indexOf(a.category) - CATEGORIES.indexOf(b.category)),
      total_due: totalDue, total_deleted: reports.reduce((s, r) => s + r.deleted, 0),
    });
    if (options.dryRun) return report();

    let done = 0;
    await options.progress?.(0, totalDue, 'starting');
    try {
      for (const [i, category] of RUN_ORDER.entries()) {
        const cutoff = cuts[i];
        const entry = reports[i]!;
        if (!cutoff || entry.due === 0) continue;
        for (;;) {
          const n = PRIVILEGED.has(category)
            ? await db.transaction().execute(async (trx) => {
              await q.shortLockWait(trx);
              return q.deleteBatch(trx, category, organizationId, cutoff, batchSize);
            })
            : await withTenant(db, system(organizationId), async (tx) => {
              await q.shortLockWait(tx);
              return q.deleteBatch(tx, category, organizationId, cutoff, batchSize);
            });
          batches++;
          entry.deleted += n;
          // A lead's cascade may take rows counted under another category: progress never passes the total.
          done = Math.min(totalDue, done + n);
          await options.progress?.(done, totalDue, `${entry.label}: ${entry.deleted} deleted`);
          if (n < batchSize) break;
        }
      }
    } catch (error) {
      await audit(organizationId, report(), options.actor ?? null, false).catch(() => {});
      throw error;
    }
    const result = report();
    await audit(organizationId, result, options.actor ?? null, true);
    return result;
  }

  /** `retention.run`: counts per category, never what the rows held. */
  async function audit(organizationId: string, r: RetentionReport, actor: RunOptions['actor'] | null, completed: boolean) {
    const details: Record<string, number | boolean> = { completed, batches: r.batches, total_deleted: r.total_deleted };
    for (const c of r.categories) details[c.category] = c.deleted;
    await withTenant(db, system(organizationId), (tx) => recordAudit(tx, {
      organizationId, actorType: actor ? actor.type : 'system', actorId: actor?.id ?? null, action: 'retention.run', details,
    }));
  }

  return {
    run,
    ensureDaily,

    /** At start-up: every configured organization has its nightly run queued (the chain may have broken). */
    async ensureAllDaily() {
      for (const organizationId of await q.configuredOrganizations(db)) await ensureDaily(organizationId);
    },

    async getPolicies(ctx: AuthContext) {
      authorize(ctx, 'privacy:manage');
      return policiesView(ctx.organizationId);
    },

    /** Every field is given (null keeps forever), so what is saved is what the admin saw. */
    async putPolicies(ctx: AuthContext, body: Policies) {
      authorize(ctx, 'privacy:manage');
      const problems = policyProblems(body);
      if (problems.length > 0) {
        throw new DomainError('validation', problems.map((p) => p.message).join(' '), { field: problems[0]!.field, errors: problems });
      }
      await withTenant(db, ctx, async (tx) => {
        const before = await q.readPolicies(tx, ctx.organizationId);
        await q.writePolicies(tx, ctx.organizationId, body, ctx.userId);
        const changed = POLICY_FIELDS.filter((f) => !before || before[f] !== body[f]);
        const details: Record<string, string | number | null> = { changed: changed.join(',') };
        for (const f of changed) details[f] = body[f];
        await recordAudit(tx, { ...auditActor(ctx), action: 'retention.policy.update', entityType: 'organization', entityId: ctx.organizationId, details });
        await ensureDaily(ctx.organizationId, tx);
      });
      opts.onEnqueued?.();
      return policiesView(ctx.organizationId);
    },

    /** POST /run {dry_run: true}: the report at once (counting is quick); nothing changes. */
    async preview(ctx: AuthContext) {
      authorize(ctx, 'privacy:manage');
      return run(ctx.organizationId, { dryRun: true, allowDefaults: true });
    },

    /** POST /run {dry_run: false}: the deleting run goes to the job queue, followed at GET /jobs/{id}. */
    async requestRun(ctx: AuthContext) {
      authorize(ctx, 'privacy:manage');
      const job = await withTenant(db, ctx, async (tx) => {
        if (!(await q.readPolicies(tx, ctx.organizationId))) {
          throw new DomainError('conflict', 'This organization has no retention policies yet: save them first (PUT /api/v1/privacy/retention). Nothing is deleted until they are saved.', { field: 'policies' });
        }
        return enqueue(tx, { organizationId: ctx.organizationId, queue: RETENTION_QUEUE, dedupeKey: 'requested', createdBy: ctx.userId ?? undefined, payload: { trigger: 'manual', actor_type: ctx.actor.type, actor_id: ctx.actor.id } });
      });
      opts.onEnqueued?.();
      return { job_id: job.id, deduplicated: job.deduplicated };
    },

    /** The queue's handler: a nightly run reschedules the next one, whatever the outcome. */
    async handleJob(job: Job, progress: RunOptions['progress']): Promise<JsonObject> {
      const organizationId = job.organization_id!;
      const payload = job.payload as JsonObject;
      const type = payload.actor_type;
      const actor = (type === 'user' || type === 'api_key') && typeof payload.actor_id === 'string' ? { type: type as 'user' | 'api_key', id: payload.actor_id } : null;
      try {
        const r = await run(organizationId, { dryRun: false, progress, actor });
        return { total_deleted: r.total_deleted, batches: r.batches, ...Object.fromEntries(r.categories.map((c) => [c.category, c.deleted])) };
      } catch (error) {
        // Policies removed with their organization? Then there is nothing to schedule either.
        if (error instanceof DomainError && error.code === 'conflict') return { skipped: 'no policies' };
        throw error;
      } finally {
        if (job.dedupe_key === 'daily') await ensureDaily(organizationId).catch(() => {});
      }
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
