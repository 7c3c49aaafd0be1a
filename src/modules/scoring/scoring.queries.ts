import { sql } from 'kysely';
import type { LeadSignals } from '../../ai/features/signals.ts';
import { SIGNAL_HALF_LIFE_DAYS } from '../../ai/features/signals.ts';
import { cursorTime } from '../../db/keyset.ts';
import type { Tx } from '../../db/tenant.ts';

/**
 * Lead signals straight from the database, aggregated per lead in one statement, each
 * lead as of its decision time: the close for closed leads, `now` for open ones. Every
 * child row is cut at that time, so an onboarding call logged after a won deal cannot
 * teach the model that onboarding calls predict wins (the demo data sets that trap).
 * Status changes are the outcome's own path and are not behaviour.
 */
export interface SignalRow {
  id: string;
  won: boolean;
  closed: boolean;
  /** Won deals only: for the deal-size estimate (an outcome: never a feature). */
  dealValue: number | null;
  signals: LeadSignals;
  /**
   * Reads by id (rescoring) only: the lead's score now and whether it has any history row,
   * read in the same statement as the signals (one round trip and one snapshot per batch).
   */
  current?: { score: number; scored: boolean };
}

interface RawRow {
  id: string; current_score?: number; scored?: boolean; won: boolean; closed: boolean; deal_value: number | null; as_of: Date; created_at: Date; job_title: string | null; email: string | null; phone: string | null;
  company: string | null; country: string | null; source: string | null; campaign: string | null; custom_fields: Record<string, unknown> | null;
  next_follow_up_at: Date | null;
  page_views: number; page_views_recent: number; pricing_views: number; pricing_views_recent: number; demo_views: number; contact_views: number;
  form_submits: number; demo_requests: number; email_opens: number; email_clicks: number; sessions: number; journey_last_at: Date | null;
  calls: number; sales_emails: number; meetings: number; other_activities: number; activities_last_at: Date | null; activity_signals: number; activity_sentiment: number | null;
  inbound: number; outbound: number; replies: number; reply_hours: number | null; first_inbound_at: Date | null; conversations_last_at: Date | null;
  analysed: number; sentiment: number | null; sentiment_trend: number | null; positive: number; negative: number; intents: Record<string, number> | null; conversation_signals: number;
}

const CLOSED = sql`('closed_won', 'closed_lost')`;
const PRICING = sql`'/(pricing|plans?|price|buy|checkout|quote)([/?#.]|$)'`;
const DEMO = sql`'/(demo|trial|book|get-started|signup|sign-up)([/?#.]|$)'`;
const CONTACT = sql`'/(contact|talk-to-sales|sales)([/?#.]|$)'`;

export type SignalSelection =
  | { kind: 'ids'; ids: string[] }
  | { kind: 'closed' | 'all'; after: string | null; limit: number; /** Last id of the range (inclusive); none: to the end. */ through?: string | null };

/**
 * How many leads of a kind there are and, when `parts` > 1, the ids that cut them into that
 * many equal id ranges (the last id of each range but the last), so that ranges can be read
 * at once on separate connections. One statement: both scan the same leads (a separate
 * count was ~0.12 s more at 100,000 decided leads).
 */
export async function signalRanges(tx: Tx, kind: 'closed' | 'all', parts: number): Promise<{ total: number; splits: string[] }> {
  const fractions = Array.from({ length: Math.max(0, parts - 1) }, (_, i) => (i + 1) / parts);
  const cut = fractions.length > 0 ? sql`percentile_disc(${fractions}::float8[]) WITHIN GROUP (ORDER BY l.id)` : sql`NULL::uuid[]`;
  const { rows } = await sql<{ total: string; splits: string[] | null }>`
    SELECT count(*) AS total, ${cut} AS splits
    FROM leads AS l WHERE ${kind === 'closed' ? sql`l.status IN ${CLOSED}` : sql`TRUE`}`.execute(tx);
  const total = Number(rows[0]!.total);
  return { total, splits: [...new Set(rows[0]?.splits?.filter((s): s is string => s !== null) ?? [])] };
}

export async function loadSignals(tx: Tx, selection: SignalSelection, now: Date): Promise<SignalRow[]> {
  const where =
    selection.kind === 'ids' ? sql`l.id = ANY(${selection.ids}::uuid[])`
    : sql`${selection.kind === 'closed' ? sql`l.status IN ${CLOSED}` : sql`TRUE`} AND l.id > coalesce(${selection.after}::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
        AND l.id <= coalesce(${selection.through ?? null}::uuid, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)`;
  const limit = selection.kind === 'ids' ? sql`` : sql`ORDER BY l.id LIMIT ${selection.limit}`;
  // Rescoring decides from the current score whether a new one is history (and worth explaining).
  const current = selection.kind === 'ids' ? sql`l.current_score, EXISTS (SELECT 1 FROM lead_scores AS s WHERE s.lead_id = l.id) AS scored,` : sql``;
  const halfLife = SIGNAL_HALF_LIFE_DAYS * 86400;
  // A batch of 5,000 leads costs more than jit_above_cost, and compiling its expressions took
  // ~45 ms of every ~230 ms batch (EXPLAIN's JIT timing) for a statement that runs once:
  // without JIT the batch takes ~183 ms. SET LOCAL: it ends with the caller's transaction.
  await sql`SELECT set_config('jit', 'off', true)`.execute(tx);
  const { rows } = await sql<RawRow>`
    WITH l AS (
      SELECT l.id, ${current} l.status = 'closed_won' AS won, l.status IN ${CLOSED} AS closed,
        CASE WHEN l.status = 'closed_won' THEN l.deal_value::float8 END AS deal_value,
        CASE WHEN l.status IN ${CLOSED} THEN coalesce(l.closed_at, l.status_changed_at) ELSE ${now}::timestamptz END AS as_of,
        l.created_at, l.job_title, l.email, l.phone, l.company,
        coalesce(nullif(l.address->>'country_code', ''), nullif(l.address->>'country', '')) AS country,
        l.source, l.campaign, l.custom_fields, l.next_follow_up_at
      FROM leads AS l WHERE ${where} ${limit}
    )
    SELECT l.*, j.*, a.*, c.*
    FROM l
    LEFT JOIN LATERAL (
      SELECT
        count(*) FILTER (WHERE ev.page_view)::int AS page_views,
        coalesce(sum(ev.weight) FILTER (WHERE ev.page_view), 0)::float8 AS page_views_recent,
        count(*) FILTER (WHERE ev.pricing)::int AS pricing_views,
        coalesce(sum(ev.weight) FILTER (WHERE ev.pricing), 0)::float8 AS pricing_views_recent,
        count(*) FILTER (WHERE ev.page_view AND ev.url ~* ${DEMO})::int AS demo_views,
        count(*) FILTER (WHERE ev.page_view AND ev.url ~* ${CONTACT})::int AS contact_views,
        count(*) FILTER (WHERE ev.event_type = 'form_submit')::int AS form_submits,
        count(*) FILTER (WHERE ev.event_type = 'form_submit' AND (ev.event_name ~* '(demo|trial)' OR ev.url ~* ${DEMO} OR ev.form ~* '(demo|trial)'))::int AS demo_requests,
        count(*) FILTER (WHERE ev.event_type = 'email_open')::int AS email_opens,
        count(*) FILTER (WHERE ev.event_type = 'email_click')::int AS email_clicks,
        count(DISTINCT ev.session_id)::int AS sessions,
        max(ev.occurred_at) AS journey_last_at
      FROM (
        -- Each event's flags and decay weight once: the aggregates above read them twice.
        -- The weight in float8: extract(epoch …) is numeric, and a numeric power() per
        -- event was 45 % of this whole statement (measured on 5,000 leads: 296 → 155 ms
        -- with the OFFSET below). OFFSET 0 keeps the planner from inlining this subquery,
        -- which would copy each expression back into every aggregate that reads it.
        SELECT e.event_type, e.event_name, e.session_id, e.occurred_at, e.properties->>'url' AS url, e.properties->>'form' AS form,
          e.event_type = 'page_view' AS page_view,
          e.event_type = 'page_view' AND e.properties->>'url' ~* ${PRICING} AS pricing,
          CASE WHEN e.event_type = 'page_view' THEN power(0.5::float8, extract(epoch FROM l.as_of - e.occurred_at)::float8 / ${halfLife}::float8) END AS weight
        FROM journey_events AS e
        WHERE e.lead_id = l.id AND e.occurred_at <= l.as_of AND e.event_type <> 'status_change'
        OFFSET 0
      ) AS ev
    ) AS j ON TRUE
    LEFT JOIN LATERAL (
      SELECT
        count(*) FILTER (WHERE x.type = 'call')::int AS calls,
        count(*) FILTER (WHERE x.type = 'email')::int AS sales_emails,
        count(*) FILTER (WHERE x.type IN ('meeting', 'demo'))::int AS meetings,
        count(*) FILTER (WHERE x.type NOT IN ('call', 'email', 'meeting', 'demo'))::int AS other_activities,
        max(x.completed_at) AS activities_last_at,
        -- Only calls speak for the lead: our emails, meetings, demos and proposals describe our
        -- side or mark the stage (see docs/scoring.md on leakage).
        coalesce(sum(jsonb_array_length(x.buying_signals)) FILTER (WHERE x.type = 'call' AND jsonb_typeof(x.buying_signals) = 'array'), 0)::int AS activity_signals,
        (avg(x.sentiment_score) FILTER (WHERE x.type = 'call'))::float8 AS activity_sentiment
      FROM activities AS x
      WHERE x.lead_id = l.id AND x.completed_at IS NOT NULL AND x.completed_at <= l.as_of
    ) AS a ON TRUE
    LEFT JOIN LATERAL (
      SELECT
        count(*) FILTER (WHERE m.direction = 'inbound')::int AS inbound,
        count(*) FILTER (WHERE m.direction = 'outbound')::int AS outbound,
        count(*) FILTER (WHERE m.is_reply)::int AS replies,
        (percentile_cont(0.5) WITHIN GROUP (ORDER BY m.gap_hours) FILTER (WHERE m.is_reply))::float8 AS reply_hours,
        min(m.created_at) FILTER (WHERE m.direction = 'inbound') AS first_inbound_at,
        max(m.created_at) AS conversations_last_at,
        count(*) FILTER (WHERE m.direction = 'inbound' AND m.overall IS NOT NULL)::int AS analysed,
        avg(m.overall) FILTER (WHERE m.direction = 'inbound')::float8 AS sentiment,
        ((array_agg(m.overall ORDER BY m.created_at DESC) FILTER (WHERE m.direction = 'inbound' AND m.overall IS NOT NULL))[1]
          - (array_agg(m.overall ORDER BY m.created_at) FILTER (WHERE m.direction = 'inbound' AND m.overall IS NOT NULL))[1])::float8 AS sentiment_trend,
        count(*) FILTER (WHERE m.direction = 'inbound' AND m.overall > 0.2)::int AS positive,
        count(*) FILTER (WHERE m.direction = 'inbound' AND m.overall < -0.2)::int AS negative,
        jsonb_object_agg(m.intent, m.intent_count) FILTER (WHERE m.intent IS NOT NULL AND m.intent_first) AS intents,
        coalesce(sum(m.signals) FILTER (WHERE m.direction = 'inbound'), 0)::int AS conversation_signals
      FROM (
        SELECT v.direction, v.created_at, v.intent,
          (v.sentiment->>'overall')::float8 AS overall,
          v.direction = 'inbound' AND lag(v.direction) OVER w = 'outbound' AND v.created_at - lag(v.created_at) OVER w <= interval '7 days' AS is_reply,
          extract(epoch FROM v.created_at - lag(v.created_at) OVER w) / 3600 AS gap_hours,
          count(*) FILTER (WHERE v.direction = 'inbound') OVER (PARTITION BY v.intent) AS intent_count,
          row_number() OVER (PARTITION BY v.intent ORDER BY v.created_at) = 1 AS intent_first,
          CASE WHEN jsonb_typeof(v.metadata->'buying_signals') = 'array' THEN jsonb_array_length(v.metadata->'buying_signals') ELSE 0 END AS signals
        FROM (
          SELECT co.direction, co.created_at, co.sentiment, co.metadata,
            CASE WHEN co.direction = 'inbound' THEN nullif(co.intent->>'primary_intent', '') END AS intent
          FROM conversations AS co WHERE co.lead_id = l.id AND co.created_at <= l.as_of
        ) AS v
        WINDOW w AS (ORDER BY v.created_at)
      ) AS m
    ) AS c ON TRUE
    ORDER BY l.id`.execute(tx);
  return rows.map((r) => ({
    id: r.id, won: r.won, closed: r.closed, dealValue: r.deal_value, signals: toSignals(r),
    ...(r.current_score !== undefined ? { current: { score: r.current_score, scored: r.scored === true } } : {}),
  }));
}

function toSignals(r: RawRow): LeadSignals {
  return {
    asOf: r.as_of, createdAt: r.created_at, jobTitle: r.job_title, email: r.email, phone: r.phone, company: r.company, country: r.country,
    source: r.source, campaign: r.campaign, customFields: r.custom_fields ?? {}, nextFollowUpAt: r.next_follow_up_at,
    journey: {
      pageViews: r.page_views, pageViewsRecent: r.page_views_recent, pricingViews: r.pricing_views, pricingViewsRecent: r.pricing_views_recent,
      demoViews: r.demo_views, contactViews: r.contact_views, formSubmits: r.form_submits, demoRequests: r.demo_requests, emailOpens: r.email_opens, emailClicks: r.email_clicks,
      sessions: r.sessions, lastAt: r.journey_last_at,
    },
    activities: { calls: r.calls, emails: r.sales_emails, meetings: r.meetings, other: r.other_activities, lastAt: r.activities_last_at, buyingSignals: r.activity_signals, sentiment: r.activity_sentiment },
    conversations: {
      inbound: r.inbound, outbound: r.outbound, replies: r.replies, replyHours: r.reply_hours, firstInboundAt: r.first_inbound_at, lastAt: r.conversations_last_at,
      analysed: r.analysed, sentiment: r.sentiment, sentimentTrend: r.sentiment_trend, positive: r.positive, negative: r.negative, intents: r.intents ?? {}, buyingSignals: r.conversation_signals,
    },
  };
}

// Model registry ----------------------------------------------------------------------

export const MODEL_COLUMNS = ['id', 'version', 'algorithm', 'metrics', 'calibration', 'training_size', 'positives', 'is_active', 'trained_at', 'activated_at', 'created_by'] as const;

export async function listModels(tx: Tx) {
  return tx.selectFrom('scoring_models').select(MODEL_COLUMNS).orderBy('trained_at', 'desc').orderBy('version', 'desc').execute();
}

/** The active model with everything needed to score (feature space and parameters). */
export async function activeModel(tx: Tx) {
  return tx.selectFrom('scoring_models').select([...MODEL_COLUMNS, 'features', 'parameters']).where('is_active', '=', true).executeTakeFirst();
}

export async function modelByVersion(tx: Tx, version: string) {
  return tx.selectFrom('scoring_models').select([...MODEL_COLUMNS, 'features', 'parameters']).where('version', '=', version).executeTakeFirst();
}

export async function modelCount(tx: Tx): Promise<number> {
  const row = await tx.selectFrom('scoring_models').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertModel(tx: Tx, row: {
  organizationId: string; version: string; algorithm: string; features: unknown[]; parameters: Record<string, unknown>; metrics: Record<string, unknown>;
  calibration: unknown[]; trainingSize: number; positives: number; createdBy: string | null;
}) {
  return tx.insertInto('scoring_models').values({
    organization_id: row.organizationId, version: row.version, algorithm: row.algorithm, features: JSON.stringify(row.features), parameters: JSON.stringify(row.parameters),
    metrics: JSON.stringify(row.metrics), calibration: JSON.stringify(row.calibration), training_size: row.trainingSize, positives: row.positives, created_by: row.createdBy,
  }).returning(MODEL_COLUMNS).executeTakeFirstOrThrow();
}

/**
 * Registry changes of one organization take turns until the transaction ends (reentrant):
 * two trainings finishing together would otherwise both name their model v(n + 1).
 */
export async function lockModels(tx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('leadai.scoring.models:' || app.current_organization_id()::text, 0))`.execute(tx);
}

/**
 * Makes one version the active one (the partial unique index allows one per organization).
 * Activations of one organization take turns (a transaction-level advisory lock): a training
 * job and an admin's rollback at the same moment would otherwise both pass the first UPDATE and
 * collide on the index (a 500, seen in CI).
 */
export async function activateModel(tx: Tx, version: string): Promise<boolean> {
  await lockModels(tx);
  // An unknown version (an admin's typo) must leave the active model as it is.
  if (!(await tx.selectFrom('scoring_models').select('id').where('version', '=', version).executeTakeFirst())) return false;
  await tx.updateTable('scoring_models').set({ is_active: false }).where('is_active', '=', true).where('version', '<>', version).execute();
  const r = await tx.updateTable('scoring_models').set({ is_active: true, activated_at: sql`now()` }).where('version', '=', version).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** True when an older version than the newest is active (an admin rolled back). */
export async function activeIsOlderThanNewest(tx: Tx): Promise<boolean> {
  const { rows } = await sql<{ older: boolean }>`
    SELECT EXISTS (
      SELECT 1 FROM scoring_models AS a, scoring_models AS n
      WHERE a.is_active AND n.trained_at > a.trained_at
    ) AS older`.execute(tx);
  return rows[0]?.older ?? false;
}

/** Closed leads whose outcome arrived after a time (for "enough new outcomes to retrain"). */
export async function outcomesSince(tx: Tx, since: Date | null): Promise<{ closed: number; won: number }> {
  const row = await tx
    .selectFrom('leads')
    .select([sql<number>`count(*)::int`.as('closed'), sql<number>`count(*) FILTER (WHERE status = 'closed_won')::int`.as('won')])
    .where('status', 'in', ['closed_won', 'closed_lost'])
    .$if(since !== null, (q) => q.where('status_changed_at', '>', since!))
    .executeTakeFirstOrThrow();
  return row;
}

/** Won deals' values with their lead ids, for the deal-size estimate. */
export async function wonDealValues(tx: Tx, limit: number) {
  return tx.selectFrom('leads').select(['id', 'deal_value']).where('status', '=', 'closed_won').where('deal_value', 'is not', null).where('deal_value', '>', 0).orderBy('closed_at', 'desc').limit(limit).execute();
}

// Scores ------------------------------------------------------------------------------

export interface ScoreWrite {
  leadId: string;
  score: number;
  probability: number;
  confidence: number;
  predictedValue: number | null;
  sub: { demographic: number; behavioral: number; temporal: number; conversational: number | null };
  explanation: { feature: string; group: 'demographic' | 'behavioral' | 'temporal' | 'conversational'; points: number; text: string }[];
  recommendations: unknown[];
  modelVersion: string;
  /** A lead_scores row only when the score moved enough to be news (or is the first). */
  history: boolean;
}

/**
 * Writes a batch of scores: the lead's AI fields in one UPDATE, history rows in one INSERT.
 * Answers how many history rows were written and which leads changed (a new score on the
 * lead or a new history row): what the batch's lead.scored events name.
 */
export async function writeScores(tx: Tx, organizationId: string, rows: readonly ScoreWrite[]): Promise<{ history: number; changed: string[] }> {
  if (rows.length === 0) return { history: 0, changed: [] };
  const { rows: updated } = await sql<{ id: string }>`
    UPDATE leads AS l SET current_score = u.score, score_confidence = u.confidence, conversion_probability = u.probability, predicted_value = u.predicted_value
    FROM unnest(${rows.map((r) => r.leadId)}::uuid[], ${rows.map((r) => r.score)}::int[], ${rows.map((r) => r.confidence)}::numeric[],
                ${rows.map((r) => r.probability)}::numeric[], ${rows.map((r) => r.predictedValue)}::numeric[]) AS u(id, score, confidence, probability, predicted_value)
    WHERE l.id = u.id
      -- An unchanged score is not written: no new row version, no index entries, no touched
      -- updated_at. Compared at the columns' own precision.
      AND (l.current_score, l.score_confidence, l.conversion_probability, l.predicted_value)
          IS DISTINCT FROM (u.score, u.confidence::numeric(3,2), u.probability::numeric(3,2), u.predicted_value::numeric(12,2))
    RETURNING l.id`.execute(tx);
  const history = rows.filter((r) => r.history);
  if (history.length > 0) {
    await sql`
      INSERT INTO lead_scores (organization_id, lead_id, score, confidence, model_version, conversion_probability,
        demographic_score, behavioral_score, temporal_score, conversational_score, explanation, recommendations)
      SELECT ${organizationId}::uuid, u.lead_id, u.score, u.confidence, u.model_version, u.probability, u.dem, u.beh, u.tmp, u.con, u.explanation, u.recommendations
      FROM unnest(${history.map((r) => r.leadId)}::uuid[], ${history.map((r) => r.score)}::int[], ${history.map((r) => r.confidence)}::numeric[],
        ${history.map((r) => r.modelVersion)}::text[], ${history.map((r) => r.probability)}::numeric[],
        ${history.map((r) => r.sub.demographic)}::int[], ${history.map((r) => r.sub.behavioral)}::int[], ${history.map((r) => r.sub.temporal)}::int[], ${history.map((r) => r.sub.conversational)}::int[],
        ${history.map((r) => JSON.stringify(r.explanation))}::jsonb[], ${history.map((r) => JSON.stringify(r.recommendations))}::jsonb[])
        AS u(lead_id, score, confidence, model_version, probability, dem, beh, tmp, con, explanation, recommendations)`.execute(tx);
  }
  const changed = new Set(updated.map((r) => r.id));
  for (const r of history) changed.add(r.leadId);
  return { history: history.length, changed: [...changed] };
}

/**
 * A lead's score fields and its latest history row, read in one statement (one snapshot),
 * with the active model's deal-value interval multipliers (its metrics, a small JSON: the
 * parameters would be the whole model). The predicted value is one number on the lead; the
 * interval around it is the same multiple of it for every lead of a model.
 */
export async function scoreView(tx: Tx, leadId: string) {
  const { rows } = await sql<{
    current_score: number; conversion_probability: string | null; score_confidence: string; predicted_value: string | null;
    value_low_factor: number | null; value_high_factor: number | null;
    demographic_score: number | null; behavioral_score: number | null; temporal_score: number | null; conversational_score: number | null;
    explanation: unknown[] | null; recommendations: unknown[] | null; model_version: string | null; created_at: Date | null;
  }>`
    SELECT l.current_score, l.conversion_probability, l.score_confidence, l.predicted_value,
      s.demographic_score, s.behavioral_score, s.temporal_score, s.conversational_score, s.explanation, s.recommendations, s.model_version, s.created_at,
      dv.value_low_factor, dv.value_high_factor
    FROM leads AS l
    LEFT JOIN LATERAL (SELECT * FROM lead_scores AS x WHERE x.lead_id = l.id ORDER BY x.created_at DESC, x.id DESC LIMIT 1) AS s ON TRUE
    LEFT JOIN LATERAL (
      SELECT (m.metrics->'deal_value'->>'interval_low')::float8 AS value_low_factor, (m.metrics->'deal_value'->>'interval_high')::float8 AS value_high_factor
      FROM scoring_models AS m WHERE m.is_active
    ) AS dv ON TRUE
    WHERE l.id = ${leadId}`.execute(tx);
  return rows[0];
}

export async function scoreHistory(tx: Tx, leadId: string, limit: number, before: [string, string] | null) {
  let q = tx.selectFrom('lead_scores')
    .select(['id', 'score', 'confidence', 'conversion_probability', 'model_version', 'demographic_score', 'behavioral_score', 'temporal_score', 'conversational_score', 'created_at'])
    .select(cursorTime(sql.ref('created_at')).as('cursor_at'))
    .where('lead_id', '=', leadId);
  if (before) q = q.where(sql<boolean>`(created_at, id) < (${before[0]}::timestamptz, ${before[1]}::uuid)`);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
}

// The rescoring queue -----------------------------------------------------------------

/**
 * Takes up to `limit` queued leads (oldest first, then by id: 0023 indexes that order);
 * concurrent workers take different ones.
 * The same transaction queues them for insights (0020): the rescoring job evaluates those right
 * after scoring, and if it dies in between, the insights queue still has them.
 */
export async function takeQueuedLeads(tx: Tx, limit: number): Promise<string[]> {
  // Two statements: lock the batch, then delete it by a bound array of ids. In one statement
  // (`IN (subquery)`, or `= ANY(ARRAY(subquery))` by id or row address) the planner, with
  // the queue's statistics taken while it was empty and a whole organization queued since,
  // scanned the queue by the RLS predicate and matched each of its 150,000 rows against the
  // batch one element at a time: 4–6 s per take of 5,000 (or minutes, rescanning the
  // subquery). A bound array is a constant to the planner, and a constant array is matched
  // by hash: 60 ms (bench:scoring, 2026-12-05).
  const { rows } = await sql<{ lead_id: string }>`
    SELECT lead_id FROM lead_score_queue ORDER BY queued_at, lead_id LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(tx);
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.lead_id);
  await sql`
    WITH taken AS (
      DELETE FROM lead_score_queue WHERE lead_id = ANY(${ids}::uuid[]) RETURNING organization_id, lead_id
    )
    INSERT INTO lead_insight_queue (organization_id, lead_id) SELECT organization_id, lead_id FROM taken ON CONFLICT DO NOTHING`.execute(tx);
  return ids;
}

export async function requeueLeads(tx: Tx, organizationId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`INSERT INTO lead_score_queue (organization_id, lead_id) SELECT ${organizationId}::uuid, l.id FROM leads l WHERE l.id = ANY(${ids}::uuid[]) ON CONFLICT DO NOTHING`.execute(tx);
}

/**
 * Queues every lead of the organization and answers how many will be rescored: leads already
 * queued by an earlier change count too (they are not inserted twice, but they will be scored).
 */
export async function queueAllLeads(tx: Tx, organizationId: string): Promise<number> {
  await sql`INSERT INTO lead_score_queue (organization_id, lead_id) SELECT ${organizationId}::uuid, id FROM leads ON CONFLICT DO NOTHING`.execute(tx);
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM leads`.execute(tx);
  return rows[0]?.n ?? 0;
}
