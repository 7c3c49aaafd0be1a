import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { DB, WebhookDeliveriesTable, WebhookEndpointsTable } from '../../db/schema.ts';
import { cursorTime } from '../../db/keyset.ts';
import type { Tx } from '../../db/tenant.ts';

const ENDPOINT_COLUMNS = ['id', 'url', 'description', 'event_types', 'enabled', 'disabled_reason', 'disabled_at', 'failing_since', 'created_by', 'created_at', 'updated_at'] as const;
const DELIVERY_COLUMNS = ['id', 'endpoint_id', 'event_seq', 'outbox_event_id', 'event_type', 'lead_id', 'message_id', 'status', 'attempts', 'next_attempt_at', 'last_attempt_at', 'last_status_code', 'latency_ms', 'error', 'replay_of', 'created_at', 'delivered_at'] as const;

export function listEndpoints(tx: Tx) {
  return tx.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).orderBy('created_at').orderBy('id').execute();
}

export function getEndpoint(tx: Tx, id: string) {
  return tx.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** With the sealed secret: for signing only, never for a response. */
export function getEndpointForSigning(tx: Tx, id: string) {
  return tx.selectFrom('webhook_endpoints').select([...ENDPOINT_COLUMNS, 'secret_sealed']).where('id', '=', id).executeTakeFirst();
}

export function insertEndpoint(tx: Tx, values: Insertable<WebhookEndpointsTable>) {
  return tx.insertInto('webhook_endpoints').values(values).returning(ENDPOINT_COLUMNS).executeTakeFirstOrThrow();
}

export function updateEndpoint(tx: Tx, id: string, set: Updateable<WebhookEndpointsTable>) {
  return tx.updateTable('webhook_endpoints').set(set).where('id', '=', id).returning(ENDPOINT_COLUMNS).executeTakeFirst();
}

export async function deleteEndpoint(tx: Tx, id: string): Promise<boolean> {
  const r = await tx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

export function enabledEndpoints(tx: Tx) {
  return tx.selectFrom('webhook_endpoints').select(['id', 'event_types', 'from_seq']).where('enabled', '=', true).execute();
}

/** The organization's settings row, created on first use with the fan-out cursor at the outbox's head (history is not sent). */
export async function ensureSettings(tx: Tx, organizationId: string, startSeq: number) {
  await tx.insertInto('webhook_settings').values({ organization_id: organizationId, last_seq: startSeq }).onConflict((oc) => oc.column('organization_id').doNothing()).execute();
}

export function readSettings(tx: Tx, organizationId: string) {
  return tx.selectFrom('webhook_settings').select(['allow_private_targets', 'last_seq', 'updated_at']).where('organization_id', '=', organizationId).executeTakeFirst();
}

export function setAllowPrivate(tx: Tx, organizationId: string, allow: boolean) {
  return tx.updateTable('webhook_settings').set({ allow_private_targets: allow, updated_at: sql`now()` }).where('organization_id', '=', organizationId).execute();
}

/** Taken FOR UPDATE: one fan-out pass per organization at a time, whichever process runs it. */
export async function lockCursor(tx: Tx, organizationId: string): Promise<number> {
  const row = await tx.selectFrom('webhook_settings').select('last_seq').where('organization_id', '=', organizationId).forUpdate().executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

export function setCursor(tx: Tx, organizationId: string, seq: number) {
  return tx.updateTable('webhook_settings').set({ last_seq: seq }).where('organization_id', '=', organizationId).execute();
}

/** The highest committed seq of the organization's outbox (0 before its first event). */
export async function outboxHead(tx: Tx, organizationId: string): Promise<number> {
  const row = await tx.selectFrom('outbox_sequences').select('last_seq').where('organization_id', '=', organizationId).executeTakeFirst();
  return Number(row?.last_seq ?? 0);
}

export function eventsAfter(tx: Tx, organizationId: string, seq: number, limit: number) {
  return tx.selectFrom('outbox_events').select(['id', 'seq', 'event_type', 'payload', 'created_at'])
    .where('organization_id', '=', organizationId).where('seq', '>', seq).orderBy('seq').limit(limit).execute();
}

/**
 * lead_id only while the lead exists (checked in the statement itself): an event about a lead
 * deleted since must still go out, and a foreign key failure here would stop the organization's
 * fan-out at that event for good.
 */
export function insertDeliveries(tx: Tx, rows: Insertable<WebhookDeliveriesTable>[]) {
  if (rows.length === 0) return Promise.resolve([]);
  const values = rows.map((r) => ({ ...r, lead_id: r.lead_id ? sql<string | null>`(SELECT id FROM leads WHERE id = ${r.lead_id}::uuid)` : null }));
  return tx.insertInto('webhook_deliveries').values(values)
    .onConflict((oc) => oc.columns(['endpoint_id', 'event_seq']).where('event_seq', 'is not', null).where('replay_of', 'is', null).doNothing())
    .returning(['id', 'endpoint_id']).execute();
}

export function getDelivery(tx: Tx, id: string) {
  return tx.selectFrom('webhook_deliveries').select([...DELIVERY_COLUMNS, 'body']).where('id', '=', id).executeTakeFirst();
}

/** Taken FOR UPDATE while an attempt is decided, so two workers do not both start one. */
export function lockDelivery(tx: Tx, id: string) {
  return tx.selectFrom('webhook_deliveries').select([...DELIVERY_COLUMNS, 'body']).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** An earlier delivery of an event about the same lead to the same endpoint, still pending. */
export function pendingPredecessor(tx: Tx, d: { id: string; endpoint_id: string; lead_id: string; event_seq: number }) {
  return tx.selectFrom('webhook_deliveries').select(['id', 'next_attempt_at'])
    .where('endpoint_id', '=', d.endpoint_id).where('lead_id', '=', d.lead_id)
    .where('status', 'in', ['queued', 'failed']).where('replay_of', 'is', null)
    .where('event_seq', '<', d.event_seq).orderBy('event_seq').limit(1).executeTakeFirst();
}

/** The next pending delivery about this lead on this endpoint, once the one before it is done. */
export function nextPending(tx: Tx, endpointId: string, leadId: string) {
  return tx.selectFrom('webhook_deliveries').select(['id'])
    .where('endpoint_id', '=', endpointId).where('lead_id', '=', leadId)
    .where('status', 'in', ['queued', 'failed']).where('replay_of', 'is', null)
    .orderBy('event_seq').limit(1).executeTakeFirst();
}

export function pendingOfEndpoint(tx: Tx, endpointId: string) {
  return tx.selectFrom('webhook_deliveries').select(['id']).where('endpoint_id', '=', endpointId).where('status', 'in', ['queued', 'failed']).execute();
}

export function updateDelivery(tx: Tx, id: string, set: Updateable<WebhookDeliveriesTable>) {
  return tx.updateTable('webhook_deliveries').set(set).where('id', '=', id).returning(DELIVERY_COLUMNS).executeTakeFirst();
}

export function insertDelivery(tx: Tx, row: Insertable<WebhookDeliveriesTable>) {
  return tx.insertInto('webhook_deliveries').values(row).returning(DELIVERY_COLUMNS).executeTakeFirstOrThrow();
}

export function listDeliveries(tx: Tx, endpointId: string, limit: number, after: [string, string] | null, status?: string) {
  let q = tx.selectFrom('webhook_deliveries').select(DELIVERY_COLUMNS).select(cursorTime(sql.ref('created_at')).as('cursor_at')).where('endpoint_id', '=', endpointId);
  if (status) q = q.where('status', '=', status as never);
  if (after) q = q.where(sql<boolean>`(created_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
}

/** Finished deliveries older than the log's window, a batch at a time (the log is for recent trouble, not an archive). */
export async function pruneFinished(tx: Tx, keepDays: number, batch: number): Promise<number> {
  const r = await sql`DELETE FROM webhook_deliveries WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE status IN ('succeeded', 'gave_up') AND created_at < now() - make_interval(days => ${keepDays})
    LIMIT ${batch})`.execute(tx);
  return Number(r.numAffectedRows ?? 0);
}

/** Failing-since as the database keeps it, and whether it is older than the limit (database clock). */
export async function markFailing(tx: Tx, endpointId: string, disableAfterMs: number) {
  return tx.updateTable('webhook_endpoints')
    .set({ failing_since: sql`coalesce(failing_since, now())` })
    .where('id', '=', endpointId)
    .returning(['failing_since', sql<boolean>`coalesce(failing_since, now()) <= now() - make_interval(secs => ${disableAfterMs / 1000})`.as('overdue')])
    .executeTakeFirst();
}

export function activeAdmins(tx: Tx) {
  return tx.selectFrom('users').select('id').where('role', '=', 'admin').where('is_active', '=', true).execute();
}

// Owner connection (the worker's and the listener's): across organizations, never a request's.

/** Organizations with an enabled endpoint whose fan-out is behind their outbox. */
export async function organizationsBehind(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{ organization_id: string }>`
    SELECT DISTINCT e.organization_id FROM webhook_endpoints AS e
    JOIN outbox_sequences AS o ON o.organization_id = e.organization_id
    LEFT JOIN webhook_settings AS s ON s.organization_id = e.organization_id
    WHERE e.enabled AND o.last_seq > coalesce(s.last_seq, 0)`.execute(db);
  return rows.map((r) => r.organization_id);
}

export async function hasEnabledEndpoint(db: Kysely<DB>, organizationId: string): Promise<boolean> {
  const row = await db.selectFrom('webhook_endpoints').select('id').where('organization_id', '=', organizationId).where('enabled', '=', true).limit(1).executeTakeFirst();
  return row !== undefined;
}
