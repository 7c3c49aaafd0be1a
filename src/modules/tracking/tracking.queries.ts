import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { cursorTime } from '../../db/keyset.ts';
import type { Tx } from '../../db/tenant.ts';

/*
 * Resolving a write key to its organization runs as the owner role: before it succeeds
 * there is no tenant to act for. Everything else runs inside withTenant.
 */

export async function findActiveKey(db: Kysely<DB>, writeKey: string) {
  return db
    .selectFrom('tracking_keys')
    .select(['id', 'organization_id', 'last_used_at'])
    .where('write_key', '=', writeKey)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function touchKey(db: Kysely<DB>, id: string) {
  await db.updateTable('tracking_keys').set({ last_used_at: sql`now()` }).where('id', '=', id).execute();
}

const KEY_COLUMNS = ['id', 'name', 'write_key', 'created_at', 'last_used_at', 'revoked_at', 'replaces_id'] as const;

export async function listKeys(tx: Tx) {
  return tx.selectFrom('tracking_keys').select(KEY_COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

export async function insertKey(tx: Tx, row: { organizationId: string; name: string; writeKey: string; createdBy: string | null; replacesId: string | null }) {
  return tx
    .insertInto('tracking_keys')
    .values({ organization_id: row.organizationId, name: row.name, write_key: row.writeKey, created_by: row.createdBy, replaces_id: row.replacesId })
    .returning(KEY_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** Revokes an active key; returns it (for its name and write key), or undefined. */
export async function revokeKey(tx: Tx, id: string) {
  return tx
    .updateTable('tracking_keys')
    .set({ revoked_at: sql`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name', 'write_key'])
    .executeTakeFirst();
}

/**
 * Orders ingest and identification of the same visitors (see tracking.service.ts):
 * transaction-scoped advisory locks on (organization, bucket of anonymous ids), shared
 * for plain ingest, exclusive for identification, taken in ascending bucket order so two
 * transactions never wait on each other in a cycle. One statement; the target list is
 * evaluated left to right.
 */
export async function lockVisitorBuckets(tx: Tx, orgKey: number, buckets: { bucket: number; exclusive: boolean }[]) {
  if (buckets.length === 0) return;
  const calls = buckets.map((b) => (b.exclusive ? sql`pg_advisory_xact_lock(${orgKey}::int4, ${b.bucket}::int4)` : sql`pg_advisory_xact_lock_shared(${orgKey}::int4, ${b.bucket}::int4)`));
  await sql`SELECT ${sql.join(calls)}`.execute(tx);
}

export async function upsertIdentity(tx: Tx, organizationId: string, anonymousId: string, leadId: string) {
  await tx
    .insertInto('tracking_identities')
    .values({ organization_id: organizationId, anonymous_id: anonymousId, lead_id: leadId })
    .onConflict((oc) => oc.columns(['organization_id', 'anonymous_id']).doUpdateSet({ lead_id: leadId, updated_at: sql`now()` }))
    .execute();
}

/** Attaches a visitor's still-anonymous events (every earlier session) to the lead. */
export async function stitchAnonymousEvents(tx: Tx, organizationId: string, anonymousId: string, leadId: string): Promise<number> {
  const r = await tx
    .updateTable('journey_events')
    .set({ lead_id: leadId })
    .where('organization_id', '=', organizationId)
    .where('anonymous_id', '=', anonymousId)
    .where('lead_id', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Removes a visitor's still-anonymous events: they turned out to be a person who may not be tracked. */
export async function deleteAnonymousEvents(tx: Tx, organizationId: string, anonymousId: string): Promise<number> {
  const r = await tx.deleteFrom('journey_events').where('organization_id', '=', organizationId).where('anonymous_id', '=', anonymousId).where('lead_id', 'is', null).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The organization's tracking privacy settings (only read when a browser sends DNT or GPC). */
export async function privacySettings(tx: Tx, organizationId: string): Promise<{ honorDnt: boolean; honorGpc: boolean }> {
  const { rows } = await sql<{ dnt: string | null; gpc: string | null }>`
    SELECT settings #>> '{tracking,honor_dnt}' AS dnt, settings #>> '{tracking,honor_gpc}' AS gpc FROM organizations WHERE id = ${organizationId}::uuid`.execute(tx);
  // Defaults: GPC honoured (a valid opt-out under the CCPA), DNT not (no legal force).
  return { honorDnt: rows[0]?.dnt === 'true', honorGpc: rows[0]?.gpc !== 'false' };
}

export interface EventRow {
  id: string;
  client_event_id: string | null;
  anonymous_id: string | null;
  /** Set for events recorded against a known lead; otherwise the visitor's identity decides. */
  lead_id: string | null;
  event_type: string;
  event_name: string;
  properties: Record<string, unknown>;
  session_id: string | null;
  occurred_at: string;
  user_id: string | null;
}

/**
 * The hot path: one INSERT for the whole batch. The batch travels as one JSON parameter
 * and is unpacked server-side (jsonb_to_recordset); the lead of each event comes from the
 * visitor's identity in the same statement (a primary-key probe per event, never a scan
 * of the organization's identities); the organization's `tracking.truncate_ip`
 * setting picks the full or the truncated address. Events seen before (same client event
 * id in the organization) are skipped by the unique index. Returns how many were stored,
 * and how many of them per lead (for the batch's journey.recorded events; anonymous ones
 * count only in the total).
 */
export async function insertEvents(tx: Tx, organizationId: string, client: { ip: string | null; truncatedIp: string | null; userAgent: string | null }, rows: EventRow[]): Promise<{ inserted: number; perLead: { lead_id: string; n: number }[] }> {
  const { rows: result } = await sql<{ lead_id: string | null; n: number }>`
    WITH batch AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS e(
        id uuid, client_event_id text, anonymous_id text, lead_id uuid, event_type text, event_name text,
        properties jsonb, session_id text, occurred_at timestamptz, user_id uuid)
    ), resolved AS MATERIALIZED (
      SELECT b.*, coalesce(b.lead_id, (SELECT i.lead_id FROM tracking_identities i WHERE i.organization_id = ${organizationId}::uuid AND i.anonymous_id = b.anonymous_id)) AS resolved_lead
      FROM batch b
    ), inserted AS (
      INSERT INTO journey_events (id, organization_id, lead_id, anonymous_id, client_event_id, event_type, event_name, properties, session_id, ip_address, user_agent, occurred_at, user_id)
      SELECT b.id, ${organizationId}::uuid, b.resolved_lead,
        b.anonymous_id, b.client_event_id, b.event_type, b.event_name, b.properties, b.session_id,
        CASE WHEN (SELECT o.settings #>> '{tracking,truncate_ip}' FROM organizations o WHERE o.id = ${organizationId}::uuid) = 'true'
          THEN ${client.truncatedIp}::inet ELSE ${client.ip}::inet END,
        ${client.userAgent}::text, b.occurred_at, b.user_id
      FROM resolved b
      -- A plain join on the resolved id: under Row Level Security a condition holding a
      -- subquery may not reach the leads index, and a sequential scan of every lead per
      -- event was what made a tracked batch take seconds (bench:load, 100k leads).
      LEFT JOIN leads l ON l.id = b.resolved_lead
      -- Not for a person who may not be tracked (consent/contactability.ts isTrackable): do-not-contact, unsubscribed, tracking withdrawn.
      WHERE NOT coalesce(l.do_not_contact OR l.unsubscribed OR 'tracking' = ANY(l.consent_withdrawn), false)
      ON CONFLICT DO NOTHING
      RETURNING lead_id
    )
    SELECT lead_id, count(*)::int AS n FROM inserted GROUP BY lead_id`.execute(tx);
  const perLead = result.filter((r): r is { lead_id: string; n: number } => r.lead_id !== null).map((r) => ({ lead_id: r.lead_id, n: Number(r.n) }));
  return { inserted: result.reduce((sum, r) => sum + Number(r.n), 0), perLead };
}

export async function listJourney(
  tx: Tx,
  organizationId: string,
  leadId: string,
  filter: { types?: string[] | undefined; from?: Date | undefined; to?: Date | undefined },
  limit: number,
  after: [string, string] | null,
) {
  let query = tx
    .selectFrom('journey_events')
    .select(['id', 'event_type', 'event_name', 'description', 'properties', 'session_id', 'anonymous_id', 'ip_address', 'user_agent', 'user_id', 'occurred_at', 'created_at'])
    .select(cursorTime(sql.ref('occurred_at')).as('cursor_at'))
    .where('organization_id', '=', organizationId)
    .where('lead_id', '=', leadId);
  if (filter.types) query = query.where('event_type', 'in', filter.types);
  if (filter.from) query = query.where('occurred_at', '>=', filter.from);
  if (filter.to) query = query.where('occurred_at', '<', filter.to);
  if (after) query = query.where(sql<boolean>`(occurred_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  return query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
}

/**
 * The organization's latest website events (those that came through the write key carry an
 * anonymous id; events recorded for a known lead by a user do not), within 30 days so the
 * walk down (organization_id, occurred_at DESC) stays short; and how many in the last day.
 */
export async function recentWebsiteEvents(tx: Tx, organizationId: string, limit: number) {
  const rows = await tx
    .selectFrom('journey_events')
    .select(['id', 'event_type', 'event_name', 'anonymous_id', 'lead_id', 'occurred_at'])
    .select(sql<string | null>`properties->>'url'`.as('url'))
    .where('organization_id', '=', organizationId)
    .where('anonymous_id', 'is not', null)
    .where('occurred_at', '>=', sql<Date>`now() - interval '30 days'`)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  const counts = await tx
    .selectFrom('journey_events')
    .select([
      sql<number>`count(*) FILTER (WHERE occurred_at >= now() - interval '24 hours')::int`.as('day'),
      sql<number>`count(*)::int`.as('month'),
    ])
    .where('organization_id', '=', organizationId)
    .where('anonymous_id', 'is not', null)
    .where('occurred_at', '>=', sql<Date>`now() - interval '30 days'`)
    .executeTakeFirstOrThrow();
  return { rows, last24h: Number(counts.day), last30d: Number(counts.month) };
}
