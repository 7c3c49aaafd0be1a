import { sql, type Kysely } from 'kysely';
import { cursorTime } from '../../db/keyset.ts';
import type { DB, NotificationKind } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';

/** The notifications module's SQL (and the `notifications` key of users.preferences). */

export interface NotificationWrite {
  user_id: string;
  kind: NotificationKind;
  title: string;
  body: string | null;
  link: string | null;
  lead_id: string | null;
  dedupe_key: string;
}

/** How a lead is called in a notification: the same display name as the app's lists. */
const LEAD_NAME = sql<string>`coalesce(nullif(btrim(l.first_name || ' ' || l.last_name), ''), l.email, l.company, 'Unnamed lead')`;

/**
 * Inserts the notifications whose recipient is an active user who has not switched their
 * kind off (a kind missing from preferences is on). A dedupe key the recipient already has
 * is skipped, so a cause seen twice notifies once. `perTransaction` appends the
 * transaction's id to the key: a cause that may happen again (a lead assigned to the same
 * person next week) is one per transaction, never twice in one.
 */
export async function insertNotifications(tx: Tx, organizationId: string, rows: NotificationWrite[], perTransaction = false) {
  if (rows.length === 0) return [];
  const key = perTransaction ? sql`x.dedupe_key || ':' || pg_current_xact_id()::text` : sql`x.dedupe_key`;
  const { rows: out } = await sql<{ id: string; user_id: string; kind: NotificationKind }>`
    INSERT INTO notifications (organization_id, user_id, kind, title, body, link, lead_id, dedupe_key)
    SELECT ${organizationId}::uuid, x.user_id, x.kind, left(x.title, 300), left(x.body, 2000), x.link, x.lead_id, ${key}
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(user_id uuid, kind text, title text, body text, link text, lead_id uuid, dedupe_key text)
    JOIN users u ON u.id = x.user_id AND u.is_active
    WHERE (u.preferences -> 'notifications' -> x.kind) IS DISTINCT FROM 'false'::jsonb
    ON CONFLICT (organization_id, user_id, dedupe_key) DO NOTHING
    RETURNING id, user_id, kind`.execute(tx);
  return out;
}

/**
 * High and urgent open insights that this transaction created or changed (the touch
 * trigger sets updated_at to now(), the transaction's start) on leads someone owns.
 */
export async function ownedUrgentInsights(tx: Tx, leadIds: string[] | null) {
  const { rows } = await sql<{ id: string; lead_id: string; assigned_to: string; priority: 'high' | 'urgent'; title: string; lead_name: string; company: string | null }>`
    SELECT i.id, i.lead_id, l.assigned_to, i.priority::text AS priority, i.title, ${LEAD_NAME} AS lead_name, l.company
    FROM ai_insights i JOIN leads l ON l.id = i.lead_id
    WHERE i.status = 'open' AND i.priority IN ('high', 'urgent') AND i.updated_at >= now() AND l.assigned_to IS NOT NULL
      ${leadIds ? sql`AND i.lead_id = ANY(${leadIds}::uuid[])` : sql``}`.execute(tx);
  return rows;
}

export async function leadLabel(tx: Tx, leadId: string) {
  const { rows } = await sql<{ lead_name: string; company: string | null }>`SELECT ${LEAD_NAME} AS lead_name, l.company FROM leads l WHERE l.id = ${leadId}`.execute(tx);
  return rows[0];
}

export async function userName(tx: Tx, userId: string | null): Promise<string | null> {
  if (!userId) return null;
  const row = await tx.selectFrom('users').select('full_name').where('id', '=', userId).executeTakeFirst();
  return row?.full_name ?? null;
}

/** The people a note may mention: the organization's active users. */
export function activePeople(tx: Tx) {
  return tx.selectFrom('users').select(['id', 'full_name', 'email']).where('is_active', '=', true).orderBy('full_name').orderBy('id').execute();
}

/**
 * Of these users, those who may read the lead: everyone but a sales rep, and a rep when it
 * is theirs or their team's (permissions.ts leadScope 'read'). A mention must not show a
 * lead's name to someone who cannot open it.
 */
export async function readersOfLead(tx: Tx, leadId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    SELECT u.id FROM users u JOIN leads l ON l.id = ${leadId}
    WHERE u.id = ANY(${userIds}::uuid[]) AND (u.role <> 'sales_rep' OR l.assigned_to = u.id OR (l.team_id IS NOT NULL AND l.team_id = u.team_id))`.execute(tx);
  return rows.map((r) => r.id);
}

/** Owner role: organizations with a follow-up in (from, to], each found through idx_leads_next_follow_up. */
export async function organizationsWithFollowUps(db: Kysely<DB>, from: Date, to: Date): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT o.id FROM organizations o
    WHERE EXISTS (SELECT 1 FROM leads l WHERE l.organization_id = o.id AND l.next_follow_up_at > ${from}::timestamptz AND l.next_follow_up_at <= ${to}::timestamptz)
    ORDER BY o.id`.execute(db);
  return rows.map((r) => r.id);
}

/** Open, owned leads whose follow-up falls in (from, to], with their owner's time zone. */
export async function dueFollowUps(tx: Tx, from: Date, to: Date) {
  const { rows } = await sql<{ lead_id: string; assigned_to: string; lead_name: string; company: string | null; due: Date; due_key: string; time_zone: string | null; org_time_zone: string | null }>`
    SELECT l.id AS lead_id, l.assigned_to, ${LEAD_NAME} AS lead_name, l.company, l.next_follow_up_at AS due, ${cursorTime(sql`l.next_follow_up_at`)} AS due_key,
      u.time_zone, o.settings ->> 'timezone' AS org_time_zone
    FROM leads l JOIN users u ON u.id = l.assigned_to JOIN organizations o ON o.id = l.organization_id
    WHERE l.next_follow_up_at > ${from}::timestamptz AND l.next_follow_up_at <= ${to}::timestamptz
      AND l.status NOT IN ('closed_won', 'closed_lost') AND u.is_active
      -- A follow-up means contacting the person: not for those who said no (consent/contactability.ts).
      AND NOT (l.do_not_contact OR l.unsubscribed OR 'sales_contact' = ANY(l.consent_withdrawn))
    ORDER BY l.next_follow_up_at, l.id`.execute(tx);
  return rows;
}

const COLUMNS = ['id', 'kind', 'title', 'body', 'link', 'lead_id', 'read_at', 'created_at'] as const;

/** One page of a user's notifications: unread first, then newest (keyset after `after`). */
export async function listPage(tx: Tx, userId: string, opts: { unreadOnly: boolean; limit: number; after: [number, string, string] | null }) {
  let query = tx
    .selectFrom('notifications')
    .select(COLUMNS)
    .select([sql<number>`(read_at IS NULL)::int`.as('unread'), cursorTime(sql`created_at`).as('cursor_at')])
    .where('user_id', '=', userId);
  if (opts.unreadOnly) query = query.where('read_at', 'is', null);
  if (opts.after) {
    const [unread, at, id] = opts.after;
    query = query.where(sql<boolean>`((read_at IS NULL)::int, created_at, id) < (${unread}, ${at}::timestamptz, ${id}::uuid)`);
  }
  return query
    .orderBy(sql`(read_at IS NULL)::int`, 'desc')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit + 1)
    .execute();
}

export async function unreadCount(tx: Tx, userId: string): Promise<number> {
  const r = await tx.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Marks one read; `changed` says whether it was unread. Undefined when it is not the user's. */
export async function markRead(tx: Tx, userId: string, id: string) {
  const { rows } = await sql<{ id: string; kind: NotificationKind; title: string; body: string | null; link: string | null; lead_id: string | null; read_at: Date; created_at: Date; changed: boolean }>`
    WITH before AS (SELECT id, read_at FROM notifications WHERE id = ${id} AND user_id = ${userId} FOR UPDATE)
    UPDATE notifications n SET read_at = coalesce(n.read_at, now())
    FROM before b WHERE n.id = b.id
    RETURNING n.id, n.kind, n.title, n.body, n.link, n.lead_id, n.read_at, n.created_at, b.read_at IS NULL AS changed`.execute(tx);
  return rows[0];
}

export async function markAllRead(tx: Tx, userId: string): Promise<number> {
  const r = await tx.updateTable('notifications').set({ read_at: sql`now()` }).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export async function preferences(tx: Tx, userId: string): Promise<Record<string, unknown>> {
  const { rows } = await sql<{ p: Record<string, unknown> | null }>`SELECT preferences -> 'notifications' AS p FROM users WHERE id = ${userId}`.execute(tx);
  const p = rows[0]?.p;
  return p && typeof p === 'object' && !Array.isArray(p) ? p : {};
}

/** Merges kind → on/off into users.preferences.notifications, leaving other preferences alone. */
export async function mergePreferences(tx: Tx, userId: string, kinds: Record<string, boolean>) {
  await sql`
    UPDATE users SET preferences = jsonb_set(coalesce(preferences, '{}'::jsonb), '{notifications}',
      CASE WHEN jsonb_typeof(preferences -> 'notifications') = 'object' THEN preferences -> 'notifications' ELSE '{}'::jsonb END || ${JSON.stringify(kinds)}::jsonb)
    WHERE id = ${userId}`.execute(tx);
}
