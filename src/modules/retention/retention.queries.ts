import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Category, Policies } from './retention.policies.ts';

type Db = Kysely<DB>;

/**
 * What "due" means, per category: the one definition that the dry-run report counts and
 * the run deletes (both build on dueRows below). `at` is the date compared with the cutoff
 * (rows are taken oldest first by it, then by primary key); a row exactly at the cutoff is
 * kept: due means strictly older.
 */
interface Definition {
  table: string;
  /** Primary key columns. */
  keys: readonly string[];
  at: RawBuilder<Date>;
  due(cutoff: Date): RawBuilder<boolean>;
  /** Journey events and conversations: their lead's latest deleted one is remembered. */
  remembersLead?: boolean;
}

const t = (column: string) => sql.ref(`t.${column}`);

/**
 * A lead's last sign of life: its creation, a status change or decision, a contact, a
 * follow-up it is waiting for, and (below) any activity created, scheduled or completed,
 * conversation recorded or web visit made since, including those retention already removed
 * (retention_lead_activity). Not leads.updated_at: automatic rescoring and analysis touch
 * it, so a lead nobody has looked at for years would never count as inactive.
 */
const LEAD_LAST_SEEN = sql<Date>`greatest(t.created_at, t.status_changed_at, t.closed_at, t.last_contacted_at, t.next_follow_up_at,
  (SELECT r.last_at FROM retention_lead_activity AS r WHERE r.organization_id = t.organization_id AND r.lead_id = t.id))`;

const IMPORT_FINISHED = (alias: string) => sql<Date>`coalesce(${sql.ref(`${alias}.finished_at`)}, ${sql.ref(`${alias}.created_at`)})`;
/** Imports still queued or running keep their file and rows, however old. */
const IMPORT_AT = sql<Date>`(SELECT ${IMPORT_FINISHED('i')} FROM imports AS i WHERE i.organization_id = t.organization_id AND i.id = t.import_id)`;
const importDue = (cutoff: Date) => sql<boolean>`t.import_id IN (SELECT i.id FROM imports AS i
  WHERE i.organization_id = t.organization_id AND i.status NOT IN ('queued', 'running') AND ${IMPORT_FINISHED('i')} < ${cutoff})`;

export const DEFINITIONS: Record<Category, Definition> = {
  inactive_leads: {
    table: 'leads', keys: ['id'], at: LEAD_LAST_SEEN,
    // Won leads are customers' records: never deleted by retention, however quiet.
    due: (cutoff) => sql<boolean>`t.status <> 'closed_won' AND ${LEAD_LAST_SEEN} < ${cutoff}
      AND NOT EXISTS (SELECT 1 FROM activities AS a WHERE a.organization_id = t.organization_id AND a.lead_id = t.id
        AND greatest(a.created_at, a.scheduled_at, a.completed_at) >= ${cutoff})
      AND NOT EXISTS (SELECT 1 FROM conversations AS c WHERE c.organization_id = t.organization_id AND c.lead_id = t.id AND c.created_at >= ${cutoff})
      AND NOT EXISTS (SELECT 1 FROM journey_events AS e WHERE e.organization_id = t.organization_id AND e.lead_id = t.id AND e.occurred_at >= ${cutoff})`,
  },
  conversations: { table: 'conversations', keys: ['id'], at: sql<Date>`t.created_at`, due: (cutoff) => sql<boolean>`t.created_at < ${cutoff}`, remembersLead: true },
  journey_events: { table: 'journey_events', keys: ['id'], at: sql<Date>`t.occurred_at`, due: (cutoff) => sql<boolean>`t.occurred_at < ${cutoff}`, remembersLead: true },
  import_files: { table: 'import_file_chunks', keys: ['import_id', 'seq'], at: IMPORT_AT, due: importDue },
  import_errors: { table: 'import_errors', keys: ['import_id', 'line'], at: IMPORT_AT, due: importDue },
  notifications: { table: 'notifications', keys: ['id'], at: sql<Date>`t.created_at`, due: (cutoff) => sql<boolean>`t.created_at < ${cutoff}` },
  // Events not yet numbered for the stream (seq NULL) are never removed: replay needs them.
  outbox_events: { table: 'outbox_events', keys: ['id'], at: sql<Date>`t.created_at`, due: (cutoff) => sql<boolean>`t.seq IS NOT NULL AND t.created_at < ${cutoff}` },
  audit_log: { table: 'audit_log', keys: ['id'], at: sql<Date>`t.created_at`, due: (cutoff) => sql<boolean>`t.created_at < ${cutoff}` },
};

const keyList = (d: Definition, alias: string) => sql.join(d.keys.map((k) => sql.ref(`${alias}.${k}`)));

/** The due rows of one organization: their keys (as k0, k1) and `at`. */
function dueRows(category: Category, organizationId: string, cutoff: Date): RawBuilder<unknown> {
  const d = DEFINITIONS[category];
  const keys = sql.join(d.keys.map((k, i) => sql`${t(k)} AS ${sql.ref(`k${i}`)}`));
  const extra = d.remembersLead ? sql`, t.lead_id` : sql``;
  return sql`SELECT ${keys}, ${d.at} AS at${extra} FROM ${sql.table(d.table)} AS t WHERE t.organization_id = ${organizationId} AND ${d.due(cutoff)}`;
}

export interface Preview {
  count: number;
  oldest: Date | null;
  newest: Date | null;
  sample: string[];
}

/** Counts, dates and the first few keys of what a run would delete now. */
export async function preview(db: Db, category: Category, organizationId: string, cutoff: Date, sampleSize: number): Promise<Preview> {
  const due = dueRows(category, organizationId, cutoff);
  const d = DEFINITIONS[category];
  const stats = await sql<{ n: number; oldest: Date | null; newest: Date | null }>`
    SELECT count(*)::int AS n, min(due.at) AS oldest, max(due.at) AS newest FROM (${due}) AS due`.execute(db);
  const order = sql.join(d.keys.map((_, i) => sql.ref(`due.k${i}`)));
  const keys = sql.join(d.keys.map((_, i) => sql`due.${sql.ref(`k${i}`)}::text`), sql` || ':' || `);
  const sample = await sql<{ key: string }>`SELECT ${keys} AS key FROM (${due}) AS due ORDER BY due.at, ${order} LIMIT ${sampleSize}`.execute(db);
  const row = stats.rows[0]!;
  return { count: row.n, oldest: row.oldest ? new Date(row.oldest) : null, newest: row.newest ? new Date(row.newest) : null, sample: sample.rows.map((r) => r.key) };
}

/**
 * Deletes up to `limit` of the oldest due rows in the caller's (short) transaction, and
 * returns how many went. Rows another transaction holds are skipped, not waited for: they
 * are still due tomorrow. A lead takes its dependents by the foreign keys' cascades (scores,
 * insights, activities, conversations, journey events, notifications, queues), and its
 * deletion marks the team metrics for a rollup (0033's trigger), so they stay the figures
 * of the data that is kept.
 */
export async function deleteBatch(db: Db, category: Category, organizationId: string, cutoff: Date, limit: number): Promise<number> {
  const d = DEFINITIONS[category];
  const order = sql.join(d.keys.map((k) => t(k)));
  const picked = sql`SELECT ${keyList(d, 't')}, ${d.at} AS at${d.remembersLead ? sql`, t.lead_id` : sql``}
    FROM ${sql.table(d.table)} AS t WHERE t.organization_id = ${organizationId} AND ${d.due(cutoff)}
    ORDER BY at, ${order} LIMIT ${limit} FOR UPDATE OF t SKIP LOCKED`;
  const match = sql.join(d.keys.map((k) => sql`${sql.ref(`x.${k}`)} = ${sql.ref(`doomed.${k}`)}`), sql` AND `);

  if (category === 'audit_log') {
    // The privileged path (owner connection only): the database function re-checks the floor.
    const r = await sql<{ n: number }>`WITH doomed AS (${picked})
      SELECT app.retention_delete_audit(${organizationId}::uuid, coalesce(array_agg(doomed.id), '{}')) AS n FROM doomed`.execute(db);
    return r.rows[0]?.n ?? 0;
  }
  if (category === 'outbox_events') {
    // As the real-time pruning does: the stream's replay horizon moves past what went.
    const r = await sql<{ n: number }>`WITH doomed AS (${picked}),
      gone AS (DELETE FROM outbox_events AS x USING doomed WHERE ${match} RETURNING x.seq),
      moved AS (UPDATE outbox_sequences AS s SET pruned_through = greatest(s.pruned_through, (SELECT max(seq) FROM gone)), updated_at = now()
        WHERE s.organization_id = ${organizationId} AND EXISTS (SELECT 1 FROM gone) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`.execute(db);
    return r.rows[0]?.n ?? 0;
  }
  const remember = d.remembersLead
    ? sql`, kept AS (INSERT INTO retention_lead_activity AS r (organization_id, lead_id, last_at)
        SELECT ${organizationId}::uuid, gone.lead_id, max(gone.at) FROM gone
        WHERE gone.lead_id IS NOT NULL AND EXISTS (SELECT 1 FROM leads AS l WHERE l.organization_id = ${organizationId} AND l.id = gone.lead_id)
        GROUP BY gone.lead_id
        ON CONFLICT (organization_id, lead_id) DO UPDATE SET last_at = greatest(r.last_at, excluded.last_at) RETURNING 1)`
    : sql``;
  const r = await sql<{ n: number }>`WITH doomed AS (${picked}),
    gone AS (DELETE FROM ${sql.table(d.table)} AS x USING doomed WHERE ${match} RETURNING doomed.at${d.remembersLead ? sql`, doomed.lead_id` : sql``})${remember}
    SELECT count(*)::int AS n FROM gone`.execute(db);
  return r.rows[0]?.n ?? 0;
}

/** Cutoffs for a run: calendar months (or days) back from `asOf`, by the database's calendar. */
export async function cutoffs(db: Db, asOf: Date, windows: { months: number | null; days: number | null }[]): Promise<(Date | null)[]> {
  if (windows.length === 0) return [];
  const cols = sql.join(windows.map((w, i) => (w.months !== null
    ? sql`${asOf}::timestamptz - make_interval(months => ${w.months}::int) AS ${sql.ref(`c${i}`)}`
    : w.days !== null ? sql`${asOf}::timestamptz - make_interval(days => ${w.days}::int) AS ${sql.ref(`c${i}`)}` : sql`NULL::timestamptz AS ${sql.ref(`c${i}`)}`)));
  const r = await sql<Record<string, Date | null>>`SELECT ${cols}`.execute(db);
  return windows.map((_, i) => {
    const v = r.rows[0]![`c${i}`];
    return v ? new Date(v) : null;
  });
}

export async function readPolicies(db: Db, organizationId: string) {
  return db.selectFrom('retention_policies').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
}

export async function writePolicies(db: Db, organizationId: string, policies: Policies, updatedBy: string | null) {
  return db.insertInto('retention_policies')
    .values({ organization_id: organizationId, ...policies, updated_by: updatedBy })
    .onConflict((oc) => oc.column('organization_id').doUpdateSet({ ...policies, updated_by: updatedBy }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Every organization with saved policies (owner role: the scheduler serves them all). */
export async function configuredOrganizations(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('retention_policies').select('organization_id').execute();
  return rows.map((r) => r.organization_id);
}

export async function organizationSettings(db: Db, organizationId: string) {
  const row = await db.selectFrom('organizations').select('settings').where('id', '=', organizationId).executeTakeFirst();
  return row?.settings ?? {};
}

/** A batch waits at most this long for a lock, then fails and the job retries later. */
export async function shortLockWait(db: Db): Promise<void> {
  await sql`SELECT set_config('lock_timeout', '5s', true)`.execute(db);
}
