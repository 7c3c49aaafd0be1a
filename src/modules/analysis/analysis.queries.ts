import { sql } from 'kysely';
import type { Tx } from '../../db/tenant.ts';

/** Takes up to `limit` conversations not analysed yet (oldest first); concurrent workers take different ones. */
export async function takeUnanalysed(tx: Tx, limit: number) {
  const { rows } = await sql<{ id: string; content: string; subject: string | null; direction: 'inbound' | 'outbound'; created_at: Date }>`
    SELECT id, content, subject, direction, created_at FROM conversations
    WHERE analyzed_at IS NULL ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(tx);
  return rows;
}

/**
 * Up to `limit` conversations not analysed yet, without locking them: for analysis that
 * happens outside the transaction (the LLM provider). `digest` identifies the text read, so
 * the write can skip a conversation edited meanwhile.
 */
export async function peekUnanalysed(tx: Tx, limit: number) {
  const { rows } = await sql<{ id: string; content: string; subject: string | null; direction: 'inbound' | 'outbound'; created_at: Date; digest: string }>`
    SELECT id, content, subject, direction, created_at, md5(content) AS digest FROM conversations
    WHERE analyzed_at IS NULL ORDER BY created_at LIMIT ${limit}`.execute(tx);
  return rows;
}

/**
 * Stores analyses; returns the conversations written (with their leads, for the events). A
 * row with a `digest` is written only if the conversation is still unanalysed and its text
 * still has that digest.
 */
export async function writeAnalyses(
  tx: Tx,
  rows: { id: string; sentiment: unknown; intent: unknown; topics: unknown; entities: unknown; buyingSignals: unknown[]; source: unknown; digest?: string }[],
): Promise<{ id: string; lead_id: string }[]> {
  if (rows.length === 0) return [];
  const json = (xs: unknown[]) => xs.map((x) => JSON.stringify(x));
  const result = await sql<{ id: string; lead_id: string }>`
    UPDATE conversations AS c SET sentiment = u.sentiment, intent = u.intent, topics = u.topics, entities = u.entities,
      metadata = c.metadata || jsonb_build_object('buying_signals', u.signals, 'analysis', u.source), analyzed_at = now()
    FROM unnest(${rows.map((r) => r.id)}::uuid[], ${json(rows.map((r) => r.sentiment))}::jsonb[], ${json(rows.map((r) => r.intent))}::jsonb[],
      ${json(rows.map((r) => r.topics))}::jsonb[], ${json(rows.map((r) => r.entities))}::jsonb[], ${json(rows.map((r) => r.buyingSignals))}::jsonb[],
      ${json(rows.map((r) => r.source))}::jsonb[], ${rows.map((r) => r.digest ?? null)}::text[])
      AS u(id, sentiment, intent, topics, entities, signals, source, digest)
    WHERE c.id = u.id AND (u.digest IS NULL OR (c.analyzed_at IS NULL AND md5(c.content) = u.digest))
    RETURNING c.id, c.lead_id`.execute(tx);
  return result.rows;
}

/**
 * The organization's competitors and products for entity matching (settings.competitors /
 * settings.products), and whether it lets the LLM provider read its messages (settings.ai.llm_enabled).
 */
export async function analysisSettings(tx: Tx, organizationId: string): Promise<{ competitors: string[]; products: string[]; llmEnabled: boolean }> {
  const row = await tx.selectFrom('organizations').select('settings').where('id', '=', organizationId).executeTakeFirst();
  const s = (row?.settings ?? {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').slice(0, 200) : []);
  const ai = (s.ai ?? {}) as Record<string, unknown>;
  // Only a literal true: message text leaves the machine, so nothing else counts as consent.
  return { competitors: list(s.competitors), products: list(s.products), llmEnabled: ai.llm_enabled === true };
}

export async function conversationCounts(tx: Tx): Promise<{ total: number; analysed: number }> {
  const { rows } = await sql<{ total: number; analysed: number }>`
    SELECT count(*)::int AS total, count(analyzed_at)::int AS analysed FROM conversations`.execute(tx);
  return rows[0] ?? { total: 0, analysed: 0 };
}

/** Takes up to `limit` activities not analysed yet (oldest first). */
export async function takeUnanalysedActivities(tx: Tx, limit: number) {
  const { rows } = await sql<{ id: string; subject: string | null; description: string | null; outcome: string | null }>`
    SELECT id, subject, description, outcome FROM activities
    WHERE analyzed_at IS NULL ORDER BY created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(tx);
  return rows;
}

export async function writeActivityAnalyses(tx: Tx, rows: { id: string; sentiment: number; intent: string | null; buyingSignals: unknown[] }[]): Promise<{ id: string; lead_id: string }[]> {
  if (rows.length === 0) return [];
  const { rows: written } = await sql<{ id: string; lead_id: string }>`
    UPDATE activities AS a SET sentiment_score = u.sentiment, intent_detected = u.intent, buying_signals = u.signals, analyzed_at = now()
    FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => Math.max(-1, Math.min(1, Math.round(r.sentiment * 100) / 100)))}::numeric[],
      ${rows.map((r) => r.intent)}::text[], ${rows.map((r) => JSON.stringify(r.buyingSignals))}::jsonb[]) AS u(id, sentiment, intent, signals)
    WHERE a.id = u.id
    RETURNING a.id, a.lead_id`.execute(tx);
  return written;
}
