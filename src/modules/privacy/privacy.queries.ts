import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB, JsonObject } from '../../db/schema.ts';
import type { CatalogueColumn, CatalogueTable } from './privacy.catalogue.ts';

/**
 * The SQL of privacy requests. Export, erasure and scan run as the owner role (they cross
 * append-only tables such as the outbox, and tables other modules add later whose grants
 * they cannot know), so EVERY statement here filters on the organization explicitly; the
 * tests prove another organization's copy of the same person is untouched.
 */
type Db = Kysely<DB>;

export interface SubjectLead {
  id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  status: string;
  closed_at: Date | null;
}

/** Leads of the person: by e-mail (any case), by phone (same last ten digits), by id. */
export async function findSubjectLeads(db: Db, organizationId: string, by: { email: string | null; phoneDigits: string | null; leadIds: string[] }): Promise<SubjectLead[]> {
  const { rows } = await sql<SubjectLead>`
    SELECT id, first_name, last_name, email, phone, status::text AS status, closed_at FROM leads
    WHERE organization_id = ${organizationId}
      AND ((${by.email}::text IS NOT NULL AND lower(email) = ${by.email})
        OR (${by.phoneDigits}::text IS NOT NULL AND phone IS NOT NULL AND right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) = ${by.phoneDigits})
        OR id = ANY(${by.leadIds}::uuid[]))
    ORDER BY created_at, id`.execute(db);
  return rows;
}

export async function anonymousIdsOf(db: Db, organizationId: string, leadIds: string[]): Promise<string[]> {
  const { rows } = await sql<{ anonymous_id: string }>`
    SELECT anonymous_id FROM tracking_identities WHERE organization_id = ${organizationId} AND lead_id = ANY(${leadIds}::uuid[])
    UNION SELECT DISTINCT anonymous_id FROM journey_events WHERE organization_id = ${organizationId} AND lead_id = ANY(${leadIds}::uuid[]) AND anonymous_id IS NOT NULL`.execute(db);
  return rows.map((r) => r.anonymous_id);
}

/** Which of these lower-case names some lead outside `exceptLeadIds` carries as a first or last name. */
export async function namesCarriedByOthers(db: Db, organizationId: string, names: string[], exceptLeadIds: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const { rows } = await sql<{ name: string }>`
    SELECT DISTINCT n AS name FROM unnest(${names}::text[]) AS n
    WHERE EXISTS (SELECT 1 FROM leads WHERE organization_id = ${organizationId} AND NOT (id = ANY(${exceptLeadIds}::uuid[]))
                    AND (lower(first_name) = n OR lower(last_name) = n))`.execute(db);
  return new Set(rows.map((r) => r.name));
}

const tbl = (name: string) => sql.table(name);
const col = (name: string) => sql.ref(name);

/** The column as text for a regular expression. */
function asText(c: CatalogueColumn): RawBuilder<string> {
  return c.kind === 'bytes' ? sql<string>`encode(${col(c.name)}, 'escape')` : sql<string>`${col(c.name)}::text`;
}

function tenantFilter(t: CatalogueTable, organizationId: string): RawBuilder<boolean> {
  return t.tenantColumn ? sql<boolean>`${col(t.tenantColumn)} = ${organizationId}::uuid` : sql<boolean>`true`;
}

/** Rows matching each pattern, per column: one statement per table. */
export async function countMatches(db: Db, t: CatalogueTable, organizationId: string, patterns: string[]): Promise<number[][]> {
  if (t.columns.length === 0 || patterns.length === 0) return [];
  const filters = t.columns.flatMap((c, ci) => patterns.map((p, pi) => sql`count(*) FILTER (WHERE ${asText(c)} ~* ${p}) AS ${sql.id(`c${ci}_${pi}`)}`));
  const { rows } = await sql<Record<string, number | string>>`SELECT ${sql.join(filters)} FROM ${tbl(t.name)} WHERE ${tenantFilter(t, organizationId)}`.execute(db);
  const row = rows[0] ?? {};
  return t.columns.map((_, ci) => patterns.map((_, pi) => Number(row[`c${ci}_${pi}`] ?? 0)));
}

/** The rows of a table with a column matching any pattern: ctid and those columns' values. */
export async function matchingRows(db: Db, t: CatalogueTable, columns: CatalogueColumn[], organizationId: string, patterns: string[]): Promise<{ ctid: string; values: Record<string, unknown> }[]> {
  if (columns.length === 0 || patterns.length === 0) return [];
  const any = sql.join(columns.map((c) => sql`${asText(c)} ~* ANY(${patterns}::text[])`), sql` OR `);
  const { rows } = await sql<Record<string, unknown> & { ctid__: string }>`
    SELECT ctid::text AS ctid__, ${sql.join(columns.map((c) => col(c.name)))} FROM ${tbl(t.name)}
    WHERE ${tenantFilter(t, organizationId)} AND (${any})`.execute(db);
  return rows.map(({ ctid__, ...values }) => ({ ctid: ctid__, values }));
}

export async function updateRowByCtid(db: Db, t: CatalogueTable, organizationId: string, ctid: string, values: { column: CatalogueColumn; value: unknown }[]): Promise<void> {
  const sets = values.map(({ column, value }) => {
    if (column.kind === 'json') return sql`${col(column.name)} = ${value === null ? null : JSON.stringify(value)}::jsonb`;
    if (column.kind === 'text_array') return sql`${col(column.name)} = ${value as string[] | null}`;
    return sql`${col(column.name)} = ${value as string | null}`;
  });
  await sql`UPDATE ${tbl(t.name)} SET ${sql.join(sets)} WHERE ctid = ${ctid}::tid AND ${tenantFilter(t, organizationId)}`.execute(db);
}

/** Rows of a table with a lead_id column that point at these leads. */
export async function deleteByLeadIds(db: Db, table: string, organizationId: string, leadIds: string[]): Promise<number> {
  const r = await sql`DELETE FROM ${tbl(table)} WHERE organization_id = ${organizationId} AND lead_id = ANY(${leadIds}::uuid[])`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export async function selectByLeadIds(db: Db, table: string, organizationId: string, leadIds: string[]): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${tbl(table)} WHERE organization_id = ${organizationId} AND lead_id = ANY(${leadIds}::uuid[])`.execute(db);
  return rows;
}

/** Audit entries about their leads (entity lead): the actions taken on them, which carry ids and counts only. */
export async function selectAuditEntries(db: Db, organizationId: string, leadIds: string[]): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`
    SELECT id, actor_type, actor_id, action, entity_type, entity_id, details, created_at FROM audit_log
    WHERE organization_id = ${organizationId} AND entity_type = 'lead' AND entity_id = ANY(${leadIds}::uuid[]) ORDER BY created_at, id`.execute(db);
  return rows;
}

export async function selectLeads(db: Db, organizationId: string, leadIds: string[]): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`SELECT * FROM leads WHERE organization_id = ${organizationId} AND id = ANY(${leadIds}::uuid[]) ORDER BY created_at`.execute(db);
  return rows.map(({ search_vector: _omit, ...rest }) => rest);
}

export async function selectAnonymousEvents(db: Db, organizationId: string, anonymousIds: string[]): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`
    SELECT id, event_type, event_name, description, properties, session_id, anonymous_id, host(ip_address) AS ip_address, user_agent, occurred_at FROM journey_events
    WHERE organization_id = ${organizationId} AND lead_id IS NULL AND anonymous_id = ANY(${anonymousIds}::text[]) ORDER BY occurred_at`.execute(db);
  return rows;
}

export async function deleteAnonymousEvents(db: Db, organizationId: string, anonymousIds: string[]): Promise<number> {
  const r = await sql`DELETE FROM journey_events WHERE organization_id = ${organizationId} AND anonymous_id = ANY(${anonymousIds}::text[])`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Outbox events about these leads (the live stream replays them: they go too). */
export async function deleteOutboxEvents(db: Db, organizationId: string, leadIds: string[]): Promise<number> {
  const r = await sql`
    DELETE FROM outbox_events WHERE organization_id = ${organizationId}
      AND (entity_id = ANY(${leadIds}::uuid[]) OR payload::text ~ ${leadIds.length > 0 ? leadIds.join('|') : '^$'})`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export async function deleteLeads(db: Db, organizationId: string, leadIds: string[]): Promise<number> {
  const r = await sql`DELETE FROM leads WHERE organization_id = ${organizationId} AND id = ANY(${leadIds}::uuid[])`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Search vocabulary words of the person's names that no remaining lead uses. */
export async function deleteSearchWords(db: Db, organizationId: string, words: string[]): Promise<number> {
  if (words.length === 0) return 0;
  const r = await sql`
    DELETE FROM lead_search_words AS w WHERE w.organization_id = ${organizationId} AND w.word = ANY(${words}::text[])
      AND NOT EXISTS (SELECT 1 FROM leads AS l WHERE l.organization_id = ${organizationId}
        AND lower(l.first_name || ' ' || l.last_name || ' ' || coalesce(l.company, '')) ~ ('(^|[^[:alnum:]])' || w.word || '($|[^[:alnum:]])'))`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Uploaded files still held (imports not finished) that contain the person: the whole file goes, the import fails. */
export async function dropImportFiles(db: Db, organizationId: string, patterns: string[]): Promise<number> {
  if (patterns.length === 0) return 0;
  const { rows } = await sql<{ import_id: string }>`
    SELECT DISTINCT import_id FROM import_file_chunks WHERE organization_id = ${organizationId} AND encode(data, 'escape') ~* ANY(${patterns}::text[])`.execute(db);
  const ids = rows.map((r) => r.import_id);
  if (ids.length === 0) return 0;
  await sql`DELETE FROM import_file_chunks WHERE organization_id = ${organizationId} AND import_id = ANY(${ids}::uuid[])`.execute(db);
  await sql`UPDATE imports SET status = 'failed', last_error = 'The uploaded file was removed by an erasure request; upload it again without the erased person.'
    WHERE organization_id = ${organizationId} AND id = ANY(${ids}::uuid[]) AND status <> 'completed'`.execute(db);
  return ids.length;
}

/** Models that learned from a closed lead of the person (trained after it closed) are due for retraining. */
export async function markModelsForRetraining(db: Db, organizationId: string, closedAt: Date[]): Promise<number> {
  if (closedAt.length === 0) return 0;
  const earliest = new Date(Math.min(...closedAt.map((d) => d.getTime())));
  const r = await sql`UPDATE scoring_models SET needs_retraining_since = coalesce(needs_retraining_since, now())
    WHERE organization_id = ${organizationId} AND trained_at >= ${earliest}`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export async function insertTombstones(db: Db, organizationId: string, requestId: string | null, hashes: { kind: 'email' | 'phone'; hash: string }[]): Promise<void> {
  for (const h of hashes) {
    await sql`INSERT INTO privacy_tombstones (organization_id, kind, hash, request_id) VALUES (${organizationId}, ${h.kind}, ${h.hash}, ${requestId}) ON CONFLICT DO NOTHING`.execute(db);
  }
}

export async function tombstoneExists(db: Db, organizationId: string, hashes: { kind: 'email' | 'phone'; hash: string }[]): Promise<boolean> {
  if (hashes.length === 0) return false;
  const { rows } = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM privacy_tombstones AS t, unnest(${hashes.map((h) => h.kind)}::text[], ${hashes.map((h) => h.hash)}::text[]) AS h(kind, hash)
      WHERE t.organization_id = ${organizationId} AND t.kind = h.kind AND t.hash = h.hash) AS found`.execute(db);
  return rows[0]?.found === true;
}

/** Which of these hashes are tombstones (all of the organization's when null). */
export async function existingTombstones(db: Db, organizationId: string, hashes: string[] | null): Promise<Set<string>> {
  if (hashes !== null && hashes.length === 0) return new Set();
  const { rows } = await sql<{ hash: string }>`
    SELECT hash FROM privacy_tombstones WHERE organization_id = ${organizationId} AND (${hashes === null} OR hash = ANY(${hashes ?? []}::text[]))`.execute(db);
  return new Set(rows.map((r) => r.hash));
}

/** Other requests about the same person: their artefacts go, their subject fields are cleared. */
export async function forgetOtherRequests(db: Db, organizationId: string, subjectHashes: string[], exceptId: string | null): Promise<number> {
  const r = await sql`DELETE FROM privacy_exports WHERE organization_id = ${organizationId}
    AND request_id IN (SELECT id FROM privacy_requests WHERE organization_id = ${organizationId} AND subject_hash = ANY(${subjectHashes}::text[]))`.execute(db);
  await sql`UPDATE privacy_requests SET subject_email = NULL, subject_phone = NULL, subject_lead_ids = '{}', updated_at = now(),
      status = CASE WHEN status IN ('received', 'in_progress') THEN 'failed' ELSE status END,
      error = CASE WHEN status IN ('received', 'in_progress') THEN 'The person was erased before this request was acted on.' ELSE error END
    WHERE organization_id = ${organizationId} AND subject_hash = ANY(${subjectHashes}::text[]) AND (${exceptId}::uuid IS NULL OR id <> ${exceptId}::uuid)`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

export type { JsonObject };
