import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Tx } from '../db/tenant.ts';
import { STREAM_CHANNEL } from './channels.ts';

/** One outbox row as the stream sees it. */
export interface OutboxRow {
  seq: number;
  event_type: string;
  entity_type: string;
  entity_id: string | null;
  actor_id: string | null;
  created_at: Date;
  payload: Record<string, unknown>;
}

/** Who may read a lead now: the two columns a read scope looks at. */
export interface LeadAccess {
  assigned_to: string | null;
  team_id: string | null;
}

export interface SequencedRange {
  organizationId: string;
  from: number;
  to: number;
}

// One sequencing pass at a time across every process (a transaction-level advisory lock):
// the next pass starts after the previous one committed, so it sees all it numbered.
const SEQUENCER_LOCK = 0x1ead_a1_5e9;

/**
 * Numbers committed, unnumbered events per organization (see 0031), and announces each
 * organization's new range on the stream channel at commit. Runs as the owner role: it is
 * cross-tenant by nature, like claiming jobs.
 */
export async function sequencePending(db: Kysely<DB>, limit: number): Promise<SequencedRange[]> {
  return db.connection().execute(async (conn) => {
    await sql`BEGIN`.execute(conn);
    try {
      await sql`SELECT pg_advisory_xact_lock(${SEQUENCER_LOCK})`.execute(conn);
      // A new statement, so a new snapshot: it sees what the previous pass committed.
      const numbered = await sql<{ organization_id: string; first: string | number; last: string | number }>`
        WITH pending AS (
          SELECT id, organization_id FROM outbox_events WHERE seq IS NULL ORDER BY id LIMIT ${limit}
        ), counts AS (
          SELECT organization_id, count(*)::bigint AS n FROM pending GROUP BY organization_id
        ), bumped AS (
          INSERT INTO outbox_sequences AS s (organization_id, last_seq)
          SELECT organization_id, n FROM counts
          ON CONFLICT (organization_id) DO UPDATE SET last_seq = s.last_seq + EXCLUDED.last_seq, updated_at = now()
          RETURNING organization_id, last_seq
        ), numbered AS (
          SELECT p.id, b.last_seq - c.n + row_number() OVER (PARTITION BY p.organization_id ORDER BY p.id) AS seq
          FROM pending p JOIN counts c USING (organization_id) JOIN bumped b USING (organization_id)
        ), updated AS (
          UPDATE outbox_events e SET seq = numbered.seq FROM numbered WHERE e.id = numbered.id
          RETURNING e.organization_id, e.seq
        )
        SELECT organization_id, min(seq) AS first, max(seq) AS last FROM updated GROUP BY organization_id`.execute(conn);
      const ranges = numbered.rows.map((r) => ({ organizationId: r.organization_id, from: Number(r.first), to: Number(r.last) }));
      for (const range of ranges) {
        // Delivered at COMMIT, to every process: only the organization and the seq range.
        await sql`SELECT pg_notify(${STREAM_CHANNEL}, ${JSON.stringify({ o: range.organizationId, from: range.from, to: range.to })})`.execute(conn);
      }
      await sql`COMMIT`.execute(conn);
      return ranges;
    } catch (error) {
      await sql`ROLLBACK`.execute(conn).catch(() => {});
      throw error;
    }
  });
}

/** The latest seq and the retention horizon of each organization asked for (owner role). */
export async function sequenceHeads(db: Kysely<DB>, organizationIds: readonly string[]): Promise<Map<string, { last: number; prunedThrough: number }>> {
  if (organizationIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('outbox_sequences')
    .select(['organization_id', 'last_seq', 'pruned_through'])
    .where('organization_id', 'in', organizationIds)
    .execute();
  return new Map(rows.map((r) => [r.organization_id, { last: Number(r.last_seq), prunedThrough: Number(r.pruned_through) }]));
}

/** One organization's events after `afterSeq`, in order (a tenant transaction: RLS applies). */
export async function eventsAfter(tx: Tx, organizationId: string, afterSeq: number, upToSeq: number, limit: number): Promise<OutboxRow[]> {
  const rows = await tx
    .selectFrom('outbox_events')
    .select(['seq', 'event_type', 'entity_type', 'entity_id', 'actor_id', 'created_at', 'payload'])
    .where('organization_id', '=', organizationId)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', upToSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq), payload: r.payload as Record<string, unknown> }));
}

/** Current owner and team of the leads named by a batch of events. */
export async function leadAccess(tx: Tx, organizationId: string, leadIds: readonly string[]): Promise<Map<string, LeadAccess>> {
  if (leadIds.length === 0) return new Map();
  const rows = await tx
    .selectFrom('leads')
    .select(['id', 'assigned_to', 'team_id'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', sql<string>`ANY(${sql.val([...leadIds])}::uuid[])`)
    .execute();
  return new Map(rows.map((r) => [r.id, { assigned_to: r.assigned_to, team_id: r.team_id }]));
}

/**
 * Retention: deletes up to `limit` sequenced events older than `before`, and moves each
 * organization's horizon past the highest seq deleted, in one statement. A client resuming
 * from before the horizon gets a reset: some event after its position may be gone.
 */
export async function pruneBatch(db: Kysely<DB>, before: Date, limit: number): Promise<number> {
  const result = await sql<{ deleted: string | number }>`
    WITH victims AS (
      SELECT id FROM outbox_events WHERE created_at < ${before} AND seq IS NOT NULL ORDER BY created_at LIMIT ${limit}
    ), deleted AS (
      DELETE FROM outbox_events e USING victims v WHERE e.id = v.id RETURNING e.organization_id, e.seq
    ), horizons AS (
      SELECT organization_id, max(seq) AS through, count(*) AS n FROM deleted GROUP BY organization_id
    ), moved AS (
      UPDATE outbox_sequences s SET pruned_through = GREATEST(s.pruned_through, h.through), updated_at = now()
      FROM horizons h WHERE s.organization_id = h.organization_id
      RETURNING 1
    )
    SELECT coalesce(sum(n), 0) AS deleted FROM horizons`.execute(db);
  return Number(result.rows[0]?.deleted ?? 0);
}
