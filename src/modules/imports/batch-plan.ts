import { insertWaits, planNewLeadOwners, recordAssignments } from '../assignment/assignment.service.ts';
import type { Tx } from '../../db/tenant.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordImportedConsents, type ImportedConsentRow } from '../consent/consent.service.ts';
import { endContactSuggestions } from '../insights/insights.service.ts';
import * as q from './imports.queries.ts';
import type { LeadKeyRow } from './lead-keys.ts';
import { foldInto, mergeDuplicates, type CustomFields, type MapRow, type PreparedLead, type RowError } from './row-mapping.ts';

/**
 * One batch of an import, from parsed records to written leads, shared by the normal path
 * (batches in their own transactions, matched against the database) and the bulk path
 * (one transaction, matched against an in-memory key index): whatever decides which row
 * creates, updates or is refused lives here once, so both paths give the same leads.
 */
export interface Batch {
  leads: PreparedLead[];
  errors: RowError[];
  raw: Map<number, string[]>;
  /** The batch covers the lines after this one (the previous record's) up to lastLine. */
  after: number;
  lastLine: number;
  bytes: number;
  rows: number;
}

export type CustomFieldChange = { key: string; label: string; type: 'number' | 'boolean' | 'date' | 'category' | 'text'; categories: string[] };

/** Existing leads having any of these (lower-cased) emails or external ids. */
export type Matcher = (emails: string[], externalIds: string[]) => Promise<LeadKeyRow[]> | LeadKeyRow[];

export interface BatchPlan {
  inserts: PreparedLead[];
  /** The ids the inserts get (time-ordered), in their order. */
  insertIds: string[];
  updates: PreparedLead[];
  /** The lead each update goes to, in their order. */
  ids: string[];
  errors: RowError[];
  /** Rows that became part of another row's lead (in-file duplicates, folded rows): counted as updates. */
  merged: number;
}

function newBatch(): Batch {
  return { leads: [], errors: [], raw: new Map(), after: -1, lastLine: 0, bytes: 0, rows: 0 };
}

function addRecord(batch: Batch, mapRow: MapRow, record: { line: number; cells: string[]; bytes: number }) {
  batch.lastLine = record.line;
  batch.bytes = record.bytes;
  const mapped = mapRow(record.cells, record.line);
  if (mapped === null) return;
  batch.rows++;
  if ('reason' in mapped) batch.errors.push(mapped);
  else {
    batch.leads.push(mapped);
    batch.raw.set(record.line, record.cells);
  }
}

/**
 * The file's records grouped into batches of `size` rows, for both paths. A batch never
 * spans a line an earlier run committed (its range, after its `after` line up to
 * `lastLine`, must cover only its own rows): a committed line ends the batch before it and
 * is skipped. The header is line 1, so the first batch's range starts after it. Records are
 * read (and mapped) only as the consumer asks for the next batch.
 */
export async function* batchesOf(
  records: AsyncIterable<{ line: number; cells: string[]; bytes: number }>,
  options: { mapRow: MapRow; isCommitted: (line: number) => boolean; size: number },
): AsyncGenerator<Batch> {
  let previousLine = 1;
  let batch = newBatch();
  for await (const record of records) {
    if (options.isCommitted(record.line)) {
      if (batch.rows > 0) yield batch;
      batch = newBatch();
      previousLine = record.line;
      continue;
    }
    if (batch.after < 0) batch.after = previousLine;
    previousLine = record.line;
    addRecord(batch, options.mapRow, record);
    if (batch.rows >= options.size) {
      yield batch;
      batch = newBatch();
    }
  }
  if (batch.rows > 0) yield batch;
}

/**
 * Lines an earlier run of the import committed: everything up to the checkpoint, and the
 * ranges of batches that committed out of order (with several writers) beyond it.
 */
export function committedLines(checkpoint: number, ranges: readonly (readonly [number, number])[]): (line: number) => boolean {
  return (line) => line <= checkpoint || ranges.some(([after, last]) => line > after && line <= last);
}

/** The custom fields whose type or categories changed since the last batch (written with it). */
export function takeCustomChanges(custom: CustomFields): CustomFieldChange[] {
  const changes = [...custom.changed].map((key) => {
    const f = custom.fields.get(key)!;
    return { key, label: f.label, type: f.type, categories: f.type === 'category' ? [...f.categories].sort() : [] };
  });
  custom.changed.clear();
  return changes;
}

/** The positions of the people (e-mail, phone) who were erased from the organization (privacy tombstones). */
export type ErasedCheck = (people: { email: string | null; phone: string | null }[]) => Promise<Set<number>>;

// The refused row keeps no cells: storing the erased person's values as a rejected row would bring them back.
const ERASED_ROW = 'this person asked to be erased (a privacy erasure request): the row was not imported and its values were not kept';

/** Decides each row of the batch: a new lead, an update of a matched one, or a refusal. */
export async function planBatch(batch: Batch, match: Matcher, erased?: ErasedCheck): Promise<BatchPlan> {
  const errors: RowError[] = [...batch.errors];
  const merged = mergeDuplicates(batch.leads);
  for (const e of merged.errors) errors.push({ ...e, raw: batch.raw.get(e.line) ?? [] });
  if (erased && merged.rows.length > 0) {
    const refused = await erased(merged.rows.map((r) => ({ email: r.email, phone: r.phone })));
    if (refused.size > 0) {
      for (const i of refused) errors.push({ line: merged.rows[i]!.line, reason: ERASED_ROW, raw: [] });
      merged.rows = merged.rows.filter((_, i) => !refused.has(i));
    }
  }

  const emails = [...new Set(merged.rows.flatMap((r) => (r.email ? [r.email] : [])))];
  const externalIds = [...new Set(merged.rows.flatMap((r) => (r.external_id ? [r.external_id] : [])))];
  const matches = await match(emails, externalIds);
  const byEmail = new Map<string, string>();
  const byExt = new Map<string, string>();
  const extOf = new Map<string, string | null>();
  for (const m of matches) {
    extOf.set(m.id, m.external_id);
    if (m.email) byEmail.set(m.email, m.id);
    if (m.external_id) byExt.set(m.external_id, m.id);
  }
  const inserts: PreparedLead[] = [];
  const updates: PreparedLead[] = [];
  const ids: string[] = [];
  const updateOf = new Map<string, PreparedLead>();
  let folded = 0;
  for (const row of merged.rows) {
    const idE = row.email ? byEmail.get(row.email) : undefined;
    const idX = row.external_id ? byExt.get(row.external_id) : undefined;
    if (idE && idX && idE !== idX) {
      errors.push({ line: row.line, reason: `email ${row.email} belongs to one existing lead and external id ${row.external_id} to another; merge them first or fix the row`, raw: batch.raw.get(row.line) ?? [] });
      continue;
    }
    const id = idX ?? idE;
    const existingExt = id ? extOf.get(id) : null;
    if (id && !idX && row.external_id && existingExt && existingExt !== row.external_id) {
      errors.push({ line: row.line, reason: `email ${row.email} belongs to an existing lead with another external id (${existingExt})`, raw: batch.raw.get(row.line) ?? [] });
      continue;
    }
    if (!id) {
      inserts.push(row);
      continue;
    }
    const earlier = updateOf.get(id);
    if (earlier) {
      // Two rows of the file reach one lead (one by email, one by external id).
      foldInto(earlier, row);
      folded++;
      continue;
    }
    updateOf.set(id, row);
    updates.push(row);
    ids.push(id);
  }
  errors.sort((a, b) => a.line - b.line);
  return { inserts, insertIds: q.timeOrderedIds(inserts.length), updates, ids, errors, merged: merged.merged + folded };
}

/** The import a batch belongs to, and who started it (recorded_by of its consents, the actor of its audit entry). */
export interface BatchOwner {
  organizationId: string;
  importId: string;
  userId: string | null;
}

/**
 * Writes a planned batch: leads, their consent records and flags, rejected rows,
 * custom-field catalogue changes. The bulk path passes the insert statement built ahead of
 * time (while the batch before is written).
 */
export async function applyBatch(
  tx: Tx, owner: BatchOwner, plan: BatchPlan, customChanges: CustomFieldChange[],
  insert = q.insertLeadsStatement(owner.organizationId, plan.inserts, plan.insertIds),
) {
  // New leads without an owner in the file: the assignment rules decide, for the batch at
  // once, before the insert, which then writes the owners itself (the prebuilt statement is
  // rebuilt only when a rule or the fallback took some of them).
  const unowned = plan.inserts.flatMap((l, i) => (l.assigned_to === null ? [{ id: plan.insertIds[i]!, source: l.source, campaign: l.campaign, address: l.address, current_score: 0, scored: false }] : []));
  const planned = await planNewLeadOwners(tx, unowned);
  const owners = new Map(planned?.assignments.map((a) => [a.leadId, a]));
  if (owners.size > 0) {
    const inserts = plan.inserts.map((l, i) => {
      const a = owners.get(plan.insertIds[i]!);
      return a ? { ...l, assigned_to: a.userId, team_id: l.team_id ?? planned!.teams.get(a.userId) ?? null } : l;
    });
    insert = q.insertLeadsStatement(owner.organizationId, inserts, plan.insertIds);
  }
  const created = await q.runStatement(tx, insert);
  if (planned) await insertWaits(tx, owner.organizationId, planned.waiting);
  if (planned && owners.size > 0) {
    const teamOf = new Map(plan.inserts.map((l, i) => [plan.insertIds[i]!, l.team_id]));
    const applied = planned.assignments.map((a) => ({ ...a, previousTeamId: teamOf.get(a.leadId) ?? null, teamId: teamOf.get(a.leadId) ?? planned.teams.get(a.userId) ?? null }));
    await recordAssignments(tx, { organizationId: owner.organizationId, actor: { id: owner.userId } }, planned, applied, 'import');
  }
  const updated = (await q.updateLeads(tx, plan.updates, plan.ids)) + plan.merged;
  await applyConsents(tx, owner, plan);
  await q.insertErrors(tx, owner.organizationId, owner.importId, plan.errors);
  await q.upsertCustomFields(tx, owner.organizationId, owner.importId, customChanges);
  return { created, updated, rejected: plan.errors.length };
}

/**
 * The person's word from the file, in the batch's transaction: consent records, and for
 * updated leads now do-not-contact or unsubscribed, their open contact suggestions end at
 * once (new leads have none; tracking and the insights engine read the lead's flags). One
 * audit entry per batch that carries any, with counts only.
 */
async function applyConsents(tx: Tx, owner: BatchOwner, plan: BatchPlan) {
  const rows: ImportedConsentRow[] = [];
  const collect = (leads: readonly PreparedLead[], ids: readonly string[]) => leads.forEach((lead, i) => {
    for (const c of lead.consents ?? []) rows.push({ leadId: ids[i]!, purpose: c.purpose, granted: c.granted, lawfulBasis: c.lawful_basis, at: c.at === null ? null : new Date(c.at) });
  });
  collect(plan.inserts, plan.insertIds);
  collect(plan.updates, plan.ids);
  const { recorded, closed } = await recordImportedConsents(tx, owner, rows);
  const stopped = plan.updates.flatMap((l, i) => (l.do_not_contact || l.unsubscribed ? [plan.ids[i]!] : []));
  if (stopped.length > 0) await endContactSuggestions(tx, owner, stopped, { onlyUncontactable: true });
  const all = [...plan.inserts, ...plan.updates];
  const doNotContact = all.filter((l) => l.do_not_contact).length;
  const unsubscribed = all.filter((l) => l.unsubscribed).length;
  if (recorded + closed + doNotContact + unsubscribed === 0) return;
  await recordAudit(tx, {
    organizationId: owner.organizationId, actorType: owner.userId ? 'user' : 'system', actorId: owner.userId,
    action: 'consent.import', entityType: 'import', entityId: owner.importId,
    details: { source: 'import', consents_recorded: recorded, grants_withdrawn: closed, rows_do_not_contact: doNotContact, rows_unsubscribed: unsubscribed },
  });
}
