import type { Kysely } from 'kysely';
import {
  PRICING_PATH, REPLY_WINDOW_HOURS, evaluateLead, isTimeZone,
  type EngagementCategory, type LeadSnapshot, type OrgStats,
} from '../../ai/insights/index.ts';
import { activityCategory, eventCategory, ENGAGEMENT_WINDOW_DAYS, HALF_LIFE_DAYS } from '../../ai/insights/engagement.ts';
import type { DB } from '../../db/schema.ts';
import { withTenant, type Tx } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
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

export function createInsightsService(db: Kysely<DB>, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  const system = (organizationId: string) => ({ organizationId });
  const statsCache = new Map<string, OrgStats>();

  async function computeStats(tx: Tx, organizationId: string, at: Date): Promise<OrgStats> {
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
    return {
      computedAt: at,
      timezone,
      statusDays,
      hourOfWeek: { sent, replied },
      content: content.content,
      decided: content.decided,
      won: content.won,
      engagement: { totals, activeLeads },
      pricingViewsPerLeadDay: activeLeads > 0 ? pricingViews / (activeLeads * ENGAGEMENT_WINDOW_DAYS) : 0,
      valueP75: await q.openValueP75(tx),
    };
  }

  async function stats(organizationId: string, refresh = false): Promise<OrgStats> {
    const at = now();
    const cached = statsCache.get(organizationId);
    if (!refresh && cached && at.getTime() - cached.computedAt.getTime() < STATS_TTL_MS && at.getTime() >= cached.computedAt.getTime()) return cached;
    const fresh = await withTenant(db, system(organizationId), (tx) => computeStats(tx, organizationId, at));
    statsCache.set(organizationId, fresh);
    return fresh;
  }

  async function snapshots(tx: Tx, ids: string[], at: Date): Promise<LeadSnapshot[]> {
    const [leads, activities, messages, events, scores] = [
      await q.loadLeads(tx, ids),
      await q.loadActivities(tx, ids, at, HISTORY_DAYS, PER_LEAD.activities),
      await q.loadMessages(tx, ids, at, HISTORY_DAYS, PER_LEAD.messages),
      await q.loadEvents(tx, ids, at, HISTORY_DAYS, PER_LEAD.events),
      await q.latestScores(tx, ids),
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
      const writes: q.InsightWrite[] = [];
      const behaviour: Parameters<typeof q.updateLeadBehaviour>[1] = [];
      for (const lead of leads) {
        const e = evaluateLead(lead, orgStats, at);
        for (const c of e.candidates) {
          // A person said this one does not apply: not raised again while its reason lasts.
          if (dismissed.has(`${lead.id}|${c.type}|${c.reason}`)) continue;
          writes.push({ lead_id: lead.id, insight_type: c.type, reason: c.reason, title: c.title.slice(0, 255), description: c.description, confidence: c.confidence, priority: c.priority, data: c.data, expires_at: c.expiresAt.toISOString() });
        }
        behaviour.push({ id: lead.id, engagement_level: e.engagement.level, optimal_contact_time: e.optimalContactTime ?? {}, communication_preference: e.communicationPreference });
      }
      const upserted = await q.upsertInsights(tx, organizationId, writes);
      const expired = await q.expireUnconfirmed(tx, leads.map((l) => l.id), writes.map((w) => ({ lead_id: w.lead_id, insight_type: w.insight_type, reason: w.reason })));
      const leadsUpdated = await q.updateLeadBehaviour(tx, behaviour);
      return { leads: leads.length, inserted: upserted.inserted, updated: upserted.updated, expired, leads_updated: leadsUpdated };
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
    async refresh(organizationId: string, opts: { leadIds?: string[]; progress?: Progress; schedule?: boolean } = {}): Promise<EvaluationResult & { run_out: number }> {
      const runOut = await withTenant(db, system(organizationId), (tx) => q.expireRunOut(tx, now()));
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
      if (opts.schedule ?? true) await ensurePeriodic(organizationId);
      return { ...total, run_out: runOut };
    },

    ensurePeriodic,

    /** Open, unexpired insights by type. */
    openCounts: (organizationId: string) => withTenant(db, system(organizationId), (tx) => q.openCountsByType(tx)),
  };
}

export type InsightsService = ReturnType<typeof createInsightsService>;
