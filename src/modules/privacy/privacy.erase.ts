import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { readCatalogue, type CatalogueColumn } from './privacy.catalogue.ts';
import { scrubJson, scrubText, type TracePattern } from './privacy.patterns.ts';
import * as q from './privacy.queries.ts';
import { subjectHashes, type Subject } from './privacy.subject.ts';

export type Progress = (done: number, total: number, message: string) => void;

export interface ErasureCounts {
  leads: number;
  /** Rows deleted per table that pointed at the person's leads (activities, scores, insights …). */
  deleted: Record<string, number>;
  anonymous_events: number;
  outbox_events: number;
  search_words: number;
  import_files: number;
  /** Rows rewritten per table where other records mentioned the person (notes, entities, import rows …). */
  rewritten: Record<string, number>;
  models_marked_for_retraining: number;
  export_artefacts: number;
  tombstones: number;
}

// Never rewritten: accounts of the organization's own users (a colleague who shares a name
// with the person keeps their login), and the hashes that are the tombstones.
const NOT_REWRITTEN = new Set(['users', 'user_credentials', 'sessions', 'privacy_tombstones', 'schema_migrations']);

/**
 * Erases a person from one organization in one transaction: their leads and everything that
 * points at them, their anonymous visits, the outbox's copies, search words, files still held
 * by unfinished imports, then every mention elsewhere (other leads' notes and conversations,
 * jsonb entities and properties, import rows, notifications) rewritten to "[erased]". Leaves
 * an audit entry with counts and tombstones of their e-mail and phone. Aggregates
 * (performance metrics, forecasts) are figures about many people and stay.
 */
export async function eraseSubject(
  db: Kysely<DB>,
  input: { organizationId: string; subject: Subject; hashKey: string; requestId: string | null; actor: { type: 'user' | 'api_key' | 'system'; id: string | null }; progress?: Progress },
): Promise<ErasureCounts> {
  const { organizationId: org, subject } = input;
  const progress = input.progress ?? (() => {});
  const patterns = subject.patterns;
  return db.connection().execute(async (conn) => {
    await sql.raw('BEGIN').execute(conn);
    try {
      const catalogue = await readCatalogue(conn);
      const steps = catalogue.length + 6;
      let step = 0;
      const counts: ErasureCounts = { leads: 0, deleted: {}, anonymous_events: 0, outbox_events: 0, search_words: 0, import_files: 0, rewritten: {}, models_marked_for_retraining: 0, export_artefacts: 0, tombstones: 0 };
      const ids = subject.leadIds;
      progress(step++, steps, 'removing the person\'s records');
      if (ids.length > 0) {
        for (const t of catalogue.filter((t) => t.hasLeadId && t.tenantColumn === 'organization_id')) {
          const n = await q.deleteByLeadIds(conn, t.name, org, ids);
          if (n > 0) counts.deleted[t.name] = n;
        }
        counts.outbox_events = await q.deleteOutboxEvents(conn, org, ids);
        counts.models_marked_for_retraining = await q.markModelsForRetraining(conn, org, subject.leads.filter((l) => l.closed_at && (l.status === 'closed_won' || l.status === 'closed_lost')).map((l) => l.closed_at!));
      }
      if (subject.anonymousIds.length > 0) counts.anonymous_events = await q.deleteAnonymousEvents(conn, org, subject.anonymousIds);
      progress(step++, steps, 'removing the leads');
      if (ids.length > 0) counts.leads = await q.deleteLeads(conn, org, ids);
      const words = [...new Set(subject.traits.names.flatMap((n) => `${n.first} ${n.last}`.toLowerCase().split(/[^\p{L}\p{N}]+/u)).filter((w) => w.length >= 3))];
      counts.search_words = await q.deleteSearchWords(conn, org, words);
      const hashes = subjectHashes(input.hashKey, subject.traits);
      counts.export_artefacts = await q.forgetOtherRequests(conn, org, [...hashes.map((h) => h.hash)], input.requestId);
      counts.import_files = await q.dropImportFiles(conn, org, patterns.map((p) => p.pg));
      // Mentions anywhere else: rows found by PostgreSQL, values rewritten here, table by table.
      for (const t of catalogue) {
        progress(step++, steps, `looking for mentions (${t.name})`);
        if (!t.tenantColumn || NOT_REWRITTEN.has(t.name)) continue;
        const columns = t.columns.filter((c) => c.kind !== 'bytes');
        const rows = await q.matchingRows(conn, t, columns, org, patterns.map((p) => p.pg));
        for (const row of rows) {
          const changed = rewrite(columns, row.values, patterns);
          if (changed.length > 0) await q.updateRowByCtid(conn, t, org, row.ctid, changed);
        }
        if (rows.length > 0) counts.rewritten[t.name] = rows.length;
      }
      progress(step++, steps, 'writing the tombstone');
      await q.insertTombstones(conn, org, input.requestId, hashes);
      counts.tombstones = hashes.length;
      await recordAudit(conn, {
        organizationId: org,
        actorType: input.actor.type,
        actorId: input.actor.id,
        action: 'privacy.erase',
        entityType: 'privacy_request',
        ...(input.requestId ? { entityId: input.requestId } : {}),
        details: { leads: counts.leads, deleted_rows: sum(counts.deleted), anonymous_events: counts.anonymous_events, outbox_events: counts.outbox_events, rewritten_rows: sum(counts.rewritten), tables_rewritten: Object.keys(counts.rewritten).length, tombstones: counts.tombstones, models_marked_for_retraining: counts.models_marked_for_retraining },
      });
      await sql.raw('COMMIT').execute(conn);
      progress(steps, steps, 'erased');
      return counts;
    } catch (error) {
      await sql.raw('ROLLBACK').execute(conn).catch(() => {});
      throw error;
    }
  });
}

function rewrite(columns: CatalogueColumn[], values: Record<string, unknown>, patterns: TracePattern[]): { column: CatalogueColumn; value: unknown }[] {
  const out: { column: CatalogueColumn; value: unknown }[] = [];
  for (const c of columns) {
    const v = values[c.name];
    if (v === null || v === undefined) continue;
    let next: unknown;
    if (c.kind === 'text') next = scrubText(String(v), patterns);
    else if (c.kind === 'text_array') next = (v as string[]).map((s) => (s === null ? s : scrubText(s, patterns)));
    else next = scrubJson(typeof v === 'string' ? parseJson(v) : v, patterns);
    if (JSON.stringify(next) !== JSON.stringify(c.kind === 'json' && typeof v === 'string' ? parseJson(v) : v)) out.push({ column: c, value: next });
  }
  return out;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}
