import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { normalizeIp } from '../../shared/ip.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenant, withTenantRead } from '../../db/tenant.ts';
import { decodeTimeCursor, timePage } from '../../shared/cursor.ts';
import { DomainError } from '../../shared/errors.ts';
import { auditActor, recordAudit } from '../audit/audit.service.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { newSecret } from '../auth/tokens.ts';
import { findOrCreateLeadByEmail, type LeadsService } from '../leads/leads.service.ts';
import { isTombstoned } from '../privacy/privacy.tombstones.ts';
import { emitEvents, type EventContext, type OutboxEvent } from '../events/events.service.ts';
import * as q from './tracking.queries.ts';
import type { JourneyQuery, JourneyWriteEvent, RecentEventsQuery, TrackBatch, TrackEvent, TrackEventType } from './tracking.schemas.ts';

const WRITE_KEY_PREFIX = 'lwk_';
/** How long a resolved write key is trusted without asking the database again. A key
 *  revoked through this process stops at once; through another process, within this. */
const KEY_CACHE_MS = 5_000;
const KEY_CACHE_MAX = 10_000;
const TOUCH_EVERY_MS = 60_000;
/** Accepted event times, after correcting the client's clock with sent_at. */
const MAX_AGE_MS = 30 * 24 * 3600_000;
const MAX_FUTURE_MS = 10 * 60_000;
/** Anonymous ids hash into this many lock buckets per organization (see ingest). */
const LOCK_BUCKETS = 64;

export { normalizeIp };

const DEFAULT_NAMES: Record<TrackEventType, string> = {
  page_view: 'Page view',
  form_submit: 'Form submitted',
  email_open: 'Email opened',
  email_click: 'Email link clicked',
  identify: 'Identified',
  custom: 'Custom event',
};

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  /** The browser sent `DNT: 1`. */
  dnt?: boolean;
  /** The browser sent `Sec-GPC: 1`. */
  gpc?: boolean;
}

/** IPv4 → /24, IPv6 → /48, as the organization's `tracking.truncate_ip` setting asks. */
export function truncateIp(ip: string | null): string | null {
  if (!ip) return null;
  const kind = isIP(ip);
  if (kind === 4) return ip.split('.').slice(0, 3).concat('0').join('.');
  if (kind === 6) {
    const [head = '', tail = ''] = ip.split('::');
    const left = head ? head.split(':') : [];
    const right = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
    return `${groups.slice(0, 3).map((g) => g || '0').join(':')}::`;
  }
  return null;
}

function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

function leadNames(email: string, traits: Record<string, unknown>): { firstName: string; lastName: string } {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 255) : undefined);
  const [first, ...rest] = (text(traits.name) ?? '').split(/\s+/).filter(Boolean);
  return {
    firstName: text(traits.first_name) ?? first ?? email.split('@')[0]!.slice(0, 255),
    lastName: text(traits.last_name) ?? (rest.length > 0 ? rest.join(' ').slice(0, 255) : ''),
  };
}

/**
 * Time-ordered ids (the UUIDv7 layout: milliseconds first, then random bits), so that
 * inserting events appends to the primary-key index instead of touching random pages of
 * an index that outgrows memory.
 */
export function timeOrderedId(ms: number): string {
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A stable 32-bit key for an organization's advisory locks, and a bucket per visitor. */
const orgLockKey = (organizationId: string) => Number.parseInt(organizationId.slice(0, 8), 16) | 0;
function bucketOf(anonymousId: string): number {
  let h = 2166136261;
  for (let i = 0; i < anonymousId.length; i++) h = Math.imul(h ^ anonymousId.charCodeAt(i), 16777619);
  return (h >>> 0) % LOCK_BUCKETS;
}

/**
 * One journey.recorded per lead per ingested batch, with how many of its events were
 * stored (stitched earlier events included), all in one INSERT; anonymous events are no
 * one's to see live, so a batch without a known lead writes no event at all.
 */
async function emitJourney(tx: Parameters<typeof emitEvents>[0], ctx: EventContext, counts: Map<string, number>) {
  const events: OutboxEvent[] = [...counts].filter(([, n]) => n > 0).map(([leadId, n]) => ({ type: 'journey.recorded', entityType: 'lead', entityId: leadId, payload: { lead_id: leadId, count: n } }));
  await emitEvents(tx, ctx, events);
}

export function createTrackingService(db: Kysely<DB>, leads: LeadsService, options: { now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  const keyCache = new Map<string, { key: { id: string; organizationId: string } | null; until: number; touchedAt: number }>();

  function forgetKey(writeKey: string) {
    keyCache.delete(writeKey);
  }

  async function resolveKey(writeKey: string | undefined) {
    const invalid = () => new DomainError('unauthenticated', 'The write key is missing, unknown or revoked. Send the organization’s write key (Tracking settings) as write_key in the body or as the x-leadai-write-key header.');
    if (!writeKey || !writeKey.startsWith(WRITE_KEY_PREFIX) || writeKey.length > 100) throw invalid();
    const t = now();
    let entry = keyCache.get(writeKey);
    if (!entry || entry.until < t) {
      const row = await q.findActiveKey(db, writeKey);
      if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
      entry = { key: row ? { id: row.id, organizationId: row.organization_id } : null, until: t + KEY_CACHE_MS, touchedAt: row?.last_used_at?.getTime() ?? 0 };
      keyCache.set(writeKey, entry);
    }
    if (!entry.key) throw invalid();
    if (t - entry.touchedAt > TOUCH_EVERY_MS) {
      entry.touchedAt = t;
      await q.touchKey(db, entry.key.id);
    }
    return entry.key;
  }

  function occurredAt(timestamp: string | undefined, skewMs: number, field: string): string {
    const t = now();
    if (timestamp === undefined) return new Date(t).toISOString();
    const at = Date.parse(timestamp) + skewMs;
    if (!Number.isFinite(at) || at < t - MAX_AGE_MS || at > t + MAX_FUTURE_MS) {
      throw new DomainError('validation', `${field} is out of range: events may be at most 30 days old and not in the future (after correcting the client clock with sent_at). Nothing in this batch was stored.`, { field });
    }
    return new Date(at).toISOString();
  }

  function baseProperties(e: { url?: string | undefined; title?: string | undefined; referrer?: string | undefined; properties?: Record<string, unknown> | undefined }) {
    const props: Record<string, unknown> = { ...e.properties };
    if (e.url !== undefined) props.url = e.url;
    if (e.title !== undefined) props.title = e.title;
    if (e.referrer !== undefined) props.referrer = e.referrer;
    return props;
  }

  function eventName(e: { type: TrackEventType; name?: string | undefined; title?: string | undefined; url?: string | undefined }) {
    const name = e.name ?? (e.type === 'page_view' ? (e.title?.trim() || pathOf(e.url)) : undefined) ?? DEFAULT_NAMES[e.type];
    return name.slice(0, 255);
  }

  function toRow(e: TrackEvent, skewMs: number, index: number): q.EventRow {
    const properties = baseProperties(e);
    // The email is the lead's; the identify event keeps only the traits.
    if (e.type === 'identify' && e.traits) properties.traits = e.traits;
    return {
      id: timeOrderedId(now()),
      client_event_id: e.id,
      anonymous_id: e.anonymous_id,
      lead_id: null,
      event_type: e.type,
      event_name: eventName(e),
      properties,
      session_id: e.session_id ?? null,
      occurred_at: occurredAt(e.timestamp, skewMs, `events[${index}].timestamp`),
      user_id: null,
    };
  }

  return {
    async listKeys(ctx: AuthContext) {
      authorize(ctx, 'tracking:read');
      return withTenantRead(db, ctx, (tx) => q.listKeys(tx));
    },

    async createKey(ctx: AuthContext, input: { name: string }) {
      authorize(ctx, 'tracking:manage');
      return withTenant(db, ctx, async (tx) => {
        const key = await q.insertKey(tx, { organizationId: ctx.organizationId, name: input.name, writeKey: newSecret(WRITE_KEY_PREFIX).slice(0, 40), createdBy: ctx.userId, replacesId: null });
        await recordAudit(tx, { ...auditActor(ctx), action: 'tracking_key.create', entityType: 'tracking_key', entityId: key.id });
        return key;
      });
    },

    /** A new key under the same name; the old one stops at once (pages must switch). */
    async rotateKey(ctx: AuthContext, id: string) {
      authorize(ctx, 'tracking:manage');
      const { key, old } = await withTenant(db, ctx, async (tx) => {
        const old = await q.revokeKey(tx, id);
        if (!old) throw new DomainError('not_found', 'No active tracking key has this id.');
        const key = await q.insertKey(tx, { organizationId: ctx.organizationId, name: old.name, writeKey: newSecret(WRITE_KEY_PREFIX).slice(0, 40), createdBy: ctx.userId, replacesId: old.id });
        await recordAudit(tx, { ...auditActor(ctx), action: 'tracking_key.rotate', entityType: 'tracking_key', entityId: key.id, details: { replaces_id: old.id } });
        return { key, old };
      });
      forgetKey(old.write_key);
      return key;
    },

    async revokeKey(ctx: AuthContext, id: string) {
      authorize(ctx, 'tracking:manage');
      const old = await withTenant(db, ctx, async (tx) => {
        const revoked = await q.revokeKey(tx, id);
        if (revoked) await recordAudit(tx, { ...auditActor(ctx), action: 'tracking_key.revoke', entityType: 'tracking_key', entityId: id });
        return revoked;
      });
      if (!old) throw new DomainError('not_found', 'No active tracking key has this id.');
      forgetKey(old.write_key);
    },

    /**
     * A batch from a web page, authenticated by the organization's write key only. All or
     * nothing: a batch with one bad event stores nothing. Events whose client id was
     * stored before are skipped (a retry).
     *
     * Identification and stitching: an identify event finds or creates the lead by email,
     * maps the anonymous id to it, and attaches that visitor's earlier anonymous events;
     * events of a mapped anonymous id get the lead as they are inserted. So that a batch
     * being ingested and an identification of the same visitor cannot miss each other
     * (each not seeing the other's uncommitted rows), ingest holds a shared advisory lock
     * on the visitor's bucket and identification an exclusive one.
     */
    async ingest(input: { writeKey: string | undefined; batch: TrackBatch; client: ClientInfo }) {
      const key = await resolveKey(input.writeKey);
      const { batch } = input;
      const skewMs = batch.sent_at ? now() - Date.parse(batch.sent_at) : 0;
      const rows = batch.events.map((e, i) => toRow(e, skewMs, i));
      // The last identify of each visitor in the batch wins; emails in a stable order.
      const identifies = new Map<string, TrackEvent>();
      for (const e of batch.events) if (e.type === 'identify') identifies.set(e.anonymous_id, e);
      const buckets = new Map<number, boolean>();
      for (const e of batch.events) {
        const b = bucketOf(e.anonymous_id);
        buckets.set(b, (buckets.get(b) ?? false) || identifies.has(e.anonymous_id));
      }
      const ip = normalizeIp(input.client.ip);
      const client = { ip, truncatedIp: truncateIp(ip), userAgent: input.client.userAgent?.slice(0, 500) ?? null };
      const ctx = { organizationId: key.organizationId, actor: { type: 'api_key' as const, id: key.id } };
      return withTenant(db, { organizationId: key.organizationId }, async (tx) => {
        // The browser asked not to be tracked and the organization honours it: nothing is
        // stored, not even an identification (which would create or find a lead).
        if (input.client.dnt || input.client.gpc) {
          const honour = await q.privacySettings(tx, key.organizationId);
          if ((input.client.dnt && honour.honorDnt) || (input.client.gpc && honour.honorGpc)) return { received: rows.length, inserted: 0, identified: [] };
        }
        await q.lockVisitorBuckets(tx, orgLockKey(key.organizationId), [...buckets].sort((a, b) => a[0] - b[0]).map(([bucket, exclusive]) => ({ bucket, exclusive })));
        const identified: { anonymous_id: string; lead_id: string; created: boolean }[] = [];
        const perLead = new Map<string, number>();
        const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 255) : null);
        // An erased person identifying again: the visitor's events in this batch are dropped,
        // no lead or identity is made (privacy tombstones).
        const erasedVisitors = new Set<string>();
        for (const e of identifies.values()) {
          if (await isTombstoned(tx, key.organizationId, { email: e.email, phone: text(e.traits?.phone) })) erasedVisitors.add(e.anonymous_id);
        }
        for (const id of erasedVisitors) identifies.delete(id);
        const kept = erasedVisitors.size > 0 ? rows.filter((r) => !erasedVisitors.has(r.anonymous_id ?? '')) : rows;
        for (const e of [...identifies.values()].sort((a, b) => (a.email! < b.email! ? -1 : a.email! > b.email! ? 1 : 0))) {
          const traits = e.traits ?? {};
          const lead = await findOrCreateLeadByEmail(tx, ctx, { email: e.email!, ...leadNames(e.email!, traits), company: text(traits.company), phone: text(traits.phone)?.slice(0, 50) ?? null, source: 'website' });
          await q.upsertIdentity(tx, key.organizationId, e.anonymous_id, lead.id);
          if (!lead.trackable) {
            // The visitor is a person who may not be tracked: the identity stays (so their
            // later events are known and dropped); what they did anonymously goes.
            await q.deleteAnonymousEvents(tx, key.organizationId, e.anonymous_id);
            identified.push({ anonymous_id: e.anonymous_id, lead_id: lead.id, created: lead.created });
            continue;
          }
          const stitched = await q.stitchAnonymousEvents(tx, key.organizationId, e.anonymous_id, lead.id);
          perLead.set(lead.id, (perLead.get(lead.id) ?? 0) + stitched);
          identified.push({ anonymous_id: e.anonymous_id, lead_id: lead.id, created: lead.created });
        }
        const { inserted, perLead: stored } = await q.insertEvents(tx, key.organizationId, client, kept);
        for (const { lead_id, n } of stored) perLead.set(lead_id, (perLead.get(lead_id) ?? 0) + n);
        await emitJourney(tx, ctx, perLead);
        return { received: rows.length, inserted, identified };
      });
    },

    /** Events recorded against a known lead (integrations, marketing tools). */
    async recordForLead(ctx: AuthContext, leadId: string, events: JourneyWriteEvent[]) {
      authorize(ctx, 'journey:write');
      await leads.get(ctx, leadId);
      const rows: q.EventRow[] = events.map((e, i) => ({
        id: timeOrderedId(now()),
        client_event_id: e.id ?? null,
        anonymous_id: null,
        lead_id: leadId,
        event_type: e.type,
        event_name: eventName(e),
        properties: baseProperties(e),
        session_id: e.session_id ?? null,
        occurred_at: occurredAt(e.timestamp, 0, `events[${i}].timestamp`),
        user_id: ctx.userId,
      }));
      const inserted = await withTenant(db, ctx, async (tx) => {
        const stored = await q.insertEvents(tx, ctx.organizationId, { ip: null, truncatedIp: null, userAgent: null }, rows);
        await emitJourney(tx, ctx, new Map([[leadId, stored.inserted]]));
        return stored.inserted;
      });
      return { received: rows.length, inserted };
    },

    /** The install check: the latest website events and how many came in the last day. */
    async recentEvents(ctx: AuthContext, query: RecentEventsQuery) {
      authorize(ctx, 'tracking:read');
      const { rows, last24h, last30d } = await withTenantRead(db, ctx, (tx) => q.recentWebsiteEvents(tx, ctx.organizationId, query.limit));
      return { data: rows, last_24h: last24h, last_30d: last30d, last_received_at: rows[0]?.occurred_at ?? null };
    },

    /** A lead's journey, newest first, within the caller's lead scope (404 outside it). */
    async journey(ctx: AuthContext, leadId: string, query: JourneyQuery) {
      await leads.get(ctx, leadId);
      if (query.from && query.to && query.from >= query.to) throw new DomainError('validation', '`from` must be before `to`.', { field: 'from' });
      const after = decodeTimeCursor('journey', query.cursor);
      const rows = await withTenantRead(db, ctx, (tx) => q.listJourney(tx, ctx.organizationId, leadId, { types: query.type, from: query.from, to: query.to }, query.limit, after));
      return timePage('journey', rows, query.limit);
    },
  };
}

export type TrackingService = ReturnType<typeof createTrackingService>;
