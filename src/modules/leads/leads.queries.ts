import { sql, type Insertable, type RawBuilder, type Selectable, type Updateable } from 'kysely';
import type { LeadsTable } from '../../db/schema.ts';
import { cursorTime } from '../../db/keyset.ts';
import { PREPARED } from '../../db/prepared.ts';
import type { ContactFlags } from '../consent/contactability.ts';
import type { Tx } from '../../db/tenant.ts';
import type { LeadScope } from '../auth/permissions.ts';

/** Columns a client sees (not the search vector). */
export const LEAD_COLUMNS = [
  'id', 'organization_id', 'assigned_to', 'team_id', 'first_name', 'last_name', 'email', 'phone', 'company', 'job_title',
  'address', 'status', 'stage', 'source', 'campaign', 'current_score', 'score_confidence', 'predicted_value',
  'conversion_probability', 'engagement_level', 'custom_fields', 'tags', 'external_id', 'deal_value', 'status_changed_at',
  'closed_at', 'created_at', 'updated_at', 'last_contacted_at', 'next_follow_up_at',
  'do_not_contact', 'do_not_contact_at', 'do_not_contact_by', 'unsubscribed', 'unsubscribed_at', 'unsubscribed_by', 'consent_withdrawn',
] as const;

/**
 * SQL for "may be contacted" (see consent/contactability.ts isContactable without a purpose):
 * not do-not-contact, not unsubscribed, no contact purpose's consent withdrawn.
 */
export const CONTACTABLE = sql<boolean>`(NOT do_not_contact AND NOT unsubscribed AND NOT (consent_withdrawn && ARRAY['marketing', 'sales_contact']::text[]))`;

/** Where a lead stands: still being worked, or decided one way or the other. */
export const OUTCOME_STATUSES = {
  open: ['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'nurturing'],
  won: ['closed_won'],
  lost: ['closed_lost', 'unqualified'],
} as const;
export type Outcome = keyof typeof OUTCOME_STATUSES;

export interface LeadFilter {
  statuses?: string[] | undefined;
  outcome?: Outcome | undefined;
  stage?: string | undefined;
  source?: string | undefined;
  campaign?: string | undefined;
  tagsAny?: string[] | undefined;
  tagsAll?: string[] | undefined;
  assignedTo?: string | null | undefined;
  teamId?: string | undefined;
  engagementLevels?: string[] | undefined;
  scoreMin?: number | undefined;
  scoreMax?: number | undefined;
  followUpBefore?: Date | undefined;
  createdAfter?: Date | undefined;
  createdBefore?: Date | undefined;
  updatedAfter?: Date | undefined;
  updatedBefore?: Date | undefined;
  lastContactedAfter?: Date | undefined;
  lastContactedBefore?: Date | undefined;
  followUpAfter?: Date | undefined;
  followUpUntil?: Date | undefined;
  dealValueMin?: number | undefined;
  dealValueMax?: number | undefined;
  /** The company name starts with this (case-insensitive; the company prefix index serves it). */
  company?: string | undefined;
  /** The job title contains this (case-insensitive). */
  jobTitle?: string | undefined;
  hasEmail?: boolean | undefined;
  hasPhone?: boolean | undefined;
  /** Address parts, case-insensitive equality; country matches the name or the two-letter code. */
  city?: string | undefined;
  region?: string | undefined;
  country?: string | undefined;
  /** A prepared to_tsquery string (prefix terms joined with &). */
  tsquery?: string | undefined;
  /** Custom-field equality, compared as text. */
  customFields?: [string, string][] | undefined;
  /** Exports: only leads that may be contacted (unless the caller asks for every one). */
  contactableOnly?: boolean | undefined;
}

export type SortKey = 'score' | 'updated_at' | 'created_at' | 'next_follow_up_at' | 'name';

/** Search ranked by relevance: one page of the best matches (see 0007_search_relevance.sql). */
export async function searchLeads(tx: Tx, scope: LeadScope, filter: LeadFilter, term: string, limit: number) {
  let query = tx
    .selectFrom(sql<{ lead_id: string; rank: number; similarity: number }>`app.search_leads(${term}, to_tsquery('english', ${filter.tsquery ?? ''}), ${limit * 5})`.as('s'))
    .innerJoin('leads', 'leads.id', 's.lead_id')
    .select(LEAD_COLUMNS.map((c) => `leads.${c}` as const))
    .where(scopeCondition(scope));
  query = applyFilters(query as never, { ...filter, tsquery: undefined }) as never;
  return query.orderBy('s.rank').orderBy('s.similarity', 'desc').orderBy('leads.current_score', 'desc').orderBy('leads.id').limit(limit).execute();
}

/**
 * Each sort is a total order ending in id, so keyset paging returns every row exactly
 * once even when rows are inserted between pages. The cursor holds the last row's key.
 */
const SORT_KEYS = {
  score: { columns: [sql`current_score`, sql`id`], direction: 'desc' },
  updated_at: { columns: [sql`updated_at`, sql`id`], direction: 'desc' },
  created_at: { columns: [sql`created_at`, sql`id`], direction: 'desc' },
  // Leads without a follow-up come last. Paged in two phases (see listLeads), so that both
  // read idx_leads_next_follow_up (organization_id, next_follow_up_at, id) in order.
  next_follow_up_at: { columns: [sql`next_follow_up_at`, sql`id`], direction: 'asc' },
  name: { columns: [sql`lower(last_name)`, sql`lower(first_name)`, sql`id`], direction: 'asc' },
} as const;

/** The keyset values of a listed row (timestamps with their microseconds, see db/keyset.ts). */
function sortValues(sort: SortKey, row: { current_score: number; last_name: string; first_name: string; id: string; cursor_at: string | null }): (string | number)[] {
  switch (sort) {
    case 'score': return [row.current_score, row.id];
    case 'name': return [row.last_name.toLowerCase(), row.first_name.toLowerCase(), row.id];
    default: return [row.cursor_at ?? 'infinity', row.id];
  }
}

// Shared by the plain list and the ranked search, whose query also joins the search
// function: typed loosely (Kysely's where overloads do not survive a generic bound).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function applyFilters<Q extends { where: (...args: any[]) => Q }>(query: Q, filter: LeadFilter): Q {
  const f = filter;
  if (f.contactableOnly) query = query.where(CONTACTABLE);
  if (f.statuses) query = query.where('status', 'in', f.statuses as never[]);
  if (f.outcome) query = query.where('status', 'in', [...OUTCOME_STATUSES[f.outcome]]);
  // Stage and source are stored as codes ("sales_qualified") and shown as words ("Sales
  // qualified"): either form, in any case, finds them.
  if (f.stage) query = query.where(sql<boolean>`${asWords(sql.ref('stage'))} = ${asWords(sql`${f.stage}`)}`);
  if (f.source) query = query.where(sql<boolean>`${asWords(sql.ref('source'))} = ${asWords(sql`${f.source}`)}`);
  if (f.campaign) query = query.where('campaign', '=', f.campaign);
  if (f.tagsAny) query = query.where(sql<boolean>`tags && ${sql.val(f.tagsAny)}::text[]`);
  if (f.tagsAll) query = query.where(sql<boolean>`tags @> ${sql.val(f.tagsAll)}::text[]`);
  if (f.assignedTo === null) query = query.where('assigned_to', 'is', null);
  else if (f.assignedTo) query = query.where('assigned_to', '=', f.assignedTo);
  if (f.teamId) query = query.where('team_id', '=', f.teamId);
  if (f.engagementLevels) query = query.where('engagement_level', 'in', f.engagementLevels as never[]);
  if (f.scoreMin !== undefined) query = query.where('current_score', '>=', f.scoreMin);
  if (f.scoreMax !== undefined) query = query.where('current_score', '<=', f.scoreMax);
  if (f.followUpBefore) query = query.where('next_follow_up_at', '<', f.followUpBefore);
  if (f.createdAfter) query = query.where('created_at', '>=', f.createdAfter);
  if (f.createdBefore) query = query.where('created_at', '<', f.createdBefore);
  if (f.updatedAfter) query = query.where('updated_at', '>=', f.updatedAfter);
  if (f.updatedBefore) query = query.where('updated_at', '<', f.updatedBefore);
  if (f.lastContactedAfter) query = query.where('last_contacted_at', '>=', f.lastContactedAfter);
  if (f.lastContactedBefore) query = query.where('last_contacted_at', '<', f.lastContactedBefore);
  if (f.followUpAfter) query = query.where('next_follow_up_at', '>=', f.followUpAfter);
  if (f.followUpUntil) query = query.where('next_follow_up_at', '<', f.followUpUntil);
  if (f.dealValueMin !== undefined) query = query.where('deal_value', '>=', f.dealValueMin);
  if (f.dealValueMax !== undefined) query = query.where('deal_value', '<=', f.dealValueMax);
  if (f.company) query = query.where(sql<boolean>`lower(company) LIKE ${likePattern(f.company)} || '%'`);
  if (f.jobTitle) query = query.where(sql<boolean>`job_title ILIKE '%' || ${likePattern(f.jobTitle)} || '%'`);
  if (f.hasEmail !== undefined) query = query.where('email', f.hasEmail ? 'is not' : 'is', null);
  if (f.hasPhone !== undefined) query = query.where(f.hasPhone ? sql<boolean>`coalesce(phone, '') <> ''` : sql<boolean>`coalesce(phone, '') = ''`);
  if (f.city) query = query.where(sql<boolean>`lower(address ->> 'city') = ${f.city.toLowerCase()}`);
  if (f.region) query = query.where(sql<boolean>`lower(address ->> 'state') = ${f.region.toLowerCase()}`);
  if (f.country) query = query.where(sql<boolean>`(lower(address ->> 'country') = ${f.country.toLowerCase()} OR lower(address ->> 'country_code') = ${f.country.toLowerCase()})`);
  for (const [key, value] of f.customFields ?? []) query = query.where(sql<boolean>`custom_fields ->> ${key} = ${value}`);
  // Through the search function: a plain @@ cannot use the GIN index under RLS (0005).
  if (f.tsquery) query = query.where('id', 'in', sql<string>`(SELECT lead_id FROM app.search_lead_ids(to_tsquery('english', ${f.tsquery}), ${sql.lit(SEARCH_CAP)}))`);
  return query;
}

/** A code or its words, compared alike: lower case, underscores as spaces. */
const asWords = (value: RawBuilder<unknown>) => sql`replace(lower(${value}), '_', ' ')`;

/** The most matches a search filter reads. */
const SEARCH_CAP = 10_000;

/** Text matched literally inside LIKE: its wildcards and the escape character escaped, lower-cased. */
function likePattern(text: string): string {
  return text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * How many leads a filter selects: counted exactly up to `cap` (a count that stops at cap + 1
 * rows stays cheap), beyond it the planner's estimate of the same statement ("about N"),
 * never below cap + 1. A million-lead organization is not counted row by row on every page.
 */
export async function countLeads(tx: Tx, scope: LeadScope, filter: LeadFilter, cap: number): Promise<{ count: number; exact: boolean }> {
  const matching = applyFilters(tx.selectFrom('leads').select(sql<number>`1`.as('one')).where(scopeCondition(scope)), filter);
  const counted = await tx.selectFrom(matching.limit(cap + 1).as('m')).select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const n = Number(counted.n);
  // A search reads at most 10,000 matches (search_lead_ids): that many means "at least".
  if (n <= cap) return { count: n, exact: !(filter.tsquery && n >= SEARCH_CAP) };
  const [plan] = await matching.explain('json');
  const raw = (plan as Record<string, unknown> | undefined)?.['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan?: { 'Plan Rows'?: number } }[] | undefined;
  const estimate = Math.round(parsed?.[0]?.Plan?.['Plan Rows'] ?? 0);
  return { count: Math.max(cap + 1, estimate), exact: false };
}

/** The leads a scope lets its holder see or change, as one condition on `leads`. */
export function scopeCondition(scope: LeadScope): RawBuilder<boolean> {
  if (scope.kind === 'all') return sql<boolean>`true`;
  if (scope.kind === 'team') return scope.teamId ? sql<boolean>`team_id = ${scope.teamId}` : sql<boolean>`false`;
  const ors = [];
  if (scope.userId) ors.push(sql`assigned_to = ${scope.userId}`);
  if (scope.teamId) ors.push(sql`team_id = ${scope.teamId}`);
  return ors.length > 0 ? sql<boolean>`(${sql.join(ors, sql` OR `)})` : sql<boolean>`false`;
}

/**
 * One page in the sort's order after the keyset `after`, and the keyset of its last row
 * when another page follows (null at the end).
 */
export async function listLeads(tx: Tx, scope: LeadScope, filter: LeadFilter, sort: SortKey, limit: number, after: (string | number)[] | null) {
  if (sort !== 'next_follow_up_at') return listPage(tx, scope, filter, sort, limit, after, null);
  // The follow-up order is the dated leads by date, then the undated ones by id. As one
  // ORDER BY over coalesce(next_follow_up_at, 'infinity') no index can serve the keyset
  // under Row Level Security (an expression in a row comparison is a filter, not an index
  // condition), so every page sorted the organization. In two phases, each is a range read
  // of (organization_id, next_follow_up_at, id); a page that crosses from one to the other
  // takes two statements. A cursor time of 'infinity' means the undated phase.
  if (after !== null && after[0] === 'infinity') return listPage(tx, scope, filter, sort, limit, after, 'undated');
  const dated = await listPage(tx, scope, filter, sort, limit, after, 'dated');
  if (dated.more) return dated;
  const room = limit - dated.rows.length;
  const undated = await listPage(tx, scope, filter, sort, room, null, 'undated');
  if (room === 0) return { rows: dated.rows, after: undated.more ? ['infinity', NIL_UUID] : null, more: undated.more };
  return { rows: [...dated.rows, ...undated.rows], after: undated.after, more: undated.more };
}

/** Below every id: a cursor at the start of the undated phase. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * The statement of one page (exported for the test that checks which index serves it):
 * `phase` splits the follow-up order into its dated and undated parts.
 */
export function listPageQuery(tx: Tx, scope: LeadScope, filter: LeadFilter, sort: SortKey, limit: number, after: (string | number)[] | null, phase: 'dated' | 'undated' | null) {
  const key = SORT_KEYS[sort];
  const timed = sort !== 'name' && sort !== 'score';
  let query = tx
    .selectFrom('leads')
    .select(LEAD_COLUMNS)
    .select((timed ? cursorTime(key.columns[0]) : sql<string | null>`NULL::text`).as('cursor_at'))
    .where(scopeCondition(scope));
  query = applyFilters(query, filter);
  const cols = phase === 'undated' ? sql`id` : sql.join(key.columns);
  if (phase === 'dated') query = query.where('next_follow_up_at', 'is not', null);
  if (phase === 'undated') query = query.where('next_follow_up_at', 'is', null);
  if (after) {
    const values = phase === 'undated'
      ? sql`${after[1]}`
      : sql.join(after.map((v, i) => (i === 0 && timed ? sql`${v}::timestamptz` : sql`${v}`)));
    query = query.where(key.direction === 'desc' ? sql<boolean>`(${cols}) < (${values})` : sql<boolean>`(${cols}) > (${values})`);
  }
  const dir = key.direction === 'desc' ? sql`DESC` : sql`ASC`;
  const order = phase === 'undated' ? [sql`id`] : key.columns;
  return query.orderBy(sql`${sql.join(order.map((c) => sql`${c} ${dir}`))}`).limit(limit + 1);
}

async function listPage(tx: Tx, scope: LeadScope, filter: LeadFilter, sort: SortKey, limit: number, after: (string | number)[] | null, phase: 'dated' | 'undated' | null) {
  const rows = await listPageQuery(tx, scope, filter, sort, limit, after, phase).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page.map(({ cursor_at: _, ...lead }) => lead),
    after: rows.length > limit && last ? sortValues(sort, last) : null,
    more: rows.length > limit,
  };
}

/** The custom-field names used by the leads a filter selects (at most 500, by name). */
export async function customFieldNames(tx: Tx, scope: LeadScope, filter: LeadFilter): Promise<string[]> {
  let leads = tx.selectFrom('leads').select('custom_fields').where(scopeCondition(scope)).where(sql<boolean>`custom_fields <> '{}'::jsonb`);
  leads = applyFilters(leads, filter);
  const rows = await tx
    .selectFrom(leads.as('l'))
    .select(sql<string>`jsonb_object_keys(l.custom_fields)`.as('name'))
    .distinct()
    .orderBy('name')
    .limit(500)
    .execute();
  return rows.map((r) => r.name);
}

const LEAD_COLUMN_LIST = sql.raw(LEAD_COLUMNS.join(', '));
type LeadRow = Pick<Selectable<LeadsTable>, (typeof LEAD_COLUMNS)[number]>;

/**
 * The hottest read of the API, written as one SQL template (building and compiling it
 * with the query builder cost ~50 µs a request, a tenth of the whole request) and kept
 * prepared on the server connection (planning it cost more than running it; db/prepared.ts).
 */
export async function getLead(tx: Tx, id: string, scope: LeadScope): Promise<LeadRow | undefined> {
  const { rows } = await sql<LeadRow>`${PREPARED}SELECT ${LEAD_COLUMN_LIST} FROM leads WHERE id = ${id} AND ${scopeCondition(scope)}`.execute(tx);
  return rows[0];
}

export async function findLeadIdByEmail(tx: Tx, email: string) {
  return tx.selectFrom('leads').select('id').where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
}

export async function insertLead(tx: Tx, values: Insertable<LeadsTable>) {
  return tx.insertInto('leads').values(values).returning(LEAD_COLUMNS).executeTakeFirstOrThrow();
}

/** A jsonb object's change by key: these keys set, these removed (a PATCH's `"key": null`). */
export type JsonMerge = { set: Record<string, unknown>; remove: string[] };

export function jsonMerge(patch: Record<string, unknown>): JsonMerge {
  const entries = Object.entries(patch);
  return { set: Object.fromEntries(entries.filter(([, v]) => v !== null && v !== undefined)), remove: entries.filter(([, v]) => v === null).map(([k]) => k) };
}

/**
 * The stored object with the change applied in the statement itself, so keys another
 * writer (an import, the tracker, another user) set meanwhile survive: `||` then `-`.
 * An address left with no key becomes NULL, as one never given.
 */
function mergedJson(column: 'address' | 'custom_fields', change: JsonMerge): RawBuilder<string> {
  const merged = sql`(coalesce(${sql.ref(column)}, '{}'::jsonb) || ${JSON.stringify(change.set)}::jsonb) - ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(change.remove)}::jsonb))`;
  return column === 'address' ? sql<string>`nullif(${merged}, '{}'::jsonb)` : sql<string>`${merged}`;
}

export async function updateLead(tx: Tx, id: string, values: Updateable<LeadsTable>, merge: { address?: JsonMerge; custom_fields?: JsonMerge } = {}) {
  const merged = {
    ...(merge.address ? { address: mergedJson('address', merge.address) } : {}),
    ...(merge.custom_fields ? { custom_fields: mergedJson('custom_fields', merge.custom_fields) } : {}),
  };
  return tx.updateTable('leads').set({ ...values, ...merged }).where('id', '=', id).returning(LEAD_COLUMNS).executeTakeFirstOrThrow();
}

export async function deleteLead(tx: Tx, id: string) {
  await tx.deleteFrom('leads').where('id', '=', id).execute();
}

/**
 * The journey event of a status change, with the lead's owner and team as the change left
 * them (`owner_id`, `team_id`, JSON null when none): a lead counts for the user who owned it
 * when it was won, even after it is reassigned (the team metrics, src/modules/metrics). Read
 * from the lead row in the same statement, so every caller records them alike.
 */
export async function insertStatusChange(tx: Tx, row: { organizationId: string; leadId: string; userId: string | null; from: string | null; to: string }) {
  await sql`
    INSERT INTO journey_events (organization_id, lead_id, event_type, event_name, properties, user_id)
    SELECT ${row.organizationId}, l.id, 'status_change', ${`Status changed to ${row.to}`},
           jsonb_build_object('from', ${row.from}::text, 'to', ${row.to}::text, 'owner_id', l.assigned_to, 'team_id', l.team_id), ${row.userId}
    FROM leads AS l WHERE l.id = ${row.leadId}`.execute(tx);
}

/**
 * For other modules' lists (activities, conversations): their rows whose lead is in the
 * caller's scope, as a predicate on `lead_id`. The leads module keeps its SQL.
 */
export function leadIdInScope(scope: LeadScope) {
  if (scope.kind === 'all') return sql<boolean>`true`;
  if (scope.kind === 'team') return scope.teamId ? sql<boolean>`lead_id IN (SELECT id FROM leads WHERE team_id = ${scope.teamId})` : sql<boolean>`false`;
  return sql<boolean>`lead_id IN (SELECT id FROM leads WHERE assigned_to = ${scope.userId ?? null} OR team_id = ${scope.teamId ?? null})`;
}

/**
 * Merging moves every row that belongs to the source lead onto the target. It touches
 * other modules' tables by design: a merge must move all of a lead's history in one
 * transaction, and listing the tables here keeps that knowledge in one place.
 */
export const LEAD_CHILD_TABLES = ['activities', 'conversations', 'journey_events', 'lead_scores', 'ai_insights', 'tracking_identities', 'lead_consents', 'lead_assignments'] as const;

/**
 * leads.consent_withdrawn from the leads' consent records: the purposes with a withdrawn
 * record and no open grant (a grant after a withdrawal reopens the purpose). Returns the
 * leads whose value changed.
 */
export async function refreshConsentWithdrawn(tx: Tx, leadIds: string[]): Promise<string[]> {
  if (leadIds.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    UPDATE leads l SET consent_withdrawn = w.purposes
    FROM (
      SELECT k.id, coalesce((
        SELECT array_agg(DISTINCT c.purpose ORDER BY c.purpose) FROM lead_consents c
        WHERE c.lead_id = k.id AND c.withdrawn_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM lead_consents g WHERE g.lead_id = k.id AND g.purpose = c.purpose AND g.withdrawn_at IS NULL)
      ), '{}') AS purposes
      FROM unnest(${leadIds}::uuid[]) AS k(id)
    ) w
    WHERE l.id = w.id AND l.consent_withdrawn IS DISTINCT FROM w.purposes
    RETURNING l.id`.execute(tx);
  return rows.map((r) => r.id);
}

export async function moveLeadChildren(tx: Tx, sourceId: string, targetId: string): Promise<Record<string, number>> {
  const moved: Record<string, number> = {};
  for (const table of LEAD_CHILD_TABLES) {
    const r = await tx.updateTable(table).set({ lead_id: targetId }).where('lead_id', '=', sourceId).executeTakeFirst();
    moved[table] = Number(r.numUpdatedRows);
  }
  return moved;
}

/** Owner and team of these leads (in the scope) before a bulk assignment, locked until it commits. */
export async function lockOwners(tx: Tx, ids: string[], scope: LeadScope) {
  if (ids.length === 0) return [];
  return tx.selectFrom('leads').select(['id', 'assigned_to', 'team_id', 'status']).where('id', 'in', ids).where(scopeCondition(scope)).forUpdate().execute();
}

export async function assignLeads(tx: Tx, ids: string[], scope: LeadScope, values: { assigned_to: string | null; team_id?: string | null }) {
  const rows = await tx
    .updateTable('leads')
    .set(values)
    .where('id', 'in', ids)
    .where(scopeCondition(scope))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Inserts the lead unless the organization already has one with this email; either way
 * returns its id. The unique index on (organization_id, lower(email)) decides between
 * concurrent callers: the loser's insert waits for the winner and does nothing, and its
 * next statement sees the winner's row.
 */
export async function findOrInsertLeadByEmail(tx: Tx, values: Insertable<LeadsTable> & { email: string }): Promise<{ id: string; created: boolean; flags: ContactFlags }> {
  const FLAGS = ['do_not_contact', 'unsubscribed', 'consent_withdrawn'] as const;
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await tx.insertInto('leads').values(values).onConflict((oc) => oc.doNothing()).returning(['id', ...FLAGS]).executeTakeFirst();
    if (inserted) return { id: inserted.id, created: true, flags: inserted };
    const existing = await tx.selectFrom('leads').select(['id', ...FLAGS]).where(sql<string>`lower(email)`, '=', values.email.toLowerCase()).executeTakeFirst();
    if (existing) return { id: existing.id, created: false, flags: existing };
  }
  throw new Error('findOrInsertLeadByEmail: the lead kept disappearing between insert and select');
}
