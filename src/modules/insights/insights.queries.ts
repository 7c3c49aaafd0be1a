import { sql, type RawBuilder } from 'kysely';
import { cursorTime } from '../../db/keyset.ts';
import type { Tx } from '../../db/tenant.ts';
import { ENGAGEMENT_CATEGORIES, QUANTILES, type ContentStat, type EngagementCategory, type InsightType, type Priority } from '../../ai/insights/index.ts';

/** The insights module's SQL: lead snapshots and organization statistics for the detectors, and the insights themselves. */

const OPEN_STATUSES = sql`('new', 'contacted', 'qualified', 'proposal', 'negotiation', 'nurturing')`;
/** An event's URL path, lower case, without scheme, host, query or fragment. */
const PATH = sql<string | null>`lower(split_part(split_part(regexp_replace(e.properties->>'url', '^[a-z][a-z0-9+.-]*://[^/]*', '', 'i'), '?', 1), '#', 1))`;
/** What an event engaged with when that is content: a downloaded asset, or a page (a clicked link counts as the page). */
const CONTENT_KEY = sql<string | null>`CASE
  WHEN e.properties ? 'asset' THEN 'asset:' || lower(e.properties->>'asset')
  WHEN e.event_type IN ('page_view', 'email_click') AND e.properties->>'url' IS NOT NULL THEN nullif('page:' || rtrim(${PATH}, '/'), 'page:')
END`;
/** Pages that are steps toward buying (or not about the product), not content to recommend. */
const NOT_CONTENT = '^page:.*/(pricing|plans?|price|buy|checkout|quote|demo|contact|careers|jobs|login|signin|signup|register)([/?#.]|$)';

// ── the queue (fed as the rescoring job takes leads, 0020) ────────────────────────────

export async function takeQueuedLeads(tx: Tx, limit: number): Promise<string[]> {
  const { rows } = await sql<{ lead_id: string }>`
    DELETE FROM lead_insight_queue WHERE (organization_id, lead_id) IN (
      SELECT organization_id, lead_id FROM lead_insight_queue ORDER BY queued_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING lead_id`.execute(tx);
  return rows.map((r) => r.lead_id).sort();
}

export async function requeueLeads(tx: Tx, organizationId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`INSERT INTO lead_insight_queue (organization_id, lead_id) SELECT ${organizationId}::uuid, l.id FROM leads l WHERE l.id = ANY(${ids}::uuid[]) ON CONFLICT DO NOTHING`.execute(tx);
}

/** Lead ids in id order after `after`, for a sweep over the whole organization. */
export async function leadIdsAfter(tx: Tx, after: string | null, limit: number, onlyIds?: string[]): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM leads WHERE (${after}::uuid IS NULL OR id > ${after}::uuid)
      ${onlyIds ? sql`AND id = ANY(${onlyIds}::uuid[])` : sql``}
    ORDER BY id LIMIT ${limit}`.execute(tx);
  return rows.map((r) => r.id);
}

// ── lead snapshots, set-based: one statement per table for a whole batch ──────────────

/**
 * The moment each lead is seen as of: one for the whole batch (now), or one per lead (the
 * calibration replays decided leads as they stood before their decision). Rows after a
 * lead's moment are not read.
 */
export type Cutoff = Date | readonly Date[];
function cutoffs(ids: string[], at: Cutoff): RawBuilder<unknown> {
  const times = Array.isArray(at) ? at.map((d) => d.toISOString()) : ids.map(() => (at as Date).toISOString());
  return sql`unnest(${ids}::uuid[], ${times}::timestamptz[]) AS k(lead_id, at)`;
}

export interface LeadRow {
  id: string; first_name: string; last_name: string; company: string | null; status: string; status_changed_at: Date; created_at: Date;
  current_score: number; conversion_probability: number | null; deal_value: number | null; predicted_value: number | null; timezone: string | null;
}

export async function loadLeads(tx: Tx, ids: string[]): Promise<LeadRow[]> {
  const { rows } = await sql<LeadRow>`
    SELECT id, first_name, last_name, company, status::text AS status, status_changed_at, created_at, current_score,
      conversion_probability::float8 AS conversion_probability, deal_value::float8 AS deal_value, predicted_value::float8 AS predicted_value,
      coalesce(custom_fields->>'timezone', custom_fields->>'time_zone') AS timezone
    FROM leads WHERE id = ANY(${ids}::uuid[]) ORDER BY id`.execute(tx);
  return rows;
}

/** Those of these leads that may not be contacted for sales (see consent/contactability.ts, purpose sales_contact). */
export async function uncontactableLeads(tx: Tx, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM leads WHERE id = ANY(${ids}::uuid[]) AND (do_not_contact OR unsubscribed OR 'sales_contact' = ANY(consent_withdrawn))`.execute(tx);
  return new Set(rows.map((r) => r.id));
}

/** Expires the open insights of these kinds on these leads (optionally only the uncontactable ones among them). */
export async function expireKinds(tx: Tx, ids: string[], kinds: readonly string[], onlyUncontactable: boolean): Promise<InsightChange[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<InsightChange>`
    UPDATE ai_insights AS a SET status = 'expired', closed_at = now()
    WHERE a.lead_id = ANY(${ids}::uuid[]) AND a.status = 'open' AND a.insight_type::text = ANY(${[...kinds]}::text[])
      AND (NOT ${onlyUncontactable}::boolean OR EXISTS (SELECT 1 FROM leads l WHERE l.id = a.lead_id AND (l.do_not_contact OR l.unsubscribed OR 'sales_contact' = ANY(l.consent_withdrawn))))
    RETURNING a.id, a.lead_id, a.insight_type::text AS insight_type, a.priority::text AS priority, false AS inserted`.execute(tx);
  return rows;
}

export interface ActivityRow {
  id: string; lead_id: string; type: string; subject: string | null; outcome: string | null; at: Date;
  sentiment: number | null; intent: string | null; signals: { signal: string; evidence: string }[];
}

/** Completed activities of the last `days` days, the newest `perLead` of each lead. */
export async function loadActivities(tx: Tx, ids: string[], now: Cutoff, days: number, perLead: number): Promise<ActivityRow[]> {
  const { rows } = await sql<ActivityRow>`
    SELECT id, lead_id, type, subject, outcome, at, sentiment, intent, signals FROM (
      SELECT a.id, a.lead_id, a.type::text AS type, a.subject, a.outcome, a.completed_at AS at, a.sentiment_score::float8 AS sentiment,
        a.intent_detected AS intent, a.buying_signals AS signals, row_number() OVER (PARTITION BY a.lead_id ORDER BY a.completed_at DESC) AS rn
      FROM ${cutoffs(ids, now)} JOIN activities a ON a.lead_id = k.lead_id
      WHERE a.completed_at IS NOT NULL
        AND a.completed_at > k.at - make_interval(days => ${days}) AND a.completed_at <= k.at
    ) x WHERE rn <= ${perLead}`.execute(tx);
  return rows;
}

export interface MessageRow {
  id: string; lead_id: string; direction: 'inbound' | 'outbound'; channel: string; subject: string | null; at: Date;
  sentiment: number | null; intent: string | null; intent_confidence: number | null; signals: { signal: string; evidence: string }[];
  competitors: { name: string; start: number; end: number }[]; content: string | null;
}

export async function loadMessages(tx: Tx, ids: string[], now: Cutoff, days: number, perLead: number): Promise<MessageRow[]> {
  const { rows } = await sql<MessageRow>`
    SELECT id, lead_id, direction, channel, subject, at, sentiment, intent, intent_confidence, signals, competitors, content FROM (
      SELECT c.id, c.lead_id, c.direction::text AS direction, c.channel, c.subject, c.created_at AS at,
        CASE WHEN jsonb_typeof(c.sentiment->'overall') = 'number' THEN (c.sentiment->>'overall')::float8 END AS sentiment,
        c.intent->>'primary_intent' AS intent,
        CASE WHEN jsonb_typeof(c.intent->'confidence') = 'number' THEN (c.intent->>'confidence')::float8 END AS intent_confidence,
        CASE WHEN jsonb_typeof(c.metadata->'buying_signals') = 'array' THEN c.metadata->'buying_signals' ELSE '[]'::jsonb END AS signals,
        CASE WHEN jsonb_typeof(c.entities) = 'array' THEN (
          SELECT coalesce(jsonb_agg(jsonb_build_object('name', x->>'text', 'start', x->'start', 'end', x->'end')), '[]'::jsonb)
          FROM jsonb_array_elements(c.entities) AS x WHERE x->>'type' = 'competitor') ELSE '[]'::jsonb END AS competitors,
        -- The text only where a competitor is named: the threat quotes the sentence around it.
        CASE WHEN c.entities @> '[{"type": "competitor"}]' THEN c.content END AS content,
        row_number() OVER (PARTITION BY c.lead_id ORDER BY c.created_at DESC) AS rn
      FROM ${cutoffs(ids, now)} JOIN conversations c ON c.lead_id = k.lead_id
      WHERE c.created_at > k.at - make_interval(days => ${days}) AND c.created_at <= k.at
    ) x WHERE rn <= ${perLead}`.execute(tx);
  return rows;
}

export interface EventRow { id: string; lead_id: string; type: string; name: string; path: string | null; content_key: string | null; at: Date }

export async function loadEvents(tx: Tx, ids: string[], now: Cutoff, days: number, perLead: number): Promise<EventRow[]> {
  const { rows } = await sql<EventRow>`
    SELECT id, lead_id, type, name, path, content_key, at FROM (
      SELECT e.id, e.lead_id, e.event_type AS type, e.event_name AS name, CASE WHEN e.properties->>'url' IS NOT NULL THEN ${PATH} END AS path,
        ${CONTENT_KEY} AS content_key, e.occurred_at AS at, row_number() OVER (PARTITION BY e.lead_id ORDER BY e.occurred_at DESC) AS rn
      FROM ${cutoffs(ids, now)} JOIN journey_events e ON e.lead_id = k.lead_id
      WHERE e.occurred_at > k.at - make_interval(days => ${days}) AND e.occurred_at <= k.at
    ) x WHERE rn <= ${perLead}`.execute(tx);
  return rows;
}

export interface ScoreRow {
  lead_id: string; score: number; created_at: Date;
  explanation: { feature: string; points: number; text: string }[]; recommendations: { action: string; reason: string; priority: string }[];
}

export async function latestScores(tx: Tx, ids: string[]): Promise<ScoreRow[]> {
  const { rows } = await sql<ScoreRow>`
    SELECT DISTINCT ON (lead_id) lead_id, score, created_at, explanation, recommendations FROM lead_scores
    WHERE lead_id = ANY(${ids}::uuid[]) ORDER BY lead_id, created_at DESC`.execute(tx);
  return rows;
}

/** Insights people dismissed that are still within their time: not raised again while their reason lasts. */
export async function dismissedKeys(tx: Tx, ids: string[], now: Date): Promise<Set<string>> {
  const { rows } = await sql<{ k: string }>`
    SELECT lead_id || '|' || insight_type::text || '|' || reason AS k FROM ai_insights
    WHERE lead_id = ANY(${ids}::uuid[]) AND status = 'dismissed' AND (expires_at IS NULL OR expires_at > ${now}::timestamptz)`.execute(tx);
  return new Set(rows.map((r) => r.k));
}

// ── organization statistics ──────────────────────────────────────────────────────────

/** `settings.insights.recent_contact_hours` as stored (validated by the caller). */
export async function recentContactSetting(tx: Tx, organizationId: string): Promise<unknown> {
  const { rows } = await sql<{ v: unknown }>`SELECT settings->'insights'->'recent_contact_hours' AS v FROM organizations WHERE id = ${organizationId}`.execute(tx);
  return rows[0]?.v ?? null;
}

export async function organizationTimezone(tx: Tx, organizationId: string): Promise<string | null> {
  const { rows } = await sql<{ tz: string | null }>`SELECT settings->>'timezone' AS tz FROM organizations WHERE id = ${organizationId}`.execute(tx);
  return rows[0]?.tz ?? null;
}

/** Days the open leads have spent in their current status, by status, at QUANTILES. */
export async function statusDurations(tx: Tx, now: Date): Promise<{ status: string; n: number; quantiles: number[] }[]> {
  const { rows } = await sql<{ status: string; n: number; quantiles: number[] }>`
    SELECT status::text AS status, count(*)::int AS n,
      percentile_cont(${sql.val([...QUANTILES])}::float8[]) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM ${now}::timestamptz - status_changed_at) / 86400)) AS quantiles
    FROM leads WHERE status IN ${OPEN_STATUSES} GROUP BY status`.execute(tx);
  return rows.map((r) => ({ ...r, quantiles: r.quantiles.map(Number) }));
}

/** Outbound messages per hour of the week in `zone` (Monday 00:00 = 0) and how many the lead answered within `replyHours`. */
export async function hourOfWeekReplies(tx: Tx, zone: string, now: Date, days: number, replyHours: number): Promise<{ how: number; sent: number; replied: number }[]> {
  const { rows } = await sql<{ how: number; sent: number; replied: number }>`
    SELECT how, count(*)::int AS sent, count(*) FILTER (WHERE replied)::int AS replied FROM (
      SELECT ((extract(isodow FROM o.created_at AT TIME ZONE ${zone})::int - 1) * 24 + extract(hour FROM o.created_at AT TIME ZONE ${zone})::int) AS how,
        EXISTS (SELECT 1 FROM conversations i WHERE i.lead_id = o.lead_id AND i.direction = 'inbound'
          AND i.created_at > o.created_at AND i.created_at <= o.created_at + make_interval(hours => ${replyHours})) AS replied
      FROM conversations o
      WHERE o.direction = 'outbound' AND o.created_at > ${now}::timestamptz - make_interval(days => ${days}) AND o.created_at <= ${now}::timestamptz
    ) x GROUP BY how`.execute(tx);
  return rows;
}

/** Content decided leads engaged with before their decision, with how many of those leads were won. */
export async function contentStats(tx: Tx, minWon: number, limit: number): Promise<{ content: ContentStat[]; decided: number; won: number; engagedDecided: number; engagedWon: number }> {
  const totals = await sql<{ decided: number; won: number }>`
    SELECT count(*)::int AS decided, count(*) FILTER (WHERE status = 'closed_won')::int AS won FROM leads WHERE status IN ('closed_won', 'closed_lost')`.execute(tx);
  // Readers of anything convert more than readers of nothing, and readers of much more than
  // readers of little: each piece's readers are compared with what leads that read as much
  // won (bands of how many pieces a lead engaged with), not with everyone.
  const { rows } = await sql<ContentStat>`
    WITH engaged AS (
      SELECT d.id, d.status = 'closed_won' AS won, ${CONTENT_KEY} AS key, e.event_name
      FROM leads d JOIN journey_events e ON e.lead_id = d.id AND e.occurred_at <= coalesce(d.closed_at, d.status_changed_at)
      WHERE d.status IN ('closed_won', 'closed_lost')
    ), content AS (
      SELECT * FROM engaged WHERE key IS NOT NULL AND key !~* ${NOT_CONTENT}
    ), banded AS (
      SELECT id, bool_or(won) AS won, CASE WHEN count(DISTINCT key) = 1 THEN 1 WHEN count(DISTINCT key) <= 3 THEN 2 WHEN count(DISTINCT key) <= 7 THEN 3 ELSE 4 END AS band
      FROM content GROUP BY id
    ), band_rate AS (
      SELECT band, avg(won::int)::float8 AS rate FROM banded GROUP BY band
    ), readers AS (
      SELECT key, id, mode() WITHIN GROUP (ORDER BY event_name) AS label FROM content GROUP BY key, id
    )
    SELECT r.key, mode() WITHIN GROUP (ORDER BY r.label) AS label, count(*)::int AS decided, count(*) FILTER (WHERE b.won)::int AS won, sum(br.rate)::float8 AS expected
    FROM readers r JOIN banded b ON b.id = r.id JOIN band_rate br ON br.band = b.band
    GROUP BY r.key HAVING count(*) FILTER (WHERE b.won) >= ${minWon}
    ORDER BY won DESC, r.key LIMIT ${limit}`.execute(tx);
  const engaged = await sql<{ decided: number; won: number }>`
    SELECT count(*)::int AS decided, count(*) FILTER (WHERE d.status = 'closed_won')::int AS won FROM leads d
    WHERE d.status IN ('closed_won', 'closed_lost') AND EXISTS (
      SELECT 1 FROM journey_events e WHERE e.lead_id = d.id AND e.occurred_at <= coalesce(d.closed_at, d.status_changed_at)
        AND ${CONTENT_KEY} IS NOT NULL AND ${CONTENT_KEY} !~* ${NOT_CONTENT})`.execute(tx);
  return {
    content: rows, decided: totals.rows[0]?.decided ?? 0, won: totals.rows[0]?.won ?? 0,
    engagedDecided: engaged.rows[0]?.decided ?? 0, engagedWon: engaged.rows[0]?.won ?? 0,
  };
}

function engagementUnion(now: Date, days: number): RawBuilder<unknown> {
  const since = sql`${now}::timestamptz - make_interval(days => ${days})`;
  return sql`
    SELECT 'message' AS kind, 'inbound' AS type, created_at AS t, lead_id FROM conversations WHERE direction = 'inbound' AND created_at > ${since} AND created_at <= ${now}::timestamptz
    UNION ALL SELECT 'activity', type::text, completed_at, lead_id FROM activities WHERE completed_at > ${since} AND completed_at <= ${now}::timestamptz
    UNION ALL SELECT 'event', event_type, occurred_at, lead_id FROM journey_events WHERE lead_id IS NOT NULL AND occurred_at > ${since} AND occurred_at <= ${now}::timestamptz`;
}

/**
 * Decayed touch counts summed over the organization, by source and type, and how many leads
 * had any; plus pricing-page views. The caller maps types to engagement categories.
 */
export async function engagementTotals(tx: Tx, now: Date, days: number, halfLifeDays: number, pricingPattern: string) {
  const { rows } = await sql<{ kind: string; type: string; total: number | null; leads: number | null; pricing: number | null }>`
    WITH x AS MATERIALIZED (${engagementUnion(now, days)})
    SELECT kind, type, sum(power(0.5, extract(epoch FROM ${now}::timestamptz - t) / 86400 / ${halfLifeDays}))::float8 AS total, NULL::int AS leads, NULL::int AS pricing FROM x GROUP BY kind, type
    UNION ALL SELECT 'all', 'all', NULL, count(DISTINCT lead_id)::int, NULL FROM x
    UNION ALL SELECT 'pricing', 'page_view', NULL, NULL, count(*)::int FROM journey_events e
      WHERE e.lead_id IS NOT NULL AND e.event_type = 'page_view' AND e.occurred_at > ${now}::timestamptz - make_interval(days => ${days}) AND e.occurred_at <= ${now}::timestamptz
        AND ${PATH} ~* ${pricingPattern}`.execute(tx);
  return rows;
}

export async function openValueP75(tx: Tx): Promise<number | null> {
  const { rows } = await sql<{ p75: number | null }>`
    SELECT percentile_cont(0.75) WITHIN GROUP (ORDER BY coalesce(deal_value, predicted_value))::float8 AS p75
    FROM leads WHERE status IN ${OPEN_STATUSES} AND coalesce(deal_value, predicted_value) IS NOT NULL`.execute(tx);
  return rows[0]?.p75 ?? null;
}

export async function openValueMedian(tx: Tx): Promise<number | null> {
  const { rows } = await sql<{ p50: number | null }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(deal_value, predicted_value))::float8 AS p50
    FROM leads WHERE status IN ${OPEN_STATUSES} AND coalesce(deal_value, predicted_value) > 0`.execute(tx);
  return rows[0]?.p50 ?? null;
}

/**
 * The impacts of the open insights, the strongest of each open lead: how many leads have
 * one, and the impact at the given shares from the top (e.g. 0.03 → the 97th percentile).
 */
export async function impactQuantiles(tx: Tx, now: Date, shares: { urgent: number; high: number; medium: number }): Promise<{ n: number; urgent: number; high: number; medium: number } | null> {
  const { rows } = await sql<{ n: number; q: number[] | null }>`
    WITH per_lead AS (
      SELECT i.lead_id, max((i.data->'priority_basis'->>'impact')::float8) AS impact
      FROM ai_insights i JOIN leads l ON l.id = i.lead_id
      WHERE i.status = 'open' AND (i.expires_at IS NULL OR i.expires_at > ${now}::timestamptz) AND l.status IN ${OPEN_STATUSES}
        AND jsonb_typeof(i.data->'priority_basis'->'impact') = 'number'
      GROUP BY i.lead_id)
    SELECT count(*)::int AS n, percentile_cont(${sql.val([1 - shares.urgent, 1 - shares.high, 1 - shares.medium])}::float8[]) WITHIN GROUP (ORDER BY impact) AS q FROM per_lead`.execute(tx);
  const r = rows[0];
  if (!r || !r.q) return null;
  return { n: r.n, urgent: Number(r.q[0]), high: Number(r.q[1]), medium: Number(r.q[2]) };
}

/** Open insights ranked again against new thresholds (after a sweep): priority from the stored impact. */
export async function reprioritise(tx: Tx, now: Date, t: { urgent: number; high: number; medium: number }): Promise<InsightChange[]> {
  const { rows } = await sql<InsightChange>`
    UPDATE ai_insights AS i SET priority = x.p::priority_level,
      data = jsonb_set(i.data, '{priority_basis,thresholds}', ${JSON.stringify(t)}::jsonb)
    FROM (SELECT id, CASE WHEN impact >= ${t.urgent} THEN 'urgent' WHEN impact >= ${t.high} THEN 'high' WHEN impact >= ${t.medium} THEN 'medium' ELSE 'low' END AS p
          FROM (SELECT id, (data->'priority_basis'->>'impact')::float8 AS impact FROM ai_insights
                WHERE status = 'open' AND (expires_at IS NULL OR expires_at > ${now}::timestamptz) AND jsonb_typeof(data->'priority_basis'->'impact') = 'number') y) x
    WHERE i.id = x.id AND i.priority::text <> x.p
    RETURNING i.id, i.lead_id, i.insight_type::text AS insight_type, i.priority::text AS priority, false AS inserted`.execute(tx);
  return rows;
}

export interface ReplayRow { id: string; won: boolean; as_of: Date; status: string; status_changed_at: Date }

/**
 * Decided leads (the most recently decided) as they stood at one point of their life, drawn
 * uniformly between their creation and `horizonDays` before their decision — as the open
 * leads stand at any point of theirs; a fixed "a week before the decision" would mean a lead
 * still qualified then was almost surely lost. With the status they had then (from the
 * status-change events of their journey, else 'qualified'), and since when.
 */
export async function replayLeads(tx: Tx, horizonDays: number, limit: number): Promise<ReplayRow[]> {
  const { rows } = await sql<ReplayRow>`
    SELECT d.id, d.status = 'closed_won' AS won, d.as_of,
      coalesce(s.status, 'qualified') AS status, coalesce(s.at, d.created_at) AS status_changed_at
    FROM (SELECT id, status, created_at,
            -- A point of its life drawn by its id (deterministic), never later than horizonDays before the decision.
            created_at + (((abs(hashtext(id::text)) % 1000) + 0.5) / 1000.0) * greatest(interval '0', coalesce(closed_at, status_changed_at) - make_interval(days => ${horizonDays}) - created_at) AS as_of
          FROM leads WHERE status IN ('closed_won', 'closed_lost') ORDER BY coalesce(closed_at, status_changed_at) DESC, id LIMIT ${limit}) d
    LEFT JOIN LATERAL (
      SELECT e.properties->>'to' AS status, e.occurred_at AS at FROM journey_events e
      WHERE e.lead_id = d.id AND e.event_type = 'status_change' AND e.occurred_at <= d.as_of
        AND e.properties->>'to' IN ('new', 'contacted', 'qualified', 'proposal', 'negotiation', 'nurturing')
      ORDER BY e.occurred_at DESC LIMIT 1) s ON true
    WHERE d.created_at < d.as_of
    ORDER BY d.id`.execute(tx);
  return rows;
}

export const emptyTotals = () => Object.fromEntries(ENGAGEMENT_CATEGORIES.map((c) => [c, 0])) as Record<EngagementCategory, number>;

// ── writing what the detectors found ─────────────────────────────────────────────────

export interface InsightWrite {
  lead_id: string; insight_type: string; reason: string; title: string; description: string; confidence: number; priority: string; data: unknown; expires_at: string;
}

/**
 * New insights are inserted; an open one with the same lead, type and reason is updated in
 * place (the partial unique index of 0015 decides, also between concurrent evaluations).
 */
export interface InsightChange { id: string; lead_id: string; insight_type: string; priority: string; inserted: boolean }

export async function upsertInsights(tx: Tx, organizationId: string, rows: InsightWrite[]): Promise<{ inserted: number; updated: number; changes: InsightChange[] }> {
  if (rows.length === 0) return { inserted: 0, updated: 0, changes: [] };
  const { rows: out } = await sql<InsightChange>`
    INSERT INTO ai_insights AS a (organization_id, lead_id, insight_type, reason, title, description, confidence, priority, data, expires_at)
    SELECT ${organizationId}::uuid, x.lead_id, x.insight_type::insight_type, x.reason, x.title, x.description, x.confidence, x.priority::priority_level, x.data, x.expires_at
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(lead_id uuid, insight_type text, reason text, title text, description text, confidence numeric, priority text, data jsonb, expires_at timestamptz)
    ON CONFLICT (organization_id, lead_id, insight_type, reason) WHERE status = 'open'
    DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, confidence = EXCLUDED.confidence, priority = EXCLUDED.priority, data = EXCLUDED.data, expires_at = EXCLUDED.expires_at
      WHERE (a.title, a.description, a.confidence, a.priority, a.data, a.expires_at) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.description, EXCLUDED.confidence, EXCLUDED.priority, EXCLUDED.data, EXCLUDED.expires_at)
    RETURNING a.id, a.lead_id, a.insight_type::text AS insight_type, a.priority::text AS priority, (xmax = 0) AS inserted`.execute(tx);
  const inserted = out.filter((r) => r.inserted).length;
  return { inserted, updated: out.length - inserted, changes: out };
}

/** Open insights of these leads whose reason the evaluation no longer found. */
export async function expireUnconfirmed(tx: Tx, ids: string[], keep: { lead_id: string; insight_type: string; reason: string }[]): Promise<InsightChange[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<InsightChange>`
    UPDATE ai_insights AS a SET status = 'expired', closed_at = now()
    WHERE a.lead_id = ANY(${ids}::uuid[]) AND a.status = 'open'
      AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(${JSON.stringify(keep)}::jsonb) AS k(lead_id uuid, insight_type text, reason text)
        WHERE k.lead_id = a.lead_id AND k.insight_type = a.insight_type::text AND k.reason = a.reason)
    RETURNING a.id, a.lead_id, a.insight_type::text AS insight_type, a.priority::text AS priority, false AS inserted`.execute(tx);
  return rows;
}

/** Open insights whose time ran out, organization-wide. */
export async function expireRunOut(tx: Tx, now: Date): Promise<InsightChange[]> {
  const { rows } = await sql<InsightChange>`UPDATE ai_insights SET status = 'expired', closed_at = now() WHERE status = 'open' AND expires_at <= ${now}::timestamptz
    RETURNING id, lead_id, insight_type::text AS insight_type, priority::text AS priority, false AS inserted`.execute(tx);
  return rows;
}

/** The behavioural fields of the leads; rows whose values did not change are left alone. */
export async function updateLeadBehaviour(tx: Tx, rows: { id: string; engagement_level: string; optimal_contact_time: unknown; communication_preference: unknown }[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const { rows: changed } = await sql<{ id: string }>`
    UPDATE leads AS l SET engagement_level = x.level::engagement_level, optimal_contact_time = x.oct, communication_preference = x.cp
    FROM jsonb_to_recordset(${JSON.stringify(rows.map((w) => ({ id: w.id, level: w.engagement_level, oct: w.optimal_contact_time, cp: w.communication_preference })))}::jsonb)
      AS x(id uuid, level text, oct jsonb, cp jsonb)
    WHERE l.id = x.id AND (l.engagement_level::text, l.optimal_contact_time, l.communication_preference) IS DISTINCT FROM (x.level, x.oct, x.cp)
    RETURNING l.id`.execute(tx);
  return changed.map((r) => r.id);
}

// ── reading insights (the API) ───────────────────────────────────────────────────────

/** Open means still open and not run out; a run-out insight the sweep has not reached yet already reads as expired. */
const EFFECTIVE_STATUS = sql<string>`CASE WHEN i.status = 'open' AND i.expires_at <= now() THEN 'expired' ELSE i.status END`;

const INSIGHT_COLUMNS = sql`i.id, i.lead_id, coalesce(nullif(btrim(l.first_name || ' ' || l.last_name), ''), l.email, l.company, 'Unnamed lead') AS lead_name, i.insight_type::text AS insight_type, i.title, i.description,
  i.confidence::float8 AS confidence, i.priority::text AS priority, i.data, i.reason, ${EFFECTIVE_STATUS} AS status, i.expires_at, i.acknowledged_at, i.acknowledged_by,
  i.dismissed_at, i.dismissed_by, i.dismiss_reason, i.created_at, i.updated_at, l.assigned_to`;

export interface InsightRow {
  id: string; lead_id: string; lead_name: string; insight_type: InsightType; title: string; description: string; confidence: number; priority: Priority;
  data: Record<string, unknown>; reason: string; status: 'open' | 'dismissed' | 'expired'; expires_at: Date | null; acknowledged_at: Date | null; acknowledged_by: string | null;
  dismissed_at: Date | null; dismissed_by: string | null; dismiss_reason: string | null; created_at: Date; updated_at: Date; assigned_to: string | null;
}

export interface InsightFilter {
  types?: string[] | undefined;
  priorities?: string[] | undefined;
  leadId?: string | undefined;
  owner?: string | null | undefined;
  acknowledged?: boolean | undefined;
  status?: 'open' | 'dismissed' | 'expired' | undefined;
}

function filters(f: InsightFilter): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  if (f.types) parts.push(sql`i.insight_type::text = ANY(${f.types}::text[])`);
  if (f.priorities) parts.push(sql`i.priority::text = ANY(${f.priorities}::text[])`);
  if (f.leadId) parts.push(sql`i.lead_id = ${f.leadId}::uuid`);
  if (f.owner === null) parts.push(sql`l.assigned_to IS NULL`);
  else if (f.owner) parts.push(sql`l.assigned_to = ${f.owner}::uuid`);
  if (f.acknowledged === true) parts.push(sql`i.acknowledged_at IS NOT NULL`);
  if (f.acknowledged === false) parts.push(sql`i.acknowledged_at IS NULL`);
  if (f.status === 'open') parts.push(sql`i.status = 'open' AND (i.expires_at IS NULL OR i.expires_at > now())`);
  if (f.status === 'dismissed') parts.push(sql`i.status = 'dismissed'`);
  if (f.status === 'expired') parts.push(sql`(i.status = 'expired' OR (i.status = 'open' AND i.expires_at <= now()))`);
  return sql.join(parts, sql` AND `);
}

/** Newest first, keyset-paged on (created_at, id); `scope` is the caller's lead scope as a predicate on lead_id. */
export async function listInsights(tx: Tx, scope: RawBuilder<boolean>, f: InsightFilter, limit: number, after: [string, string] | null) {
  const cursor = after ? sql`AND (i.created_at, i.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``;
  const { rows } = await sql<InsightRow & { cursor_at: string }>`
    SELECT ${INSIGHT_COLUMNS}, ${cursorTime(sql.ref('i.created_at'))} AS cursor_at
    FROM ai_insights i JOIN leads l ON l.id = i.lead_id
    WHERE ${scope} AND ${filters(f)} ${cursor}
    ORDER BY i.created_at DESC, i.id DESC LIMIT ${limit + 1}`.execute(tx);
  return rows;
}

export async function getInsight(tx: Tx, scope: RawBuilder<boolean>, id: string): Promise<InsightRow | undefined> {
  const { rows } = await sql<InsightRow>`
    SELECT ${INSIGHT_COLUMNS} FROM ai_insights i JOIN leads l ON l.id = i.lead_id WHERE i.id = ${id}::uuid AND ${scope}`.execute(tx);
  return rows[0];
}

/** Whether this call acknowledged it: a second acknowledgement changes nothing (and is no event). */
export async function acknowledge(tx: Tx, id: string, userId: string | null): Promise<boolean> {
  const r = await sql`UPDATE ai_insights SET acknowledged_at = now(), acknowledged_by = ${userId}::uuid WHERE id = ${id}::uuid AND acknowledged_at IS NULL`.execute(tx);
  return Number(r.numAffectedRows ?? 0) > 0;
}

export async function dismiss(tx: Tx, id: string, userId: string | null, reason: string): Promise<boolean> {
  const r = await sql`
    UPDATE ai_insights SET status = 'dismissed', dismissed_at = now(), dismissed_by = ${userId}::uuid, dismiss_reason = ${reason}, closed_at = now()
    WHERE id = ${id}::uuid AND status = 'open'`.execute(tx);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/**
 * A user's priority inbox: open, unexpired, unacknowledged insights on the leads they own;
 * for managers also on the leads of teams they manage or belong to; for admins on every lead.
 * Ordered by priority, then confidence, then recency; keyset-paged on that order.
 */
export async function inbox(tx: Tx, userId: string, reach: 'own' | 'teams' | 'all', teamId: string | null, limit: number, after: [string, number, string, string] | null) {
  const teams = reach === 'all'
    ? sql`OR true`
    : reach === 'teams'
      ? sql`OR l.team_id IN (SELECT t.id FROM teams t WHERE t.manager_id = ${userId}::uuid) OR (${teamId}::uuid IS NOT NULL AND l.team_id = ${teamId}::uuid)`
      : sql``;
  const cursor = after
    ? sql`AND (i.priority, i.confidence, i.created_at, i.id) < (${after[0]}::priority_level, ${after[1]}::numeric, ${after[2]}::timestamptz, ${after[3]}::uuid)`
    : sql``;
  const { rows } = await sql<InsightRow & { cursor_at: string }>`
    SELECT ${INSIGHT_COLUMNS}, ${cursorTime(sql.ref('i.created_at'))} AS cursor_at
    FROM ai_insights i JOIN leads l ON l.id = i.lead_id
    WHERE i.status = 'open' AND (i.expires_at IS NULL OR i.expires_at > now()) AND i.acknowledged_at IS NULL
      AND (l.assigned_to = ${userId}::uuid ${teams}) ${cursor}
    ORDER BY i.priority DESC, i.confidence DESC, i.created_at DESC, i.id DESC LIMIT ${limit + 1}`.execute(tx);
  return rows;
}

export async function openCountsByType(tx: Tx): Promise<{ insight_type: string; open: number }[]> {
  const { rows } = await sql<{ insight_type: string; open: number }>`
    SELECT insight_type::text, count(*)::int AS open FROM ai_insights
    WHERE status = 'open' AND (expires_at IS NULL OR expires_at > now()) GROUP BY 1 ORDER BY 1`.execute(tx);
  return rows;
}
