import type { Kysely } from 'kysely';
import {
  HIGH_SHARE, MEDIUM_SHARE, PRICING_PATH, REPLY_WINDOW_HOURS, SUGGESTS_CONTACT, URGENT_SHARE, claimOf, detectAll, evaluateLead, fitCalibration, isTimeZone, kindOf, recentContactHours, scaleFrom,
  type Calibration, type Claim, type EngagementCategory, type LeadSnapshot, type OrgStats,
} from '../../ai/insights/index.ts';
import { activityCategory, eventCategory, ENGAGEMENT_WINDOW_DAYS, HALF_LIFE_DAYS } from '../../ai/insights/engagement.ts';
import type { DB } from '../../db/schema.ts';
import { leaveCoresToRequests } from '../../db/background-work.ts';
import { withTenant, type Tx } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { notifyInsights } from '../notifications/notifications.service.ts';
import { chunkIds, emitEvents, systemActor, type OutboxEvent } from '../events/events.service.ts';
import * as q from './insights.queries.ts';

/**
 * The insights engine: evaluates leads of an organization with the detectors of
 * src/ai/insights, keeps one open insight per (lead, type, reason), expires those whose
 * reason no longer holds or whose time ran out, and keeps the leads' engagement level,
 * communication preference and optimal contact time current. Works on organization ids
 * (jobs, CLI); the HTTP layer (insights.api.ts) checks who may ask.
 */
export const INSIGHTS_REFRESH_QUEUE = 'insights.refresh';
const BATCH = 500;
/** How much history a snapshot holds per lead. */
const HISTORY_DAYS = 180;
const PER_LEAD = { activities: 200, messages: 300, events: 500 };
/** Calibration: decided leads replayed (the most recently decided), each as it stood this long before its decision. */
const CALIBRATION_LEADS = 2000;
export const CALIBRATION_HORIZON_DAYS = 7;
const SHARES = { urgent: URGENT_SHARE, high: HIGH_SHARE, medium: MEDIUM_SHARE };
/** Organization statistics are shared by every batch for this long; the periodic job refreshes them. */
const STATS_TTL_MS = 10 * 60_000;
/** The periodic sweep: time-driven insights (stalls, decay) appear without any change to the lead. */
export const REFRESH_EVERY_MS = 6 * 3_600_000;

export interface EvaluationResult {
  leads: number;
  inserted: number;
  updated: number;
  expired: number;
  leads_updated: number;
}

const zero = (): EvaluationResult => ({ leads: 0, inserted: 0, updated: 0, expired: 0, leads_updated: 0 });
const add = (a: EvaluationResult, b: EvaluationResult): EvaluationResult => ({
  leads: a.leads + b.leads, inserted: a.inserted + b.inserted, updated: a.updated + b.updated, expired: a.expired + b.expired, leads_updated: a.leads_updated + b.leads_updated,
});

type Progress = (done: number, total: number | undefined, message: string) => void | Promise<void>;

/** One event per insight written (ids, type and priority only: titles and descriptions are free text). */
function insightEvents(changes: readonly q.InsightChange[], fields?: string[]): OutboxEvent[] {
  return changes.map((c) => ({
    type: c.inserted ? 'insight.created' : 'insight.updated', entityType: 'insight', entityId: c.id,
    payload: { lead_id: c.lead_id, insight_type: c.insight_type, priority: c.priority, ...(fields && !c.inserted ? { fields } : {}) },
  }));
}

export function createInsightsService(db: Kysely<DB>, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  const system = (organizationId: string) => ({ organizationId });
  const statsCache = new Map<string, OrgStats>();
  const computing = new Map<string, Promise<OrgStats>>();

  async function computeStats(tx: Tx, organizationId: string, at: Date): Promise<OrgStats> {
    await leaveCoresToRequests(tx);
    const configured = await q.organizationTimezone(tx, organizationId);
    const timezone = isTimeZone(configured) ? configured : 'UTC';
    const statusDays: OrgStats['statusDays'] = {};
    for (const r of await q.statusDurations(tx, at)) statusDays[r.status] = { n: r.n, quantiles: r.quantiles };
    const sent = new Array<number>(168).fill(0);
    const replied = new Array<number>(168).fill(0);
    for (const r of await q.hourOfWeekReplies(tx, timezone, at, 365, REPLY_WINDOW_HOURS)) {
      sent[r.how] = r.sent;
      replied[r.how] = r.replied;
    }
    const content = await q.contentStats(tx, 3, 200);
    const totals = q.emptyTotals();
    let activeLeads = 0;
    let pricingViews = 0;
    for (const r of await q.engagementTotals(tx, at, ENGAGEMENT_WINDOW_DAYS, HALF_LIFE_DAYS, PRICING_PATH.source)) {
      if (r.kind === 'all') activeLeads = r.leads ?? 0;
      else if (r.kind === 'pricing') pricingViews = r.pricing ?? 0;
      else {
        const category: EngagementCategory | null = r.kind === 'message' ? 'inbound_message' : r.kind === 'activity' ? activityCategory(r.type) : eventCategory(r.type);
        if (category) totals[category] += r.total ?? 0;
      }
    }
    const valueMedian = await q.openValueMedian(tx);
    const base: OrgStats = {
      computedAt: at,
      timezone,
      statusDays,
      hourOfWeek: { sent, replied },
      content: content.content,
      decided: content.decided,
      won: content.won,
      engagedDecided: content.engagedDecided,
      engagedWon: content.engagedWon,
      engagement: { totals, activeLeads },
      pricingViewsPerLeadDay: activeLeads > 0 ? pricingViews / (activeLeads * ENGAGEMENT_WINDOW_DAYS) : 0,
      valueP75: await q.openValueP75(tx),
      recentContactHours: recentContactHours(await q.recentContactSetting(tx, organizationId)),
      calibration: null,
      priority: scaleFrom(valueMedian, await q.impactQuantiles(tx, at, SHARES)),
    };
    return { ...base, calibration: await replayCalibration(tx, base) };
  }

  /**
   * What confidence means: the detectors replayed on the organization's decided leads as
   * they stood CALIBRATION_HORIZON_DAYS before their decision (status from their status
   * changes, nothing later read), and each kind's raw confidence fitted to whether its claim
   * (won or lost) came true. See src/ai/insights/calibration.ts.
   */
  async function replayCalibration(tx: Tx, orgStats: OrgStats): Promise<Calibration | null> {
    const replay = await q.replayLeads(tx, CALIBRATION_HORIZON_DAYS, CALIBRATION_LEADS);
    if (replay.length === 0) return null;
    const observations: { kind: string; claim: Claim; raw: number; won: boolean }[] = [];
    for (let i = 0; i < replay.length; i += BATCH) {
      const batch = replay.slice(i, i + BATCH);
      const byId = new Map(batch.map((r) => [r.id, r]));
      const leads = await snapshots(tx, batch.map((r) => r.id), batch.map((r) => new Date(r.as_of)), { replay: true });
      for (const lead of leads) {
        const r = byId.get(lead.id)!;
        // As it stood then: its status of that day, and no score, value or outcome of later.
        const then: LeadSnapshot = { ...lead, status: r.status, statusChangedAt: new Date(r.status_changed_at), score: 0, conversionProbability: null, dealValue: null, predictedValue: null, latestScore: null };
        for (const c of detectAll(then, orgStats, new Date(r.as_of)).candidates) {
          const claim = claimOf(c);
          if (claim) observations.push({ kind: kindOf(c), claim, raw: c.confidence, won: r.won });
        }
      }
    }
    return fitCalibration(observations, replay.length, replay.filter((r) => r.won).length, CALIBRATION_HORIZON_DAYS);
  }

  async function stats(organizationId: string, refresh = false): Promise<OrgStats> {
    const at = now();
    const cached = statsCache.get(organizationId);
    if (!refresh && cached && at.getTime() - cached.computedAt.getTime() < STATS_TTL_MS && at.getTime() >= cached.computedAt.getTime()) return cached;
    // One computation per organization at a time: the statistics scan the whole organization
    // (seconds of both cores at 100k leads), and a process starting with a backlog used to run
    // them once per concurrent rescoring job (six at once seen under bench:load).
    const running = computing.get(organizationId);
    if (running && !refresh) return running;
    const fresh = withTenant(db, system(organizationId), (tx) => computeStats(tx, organizationId, at));
    computing.set(organizationId, fresh);
    try {
      const result = await fresh;
      statsCache.set(organizationId, result);
      return result;
    } finally {
      if (computing.get(organizationId) === fresh) computing.delete(organizationId);
    }
  }

  /** Leads as of `at` (one moment, or one per lead); a replay reads no score (it would be from later). */
  async function snapshots(tx: Tx, ids: string[], at: q.Cutoff, opts: { replay?: boolean } = {}): Promise<LeadSnapshot[]> {
    const [leads, activities, messages, events, scores] = [
      await q.loadLeads(tx, ids),
      await q.loadActivities(tx, ids, at, HISTORY_DAYS, PER_LEAD.activities),
      await q.loadMessages(tx, ids, at, HISTORY_DAYS, PER_LEAD.messages),
      await q.loadEvents(tx, ids, at, HISTORY_DAYS, PER_LEAD.events),
      opts.replay ? [] : await q.latestScores(tx, ids),
    ];
    const group = <T extends { lead_id: string }>(rows: T[]) => {
      const m = new Map<string, T[]>();
      for (const r of rows) (m.get(r.lead_id) ?? m.set(r.lead_id, []).get(r.lead_id)!).push(r);
      return m;
    };
    const byActivities = group(activities);
    const byMessages = group(messages);
    const byEvents = group(events);
    const byScore = new Map(scores.map((s) => [s.lead_id, s]));
    const signals = (xs: unknown) => (Array.isArray(xs) ? xs.filter((s): s is { signal: string; evidence: string } => typeof s === 'object' && s !== null && typeof (s as { signal?: unknown }).signal === 'string').map((s) => ({ signal: s.signal, evidence: String(s.evidence ?? '') })) : []);
    return leads.map((l) => {
      const s = byScore.get(l.id);
      return {
        id: l.id,
        name: `${l.first_name} ${l.last_name}`.trim(),
        company: l.company,
        status: l.status,
        statusChangedAt: new Date(l.status_changed_at),
        createdAt: new Date(l.created_at),
        score: l.current_score,
        conversionProbability: l.conversion_probability,
        dealValue: l.deal_value,
        predictedValue: l.predicted_value,
        timezone: isTimeZone(l.timezone) ? l.timezone : null,
        activities: (byActivities.get(l.id) ?? []).map((a) => ({ id: a.id, type: a.type, subject: a.subject, outcome: a.outcome, at: new Date(a.at), sentiment: a.sentiment === null ? null : Number(a.sentiment), intent: a.intent, signals: signals(a.signals) })),
        messages: (byMessages.get(l.id) ?? []).map((m) => ({
          id: m.id, direction: m.direction, channel: m.channel, subject: m.subject, at: new Date(m.at), sentiment: m.sentiment, intent: m.intent, intentConfidence: m.intent_confidence,
          signals: signals(m.signals), content: m.content,
          competitors: (m.competitors ?? []).filter((c) => typeof c.name === 'string').map((c) => ({ name: c.name, start: Number(c.start) || 0, end: Number(c.end) || 0 })),
        })),
        events: (byEvents.get(l.id) ?? []).map((e) => ({ id: e.id, type: e.type, name: e.name, path: e.path, contentKey: e.content_key, at: new Date(e.at) })),
        latestScore: s ? { score: s.score, at: new Date(s.created_at), explanation: Array.isArray(s.explanation) ? s.explanation : [], recommendations: Array.isArray(s.recommendations) ? s.recommendations : [] } : null,
      };
    });
  }

  /** Evaluates these leads in one transaction: snapshot, detectors, upsert, expire, lead fields. */
  async function evaluateBatch(organizationId: string, ids: string[], orgStats: OrgStats): Promise<EvaluationResult> {
    if (ids.length === 0) return zero();
    const at = now();
    return withTenant(db, system(organizationId), async (tx) => {
      const leads = await snapshots(tx, ids, at);
      const dismissed = await q.dismissedKeys(tx, ids, at);
      const uncontactable = await q.uncontactableLeads(tx, ids);
      const writes: q.InsightWrite[] = [];
      const behaviour: Parameters<typeof q.updateLeadBehaviour>[1] = [];
      for (const lead of leads) {
        const e = evaluateLead(lead, orgStats, at);
        for (const c of e.candidates) {
          // A person said this one does not apply: not raised again while its reason lasts.
          if (dismissed.has(`${lead.id}|${c.type}|${c.reason}`)) continue;
          // Do-not-contact, unsubscribed or sales contact withdrawn: nothing that says "reach out"
          // (an open one is not confirmed, so it expires below).
          if (uncontactable.has(lead.id) && SUGGESTS_CONTACT.has(c.type)) continue;
          writes.push({ lead_id: lead.id, insight_type: c.type, reason: c.reason, title: c.title.slice(0, 255), description: c.description, confidence: c.confidence, priority: c.priority, data: c.data, expires_at: c.expiresAt.toISOString() });
        }
        behaviour.push({ id: lead.id, engagement_level: e.engagement.level, optimal_contact_time: e.optimalContactTime ?? {}, communication_preference: e.communicationPreference });
      }
      const upserted = await q.upsertInsights(tx, organizationId, writes);
      const expired = await q.expireUnconfirmed(tx, leads.map((l) => l.id), writes.map((w) => ({ lead_id: w.lead_id, insight_type: w.insight_type, reason: w.reason })));
      const leadsUpdated = await q.updateLeadBehaviour(tx, behaviour);
      // The batch's events in one INSERT: each insight raised, changed or expired, and the
      // leads whose engagement fields moved (as batch events of at most 1,000 leads).
      await emitEvents(tx, systemActor(organizationId), [
        ...insightEvents(upserted.changes),
        ...insightEvents(expired, ['status']),
        ...chunkIds(leadsUpdated).map((ids): OutboxEvent => ({ type: 'lead.updated', entityType: 'lead', entityId: null, payload: { lead_ids: ids, fields: ['engagement_level', 'optimal_contact_time', 'communication_preference'] } })),
      ]);
      // Owners hear of high and urgent insights raised here, with them (once per insight).
      await notifyInsights(tx, { organizationId, actor: { id: null } }, leads.map((l) => l.id));
      return { leads: leads.length, inserted: upserted.inserted, updated: upserted.updated, expired: expired.length, leads_updated: leadsUpdated.length };
    });
  }

  async function ensurePeriodic(organizationId: string) {
    await withTenant(db, system(organizationId), (tx) =>
      enqueue(tx, { organizationId, queue: INSIGHTS_REFRESH_QUEUE, dedupeKey: 'periodic', runAt: new Date(now().getTime() + REFRESH_EVERY_MS), priority: -1 }));
  }

  return {
    stats,

    /** Evaluates the given leads now (tests, CLI). */
    async evaluateLeads(organizationId: string, ids: string[]): Promise<EvaluationResult> {
      const orgStats = await stats(organizationId);
      let total = zero();
      for (let i = 0; i < ids.length; i += BATCH) total = add(total, await evaluateBatch(organizationId, [...ids.slice(i, i + BATCH)].sort(), orgStats));
      return total;
    },

    /**
     * After rescoring: the leads queued since the last run (0015 queues every lead queued for
     * rescoring). Taken and committed first, put back if the evaluation fails — as the
     * rescoring queue does, for the same deadlock reason.
     */
    async drainQueue(organizationId: string, progress?: Progress): Promise<EvaluationResult> {
      let total = zero();
      let orgStats: OrgStats | undefined;
      for (;;) {
        const ids = await withTenant(db, system(organizationId), (tx) => q.takeQueuedLeads(tx, BATCH));
        if (ids.length === 0) break;
        orgStats ??= await stats(organizationId);
        const batch = await evaluateBatch(organizationId, ids, orgStats).catch(async (error: unknown) => {
          await withTenant(db, system(organizationId), (tx) => q.requeueLeads(tx, organizationId, ids)).catch(() => {});
          throw error;
        });
        total = add(total, batch);
        await progress?.(total.leads, undefined, `evaluated insights of ${total.leads} leads`);
        if (ids.length < BATCH) break;
      }
      if (total.leads > 0) await ensurePeriodic(organizationId);
      return total;
    },

    /**
     * The periodic sweep: insights whose time ran out expire, the organization's statistics
     * are recomputed, and every lead (or those given) is evaluated again, since stalls and
     * fading engagement arrive with time rather than with a change.
     */
    async refresh(organizationId: string, opts: { leadIds?: string[]; progress?: Progress; schedule?: boolean } = {}): Promise<EvaluationResult & { run_out: number; reprioritised: number }> {
      const runOut = await withTenant(db, system(organizationId), async (tx) => {
        const expired = await q.expireRunOut(tx, now());
        await emitEvents(tx, systemActor(organizationId), insightEvents(expired, ['status']));
        return expired.length;
      });
      const orgStats = await stats(organizationId, true);
      let total = zero();
      let after: string | null = null;
      for (;;) {
        const cursor: string | null = after;
        const ids: string[] = await withTenant(db, system(organizationId), (tx) => q.leadIdsAfter(tx, cursor, BATCH, opts.leadIds));
        if (ids.length === 0) break;
        total = add(total, await evaluateBatch(organizationId, ids, orgStats));
        await opts.progress?.(total.leads, undefined, `evaluated insights of ${total.leads} leads`);
        if (ids.length < BATCH) break;
        after = ids[ids.length - 1]!;
      }
      // Every open insight now has an impact from this sweep: rank them all against the
      // thresholds of these results (the batches before knew only the last sweep's).
      const reranked = await withTenant(db, system(organizationId), async (tx) => {
        const scale = scaleFrom(orgStats.priority.valueMedian, await q.impactQuantiles(tx, now(), SHARES));
        const changed = await q.reprioritise(tx, now(), scale.thresholds);
        // An insight the new thresholds raise to high or urgent is news to its lead's owner.
        if (changed.length > 0) await notifyInsights(tx, { organizationId, actor: { id: null } }, null);
        await emitEvents(tx, systemActor(organizationId), insightEvents(changed, ['priority']));
        statsCache.set(organizationId, { ...orgStats, priority: scale });
        return changed.length;
      });
      if (opts.schedule ?? true) await ensurePeriodic(organizationId);
      return { ...total, run_out: runOut, reprioritised: reranked };
    },

    ensurePeriodic,

    /** Open, unexpired insights by type. */
    openCounts: (organizationId: string) => withTenant(db, system(organizationId), (tx) => q.openCountsByType(tx)),
  };
}

export type InsightsService = ReturnType<typeof createInsightsService>;

/**
 * In the transaction that made these leads uncontactable (do-not-contact, unsubscribed, a
 * withdrawn consent): their open contact suggestions end at once, not at the next
 * evaluation. `onlyUncontactable` checks each lead first (a consent change may have
 * reopened contact instead).
 */
export async function endContactSuggestions(tx: Tx, ctx: { organizationId: string }, leadIds: string[], opts: { onlyUncontactable?: boolean } = {}): Promise<number> {
  const expired = await q.expireKinds(tx, leadIds, [...SUGGESTS_CONTACT], opts.onlyUncontactable ?? false);
  await emitEvents(tx, systemActor(ctx.organizationId), insightEvents(expired, ['status']));
  return expired.length;
}
