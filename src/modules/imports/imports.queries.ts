import { randomBytes } from 'node:crypto';
import { sql, type Insertable, type Kysely, type RawBuilder, type Updateable } from 'kysely';
import { arrayLiteral } from '../../db/array-literal.ts';
import type { CustomFieldType, DB, ImportsTable } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';
import type { PreparedLead } from './row-mapping.ts';

/** The imports module's SQL: imports, their file chunks and errors, leads in bulk, the custom-field catalogue. */

export const IMPORT_COLUMNS = [
  'id', 'organization_id', 'created_by', 'source', 'file_name', 'file_size', 'file_sha256', 'format', 'mapping', 'status', 'job_id',
  'checkpoint_line', 'committed_ranges', 'bytes_done', 'batches', 'rows_processed', 'created_count', 'updated_count', 'rejected_count', 'last_error',
  'created_at', 'updated_at', 'started_at', 'finished_at',
] as const;

export async function insertImport(tx: Tx, values: Insertable<ImportsTable>) {
  return tx.insertInto('imports').values(values).returning(IMPORT_COLUMNS).executeTakeFirstOrThrow();
}

export async function getImport(tx: Tx | Kysely<DB>, id: string) {
  return tx.selectFrom('imports').select(IMPORT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function listImports(tx: Tx, limit: number) {
  return tx.selectFrom('imports').select(IMPORT_COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function updateImport(tx: Tx, id: string, values: Updateable<ImportsTable>) {
  return tx.updateTable('imports').set({ ...values, updated_at: sql<Date>`now()` }).where('id', '=', id).returning(IMPORT_COLUMNS).executeTakeFirst();
}

/** The newest unfinished CLI import of the same file (same bytes) and mapping: resumable. */
export async function findResumableCliImport(tx: Tx, sha256: string, mappingJson: string) {
  return tx
    .selectFrom('imports')
    .select(IMPORT_COLUMNS)
    .where('file_sha256', '=', sha256)
    .where('source', '=', 'cli')
    .where('status', '<>', 'completed')
    .where(sql<boolean>`mapping = ${mappingJson}::jsonb`)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function deleteImport(tx: Tx, id: string) {
  await tx.deleteFrom('imports').where('id', '=', id).execute();
}

export async function insertChunk(tx: Tx, row: { organizationId: string; importId: string; seq: number; data: Uint8Array }) {
  await tx.insertInto('import_file_chunks').values({ organization_id: row.organizationId, import_id: row.importId, seq: row.seq, data: row.data }).execute();
}

export async function readChunk(tx: Tx, importId: string, seq: number): Promise<Uint8Array | undefined> {
  const row = await tx.selectFrom('import_file_chunks').select('data').where('import_id', '=', importId).where('seq', '=', seq).executeTakeFirst();
  return row?.data;
}

export async function deleteChunks(tx: Tx, importId: string) {
  await tx.deleteFrom('import_file_chunks').where('import_id', '=', importId).execute();
}

export async function listErrors(tx: Tx, importId: string) {
  return tx.selectFrom('import_errors').select(['line', 'reason', 'raw']).where('import_id', '=', importId).orderBy('line').execute();
}

export async function insertErrors(tx: Tx, organizationId: string, importId: string, errors: { line: number; reason: string; raw: string[] }[]) {
  if (errors.length === 0) return;
  await sql`
    INSERT INTO import_errors (organization_id, import_id, line, reason, raw)
    SELECT ${organizationId}::uuid, ${importId}::uuid, u.line, u.reason, u.raw::jsonb
    FROM unnest(${errors.map((e) => e.line)}::int[], ${errors.map((e) => e.reason)}::text[], ${errors.map((e) => JSON.stringify(e.raw))}::text[]) AS u(line, reason, raw)
    ON CONFLICT (import_id, line) DO NOTHING`.execute(tx);
}

/**
 * Records a committed batch in the batch's own transaction: its line range, and the
 * checkpoint when the batch continues it (batches of several writers may commit out of
 * order; the ranges say which lines are done either way). A range already recorded means
 * a second runner of the same import: it fails instead of writing the batch twice.
 */
export async function recordBatch(
  tx: Tx,
  id: string,
  batch: { after: number; lastLine: number; bytes: number; rows: number; created: number; updated: number; rejected: number },
): Promise<boolean> {
  const range = JSON.stringify([[batch.after, batch.lastLine]]);
  // The checkpoint follows the chain of ranges that continue it: (1, 11], (11, 21], …
  const r = await sql`
    UPDATE imports SET
      committed_ranges = committed_ranges || ${range}::jsonb,
      checkpoint_line = (
        WITH RECURSIVE ranges(after, last) AS (
          SELECT (v->>0)::int, (v->>1)::int FROM jsonb_array_elements(imports.committed_ranges || ${range}::jsonb) AS e(v)
        ), chain(line) AS (
          SELECT greatest(imports.checkpoint_line, 1)
          UNION
          SELECT ranges.last FROM chain JOIN ranges ON ranges.after = chain.line
        )
        SELECT max(line) FROM chain),
      bytes_done = greatest(bytes_done, ${batch.bytes}),
      batches = batches + 1,
      rows_processed = rows_processed + ${batch.rows},
      created_count = created_count + ${batch.created},
      updated_count = updated_count + ${batch.updated},
      rejected_count = rejected_count + ${batch.rejected},
      updated_at = now()
    WHERE id = ${id} AND NOT committed_ranges @> ${range}::jsonb`.execute(tx);
  return Number(r.numAffectedRows ?? 0) === 1;
}

export async function countLeads(tx: Tx): Promise<number> {
  const row = await tx.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

// Leads in bulk ---------------------------------------------------------------------------

export async function matchLeads(tx: Tx, emails: string[], externalIds: string[]) {
  if (emails.length === 0 && externalIds.length === 0) return [];
  const { rows } = await sql<{ id: string; email: string | null; external_id: string | null }>`
    SELECT id, email, external_id FROM app.import_match_leads(${emails}::text[], ${externalIds}::text[])`.execute(tx);
  return rows;
}

type ScalarKey = { [K in keyof PreparedLead]: PreparedLead[K] extends string | number | null ? K : never }[keyof PreparedLead];
const col = (rows: readonly PreparedLead[], key: ScalarKey) => arrayLiteral(rows.map((r) => r[key]));
const flag = (rows: readonly PreparedLead[], key: 'do_not_contact' | 'unsubscribed') => arrayLiteral(rows.map((r) => (r[key] === null ? null : r[key] ? 't' : 'f')));
const json = (rows: readonly PreparedLead[], key: 'tags' | 'address' | 'custom_fields') => arrayLiteral(rows.map((r) => (r[key] === null ? null : JSON.stringify(r[key]))));

/** The batch as parallel arrays: one parameter per column, whatever the number of rows. */
function unnestRows(rows: readonly PreparedLead[], ids?: string[]) {
  return sql`unnest(
    ${arrayLiteral(ids ?? rows.map(() => null))}::uuid[], ${col(rows, 'first_name')}::text[], ${col(rows, 'last_name')}::text[], ${col(rows, 'email')}::text[],
    ${col(rows, 'phone')}::text[], ${col(rows, 'company')}::text[], ${col(rows, 'job_title')}::text[], ${col(rows, 'status')}::text[],
    ${col(rows, 'stage')}::text[], ${col(rows, 'source')}::text[], ${col(rows, 'campaign')}::text[], ${json(rows, 'tags')}::text[],
    ${col(rows, 'external_id')}::text[], ${col(rows, 'deal_value')}::numeric[], ${json(rows, 'address')}::text[], ${json(rows, 'custom_fields')}::text[],
    ${col(rows, 'created_at')}::timestamptz[], ${col(rows, 'closed_at')}::timestamptz[], ${col(rows, 'next_follow_up_at')}::timestamptz[],
    ${col(rows, 'last_contacted_at')}::timestamptz[], ${col(rows, 'assigned_to')}::uuid[], ${col(rows, 'team_id')}::uuid[],
    ${flag(rows, 'do_not_contact')}::boolean[], ${flag(rows, 'unsubscribed')}::boolean[]
  ) AS u(id, first_name, last_name, email, phone, company, job_title, status, stage, source, campaign, tags, external_id, deal_value,
         address, custom_fields, created_at, closed_at, next_follow_up_at, last_contacted_at, assigned_to, team_id, do_not_contact, unsubscribed)`;
}

const CLOSED = sql`('closed_won', 'closed_lost')`;

/**
 * Ids in the UUIDv7 layout (milliseconds, then a counter, then random bits), in order: a
 * million new leads append to the primary-key index instead of writing to random pages of
 * an index larger than memory (see bench:seed in docs/benchmarks-history.md).
 */
let lastMs = 0;
export function timeOrderedIds(n: number): string[] {
  const ids: string[] = [];
  const random = randomBytes(n * 8);
  let ms = Math.max(Date.now(), lastMs + 1);
  for (let i = 0; i < n; i++) {
    const counter = i % 4096;
    if (i > 0 && counter === 0) ms++;
    const b = Buffer.alloc(16);
    b.writeUIntBE(ms, 0, 6);
    b[6] = 0x70 | (counter >> 8);
    b[7] = counter & 0xff;
    random.copy(b, 8, i * 8, i * 8 + 8);
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = b.toString('hex');
    ids.push(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  }
  lastMs = ms;
  return ids;
}

/**
 * The latest thing the file says happened to a row (its last activity or its creation):
 * when a status the file gives without a date was most likely reached.
 */
const lastFileDate = sql`greatest(u.created_at, u.last_contacted_at)`;
/** A closed row's close date: the file's, else its last known date, else the import's time. */
const closedAt = sql`coalesce(u.closed_at, ${lastFileDate}, now())`;

/**
 * New leads. An imported status is recorded as it is in the file, without journey events
 * (the file says where a lead ended, not how it got there), and dated by the file, so
 * imported history lands on the dashboard when it happened, not on the day of the import:
 * a closed row by its close date, else its last activity or creation date; a new one by
 * its creation date; any other status by its last activity, else its creation date. Only
 * a row without any date gets the time of the import. The ids are time-ordered unless
 * given (the bulk path chooses them, to know which lead each row became).
 */
export async function insertLeads(tx: Tx, organizationId: string, rows: readonly PreparedLead[], ids: readonly string[] = timeOrderedIds(rows.length)): Promise<number> {
  return runStatement(tx, insertLeadsStatement(organizationId, rows, ids));
}

/** The statement of insertLeads, built (its parameters serialised) without running it; null for no rows. */
export function insertLeadsStatement(organizationId: string, rows: readonly PreparedLead[], ids: readonly string[]): RawBuilder<unknown> | null {
  if (rows.length === 0) return null;
  return sql`
    INSERT INTO leads (id, organization_id, first_name, last_name, email, phone, company, job_title, status, stage, source, campaign, tags,
                       external_id, deal_value, address, custom_fields, created_at, status_changed_at, closed_at, next_follow_up_at, last_contacted_at,
                       assigned_to, team_id, do_not_contact, do_not_contact_at, unsubscribed, unsubscribed_at)
    SELECT u.id, ${organizationId}::uuid, coalesce(u.first_name, ''), coalesce(u.last_name, ''), u.email, u.phone, u.company, u.job_title,
           coalesce(u.status, 'new')::lead_status, coalesce(u.stage, 'prospect'), u.source, u.campaign,
           CASE WHEN u.tags IS NULL THEN '{}'::text[] ELSE ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)) END,
           u.external_id, u.deal_value, u.address::jsonb, coalesce(u.custom_fields::jsonb, '{}'::jsonb),
           coalesce(u.created_at, now()),
           CASE WHEN u.status IN ${CLOSED} THEN ${closedAt}
                WHEN coalesce(u.status, 'new') = 'new' THEN coalesce(u.created_at, now())
                ELSE coalesce(${lastFileDate}, now()) END,
           CASE WHEN u.status IN ${CLOSED} THEN ${closedAt} END,
           u.next_follow_up_at, u.last_contacted_at, u.assigned_to, u.team_id,
           coalesce(u.do_not_contact, false), CASE WHEN u.do_not_contact THEN now() END,
           coalesce(u.unsubscribed, false), CASE WHEN u.unsubscribed THEN now() END
    FROM ${unnestRows(rows, [...ids])}`;
}

/** Runs a built statement; the rows it changed. */
export async function runStatement(tx: Tx, statement: RawBuilder<unknown> | null): Promise<number> {
  if (!statement) return 0;
  const r = await statement.execute(tx);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Existing leads: the file's non-empty values win, empty cells keep what is there; tags
 * and custom fields are added to, never removed; do-not-contact and unsubscribed are set,
 * never lifted. A changed status moves
 * status_changed_at (and closed_at) like an edit would, without a journey event.
 */
export async function updateLeads(tx: Tx, rows: readonly PreparedLead[], ids: string[]): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await sql`
    UPDATE leads AS l SET
      first_name = coalesce(u.first_name, l.first_name),
      last_name = coalesce(u.last_name, l.last_name),
      email = coalesce(u.email, l.email),
      phone = coalesce(u.phone, l.phone),
      company = coalesce(u.company, l.company),
      job_title = coalesce(u.job_title, l.job_title),
      status = coalesce(u.status::lead_status, l.status),
      status_changed_at = CASE WHEN u.status IS NOT NULL AND u.status::lead_status <> l.status THEN now() ELSE l.status_changed_at END,
      closed_at = CASE
        WHEN u.status IS NULL OR u.status::lead_status = l.status THEN CASE WHEN l.status IN ${CLOSED} THEN coalesce(u.closed_at, l.closed_at) ELSE l.closed_at END
        WHEN u.status IN ${CLOSED} THEN coalesce(u.closed_at, now())
        ELSE NULL END,
      stage = coalesce(u.stage, l.stage),
      source = coalesce(u.source, l.source),
      campaign = coalesce(u.campaign, l.campaign),
      tags = CASE WHEN u.tags IS NULL THEN l.tags
        ELSE ARRAY(SELECT DISTINCT t FROM unnest(l.tags || ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb))) AS t) END,
      external_id = coalesce(u.external_id, l.external_id),
      deal_value = coalesce(u.deal_value, l.deal_value),
      address = CASE WHEN u.address IS NULL THEN l.address ELSE coalesce(l.address, '{}'::jsonb) || u.address::jsonb END,
      custom_fields = l.custom_fields || coalesce(u.custom_fields::jsonb, '{}'::jsonb),
      created_at = least(l.created_at, coalesce(u.created_at, l.created_at)),
      next_follow_up_at = coalesce(u.next_follow_up_at, l.next_follow_up_at),
      last_contacted_at = greatest(l.last_contacted_at, u.last_contacted_at),
      assigned_to = coalesce(u.assigned_to, l.assigned_to),
      team_id = coalesce(u.team_id, l.team_id),
      -- A file sets do-not-contact and unsubscribed but never lifts them: CRM exports write
      -- "false" for everyone not flagged, and re-importing an old export must not undo a
      -- person's objection recorded since (lifting one is a deliberate edit of the lead).
      -- When is recorded; who is the import's audit entry (the *_by columns name users).
      do_not_contact = l.do_not_contact OR coalesce(u.do_not_contact, false),
      do_not_contact_at = CASE WHEN u.do_not_contact AND NOT l.do_not_contact THEN now() ELSE l.do_not_contact_at END,
      do_not_contact_by = CASE WHEN u.do_not_contact AND NOT l.do_not_contact THEN NULL ELSE l.do_not_contact_by END,
      unsubscribed = l.unsubscribed OR coalesce(u.unsubscribed, false),
      unsubscribed_at = CASE WHEN u.unsubscribed AND NOT l.unsubscribed THEN now() ELSE l.unsubscribed_at END,
      unsubscribed_by = CASE WHEN u.unsubscribed AND NOT l.unsubscribed THEN NULL ELSE l.unsubscribed_by END
    FROM ${unnestRows(rows, ids)}
    WHERE l.id = u.id`.execute(tx);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Owner role: refreshes the planner's statistics on leads. A first large import makes
 * them stale within a batch or two (an organization that looked empty has thousands of
 * rows), and a plan made for an empty table turns every batch's lookups into scans.
 */
export async function analyzeLeads(db: Kysely<DB>) {
  await sql`ANALYZE leads`.execute(db);
}

/** The organization's active users and its teams, to match owner and team columns against. */
export async function listOwners(tx: Tx | Kysely<DB>) {
  const users = await tx.selectFrom('users').select(['id', 'email', 'full_name', 'team_id']).where('is_active', '=', true).orderBy('created_at').execute();
  const teams = await tx.selectFrom('teams').select(['id', 'name']).orderBy('created_at').execute();
  return { users, teams };
}

// Custom-field catalogue --------------------------------------------------------------------

export async function listCustomFields(tx: Tx | Kysely<DB>) {
  return tx
    .selectFrom('custom_field_definitions')
    .select(['key', 'label', 'type', 'categories', 'source_import_id', 'created_at', 'updated_at'])
    .orderBy('key')
    .execute();
}

export async function upsertCustomFields(
  tx: Tx,
  organizationId: string,
  importId: string | null,
  fields: { key: string; label: string; type: CustomFieldType; categories: string[] }[],
) {
  if (fields.length === 0) return;
  await tx
    .insertInto('custom_field_definitions')
    .values(fields.map((f) => ({ organization_id: organizationId, key: f.key, label: f.label, type: f.type, categories: JSON.stringify(f.categories), source_import_id: importId })))
    .onConflict((oc) =>
      oc.columns(['organization_id', 'key']).doUpdateSet((eb) => ({
        type: eb.ref('excluded.type'),
        categories: eb.ref('excluded.categories'),
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
}
