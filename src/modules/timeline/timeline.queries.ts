import { sql } from 'kysely';
import { cursorTime } from '../../db/keyset.ts';
import type { Tx } from '../../db/tenant.ts';

export interface TimelineRow {
  kind: 'activity' | 'conversation' | 'journey_event' | 'score' | 'insight' | 'assignment';
  id: string;
  at: Date;
  title: string;
  summary: string | null;
  data: Record<string, unknown>;
  cursor_at: string;
}

/**
 * A conversation `c` shown inside its activity: it is the first conversation linked to an
 * activity of the same lead (a rep logs a call and its notes, the demo writes both).
 */
const mergedIntoActivity = sql`EXISTS (SELECT 1 FROM activities AS a WHERE a.id = c.activity_id AND a.lead_id = c.lead_id
  AND NOT EXISTS (SELECT 1 FROM conversations AS o WHERE o.activity_id = c.activity_id AND o.lead_id = c.lead_id AND (o.created_at, o.id) < (c.created_at, c.id)))`;

/**
 * One lead's history across six tables, newest first, keyset-paged on (at, id). A read
 * model: the owning modules write these rows; this query only reads them together. A call
 * or e-mail recorded as an activity and a linked conversation is one item: the activity,
 * with the conversation under `data.conversation`.
 */
export async function leadTimeline(tx: Tx, leadId: string, kinds: readonly TimelineRow['kind'][], limit: number, after: [string, string] | null) {
  const parts = [];
  const activities = kinds.includes('activity');
  if (activities) {
    // The conversation holding the text of this call or e-mail, when one is linked: shown
    // inside the activity (see `mergedIntoActivity`), not as a second item.
    parts.push(sql`SELECT 'activity' AS kind, a.id, coalesce(a.completed_at, a.scheduled_at, a.created_at) AS at, a.type::text AS title, a.subject AS summary,
      jsonb_build_object('type', a.type, 'outcome', a.outcome, 'user_id', a.user_id, 'description', left(a.description, 500), 'completed', a.completed_at IS NOT NULL, 'sentiment_score', a.sentiment_score,
        'intent', a.intent_detected, 'buying_signals', a.buying_signals)
        || CASE WHEN c.id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('conversation', jsonb_build_object('id', c.id, 'direction', c.direction, 'channel', c.channel, 'subject', c.subject,
          'excerpt', left(c.content, 400), 'sentiment', c.sentiment, 'intent', c.intent, 'entities', c.entities, 'buying_signals', c.metadata->'buying_signals')) END AS data
      FROM activities AS a
      LEFT JOIN LATERAL (SELECT * FROM conversations AS x WHERE x.activity_id = a.id AND x.lead_id = a.lead_id ORDER BY x.created_at, x.id LIMIT 1) AS c ON TRUE
      WHERE a.lead_id = ${leadId}`);
  }
  if (kinds.includes('conversation')) {
    parts.push(sql`SELECT 'conversation' AS kind, c.id, c.created_at AS at, c.direction::text || ' ' || c.channel AS title, c.subject AS summary,
      jsonb_build_object('direction', c.direction, 'channel', c.channel, 'excerpt', left(c.content, 400), 'sentiment', c.sentiment, 'intent', c.intent, 'entities', c.entities,
        'buying_signals', c.metadata->'buying_signals',
        -- Synced e-mail (0039): its thread, attachments by name and size, where the quoted history starts.
        'thread_id', c.thread_id, 'external_id', c.external_id, 'source', c.metadata->'source', 'attachments', c.metadata->'attachments',
        'reply_end', c.metadata->'quoted'->0->'start') AS data
      FROM conversations AS c WHERE c.lead_id = ${leadId}${activities ? sql` AND NOT ${mergedIntoActivity}` : sql``}`);
  }
  if (kinds.includes('journey_event')) {
    parts.push(sql`SELECT 'journey_event' AS kind, id, occurred_at AS at, event_type AS title, event_name AS summary, properties || jsonb_build_object('user_id', user_id, 'session_id', session_id) AS data
      FROM journey_events WHERE lead_id = ${leadId}`);
  }
  if (kinds.includes('score')) {
    // previous_score over the whole history, so a page that starts mid-history still has it.
    parts.push(sql`SELECT 'score' AS kind, id, created_at AS at, 'score' AS title, score::text AS summary,
      jsonb_build_object('score', score, 'previous_score', lag(score) OVER (ORDER BY created_at, id), 'confidence', confidence, 'model_version', model_version) AS data
      FROM lead_scores WHERE lead_id = ${leadId}`);
  }
  if (kinds.includes('insight')) {
    parts.push(sql`SELECT 'insight' AS kind, id, created_at AS at, insight_type::text AS title, title AS summary,
      jsonb_build_object('priority', priority, 'confidence', confidence, 'description', description, 'acknowledged_at', acknowledged_at) AS data
      FROM ai_insights WHERE lead_id = ${leadId}`);
  }
  if (kinds.includes('assignment')) {
    // Owners given by an assignment rule or the fallback (src/modules/assignment): which rule.
    parts.push(sql`SELECT 'assignment' AS kind, a.id, a.created_at AS at, 'assigned' AS title, a.rule_name AS summary,
      jsonb_build_object('rule_id', a.rule_id, 'rule_name', a.rule_name, 'fallback', a.rule_id IS NULL, 'assigned_to', a.assigned_to, 'assigned_to_name', u.full_name, 'via', a.via) AS data
      FROM lead_assignments AS a LEFT JOIN users AS u ON u.id = a.assigned_to WHERE a.lead_id = ${leadId}`);
  }
  if (parts.length === 0) return [];
  // Every part names its columns: with a single kind asked for, its names are the result's.
  const union = sql.join(parts, sql` UNION ALL `);
  const cursor = after ? sql`WHERE (t.at, t.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``;
  const { rows } = await sql<TimelineRow>`SELECT t.*, ${cursorTime(sql.ref('t.at'))} AS cursor_at FROM (${union}) AS t ${cursor} ORDER BY t.at DESC, t.id DESC LIMIT ${limit + 1}`.execute(tx);
  return rows;
}
