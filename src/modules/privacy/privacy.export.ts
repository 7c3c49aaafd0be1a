import type { Kysely } from 'kysely';
import type { DB, JsonObject } from '../../db/schema.ts';
import { readCatalogue } from './privacy.catalogue.ts';
import * as q from './privacy.queries.ts';
import type { Progress } from './privacy.erase.ts';
import type { Subject } from './privacy.subject.ts';

// Not about the person even when they point at a lead: work queues. Never exported: other
// export artefacts (an export of an export) and tombstones (hashes, not data).
const SKIPPED = new Set(['lead_score_queue', 'lead_insight_queue', 'privacy_exports', 'privacy_tombstones', 'schema_migrations', 'users', 'user_credentials', 'sessions']);

/**
 * Everything held about a person as one JSON document: their leads, every table that points
 * at them (found from the catalogue: activities, conversations, scores with explanations,
 * insights, notifications, journey events, consent records on branches that add them …),
 * their anonymous visits before they were identified, and every other record that mentions
 * them (other leads' notes, audit entries, import rows), with a readable summary.
 */
export async function buildExport(db: Kysely<DB>, organizationId: string, subject: Subject, progress: Progress = () => {}): Promise<{ document: JsonObject; summary: string; counts: Record<string, number> }> {
  const catalogue = await readCatalogue(db);
  const ids = subject.leadIds;
  const sections: Record<string, unknown[]> = {};
  const counts: Record<string, number> = {};
  let step = 0;
  const steps = catalogue.length * 2 + 2;
  sections.leads = ids.length > 0 ? await q.selectLeads(db, organizationId, ids) : [];
  counts.leads = sections.leads.length;
  for (const t of catalogue.filter((t) => t.hasLeadId && t.tenantColumn === 'organization_id' && !SKIPPED.has(t.name))) {
    progress(step++, steps, `collecting ${t.name}`);
    const rows = ids.length > 0 ? await q.selectByLeadIds(db, t.name, organizationId, ids) : [];
    if (rows.length > 0) {
      sections[t.name] = rows.map((r) => withoutNoise(r));
      counts[t.name] = rows.length;
    }
  }
  // The audit log names their leads by id (no lead_id column, no personal values): what was done to them.
  const audit = ids.length > 0 ? await q.selectAuditEntries(db, organizationId, ids) : [];
  if (audit.length > 0) {
    sections.audit_log = audit;
    counts.audit_log = audit.length;
  }
  const anonymous = subject.anonymousIds.length > 0 ? await q.selectAnonymousEvents(db, organizationId, subject.anonymousIds) : [];
  if (anonymous.length > 0) {
    sections.anonymous_journey_events = anonymous;
    counts.anonymous_journey_events = anonymous.length;
  }
  // Mentions in records that are not theirs: found by the same patterns as the erasure.
  const mentions: { table: string; row: Record<string, unknown> }[] = [];
  const own = new Set(['leads', ...Object.keys(sections)]);
  for (const t of catalogue) {
    progress(step++, steps, `looking for mentions in ${t.name}`);
    if (!t.tenantColumn || SKIPPED.has(t.name) || t.name === 'leads') continue;
    const columns = t.columns.filter((c) => c.kind !== 'bytes');
    const rows = await q.matchingRows(db, t, columns, organizationId, subject.patterns.map((p) => p.pg));
    for (const r of rows) {
      if (own.has(t.name) && ids.some((id) => JSON.stringify(r.values).includes(id))) continue;
      mentions.push({ table: t.name, row: r.values });
    }
  }
  if (mentions.length > 0) counts.mentions_in_other_records = mentions.length;
  const document = JSON.parse(
    JSON.stringify({
      format: 'leadai.privacy-export/1',
      generated_at: new Date().toISOString(),
      organization_id: organizationId,
      subject: { lead_ids: ids, anonymous_visitor_ids: subject.anonymousIds },
      counts,
      data: sections,
      mentions_in_other_records: mentions,
    }),
  ) as JsonObject;
  return { document, summary: readableSummary(counts, subject), counts };
}

function withoutNoise(row: Record<string, unknown>): Record<string, unknown> {
  const { search_vector: _s, ...rest } = row;
  return rest;
}

const LABELS: Record<string, string> = {
  leads: 'lead records',
  activities: 'activities (calls, e-mails, meetings, notes)',
  conversations: 'conversations',
  journey_events: 'web and product events',
  anonymous_journey_events: 'web visits before they were identified',
  lead_scores: 'scores with their explanations',
  ai_insights: 'AI insights',
  notifications: 'notifications to users about them',
  tracking_identities: 'website visitor ids linked to them',
  lead_consents: 'consent records (given and withdrawn)',
  email_messages: 'e-mails sent to them from LeadAI',
  audit_log: 'actions taken on their records (audit log)',
  mentions_in_other_records: 'mentions in other records (notes, audit entries, import rows)',
};

export function readableSummary(counts: Record<string, number>, subject: Pick<Subject, 'leadIds'>): string {
  const lines = [
    'Data held about this person',
    '',
    subject.leadIds.length === 0 ? 'No lead record matches this person.' : `${subject.leadIds.length} lead record(s) belong to this person.`,
    '',
    ...Object.entries(counts).map(([k, n]) => `- ${LABELS[k] ?? k.replace(/_/g, ' ')}: ${n}`),
    '',
    'The machine-readable document (JSON) holds every record in full.',
  ];
  return lines.join('\n');
}
