import type { Kysely } from 'kysely';
import { NOTIFICATION_KINDS, type DB, type NotificationKind } from '../../db/schema.ts';
import { withTenant, withTenantRead, type Tx } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { emitEvent } from '../events/events.service.ts';
import { canonicalTimeZone } from '../../shared/time-zone.ts';
import { followUpText } from './follow-up-text.ts';
import { mentionedIn } from './mentions.ts';
import * as q from './notifications.queries.ts';
import type { NotificationListQuery } from './notifications.schemas.ts';

/**
 * Notifications: messages addressed to one user. The `notify…` functions below run inside
 * the transaction of their cause (an insight raised, a lead assigned, a note saved, an
 * import finished), so a notification exists exactly when its cause committed; each
 * writes the row (once per cause and recipient, see insertNotifications) and emits
 * `notification.created` to that recipient's stream. The service serves the API and the
 * periodic follow-up sweep.
 */

/** Who acted, as emitEvent takes it (null: the system, e.g. a job). */
export type Actor = Parameters<typeof emitEvent>[1];

export const FOLLOW_UP_QUEUE = 'notifications.follow-ups';
/** The sweep runs this often; a follow-up is announced up to this long before it is due. */
export const FOLLOW_UP_EVERY_MS = 5 * 60_000;
export const FOLLOW_UP_AHEAD_MS = 15 * 60_000;
/** Follow-ups overdue by more than this when first seen (a server that was down for days, a date set in the past) are not announced. */
const FOLLOW_UP_STALE_MS = 24 * 3_600_000;

const LIST = 'notifications';

const who = (name: string, company: string | null) => (company && company !== name ? `${name} (${company})` : name);

async function deliver(tx: Tx, actor: Actor, rows: q.NotificationWrite[], perTransaction = false) {
  const created = await q.insertNotifications(tx, actor.organizationId, rows, perTransaction);
  for (const n of created) {
    await emitEvent(tx, actor, { type: 'notification.created', entityType: 'notification', entityId: n.id, payload: { recipient_id: n.user_id, notification_id: n.id, kind: n.kind } });
  }
  return created.length;
}

/**
 * The owners of leads whose high or urgent insights this transaction raised (new, or
 * changed to that priority): once per insight. `leadIds` null: the whole organization
 * (after a reprioritisation).
 */
export async function notifyInsights(tx: Tx, actor: Actor, leadIds: string[] | null): Promise<number> {
  if (leadIds?.length === 0) return 0;
  const rows = await q.ownedUrgentInsights(tx, leadIds);
  return deliver(tx, actor, rows.map((i) => ({
    user_id: i.assigned_to,
    kind: 'insight',
    title: `${i.priority === 'urgent' ? 'Urgent' : 'High-priority'} insight on ${who(i.lead_name, i.company)}`,
    body: i.title,
    link: `/leads/${i.lead_id}`,
    lead_id: i.lead_id,
    dedupe_key: `insight:${i.id}`,
  })));
}

/**
 * What a workflow's "notify" action sends (issue 24): one notification per recipient about
 * one lead, once per cause (`dedupeKey`, e.g. the workflow run), in the workflow's transaction.
 */
export async function notifyWorkflow(tx: Tx, actor: Actor, input: { userIds: string[]; leadId: string; title: string; body: string | null; dedupeKey: string }): Promise<number> {
  return deliver(tx, actor, input.userIds.map((userId) => ({
    user_id: userId, kind: 'workflow', title: input.title.slice(0, 300), body: input.body, link: `/leads/${input.leadId}`, lead_id: input.leadId, dedupe_key: input.dedupeKey,
  })));
}

/**
 * The new owner of leads just assigned, unless they assigned them to themselves. One lead
 * names it; several (a bulk assignment) make one notification with the count, not one each.
 */
export async function notifyAssigned(tx: Tx, actor: Actor, input: { leadIds: string[]; assignedTo: string | null }): Promise<number> {
  const { leadIds, assignedTo } = input;
  if (!assignedTo || assignedTo === actor.actor.id || leadIds.length === 0) return 0;
  const by = await q.userName(tx, actor.actor.id);
  if (leadIds.length === 1) {
    const lead = await q.leadLabel(tx, leadIds[0]!);
    if (!lead) return 0;
    const name = who(lead.lead_name, lead.company);
    return deliver(tx, actor, [{
      user_id: assignedTo, kind: 'assigned', title: by ? `${by} assigned ${name} to you` : `${name} was assigned to you`,
      body: 'It is now in your leads.', link: `/leads/${leadIds[0]}`, lead_id: leadIds[0]!, dedupe_key: `assigned:${leadIds[0]}`,
    }], true);
  }
  return deliver(tx, actor, [{
    user_id: assignedTo, kind: 'assigned', title: by ? `${by} assigned ${leadIds.length} leads to you` : `${leadIds.length} leads were assigned to you`,
    body: 'They are now in your leads.', link: '/leads?assigned_to=me', lead_id: null, dedupe_key: 'assigned:bulk',
  }], true);
}

/** The person who started an import or a retraining, when it finished or failed for good: once per job and outcome. */
export async function notifyJobOutcome(tx: Tx, actor: Actor, input: { userId: string | null; outcome: 'finished' | 'failed'; cause: string; title: string; body: string | null; link: string }): Promise<number> {
  if (!input.userId) return 0;
  const kind: NotificationKind = input.outcome === 'finished' ? 'job_finished' : 'job_failed';
  return deliver(tx, actor, [{ user_id: input.userId, kind, title: input.title, body: input.body, link: input.link, lead_id: null, dedupe_key: `${input.cause}:${input.outcome}` }]);
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** The person who uploaded an import, when it completed or failed for good. */
export function notifyImportOutcome(tx: Tx, actor: Actor, input: { importId: string; userId: string | null; fileName: string; counts?: { created: number; updated: number; rejected: number }; error?: string }) {
  const c = input.counts;
  return notifyJobOutcome(tx, actor, input.error === undefined
    ? {
      userId: input.userId, outcome: 'finished', cause: `import:${input.importId}`, link: '/leads/import',
      title: `Your import of ${input.fileName} is done`,
      body: c ? `${plural(c.created, 'lead')} created, ${plural(c.updated, 'lead')} updated${c.rejected > 0 ? `, ${plural(c.rejected, 'row')} skipped (see the import's errors)` : ''}.` : null,
    }
    : {
      userId: input.userId, outcome: 'failed', cause: `import:${input.importId}`, link: '/leads/import',
      title: `Your import of ${input.fileName} failed`,
      body: `It stopped with: ${input.error.slice(0, 400)}`,
    });
}

/** The person who asked for a retraining, when its model is stored (or the job failed for good). */
export function notifyTrainingOutcome(tx: Tx, actor: Actor, input: { userId: string | null; cause: string; version?: string; trainingSize?: number; active?: boolean; error?: string }) {
  return notifyJobOutcome(tx, actor, input.error === undefined
    ? {
      userId: input.userId, outcome: 'finished', cause: input.cause, link: '/settings/model',
      title: `The scoring model you asked for is ready (${input.version ?? 'new version'})`,
      body: `Trained on ${plural(input.trainingSize ?? 0, 'lead')}. ${input.active ? 'It is now active; scores are being updated.' : 'It was stored but not activated.'}`,
    }
    : {
      userId: input.userId, outcome: 'failed', cause: input.cause, link: '/settings/model',
      title: 'The retraining you asked for failed',
      body: `It stopped with: ${input.error.slice(0, 400)}. The current model stays in use.`,
    });
}

/**
 * People mentioned (`@name`) in a note on a lead, except its author and anyone who may not
 * read the lead. Once per note and person: an edited note notifies only people newly
 * mentioned in it.
 */
export async function notifyMentions(tx: Tx, actor: Actor, input: { source: string; leadId: string; authorId: string | null; text: string }): Promise<number> {
  if (!input.text.includes('@')) return 0;
  const people = await q.activePeople(tx);
  const mentioned = mentionedIn(input.text, people).filter((id) => id !== input.authorId);
  const readers = await q.readersOfLead(tx, input.leadId, mentioned);
  if (readers.length === 0) return 0;
  const [lead, by] = [await q.leadLabel(tx, input.leadId), await q.userName(tx, input.authorId)];
  if (!lead) return 0;
  const excerpt = input.text.replace(/\s+/g, ' ').trim();
  const name = who(lead.lead_name, lead.company);
  return deliver(tx, actor, readers.map((userId) => ({
    user_id: userId, kind: 'mention', title: by ? `${by} mentioned you on ${name}` : `You were mentioned on ${name}`,
    body: excerpt.length > 280 ? `${excerpt.slice(0, 279)}…` : excerpt, link: `/leads/${input.leadId}`, lead_id: input.leadId, dedupe_key: `mention:${input.source}`,
  })));
}

export function createNotificationsService(db: Kysely<DB>, options: { now?: () => Date; everyMs?: number; aheadMs?: number } = {}) {
  const now = options.now ?? (() => new Date());
  const everyMs = options.everyMs ?? FOLLOW_UP_EVERY_MS;
  const aheadMs = options.aheadMs ?? FOLLOW_UP_AHEAD_MS;

  function userOf(ctx: AuthContext): string {
    if (!ctx.userId) throw new DomainError('forbidden', 'Notifications belong to a person: sign in as a user (an API key has none).');
    return ctx.userId;
  }

  /** The follow-ups of one organization that fell due in (from, to]: each owner told once per lead and due time. */
  async function followUpsOf(organizationId: string, from: Date, to: Date, at: Date): Promise<number> {
    return withTenant(db, { organizationId }, async (tx) => {
      const due = await q.dueFollowUps(tx, from, to);
      return deliver(tx, { organizationId, actor: { id: null } }, due.map((f) => {
        const timeZone = canonicalTimeZone(f.time_zone) ?? canonicalTimeZone(f.org_time_zone) ?? 'UTC';
        const text = followUpText({ leadName: f.lead_name, company: f.company, due: new Date(f.due), now: at, timeZone });
        return { user_id: f.assigned_to, kind: 'follow_up_due' as const, ...text, link: `/leads/${f.lead_id}`, lead_id: f.lead_id, dedupe_key: `follow_up:${f.lead_id}:${f.due_key}` };
      }));
    });
  }

  async function preferences(ctx: AuthContext) {
    const userId = userOf(ctx);
    const stored = await withTenantRead(db, ctx, (tx) => q.preferences(tx, userId));
    return { kinds: Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, stored[k] !== false])) as Record<NotificationKind, boolean> };
  }

  /** Queues the next sweep (one queued at a time: the dedupe key); `since` is where it takes over. */
  async function ensureFollowUpSweep(since: Date | null = null) {
    await enqueue(db, { organizationId: null, queue: FOLLOW_UP_QUEUE, dedupeKey: 'periodic', runAt: new Date(now().getTime() + (since ? everyMs : 0)), priority: -1, payload: since ? { since: since.toISOString() } : {} });
  }

  return {
    /** A retraining job failed for good: its requester hears of it (the worker's own failure record is not a transaction we share). */
    async trainingFailed(organizationId: string, input: { jobId: number; userId: string | null; error: string }) {
      if (!input.userId) return 0;
      return withTenant(db, { organizationId }, (tx) => notifyTrainingOutcome(tx, { organizationId, actor: { id: null } }, { userId: input.userId, cause: `training-job:${input.jobId}`, error: input.error }));
    },

    async list(ctx: AuthContext, query: NotificationListQuery) {
      const userId = userOf(ctx);
      const after = query.cursor ? (decodeCursor(LIST, query.cursor, [['0', '1'], 'timestamp', 'uuid']) as [string, string, string]) : null;
      return withTenant(db, ctx, async (tx) => {
        const rows = await q.listPage(tx, userId, { unreadOnly: query.unread_only, limit: query.limit, after: after ? [Number(after[0]), after[1], after[2]] : null });
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return {
          data: page.map(({ unread: _u, cursor_at: _c, ...n }) => n),
          next_cursor: rows.length > query.limit && last ? encodeCursor(LIST, [String(last.unread), last.cursor_at, last.id]) : null,
          unread_count: await q.unreadCount(tx, userId),
        };
      });
    },

    async markRead(ctx: AuthContext, id: string) {
      const userId = userOf(ctx);
      return withTenant(db, ctx, async (tx) => {
        const row = await q.markRead(tx, userId, id);
        if (!row) throw new DomainError('not_found', 'You have no notification with this id.');
        const { changed, ...notification } = row;
        if (changed) await emitEvent(tx, ctx, { type: 'notification.read', entityType: 'notification', entityId: id, payload: { recipient_id: userId, notification_ids: [id] } });
        return notification;
      });
    },

    async markAllRead(ctx: AuthContext) {
      const userId = userOf(ctx);
      return withTenant(db, ctx, async (tx) => {
        const updated = await q.markAllRead(tx, userId);
        if (updated > 0) await emitEvent(tx, ctx, { type: 'notification.read', entityType: 'notification', entityId: null, payload: { recipient_id: userId, all: true, count: updated } });
        return { updated };
      });
    },

    preferences,

    async setPreferences(ctx: AuthContext, input: { kinds: Partial<Record<NotificationKind, boolean>> }) {
      const userId = userOf(ctx);
      const kinds = Object.fromEntries(Object.entries(input.kinds).filter(([, v]) => typeof v === 'boolean')) as Record<string, boolean>;
      await withTenant(db, ctx, (tx) => q.mergePreferences(tx, userId, kinds));
      return preferences(ctx);
    },

    /**
     * The periodic job: follow-ups that fell due since the last run (or are due within
     * FOLLOW_UP_AHEAD_MS), every organization, then the next run. The window's start is the
     * previous run's end, kept in the job's payload, so no due time falls between two runs;
     * the dedupe key makes an overlap harmless.
     */
    async sweepFollowUps(opts: { since?: Date | null; schedule?: boolean } = {}) {
      const at = now();
      const to = new Date(at.getTime() + aheadMs);
      const stale = new Date(at.getTime() - FOLLOW_UP_STALE_MS);
      const from = opts.since && opts.since > stale ? opts.since : stale;
      let notified = 0;
      const organizations = await q.organizationsWithFollowUps(db, from, to);
      for (const organizationId of organizations) notified += await followUpsOf(organizationId, from, to, at);
      if (opts.schedule ?? true) await ensureFollowUpSweep(to);
      return { organizations: organizations.length, notified, through: to.toISOString() };
    },

    ensureFollowUpSweep,
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
