import { sql, type Kysely } from 'kysely';
import type { DB, LeadStatus } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';
import type { LeadFacts } from './workflows.conditions.ts';

/** The workflows module's SQL (0042). Raw SQL with typed rows: the tables are this module's alone. */

export interface WorkflowRow {
  id: string;
  organization_id: string;
  name: string;
  enabled: boolean;
  position: number;
  trigger: Record<string, unknown>;
  conditions: Record<string, unknown>;
  actions: Record<string, unknown>[];
  last_fired_at: Date | null;
  from_seq: number;
  created_at: Date;
  updated_at: Date;
  runs_last_7_days: number;
}

const COLUMNS = sql`w.id, w.organization_id, w.name, w.enabled, w.position, w.trigger, w.conditions, w.actions, w.last_fired_at, w.from_seq::float8 AS from_seq, w.created_at, w.updated_at,
  (SELECT count(*)::int FROM workflow_runs AS r WHERE r.organization_id = w.organization_id AND r.workflow_id = w.id AND NOT r.dry_run AND r.status <> 'skipped' AND r.created_at > now() - interval '7 days') AS runs_last_7_days`;

export async function listWorkflows(tx: Tx): Promise<WorkflowRow[]> {
  const { rows } = await sql<WorkflowRow>`SELECT ${COLUMNS} FROM workflows AS w ORDER BY w.position, w.created_at, w.id`.execute(tx);
  return rows;
}

export async function getWorkflow(tx: Tx, id: string): Promise<WorkflowRow | undefined> {
  const { rows } = await sql<WorkflowRow>`SELECT ${COLUMNS} FROM workflows AS w WHERE w.id = ${id}`.execute(tx);
  return rows[0];
}

/** Enabled workflows in evaluation order, locked against a concurrent pause or edit while they run. */
export async function enabledWorkflows(tx: Tx): Promise<WorkflowRow[]> {
  const { rows } = await sql<WorkflowRow>`SELECT ${COLUMNS} FROM workflows AS w WHERE w.enabled ORDER BY w.position, w.created_at, w.id`.execute(tx);
  return rows;
}

export async function insertWorkflow(tx: Tx, organizationId: string, v: { name: string; enabled: boolean; trigger: unknown; conditions: unknown; actions: unknown; userId: string | null }): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO workflows (organization_id, name, enabled, position, trigger, conditions, actions, created_by, updated_by)
    VALUES (${organizationId}, ${v.name}, ${v.enabled}, (SELECT coalesce(max(position), 0) + 1 FROM workflows WHERE organization_id = ${organizationId}),
            ${JSON.stringify(v.trigger)}::jsonb, ${JSON.stringify(v.conditions)}::jsonb, ${JSON.stringify(v.actions)}::jsonb, ${v.userId}, ${v.userId})
    RETURNING id`.execute(tx);
  return rows[0]!.id;
}

export async function updateWorkflow(tx: Tx, id: string, v: { name?: string | undefined; enabled?: boolean | undefined; trigger?: unknown; conditions?: unknown; actions?: unknown; userId: string | null }): Promise<boolean> {
  const json = (x: unknown) => (x === undefined ? null : JSON.stringify(x));
  const { rows } = await sql<{ id: string }>`
    UPDATE workflows SET
      name = coalesce(${v.name ?? null}, name),
      enabled = coalesce(${v.enabled ?? null}::boolean, enabled),
      trigger = coalesce(${json(v.trigger)}::jsonb, trigger),
      conditions = coalesce(${json(v.conditions)}::jsonb, conditions),
      actions = coalesce(${json(v.actions)}::jsonb, actions),
      updated_by = ${v.userId}
    WHERE id = ${id} RETURNING id`.execute(tx);
  return rows.length > 0;
}

/** From now on: events already in the outbox never fire it. */
export async function startFromHead(tx: Tx, id: string): Promise<void> {
  await sql`UPDATE workflows AS w SET from_seq = coalesce((SELECT s.last_seq FROM outbox_sequences AS s WHERE s.organization_id = w.organization_id), 0) WHERE w.id = ${id}`.execute(tx);
}

export async function deleteWorkflow(tx: Tx, id: string): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`DELETE FROM workflows WHERE id = ${id} RETURNING id`.execute(tx);
  return rows.length > 0;
}

/** Every workflow's id, locked: a reorder names them all, and two reorders do not interleave. */
export async function lockWorkflowIds(tx: Tx): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`SELECT id FROM workflows ORDER BY position, created_at, id FOR UPDATE`.execute(tx);
  return rows.map((r) => r.id);
}

export async function setPositions(tx: Tx, ids: string[]): Promise<void> {
  await sql`UPDATE workflows AS w SET position = x.n FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS x(id, n) WHERE w.id = x.id AND w.position <> x.n`.execute(tx);
}

export async function markFired(tx: Tx, ids: string[]): Promise<void> {
  if (ids.length > 0) await sql`UPDATE workflows SET last_fired_at = now() WHERE id = ANY(${ids}::uuid[])`.execute(tx);
}

// --- consumer cursor ---------------------------------------------------------------------

/** The organization's cursor, created at the outbox's head: workflows see what happens from now on. */
export async function ensureCursor(tx: Tx, organizationId: string): Promise<void> {
  await sql`INSERT INTO workflow_cursors (organization_id, last_seq)
    SELECT ${organizationId}, coalesce((SELECT last_seq FROM outbox_sequences WHERE organization_id = ${organizationId}), 0)
    ON CONFLICT (organization_id) DO NOTHING`.execute(tx);
}

/** Locks the cursor row: consumers of one organization (any worker, any process) take turns. */
export async function lockCursor(tx: Tx): Promise<{ last_seq: number; swept_at: Date | null } | undefined> {
  const { rows } = await sql<{ last_seq: string; swept_at: Date | null }>`SELECT last_seq, swept_at FROM workflow_cursors FOR UPDATE`.execute(tx);
  return rows[0] && { last_seq: Number(rows[0].last_seq), swept_at: rows[0].swept_at };
}

export async function advanceCursor(tx: Tx, seq: number): Promise<void> {
  await sql`UPDATE workflow_cursors SET last_seq = greatest(last_seq, ${seq}), updated_at = now()`.execute(tx);
}

/** The organization's outbox head (the last seq numbered). */
export async function headSeq(tx: Tx): Promise<number> {
  const { rows } = await sql<{ last_seq: string }>`SELECT last_seq FROM outbox_sequences`.execute(tx);
  return Number(rows[0]?.last_seq ?? 0);
}

/** Run-log entries past the keep window, a bounded batch at a time (the sweep calls it every few minutes). */
export async function pruneRuns(tx: Tx, olderThan: Date, limit: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    WITH gone AS (DELETE FROM workflow_runs WHERE id IN (SELECT id FROM workflow_runs WHERE created_at < ${olderThan} LIMIT ${limit}) RETURNING 1)
    SELECT count(*)::int AS n FROM gone`.execute(tx);
  return rows[0]?.n ?? 0;
}

export async function markSwept(tx: Tx): Promise<void> {
  await sql`UPDATE workflow_cursors SET swept_at = now(), updated_at = now()`.execute(tx);
}

export interface OutboxRow {
  seq: number;
  event_type: string;
  payload: Record<string, unknown>;
}

/** Committed, numbered events after the cursor, in seq order (numbers are visible without holes, see docs/realtime.md). */
export async function eventsAfter(tx: Tx, after: number, limit: number): Promise<OutboxRow[]> {
  const { rows } = await sql<{ seq: string; event_type: string; payload: Record<string, unknown> }>`
    SELECT seq, event_type, payload FROM outbox_events WHERE seq > ${after} ORDER BY seq LIMIT ${limit}`.execute(tx);
  return rows.map((r) => ({ seq: Number(r.seq), event_type: r.event_type, payload: r.payload }));
}

/** Organizations with enabled workflows whose cursor is behind the outbox's head, or whose sweep is due (owner connection, all organizations). */
export async function organizationsDue(db: Kysely<DB>, sweptBefore: Date): Promise<string[]> {
  const { rows } = await sql<{ organization_id: string }>`
    SELECT c.organization_id FROM workflow_cursors AS c
    LEFT JOIN outbox_sequences AS s ON s.organization_id = c.organization_id
    WHERE EXISTS (SELECT 1 FROM workflows AS w WHERE w.organization_id = c.organization_id AND w.enabled)
      AND (coalesce(s.last_seq, 0) > c.last_seq OR c.swept_at IS NULL OR c.swept_at < ${sweptBefore})`.execute(db);
  return rows.map((r) => r.organization_id);
}

export async function hasEnabledWorkflows(db: Kysely<DB>, organizationId: string): Promise<boolean> {
  const { rows } = await sql`SELECT 1 FROM workflows WHERE organization_id = ${organizationId} AND enabled LIMIT 1`.execute(db);
  return rows.length > 0;
}

// --- facts -------------------------------------------------------------------------------

export type FactsRow = LeadFacts & { name: string };

const FACTS = sql`l.id, l.status, l.current_score AS score, l.assigned_to, l.team_id, l.source,
  coalesce(l.last_contacted_at, l.created_at) AS last_touch_at,
  trim(l.first_name || ' ' || l.last_name) AS name,
  coalesce((SELECT array_agg(DISTINCT i.insight_type::text) FROM ai_insights AS i WHERE i.organization_id = l.organization_id AND i.lead_id = l.id AND i.status = 'open'), '{}') AS insight_types,
  coalesce((SELECT array_agg(j.event_name ORDER BY j.occurred_at) FROM journey_events AS j WHERE j.organization_id = l.organization_id AND j.lead_id = l.id AND j.event_type = 'form_submit'), '{}') AS forms`;

export async function leadFacts(tx: Tx, ids: readonly string[]): Promise<FactsRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<FactsRow>`SELECT ${FACTS} FROM leads AS l WHERE l.id = ANY(${[...ids]}::uuid[]) ORDER BY l.id`.execute(tx);
  return rows;
}

/**
 * A page of leads (keyset on id) for the sweep and the dry run. `staleBefore`: only leads
 * untouched since then, or already active for one of `activeFor` (so that they can re-arm).
 */
export async function leadFactsPage(tx: Tx, after: string | null, limit: number, narrow?: { staleBefore: Date; activeFor: string[] }): Promise<FactsRow[]> {
  const where = narrow
    ? sql`AND ((coalesce(l.last_contacted_at, l.created_at) < ${narrow.staleBefore} AND l.status NOT IN ('closed_won', 'closed_lost'))
        OR EXISTS (SELECT 1 FROM workflow_lead_states AS s WHERE s.organization_id = l.organization_id AND s.lead_id = l.id AND s.active AND s.workflow_id = ANY(${narrow.activeFor}::uuid[])))`
    : sql``;
  const { rows } = await sql<FactsRow>`
    SELECT ${FACTS} FROM leads AS l WHERE ${after === null ? sql`TRUE` : sql`l.id > ${after}`} ${where} ORDER BY l.id LIMIT ${limit}`.execute(tx);
  return rows;
}

// --- per (workflow, lead) state ----------------------------------------------------------

export async function states(tx: Tx, workflowId: string, leadIds: readonly string[]): Promise<Map<string, { active: boolean; count: number }>> {
  if (leadIds.length === 0) return new Map();
  const { rows } = await sql<{ lead_id: string; active: boolean; seen_count: number }>`
    SELECT lead_id, active, seen_count FROM workflow_lead_states WHERE workflow_id = ${workflowId} AND lead_id = ANY(${[...leadIds]}::uuid[])`.execute(tx);
  return new Map(rows.map((r) => [r.lead_id, { active: r.active, count: r.seen_count }]));
}

export async function saveStates(tx: Tx, organizationId: string, workflowId: string, rows: { leadId: string; active: boolean; count: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    INSERT INTO workflow_lead_states (organization_id, workflow_id, lead_id, active, seen_count)
    SELECT ${organizationId}, ${workflowId}, x.lead_id, x.active, x.seen_count
    FROM jsonb_to_recordset(${JSON.stringify(rows.map((r) => ({ lead_id: r.leadId, active: r.active, seen_count: r.count })))}::jsonb) AS x(lead_id uuid, active boolean, seen_count int)
    ON CONFLICT (organization_id, workflow_id, lead_id) DO UPDATE SET active = EXCLUDED.active, seen_count = EXCLUDED.seen_count, changed_at = now()`.execute(tx);
}

export async function clearStates(tx: Tx, workflowId: string): Promise<void> {
  await sql`DELETE FROM workflow_lead_states WHERE workflow_id = ${workflowId}`.execute(tx);
}

// --- runs --------------------------------------------------------------------------------

export interface RunRow {
  id: string;
  workflow_id: string;
  lead_id: string | null;
  trigger: Record<string, unknown>;
  actions: { type: string; ok: boolean; result: string | null; error: string | null }[];
  status: 'succeeded' | 'partial' | 'failed' | 'skipped';
  hop: number;
  dry_run: boolean;
  created_at: Date;
}

export async function insertRun(tx: Tx, organizationId: string, run: Omit<RunRow, 'id' | 'created_at'>): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO workflow_runs (organization_id, workflow_id, lead_id, trigger, actions, status, hop, dry_run)
    VALUES (${organizationId}, ${run.workflow_id}, ${run.lead_id}, ${JSON.stringify(run.trigger)}::jsonb, ${JSON.stringify(run.actions)}::jsonb, ${run.status}, ${run.hop}, ${run.dry_run})
    RETURNING id`.execute(tx);
  return rows[0]!.id;
}

export async function updateRun(tx: Tx, id: string, actions: RunRow['actions'], status: RunRow['status']): Promise<void> {
  await sql`UPDATE workflow_runs SET actions = ${JSON.stringify(actions)}::jsonb, status = ${status} WHERE id = ${id}`.execute(tx);
}

export async function listRuns(tx: Tx, workflowId: string, limit: number, after: [string, string] | null): Promise<RunRow[]> {
  const { rows } = await sql<RunRow>`
    SELECT id, workflow_id, lead_id, trigger, actions, status, hop, dry_run, created_at FROM workflow_runs
    WHERE workflow_id = ${workflowId} ${after ? sql`AND (created_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
    ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`.execute(tx);
  return rows;
}

// --- what actions read and write ---------------------------------------------------------

export type LeadRow = { id: string; status: LeadStatus; assigned_to: string | null; team_id: string | null; tags: string[]; name: string };

export async function lockLead(tx: Tx, id: string): Promise<LeadRow | undefined> {
  const { rows } = await sql<LeadRow>`SELECT id, status, assigned_to, team_id, tags, trim(first_name || ' ' || last_name) AS name FROM leads WHERE id = ${id} FOR UPDATE`.execute(tx);
  return rows[0];
}

export async function userInfo(tx: Tx, id: string): Promise<{ id: string; full_name: string; is_active: boolean } | undefined> {
  const { rows } = await sql<{ id: string; full_name: string; is_active: boolean }>`SELECT id, full_name, is_active FROM users WHERE id = ${id}`.execute(tx);
  return rows[0];
}

export async function activeUsers(tx: Tx, ids: readonly string[]): Promise<{ id: string; full_name: string }[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ id: string; full_name: string }>`SELECT id, full_name FROM users WHERE id = ANY(${[...ids]}::uuid[]) AND is_active ORDER BY full_name`.execute(tx);
  return rows;
}

export async function setLeadOwner(tx: Tx, id: string, userId: string): Promise<void> {
  await sql`UPDATE leads SET assigned_to = ${userId} WHERE id = ${id}`.execute(tx);
}

/** As the leads service does it: the status, when it moved, and closed_at for won/lost. */
export async function setLeadStatus(tx: Tx, id: string, status: LeadStatus): Promise<void> {
  await sql`UPDATE leads SET status = ${status}::lead_status, status_changed_at = now(),
    closed_at = CASE WHEN ${status} IN ('closed_won', 'closed_lost') THEN now() ELSE NULL END WHERE id = ${id}`.execute(tx);
}

export async function addLeadTag(tx: Tx, id: string, tag: string): Promise<void> {
  await sql`UPDATE leads SET tags = array_append(tags, ${tag}) WHERE id = ${id} AND NOT (${tag} = ANY(tags))`.execute(tx);
}

/**
 * A line in the lead's timeline (journey events are its history of changes): what the
 * workflow did and that it was the workflow. Status changes use the 'status_change' type the
 * leads service writes, so the timeline and metrics read them as any other.
 */
export async function insertTimelineEntry(tx: Tx, organizationId: string, leadId: string, e: { type: 'status_change' | 'workflow'; name: string; properties: Record<string, unknown> }): Promise<void> {
  await sql`
    INSERT INTO journey_events (organization_id, lead_id, event_type, event_name, properties)
    SELECT ${organizationId}, l.id, ${e.type}, ${e.name.slice(0, 255)}, ${JSON.stringify(e.properties)}::jsonb || jsonb_build_object('owner_id', l.assigned_to, 'team_id', l.team_id)
    FROM leads AS l WHERE l.id = ${leadId}`.execute(tx);
}

export async function insertTask(tx: Tx, organizationId: string, leadId: string, t: { subject: string; description: string; dueAt: Date; metadata: Record<string, unknown> }): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO activities (organization_id, lead_id, type, subject, description, scheduled_at, metadata)
    VALUES (${organizationId}, ${leadId}, 'task', ${t.subject}, ${t.description}, ${t.dueAt}, ${JSON.stringify(t.metadata)}::jsonb)
    RETURNING id`.execute(tx);
  return rows[0]!.id;
}

export async function savepoint(tx: Tx, op: 'SAVEPOINT' | 'RELEASE SAVEPOINT' | 'ROLLBACK TO SAVEPOINT'): Promise<void> {
  await sql.raw(`${op} workflow_action`).execute(tx);
}

export async function getRun(tx: Tx, id: string): Promise<Pick<RunRow, 'actions'> | undefined> {
  const { rows } = await sql<Pick<RunRow, 'actions'>>`SELECT actions FROM workflow_runs WHERE id = ${id}`.execute(tx);
  return rows[0];
}

export async function leadTags(tx: Tx, id: string): Promise<string[]> {
  const { rows } = await sql<{ tags: string[] }>`SELECT tags FROM leads WHERE id = ${id}`.execute(tx);
  return rows[0]?.tags ?? [];
}

export async function readCursor(tx: Kysely<DB>): Promise<{ swept_at: Date | null } | undefined> {
  const { rows } = await sql<{ swept_at: Date | null }>`SELECT swept_at FROM workflow_cursors`.execute(tx);
  return rows[0];
}

/** Serialises "is a poll queued? else queue one" across processes (system jobs have no dedupe key, see metrics). Returns whether one is queued. */
export async function lockPollSchedule(trx: Kysely<DB>): Promise<boolean> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('workflows.poll', 0))`.execute(trx);
  const { rows } = await sql`SELECT id FROM jobs WHERE queue = 'workflows.poll' AND status = 'queued' LIMIT 1`.execute(trx);
  return rows.length > 0;
}
