import type { Kysely } from 'kysely';
import type { DB, JsonObject } from '../../db/schema.ts';
import { withTenant, withTenantRead, type Tx } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { decodeTimeCursor, timePage } from '../../shared/cursor.ts';
import { DomainError } from '../../shared/errors.ts';
import type { SecretBox } from '../../shared/secret-box.ts';
import { auditActor, recordAudit } from '../audit/audit.service.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { systemActor } from '../events/events.service.ts';
import { notifyJobOutcome } from '../notifications/notifications.service.ts';
import { EVENT_LABELS, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES } from './webhooks.events.ts';
import * as q from './webhooks.queries.ts';
import { newMessageId, newSecret, signatureHeaders } from './webhooks.signing.ts';
import { postTo, validateTargetUrl, vetTarget, type PostOutcome } from './webhooks.target.ts';

export const FANOUT_QUEUE = 'webhooks.fanout';
export const DELIVER_QUEUE = 'webhooks.deliver';

/** Attempts per delivery: with the backoff below (2 s doubling to 3 h, jitter at its lowest) they span more than 27 hours, so one stuck event is enough to see 24 h of failure. */
export const MAX_ATTEMPTS = 24;
const MAX_DELAY_MS = 3 * 3_600_000;
/** An endpoint that has failed every attempt for this long is disabled and its admins told. */
export const DISABLE_AFTER_MS = 24 * 3_600_000;
/** The delivery log keeps finished deliveries this long; each fan-out pass prunes a batch of older ones. */
export const LOG_KEEP_DAYS = 30;
/** Outbox events read per fan-out batch (one short transaction each). */
const FANOUT_BATCH = 500;

/** The lead as GET /api/v1/leads/:id shows it, for the lead.* events' bodies. */
export interface LeadReader {
  get(ctx: AuthContext, id: string): Promise<Record<string, unknown>>;
}

export interface WebhooksOptions {
  secretBox: SecretBox;
  leads: LeadReader;
  /** First retry after about this long; each later one waits twice as long (capped at 3 h), ±20 % jitter. */
  retryBaseMs?: number;
  onEnqueued?: () => void;
}

type EndpointRow = NonNullable<Awaited<ReturnType<typeof q.getEndpoint>>>;

function view(e: EndpointRow) {
  return { ...e, state: !e.enabled ? 'disabled' as const : e.failing_since ? 'failing' as const : 'enabled' as const };
}

/** Exponential backoff with jitter: retries of many deliveries that failed together spread out instead of arriving at once. */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random): number {
  const raw = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_DELAY_MS);
  return Math.round(raw * (0.8 + 0.4 * random()));
}

/** The context a fan-out reads leads in: the whole organization, as an admin would see it. */
function readerContext(organizationId: string): AuthContext {
  return { organizationId, userId: null, role: 'admin', teamId: null, actor: { type: 'api_key', id: 'webhooks' }, via: 'api_key', sessionId: null, csrfHash: null };
}

export function createWebhooksService(db: Kysely<DB>, options: WebhooksOptions) {
  const { secretBox, leads } = options;
  const retryBaseMs = options.retryBaseMs ?? 2_000;
  const system = (organizationId: string) => ({ organizationId });

  async function enqueueDelivery(tx: Tx, organizationId: string, deliveryId: string, runAt?: Date) {
    // Below the default priority: an attempt may hold a worker slot for up to 10 s waiting on a
    // slow receiver, so imports, rescoring and the rest are claimed first when both are due.
    await enqueue(tx, { organizationId, queue: DELIVER_QUEUE, dedupeKey: deliveryId, payload: { delivery_id: deliveryId }, runAt, maxAttempts: 3, priority: -1 });
  }

  async function found(tx: Tx, id: string) {
    const e = await q.getEndpoint(tx, id);
    if (!e) throw new DomainError('not_found', 'No webhook endpoint with this id exists in your organization.');
    return e;
  }

  async function create(ctx: AuthContext, body: { url: string; description?: string | undefined; event_types: string[] }) {
    authorize(ctx, 'webhooks:manage');
    const url = validateTargetUrl(body.url);
    const secret = newSecret();
    const endpoint = await withTenant(db, ctx, async (tx) => {
      const head = await q.outboxHead(tx, ctx.organizationId);
      await q.ensureSettings(tx, ctx.organizationId, head);
      const row = await q.insertEndpoint(tx, {
        organization_id: ctx.organizationId, url, description: body.description?.trim() ?? '', event_types: body.event_types,
        secret_sealed: secretBox.seal(secret), from_seq: head, created_by: ctx.userId,
      });
      await recordAudit(tx, { ...auditActor(ctx), action: 'webhook.created', entityType: 'webhook', entityId: row.id, details: { host: new URL(url).host, event_types: body.event_types.join(',') } });
      return row;
    });
    return { ...view(endpoint), secret };
  }

  async function update(ctx: AuthContext, id: string, body: { url?: string | undefined; description?: string | undefined; event_types?: string[] | undefined; enabled?: boolean | undefined }) {
    authorize(ctx, 'webhooks:manage');
    const url = body.url === undefined ? undefined : validateTargetUrl(body.url);
    const row = await withTenant(db, ctx, async (tx) => {
      const before = await found(tx, id);
      const set: Parameters<typeof q.updateEndpoint>[2] = {};
      if (url !== undefined) set.url = url;
      if (body.description !== undefined) set.description = body.description.trim();
      if (body.event_types !== undefined) set.event_types = body.event_types;
      if (body.enabled === true && !before.enabled) Object.assign(set, { enabled: true, disabled_reason: null, disabled_at: null, failing_since: null });
      if (body.enabled === false && before.enabled) Object.assign(set, { enabled: false, disabled_reason: 'Paused by an admin.', disabled_at: new Date() });
      const after = Object.keys(set).length === 0 ? before : (await q.updateEndpoint(tx, id, set))!;
      // Deliveries that waited while it was off go out now, oldest first (each checks its lead's order).
      if (body.enabled === true && !before.enabled) for (const d of await q.pendingOfEndpoint(tx, id)) await enqueueDelivery(tx, ctx.organizationId, d.id);
      await recordAudit(tx, { ...auditActor(ctx), action: 'webhook.updated', entityType: 'webhook', entityId: id, details: { fields: Object.keys(set).join(',') } });
      return after;
    });
    if (body.enabled === true) options.onEnqueued?.();
    return view(row);
  }

  async function rotate(ctx: AuthContext, id: string) {
    authorize(ctx, 'webhooks:manage');
    const secret = newSecret();
    await withTenant(db, ctx, async (tx) => {
      await found(tx, id);
      await q.updateEndpoint(tx, id, { secret_sealed: secretBox.seal(secret) });
      await recordAudit(tx, { ...auditActor(ctx), action: 'webhook.secret_rotated', entityType: 'webhook', entityId: id, details: {} });
    });
    return { secret };
  }

  async function remove(ctx: AuthContext, id: string) {
    authorize(ctx, 'webhooks:manage');
    await withTenant(db, ctx, async (tx) => {
      if (!(await q.deleteEndpoint(tx, id))) throw new DomainError('not_found', 'No webhook endpoint with this id exists in your organization.');
      await recordAudit(tx, { ...auditActor(ctx), action: 'webhook.deleted', entityType: 'webhook', entityId: id, details: {} });
    });
  }

  async function deliveries(ctx: AuthContext, id: string, query: { limit: number; cursor?: string | undefined; status?: string | undefined }) {
    authorize(ctx, 'webhooks:manage');
    const after = decodeTimeCursor('webhook_deliveries', query.cursor);
    const rows = await withTenantRead(db, ctx, async (tx) => {
      await found(tx, id);
      return q.listDeliveries(tx, id, query.limit, after, query.status);
    });
    return timePage('webhook_deliveries', rows, query.limit);
  }

  /** A new delivery of the same message (same webhook-id and body: receivers may deduplicate), signed afresh when sent. */
  async function replay(ctx: AuthContext, deliveryId: string) {
    authorize(ctx, 'webhooks:manage');
    const row = await withTenant(db, ctx, async (tx) => {
      const d = await q.getDelivery(tx, deliveryId);
      if (!d) throw new DomainError('not_found', 'No webhook delivery with this id exists in your organization.');
      const copy = await q.insertDelivery(tx, {
        organization_id: ctx.organizationId, endpoint_id: d.endpoint_id, event_seq: d.event_seq, outbox_event_id: d.outbox_event_id, event_type: d.event_type,
        lead_id: d.lead_id, message_id: d.message_id, body: JSON.stringify(d.body), replay_of: d.replay_of ?? d.id, next_attempt_at: new Date(),
      });
      await enqueueDelivery(tx, ctx.organizationId, copy.id);
      await recordAudit(tx, { ...auditActor(ctx), action: 'webhook.replayed', entityType: 'webhook', entityId: d.endpoint_id, details: { delivery_id: d.id, replay_id: copy.id } });
      return copy;
    });
    options.onEnqueued?.();
    return row;
  }

  async function sendTest(ctx: AuthContext, id: string) {
    authorize(ctx, 'webhooks:manage');
    const row = await withTenant(db, ctx, async (tx) => {
      const e = await found(tx, id);
      const body = { type: TEST_EVENT_TYPE, timestamp: new Date().toISOString(), data: { endpoint_id: e.id, message: 'A test event from LeadAI: if you can read this, the endpoint works and the signature can be checked.' } };
      const d = await q.insertDelivery(tx, { organization_id: ctx.organizationId, endpoint_id: id, event_type: TEST_EVENT_TYPE, message_id: newMessageId(), body: JSON.stringify(body), next_attempt_at: new Date() });
      await enqueueDelivery(tx, ctx.organizationId, d.id);
      return d;
    });
    options.onEnqueued?.();
    return row;
  }

  async function getSettings(ctx: AuthContext) {
    authorize(ctx, 'webhooks:manage');
    const s = await withTenantRead(db, ctx, (tx) => q.readSettings(tx, ctx.organizationId));
    return { allow_private_targets: s?.allow_private_targets ?? false, event_types: WEBHOOK_EVENT_TYPES.map((type) => ({ type, label: EVENT_LABELS[type] })) };
  }

  async function putSettings(ctx: AuthContext, body: { allow_private_targets: boolean }) {
    authorize(ctx, 'webhooks:manage');
    await withTenant(db, ctx, async (tx) => {
      await q.ensureSettings(tx, ctx.organizationId, await q.outboxHead(tx, ctx.organizationId));
      await q.setAllowPrivate(tx, ctx.organizationId, body.allow_private_targets);
      await recordAudit(tx, { ...auditActor(ctx), action: 'webhook.settings', entityType: 'organization', entityId: ctx.organizationId, details: { allow_private_targets: body.allow_private_targets } });
    });
    return getSettings(ctx);
  }

  /**
   * Turns the organization's new outbox events (after the cursor, in seq order) into
   * deliveries for the enabled endpoints that subscribe to them. Reads and lead snapshots
   * happen first (the lead reader opens its own connection: on the embedded database an
   * open transaction would hold the only one); the write takes the cursor row FOR UPDATE
   * and gives up the batch if another pass moved it meanwhile, so each event is fanned out
   * once (the unique key on (endpoint, seq) makes even a repeat harmless).
   */
  async function fanOut(organizationId: string): Promise<{ events: number; deliveries: number; pruned: number }> {
    let events = 0;
    let created = 0;
    for (;;) {
      const read = await withTenantRead(db, system(organizationId), async (tx) => {
        const s = await q.readSettings(tx, organizationId);
        if (!s) return null;
        return { cursor: Number(s.last_seq), events: await q.eventsAfter(tx, organizationId, Number(s.last_seq), FANOUT_BATCH), endpoints: await q.enabledEndpoints(tx) };
      });
      if (!read || read.events.length === 0) break;
      const rows: Parameters<typeof q.insertDeliveries>[1] = [];
      for (const ev of read.events) {
        const seq = Number(ev.seq);
        const targets = read.endpoints.filter((e) => e.event_types.includes(ev.event_type) && seq > Number(e.from_seq));
        if (targets.length === 0) continue;
        const payload = ev.payload as JsonObject;
        let leadId = typeof payload.lead_id === 'string' ? payload.lead_id : null;
        const data: Record<string, unknown> = { ...payload };
        // The outbox carries ids and field names only (it is replayed to browsers); a receiver
        // of a lead event needs the lead itself, and one read here, when the event is fresh,
        // saves every receiver a call back into the API (with a key it may not have). Taken
        // at fan-out, not at each attempt, so retries and replays send the same bytes.
        if (leadId && ev.event_type.startsWith('lead.')) {
          const lead = await leads.get(readerContext(organizationId), leadId).catch((e: unknown) => {
            if (e instanceof DomainError && e.code === 'not_found') return null;
            throw e;
          });
          if (lead) {
            const { permissions: _, ...shown } = lead;
            data.lead = shown;
          } else {
            data.lead = null;
            leadId = null; // gone: nothing to keep in order, nothing to point at
          }
        }
        const body = JSON.stringify({ type: ev.event_type, timestamp: ev.created_at.toISOString(), data });
        for (const t of targets) {
          rows.push({ organization_id: organizationId, endpoint_id: t.id, event_seq: seq, outbox_event_id: Number(ev.id), event_type: ev.event_type, lead_id: leadId, message_id: newMessageId(), body, next_attempt_at: new Date() });
        }
      }
      const last = Number(read.events[read.events.length - 1]!.seq);
      const moved = await withTenant(db, system(organizationId), async (tx) => {
        if ((await q.lockCursor(tx, organizationId)) !== read.cursor) return false;
        const inserted = await q.insertDeliveries(tx, rows);
        for (const d of inserted) await enqueueDelivery(tx, organizationId, d.id);
        await q.setCursor(tx, organizationId, last);
        created += inserted.length;
        return true;
      });
      if (!moved) break;
      events += read.events.length;
      if (read.events.length < FANOUT_BATCH) break;
    }
    if (created > 0) options.onEnqueued?.();
    const pruned = await withTenant(db, system(organizationId), (tx) => q.pruneFinished(tx, LOG_KEEP_DAYS, 1_000));
    return { events, deliveries: created, pruned };
  }

  /** After a delivery is done (delivered or given up): the next event about its lead on its endpoint may go. */
  async function releaseNext(tx: Tx, organizationId: string, d: { endpoint_id: string; lead_id: string | null; replay_of: string | null; event_seq: number | null }) {
    if (!d.lead_id || d.replay_of || d.event_seq === null) return;
    const next = await q.nextPending(tx, d.endpoint_id, d.lead_id);
    if (next) await enqueueDelivery(tx, organizationId, next.id);
  }

  /** One attempt of one delivery (a job). Its outcome is the delivery's; the job itself succeeds. */
  async function deliver(organizationId: string, deliveryId: string): Promise<JsonObject> {
    const plan = await withTenant(db, system(organizationId), async (tx) => {
      const d = await q.lockDelivery(tx, deliveryId);
      if (!d || (d.status !== 'queued' && d.status !== 'failed')) return { skip: 'not pending' as const };
      const e = await q.getEndpointForSigning(tx, d.endpoint_id);
      if (!e || !e.enabled) return { skip: 'endpoint disabled' as const };
      // In order per (endpoint, lead): an earlier event still pending goes first; its completion releases this one.
      if (d.lead_id && d.event_seq !== null && !d.replay_of) {
        const before = await q.pendingPredecessor(tx, { id: d.id, endpoint_id: d.endpoint_id, lead_id: d.lead_id, event_seq: Number(d.event_seq) });
        if (before) return { skip: 'waiting for an earlier event about the same lead' as const };
      }
      const s = await q.readSettings(tx, organizationId);
      return { d, e, allowPrivate: s?.allow_private_targets ?? false };
    });
    if ('skip' in plan) return { skipped: plan.skip ?? null };
    const { d, e, allowPrivate } = plan;
    const body = JSON.stringify(d.body);
    let outcome: PostOutcome;
    try {
      const target = await vetTarget(e.url, allowPrivate);
      const headers = signatureHeaders(secretBox.open(e.secret_sealed), d.message_id, new Date(), body);
      outcome = await postTo(target, headers, body);
    } catch (error) {
      // Refused by the guard, or a secret that no longer opens: the attempt failed, in words.
      outcome = { statusCode: null, latencyMs: 0, error: (error as Error).message };
    }
    const ok = outcome.error === null;
    const attempts = d.attempts + 1;
    const finished = await withTenant(db, system(organizationId), async (tx) => {
      const now = new Date();
      if (ok) {
        const row = await q.updateDelivery(tx, d.id, { status: 'succeeded', attempts, last_attempt_at: now, delivered_at: now, next_attempt_at: null, last_status_code: outcome.statusCode, latency_ms: outcome.latencyMs, error: null });
        await q.updateEndpoint(tx, e.id, { failing_since: null });
        await releaseNext(tx, organizationId, d);
        return row;
      }
      const gaveUp = attempts >= MAX_ATTEMPTS;
      const next = gaveUp ? null : new Date(now.getTime() + retryDelayMs(attempts, retryBaseMs));
      const row = await q.updateDelivery(tx, d.id, { status: gaveUp ? 'gave_up' : 'failed', attempts, last_attempt_at: now, next_attempt_at: next, last_status_code: outcome.statusCode, latency_ms: outcome.statusCode === null ? null : outcome.latencyMs, error: outcome.error!.slice(0, 1000) });
      if (next) await enqueueDelivery(tx, organizationId, d.id, next);
      else await releaseNext(tx, organizationId, d);
      const failing = await q.markFailing(tx, e.id, DISABLE_AFTER_MS);
      if (failing?.overdue) await disable(tx, organizationId, e, failing.failing_since!, outcome.error!);
      return row;
    });
    return { status: finished?.status ?? 'unknown', attempts, status_code: outcome.statusCode, latency_ms: outcome.latencyMs };
  }

  /** Failing for a day: off, with the reason in words, and every active admin told (once per outage). */
  async function disable(tx: Tx, organizationId: string, e: EndpointRow, since: Date, lastError: string) {
    const reason = `Disabled automatically: every delivery failed for 24 hours (since ${since.toISOString()}). Last error: ${lastError}`.slice(0, 500);
    await q.updateEndpoint(tx, e.id, { enabled: false, disabled_reason: reason, disabled_at: new Date() });
    for (const admin of await q.activeAdmins(tx)) {
      await notifyJobOutcome(tx, systemActor(organizationId), {
        userId: admin.id, outcome: 'failed', cause: `webhook:${e.id}:${since.toISOString()}`, link: '/settings/webhooks',
        title: 'A webhook endpoint was disabled',
        body: `${e.url} failed every delivery for 24 hours, so it was switched off. Last error: ${lastError.slice(0, 200)} Fix the receiver, then enable it again in Settings › Webhooks: waiting deliveries go out then.`,
      });
    }
  }

  /** For the listener: a fan-out job when the organization has somewhere to send (one queued at a time). */
  async function requestFanOut(organizationId: string) {
    if (!(await q.hasEnabledEndpoint(db, organizationId))) return false;
    await enqueue(db, { organizationId, queue: FANOUT_QUEUE, dedupeKey: 'fanout', priority: 1 });
    options.onEnqueued?.();
    return true;
  }

  /** Every organization whose fan-out is behind (after a lost notification, a restart). */
  async function sweep() {
    const behind = await q.organizationsBehind(db);
    for (const org of behind) await enqueue(db, { organizationId: org, queue: FANOUT_QUEUE, dedupeKey: 'fanout', priority: 1 });
    if (behind.length > 0) options.onEnqueued?.();
    return behind.length;
  }

  return {
    list: async (ctx: AuthContext) => {
      authorize(ctx, 'webhooks:manage');
      return { data: (await withTenantRead(db, ctx, (tx) => q.listEndpoints(tx))).map(view) };
    },
    get: async (ctx: AuthContext, id: string) => {
      authorize(ctx, 'webhooks:manage');
      return view(await withTenantRead(db, ctx, (tx) => found(tx, id)));
    },
    create, update, rotate, remove, deliveries, replay, sendTest, getSettings, putSettings,
    fanOut, deliver, requestFanOut, sweep,
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
