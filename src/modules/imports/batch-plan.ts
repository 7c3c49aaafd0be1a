import type { Tx } from '../../db/tenant.ts';
import * as q from './imports.queries.ts';
import type { LeadKeyRow } from './lead-keys.ts';
import { mergeDuplicates, type CustomFields, type MapRow, type PreparedLead, type RowError } from './row-mapping.ts';

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

/** Decides each row of the batch: a new lead, an update of a matched one, or a refusal. */
export async function planBatch(batch: Batch, match: Matcher): Promise<BatchPlan> {
  const errors: RowError[] = [...batch.errors];
  const merged = mergeDuplicates(batch.leads);
  for (const e of merged.errors) errors.push({ ...e, raw: batch.raw.get(e.line) ?? [] });

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
      for (const key of Object.keys(row) as (keyof PreparedLead)[]) {
        if (key !== 'line' && key !== 'custom_fields' && row[key] !== null) (earlier as unknown as Record<string, unknown>)[key] = row[key];
      }
      earlier.custom_fields = { ...earlier.custom_fields, ...row.custom_fields };
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

/**
 * Writes a planned batch: leads, rejected rows, custom-field catalogue changes. The bulk
 * path passes the insert statement built ahead of time (while the batch before is written).
 */
export async function applyBatch(
  tx: Tx, organizationId: string, importId: string, plan: BatchPlan, customChanges: CustomFieldChange[],
  insert = q.insertLeadsStatement(organizationId, plan.inserts, plan.insertIds),
) {
  const created = await q.runStatement(tx, insert);
  const updated = (await q.updateLeads(tx, plan.updates, plan.ids)) + plan.merged;
  await q.insertErrors(tx, organizationId, importId, plan.errors);
  await q.upsertCustomFields(tx, organizationId, importId, customChanges);
  return { created, updated, rejected: plan.errors.length };
}
