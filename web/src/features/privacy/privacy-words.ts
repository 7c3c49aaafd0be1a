import { formatNumber } from '../../lib/format';
import type { PrivacyRequest } from './api/privacy-requests';

/**
 * Privacy requests in plain words: what a record kind is called, what an export held, what an
 * erasure removed and what its verification scan found. The server gives counts per table; a
 * person reads "3 activities", not "activities: 3".
 */
const KINDS: Record<string, [one: string, many: string]> = {
  leads: ['lead record', 'lead records'],
  activities: ['activity (call, e-mail, meeting, note)', 'activities (calls, e-mails, meetings, notes)'],
  conversations: ['conversation', 'conversations'],
  journey_events: ['web or product event', 'web and product events'],
  anonymous_journey_events: ['web visit before they were identified', 'web visits before they were identified'],
  anonymous_events: ['web visit before they were identified', 'web visits before they were identified'],
  lead_scores: ['score with its explanation', 'scores with their explanations'],
  score_history: ['past score', 'past scores'],
  ai_insights: ['AI insight', 'AI insights'],
  notifications: ['notification about them', 'notifications about them'],
  tracking_identities: ['website visitor id linked to them', 'website visitor ids linked to them'],
  mentions_in_other_records: ['mention in another record', 'mentions in other records'],
  outbox_events: ['queued live update', 'queued live updates'],
  search_words: ['search index entry', 'search index entries'],
  import_files: ['held import file', 'held import files'],
  export_artefacts: ['earlier export document', 'earlier export documents'],
};

export function kindCount(kind: string, n: number): string {
  const [one, many] = KINDS[kind] ?? [kind.replace(/_/g, ' '), kind.replace(/_/g, ' ')];
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

const rank = (kind: string) => (kind === 'leads' ? 0 : kind === 'mentions_in_other_records' ? 2 : 1);

/** "1 lead record, 4 activities …" from counts per kind, the biggest first after the leads. */
export function countsInWords(counts: Record<string, number>): string[] {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    // The leads first, mentions elsewhere last (they are about others' records), the rest by size.
    .sort(([a, x], [b, y]) => rank(a) - rank(b) || y - x)
    .map(([k, n]) => kindCount(k, n));
}

/** The numeric entries of a result object (the server's counts per kind). */
export function numbers(value: unknown): Record<string, number> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

/** What a finished request did, in a sentence. */
export function resultInWords(r: Pick<PrivacyRequest, 'type' | 'result'>): string {
  const result = r.result as Record<string, unknown>;
  if (r.type === 'export') {
    const parts = countsInWords(numbers(result));
    return parts.length ? `Holds ${parts.join(', ')}.` : 'Nothing is held about this person.';
  }
  const leads = typeof result.leads === 'number' ? result.leads : 0;
  const deleted = Object.entries(numbers(result.deleted)).filter(([t]) => t !== 'leads').reduce((a, [, n]) => a + n, 0);
  const rewritten = Object.values(numbers(result.rewritten)).reduce((a, n) => a + n, 0);
  const other = ['anonymous_events', 'outbox_events', 'search_words', 'import_files', 'export_artefacts'].reduce((a, k) => a + (typeof result[k] === 'number' ? (result[k] as number) : 0), 0);
  const parts = [
    `Deleted ${kindCount('leads', leads)} and ${formatNumber(deleted + other)} related ${deleted + other === 1 ? 'record' : 'records'}`,
    rewritten > 0 ? `rewrote ${formatNumber(rewritten)} ${rewritten === 1 ? 'mention' : 'mentions'} in other records to “[erased]”` : null,
  ].filter(Boolean);
  return `${parts.join('; ')}.`;
}

interface Verification {
  clean?: boolean;
  tables_scanned?: number;
  columns_scanned?: number;
  traces?: { table: string; column: string; what: string; rows: number }[];
}

/** The erasure's proof: "Scanned 412 columns in 61 tables: no trace left." */
export function verificationInWords(v: PrivacyRequest['verification']): { clean: boolean; text: string } | null {
  if (!v) return null;
  const s = v as Verification;
  const scanned = `Scanned ${formatNumber(s.columns_scanned ?? 0)} columns in ${formatNumber(s.tables_scanned ?? 0)} tables`;
  if (s.clean) return { clean: true, text: `${scanned}: no trace left.` };
  const traces = s.traces ?? [];
  const where = traces.slice(0, 3).map((t) => `${t.what} in ${t.table}.${t.column} (${formatNumber(t.rows)} ${t.rows === 1 ? 'row' : 'rows'})`);
  return { clean: false, text: `${scanned}: ${traces.length} ${traces.length === 1 ? 'trace' : 'traces'} left — ${where.join('; ')}${traces.length > 3 ? '; …' : ''}. Run the erasure again or ask an administrator to check these columns.` };
}

export const STATUS: Record<PrivacyRequest['status'], { label: string; tone: 'neutral' | 'good' | 'bad' | 'warn' | 'info' }> = {
  received: { label: 'Received', tone: 'neutral' },
  in_progress: { label: 'In progress', tone: 'info' },
  done: { label: 'Done', tone: 'good' },
  failed: { label: 'Failed', tone: 'bad' },
};

export const TYPE_LABEL: Record<PrivacyRequest['type'], string> = { export: 'Export', erasure: 'Erasure' };
