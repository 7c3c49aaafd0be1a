import { sql } from 'kysely';
import { cursorTime } from '../../db/keyset.ts';
import type { Tx } from '../../db/tenant.ts';

export interface TimelineRow {
  kind: 'activity' | 'conversation' | 'journey_event' | 'score' | 'insight';
  id: string;
  at: Date;
  title: string;
  summary: string | null;
  data: Record<string, unknown>;
  cursor_at: string;
}

/**
 * One lead's history across five tables, newest first, keyset-paged on (at, id). A read
 * model: the owning modules write these rows; this query only reads them together.
 */
export async function leadTimeline(tx: Tx, leadId: string, kinds: readonly TimelineRow['kind'][], limit: number, after: [string, string] | null) {
  const parts = [];
  if (kinds.includes('activity')) {
    parts.push(sql`SELECT 'activity' AS kind, id, coalesce(completed_at, scheduled_at, created_at) AS at, type::text AS title, subject AS summary,
      jsonb_build_object('type', type, 'outcome', outcome, 'user_id', user_id, 'description', left(description, 500), 'completed', completed_at IS NOT NULL, 'sentiment_score', sentiment_score,
        'intent', intent_detected, 'buying_signals', buying_signals) AS data
      FROM activities WHERE lead_id = ${leadId}`);
  }
  if (kinds.includes('conversation')) {
    parts.push(sql`SELECT 'conversation', id, created_at, direction::text || ' ' || channel, subject,
      jsonb_build_object('direction', direction, 'channel', channel, 'excerpt', left(content, 400), 'sentiment', sentiment, 'intent', intent, 'entities', entities,
        'buying_signals', metadata->'buying_signals')
      FROM conversations WHERE lead_id = ${leadId}`);
  }
  if (kinds.includes('journey_event')) {
    parts.push(sql`SELECT 'journey_event', id, occurred_at, event_type, event_name, properties || jsonb_build_object('user_id', user_id, 'session_id', session_id)
      FROM journey_events WHERE lead_id = ${leadId}`);
  }
  if (kinds.includes('score')) {
    parts.push(sql`SELECT 'score', id, created_at, 'score', score::text,
      jsonb_build_object('score', score, 'confidence', confidence, 'model_version', model_version)
      FROM lead_scores WHERE lead_id = ${leadId}`);
  }
  if (kinds.includes('insight')) {
    parts.push(sql`SELECT 'insight', id, created_at, insight_type::text, title,
      jsonb_build_object('priority', priority, 'confidence', confidence, 'description', description, 'acknowledged_at', acknowledged_at)
      FROM ai_insights WHERE lead_id = ${leadId}`);
  }
  if (parts.length === 0) return [];
  const union = sql.join(parts, sql` UNION ALL `);
  const cursor = after ? sql`WHERE (t.at, t.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``;
  const { rows } = await sql<TimelineRow>`SELECT t.*, ${cursorTime(sql.ref('t.at'))} AS cursor_at FROM (${union}) AS t ${cursor} ORDER BY t.at DESC, t.id DESC LIMIT ${limit + 1}`.execute(tx);
  return rows;
}
