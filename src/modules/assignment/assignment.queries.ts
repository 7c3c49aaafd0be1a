import { sql } from 'kysely';
import { arrayLiteral } from '../../db/array-literal.ts';
import type { Tx } from '../../db/tenant.ts';
// The product's one definition of an open lead (the list's outcome=open): capacity counts these.
import { OUTCOME_STATUSES } from '../leads/leads.queries.ts';
import type { Distribution, LeadFacts, RuleConditions } from './assignment.matching.ts';

export interface RuleRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  distribution: Distribution;
  conditions: RuleConditions;
  target_team_id: string | null;
  max_open_per_rep: number | null;
  user_ids: string[];
  created_at: Date;
  updated_at: Date;
}

const uuids = (ids: readonly (string | null)[]) => sql`${arrayLiteral(ids)}::uuid[]`;

/** The organization's rules in evaluation order, each with its listed users in their order. */
export async function listRules(tx: Tx, options: { enabledOnly?: boolean; id?: string } = {}): Promise<RuleRow[]> {
  const { rows } = await sql<RuleRow>`
    SELECT r.id, r.name, r.position, r.enabled, r.distribution, r.conditions, r.target_team_id, r.max_open_per_rep, r.created_at, r.updated_at,
      coalesce((SELECT jsonb_agg(u.user_id ORDER BY u.ordinal) FROM assignment_rule_users AS u WHERE u.rule_id = r.id), '[]'::jsonb) AS user_ids
    FROM assignment_rules AS r
    WHERE ${options.enabledOnly ? sql`r.enabled` : sql`true`} AND ${options.id ? sql`r.id = ${options.id}` : sql`true`}
    ORDER BY r.position, r.created_at, r.id`.execute(tx);
  return rows;
}

/** Whether rules can assign anything here at all: an enabled rule or a fallback owner. */
export async function hasAnyRuleOrFallback(tx: Tx): Promise<boolean> {
  const { rows } = await sql<{ any: boolean }>`
    SELECT EXISTS (SELECT 1 FROM assignment_rules WHERE enabled) OR EXISTS (SELECT 1 FROM assignment_settings WHERE fallback_user_id IS NOT NULL) AS any`.execute(tx);
  return rows[0]!.any;
}

export async function nextPosition(tx: Tx): Promise<number> {
  const row = await tx.selectFrom('assignment_rules').select(sql<number>`coalesce(max(position), 0) + 1`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}

export async function insertRule(tx: Tx, values: { organization_id: string; name: string; position: number; enabled: boolean; distribution: Distribution; conditions: RuleConditions; target_team_id: string | null; max_open_per_rep: number | null; created_by: string | null }) {
  const row = await tx.insertInto('assignment_rules').values({ ...values, conditions: JSON.stringify(values.conditions) }).returning('id').executeTakeFirstOrThrow();
  // The cursor row exists from the start: assignments lock it, never create it (no upsert race).
  await tx.insertInto('assignment_rule_cursors').values({ organization_id: values.organization_id, rule_id: row.id }).execute();
  return row.id;
}

export async function updateRule(tx: Tx, id: string, values: { name?: string; enabled?: boolean; distribution?: Distribution; conditions?: RuleConditions; target_team_id?: string | null; max_open_per_rep?: number | null }) {
  const { conditions, ...rest } = values;
  const set = { ...rest, ...(conditions !== undefined ? { conditions: JSON.stringify(conditions) } : {}) };
  if (Object.keys(set).length === 0) return;
  await tx.updateTable('assignment_rules').set(set).where('id', '=', id).execute();
}

export async function deleteRule(tx: Tx, id: string): Promise<boolean> {
  const r = await tx.deleteFrom('assignment_rules').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function setRuleUsers(tx: Tx, organizationId: string, ruleId: string, userIds: readonly string[]) {
  await tx.deleteFrom('assignment_rule_users').where('rule_id', '=', ruleId).execute();
  if (userIds.length === 0) return;
  await tx.insertInto('assignment_rule_users').values(userIds.map((user_id, ordinal) => ({ organization_id: organizationId, rule_id: ruleId, user_id, ordinal }))).execute();
}

/** Every rule's position from the given order (1, 2, …), in one statement. */
export async function setPositions(tx: Tx, ids: readonly string[]) {
  await sql`UPDATE assignment_rules AS r SET position = o.ord FROM unnest(${uuids(ids)}) WITH ORDINALITY AS o(id, ord) WHERE r.id = o.id`.execute(tx);
}

export async function allRuleIds(tx: Tx): Promise<string[]> {
  return (await tx.selectFrom('assignment_rules').select('id').execute()).map((r) => r.id);
}

export async function getSettings(tx: Tx) {
  return tx.selectFrom('assignment_settings').select(['fallback_user_id', 'updated_at', 'updated_by']).executeTakeFirst();
}

export async function saveSettings(tx: Tx, organizationId: string, fallbackUserId: string | null, by: string | null) {
  await tx.insertInto('assignment_settings').values({ organization_id: organizationId, fallback_user_id: fallbackUserId, updated_by: by })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet({ fallback_user_id: fallbackUserId, updated_by: by }))
    .execute();
}

/** Users of the caller's organization among `ids` (Row Level Security hides the others). */
export async function usersByIds(tx: Tx, ids: readonly string[]) {
  if (ids.length === 0) return [];
  return tx.selectFrom('users').select(['id', 'full_name', 'is_active', 'team_id']).where('id', 'in', [...ids]).execute();
}

export async function teamExists(tx: Tx, id: string): Promise<boolean> {
  return (await tx.selectFrom('teams').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

type FactsRow = LeadFacts & { assigned_to: string | null };

// scored: the lead's first score is in (it is always written to the history).
const FACTS = sql`l.id, l.source, l.campaign, l.address, l.current_score, l.assigned_to,
  EXISTS (SELECT 1 FROM lead_scores AS s WHERE s.lead_id = l.id) AS scored`;

/** What the rules read of these leads; with `unowned`, only those still without an owner. */
export async function leadFacts(tx: Tx, ids: readonly string[], options: { unowned: boolean }): Promise<FactsRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<FactsRow>`
    SELECT ${FACTS} FROM leads AS l WHERE l.id = ANY (${uuids(ids)}) ${options.unowned ? sql`AND l.assigned_to IS NULL` : sql``}`.execute(tx);
  // The caller's order (a batch is spread in file order).
  const at = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => at.get(a.id)! - at.get(b.id)!);
}

/** The N most recently created leads without an owner (for the dry run). */
export async function recentUnowned(tx: Tx, limit: number): Promise<FactsRow[]> {
  const { rows } = await sql<FactsRow>`
    SELECT ${FACTS} FROM leads AS l WHERE l.assigned_to IS NULL ORDER BY l.created_at DESC, l.id DESC LIMIT ${limit}`.execute(tx);
  return rows;
}

/**
 * The rules' cursors; with `lock`, FOR UPDATE in rule-id order, so that two transactions
 * needing several cursors take them in the same order and cannot deadlock.
 */
export async function cursors(tx: Tx, ruleIds: readonly string[], lock: boolean) {
  if (ruleIds.length === 0) return [];
  const { rows } = await sql<{ rule_id: string; last_user_id: string | null; assigned_count: number }>`
    SELECT rule_id, last_user_id, assigned_count::int AS assigned_count FROM assignment_rule_cursors
    WHERE rule_id = ANY (${uuids(ruleIds)}) ORDER BY rule_id ${lock ? sql`FOR UPDATE` : sql``}`.execute(tx);
  return rows;
}

export async function saveCursors(tx: Tx, rows: readonly { ruleId: string; lastUserId: string; assigned: number }[]) {
  if (rows.length === 0) return;
  await sql`
    UPDATE assignment_rule_cursors AS c SET last_user_id = v.last_user_id, assigned_count = v.assigned_count
    FROM unnest(${uuids(rows.map((r) => r.ruleId))}, ${uuids(rows.map((r) => r.lastUserId))}, ${arrayLiteral(rows.map((r) => r.assigned))}::bigint[]) AS v(rule_id, last_user_id, assigned_count)
    WHERE c.rule_id = v.rule_id`.execute(tx);
}

/**
 * Each rule's eligible users in turn order: its listed users in their order, or its team's
 * members by name. Only active users: a deactivated one never receives leads.
 */
export async function candidates(tx: Tx, ruleIds: readonly string[]) {
  if (ruleIds.length === 0) return [];
  const { rows } = await sql<{ rule_id: string; user_id: string }>`
    SELECT rule_id, user_id FROM (
      SELECT ru.rule_id, u.id AS user_id, ru.ordinal AS n, '' AS name
      FROM assignment_rule_users AS ru JOIN users AS u ON u.id = ru.user_id AND u.is_active
      WHERE ru.rule_id = ANY (${uuids(ruleIds)})
      UNION ALL
      SELECT r.id, u.id, 0, u.full_name
      FROM assignment_rules AS r JOIN users AS u ON u.team_id = r.target_team_id AND u.is_active
      WHERE r.id = ANY (${uuids(ruleIds)}) AND NOT EXISTS (SELECT 1 FROM assignment_rule_users AS x WHERE x.rule_id = r.id)
    ) AS t ORDER BY rule_id, n, name, user_id`.execute(tx);
  return rows;
}

/** Open leads per user (the product's definition of open: OUTCOME_STATUSES.open). */
export async function openCounts(tx: Tx, userIds: readonly string[]): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const { rows } = await sql<{ user_id: string; n: number }>`
    SELECT assigned_to AS user_id, count(*)::int AS n FROM leads
    WHERE assigned_to = ANY (${uuids(userIds)}) AND status = ANY (${arrayLiteral(OUTCOME_STATUSES.open)}::lead_status[])
    GROUP BY assigned_to`.execute(tx);
  return new Map(rows.map((r) => [r.user_id, r.n]));
}

/**
 * Gives each lead its owner, in one statement, only if it still has none (an owner set in
 * between wins); a lead without a team takes its new owner's. Returns what changed.
 */
export async function assignLeads(tx: Tx, rows: readonly { leadId: string; userId: string }[]) {
  if (rows.length === 0) return [];
  const { rows: changed } = await sql<{ id: string; assigned_to: string; team_id: string | null; previous_team_id: string | null }>`
    UPDATE leads AS l SET assigned_to = v.user_id, team_id = coalesce(l.team_id, u.team_id)
    FROM unnest(${uuids(rows.map((r) => r.leadId))}, ${uuids(rows.map((r) => r.userId))}) AS v(lead_id, user_id)
    JOIN users AS u ON u.id = v.user_id
    -- The same row again: the FROM side reads it as it was before this update.
    JOIN leads AS o ON o.id = v.lead_id
    WHERE l.id = v.lead_id AND l.assigned_to IS NULL
    RETURNING l.id, l.assigned_to, l.team_id, o.team_id AS previous_team_id`.execute(tx);
  return changed;
}

export async function insertLog(tx: Tx, organizationId: string, rows: readonly { leadId: string; userId: string; ruleId: string | null; ruleName: string }[], via: 'api' | 'import' | 'tracking' | 'score') {
  if (rows.length === 0) return;
  await sql`
    INSERT INTO lead_assignments (organization_id, lead_id, rule_id, rule_name, assigned_to, via)
    SELECT ${organizationId}, v.lead_id, v.rule_id, v.rule_name, v.user_id, ${via}
    FROM unnest(${uuids(rows.map((r) => r.leadId))}, ${uuids(rows.map((r) => r.ruleId))}, ${arrayLiteral(rows.map((r) => r.ruleName))}::text[], ${uuids(rows.map((r) => r.userId))})
      AS v(lead_id, rule_id, rule_name, user_id)`.execute(tx);
}

/** Names of users, for the dry run's table. */
export async function userNames(tx: Tx, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.selectFrom('users').select(['id', 'full_name']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, r.full_name]));
}

/** How the dry run's table names each lead (as the leads list does: name, else company or e-mail). */
export async function leadLabels(tx: Tx, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; label: string }>`
    SELECT id, coalesce(nullif(btrim(concat_ws(' ', first_name, last_name)), ''), company, email, 'Unnamed lead') AS label
    FROM leads WHERE id = ANY (${uuids(ids)})`.execute(tx);
  return new Map(rows.map((r) => [r.id, r.label]));
}

/** New leads that wait for their first score (a score-band rule could not judge them yet). */
export async function insertWaits(tx: Tx, organizationId: string, leadIds: readonly string[]) {
  if (leadIds.length === 0) return;
  await tx.insertInto('assignment_waits').values(leadIds.map((id) => ({ organization_id: organizationId, lead_id: id }))).onConflict((oc) => oc.doNothing()).execute();
}

/** Waiting leads whose first score is in, oldest wait first. */
export async function scoredWaits(tx: Tx, limit: number): Promise<string[]> {
  const { rows } = await sql<{ lead_id: string }>`
    SELECT w.lead_id FROM assignment_waits AS w
    WHERE EXISTS (SELECT 1 FROM lead_scores AS s WHERE s.lead_id = w.lead_id)
    ORDER BY w.created_at, w.lead_id LIMIT ${limit}`.execute(tx);
  return rows.map((r) => r.lead_id);
}

export async function deleteWaits(tx: Tx, leadIds: readonly string[]) {
  if (leadIds.length === 0) return;
  await tx.deleteFrom('assignment_waits').where('lead_id', 'in', leadIds).execute();
}
