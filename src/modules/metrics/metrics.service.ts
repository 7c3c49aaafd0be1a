import type { Kysely } from 'kysely';
import type { DB, Job, MetricsPeriod } from '../../db/schema.ts';
import { withTenant, withTenantRead } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { emitEvent, systemActor } from '../events/events.service.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { addPeriods, periodCount, periodEnd, periodStart, periodStarts, today, validTimeZone } from './metrics.periods.ts';
import * as q from './metrics.queries.ts';
import type { Figures, Leaderboard, LeaderboardQuery, MetricsQuery, MetricsResponse } from './metrics.schemas.ts';

/** The job queue that keeps performance_metrics current (queued by the sweep below, and on demand). */
export const METRICS_QUEUE = 'metrics.rollup';
/**
 * The periodic system job that turns the triggers' change markers (0033) into rollups: one
 * queued per organization with markers, every SWEEP_EVERY_MS. Queued here, not by the
 * triggers, so that lead and activity writes never wait on each other's job row.
 */
export const METRICS_SWEEP_QUEUE = 'metrics.sweep';
export const SWEEP_EVERY_MS = 30_000;

/**
 * Queues a rollup of every period (deduplicated while queued). For loads that bypass the
 * triggers (the demo generator and bulk loads copy with session_replication_role = replica).
 */
export async function requestFullRollup(db: Kysely<DB>, organizationId: string): Promise<void> {
  await enqueue(db, { organizationId, queue: METRICS_QUEUE, dedupeKey: 'refresh', payload: { full: true } });
}

const PERIODS: readonly MetricsPeriod[] = ['day', 'week', 'month', 'quarter'];
/** The most periods one request may span (a year and a bit of days). */
const MAX_PERIODS = 400;

export type Progress = (done: number, total: number, message: string) => void | Promise<void>;

// A type, not an interface: the job stores it as its JSON result.
export type RollupResult = {
  time_zone: string;
  /** null: every period was recomputed. */
  from: string | null;
  skipped: boolean;
  days: number;
  periods: Record<string, { written: number; deleted: number; ms: number }>;
  ms: { days: number; total: number };
};

const num = (v: string | number | null | undefined) => (v == null ? 0 : Number(v));
const orNull = (v: string | number | null | undefined) => (v == null ? null : Number(v));
const round = (v: number, places: number) => Math.round(v * 10 ** places) / 10 ** places;

const ZERO: Figures = { leads_created: 0, leads_qualified: 0, leads_converted: 0, revenue_generated: 0, activities_completed: 0, conversion_rate: null, average_deal_size: null, sales_velocity: null };

function figuresOf(row: q.MetricsRow | undefined): Figures {
  if (!row) return ZERO;
  return {
    leads_created: row.leads_created, leads_qualified: row.leads_qualified, leads_converted: row.leads_converted,
    revenue_generated: num(row.revenue_generated), activities_completed: row.activities_completed,
    conversion_rate: orNull(row.conversion_rate), average_deal_size: orNull(row.average_deal_size), sales_velocity: orNull(row.sales_velocity),
  };
}

/** Per member of a team: see the schema's description of team_average. */
function perMember(members: Figures[]): Figures | null {
  if (members.length === 0) return null;
  const sum = (k: keyof Figures) => members.reduce((s, f) => s + (f[k] ?? 0), 0);
  const mean = (k: 'conversion_rate' | 'sales_velocity', places: number) => {
    const defined = members.map((f) => f[k]).filter((v): v is number => v !== null);
    return defined.length === 0 ? null : round(defined.reduce((s, v) => s + v, 0) / defined.length, places);
  };
  const n = members.length;
  const won = sum('leads_converted');
  return {
    leads_created: round(sum('leads_created') / n, 2), leads_qualified: round(sum('leads_qualified') / n, 2),
    leads_converted: round(won / n, 2), revenue_generated: round(sum('revenue_generated') / n, 2),
    activities_completed: round(sum('activities_completed') / n, 2),
    conversion_rate: mean('conversion_rate', 4), average_deal_size: won > 0 ? round(sum('revenue_generated') / won, 2) : null,
    sales_velocity: mean('sales_velocity', 2),
  };
}

type People = Awaited<ReturnType<typeof q.people>>;

/**
 * Who sees whose figures. Individual figures are about people, so they follow the line the
 * issue draws ("a rep's view shows only what they may see", "an admin everyone"):
 * - admin: the organization, every team and every user;
 * - viewer and marketing: the organization's and every team's totals, nobody one by one (and
 *   no leaderboard);
 * - manager: the organization's totals, and the teams they manage or belong to, with those
 *   teams' members one by one;
 * - sales_rep: their own figures and their team's aggregate (and its per-member average); not
 *   teammates one by one, not the organization. In a team of two (fewer than MIN_AVERAGED
 *   members, but not alone) not even the aggregate: its total minus your own is your teammate's.
 * A team's per-member average of fewer than MIN_AVERAGED members is shown only to someone who
 * sees each of them anyway: in a team of two, the average and your own figures give away the
 * other person's.
 */
export interface Visibility {
  organization: boolean;
  teams: Set<string> | 'all';
  users: Set<string> | 'all';
}

/** The fewest members a team's per-member average is shown for to someone who does not see each member. */
export const MIN_AVERAGED = 3;

/** Whether the role ranks people one by one (the leaderboard): viewer and marketing see totals only. */
export const seesPeople = (role: AuthContext['role']) => role === 'admin' || role === 'manager' || role === 'sales_rep';

export function visibility(ctx: Pick<AuthContext, 'role' | 'userId' | 'teamId'>, people: People): Visibility {
  if (ctx.role === 'sales_rep') {
    // A team's total less your own is the rest of the team: with one teammate, theirs. Anyone
    // ever in the team counts (a deactivated member's figures are in its total too).
    const size = ctx.teamId ? people.users.filter((u) => u.team_id === ctx.teamId).length : 0;
    const team = ctx.teamId && (size >= MIN_AVERAGED || size <= 1) ? [ctx.teamId] : [];
    return { organization: false, teams: new Set(team), users: new Set(ctx.userId ? [ctx.userId] : []) };
  }
  if (ctx.role === 'manager') {
    const teams = new Set(people.teams.filter((t) => (ctx.userId && t.manager_id === ctx.userId) || t.id === ctx.teamId).map((t) => t.id));
    const users = new Set(people.users.filter((u) => (u.team_id && teams.has(u.team_id)) || u.id === ctx.userId).map((u) => u.id));
    return { organization: true, teams, users };
  }
  if (ctx.role === 'admin') return { organization: true, teams: 'all', users: 'all' };
  return { organization: true, teams: 'all', users: new Set() };
}

const sees = (set: Set<string> | 'all', id: string) => set === 'all' || set.has(id);

export function createMetricsService(db: Kysely<DB>, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  const system = (organizationId: string) => ({ organizationId });

  async function timeZoneOf(tx: Kysely<DB>, organizationId: string) {
    return validTimeZone(await q.organizationTimeZone(tx, organizationId)) ?? 'UTC';
  }

  /**
   * Recomputes the organization's performance_metrics: from the earliest change waiting (the
   * triggers' markers), or from `from`, or (`full`) every period. One transaction: the figures
   * of every period kind move together, and a failed run leaves the markers for the next.
   */
  async function rollup(organizationId: string, opts: { full?: boolean; from?: Date; fromDate?: string; onProgress?: Progress } = {}): Promise<RollupResult> {
    const started = performance.now();
    // Reported without waiting: the rollup is one transaction, and on the embedded database
    // (one connection) a progress write waits for it to end.
    const progress = (done: number, total: number, message: string) => void Promise.resolve(opts.onProgress?.(done, total, message)).catch(() => {});
    return withTenant(db, system(organizationId), async (tx) => {
      await q.lockRollup(tx, organizationId);
      const markers = await q.takeChangeMarkers(tx, organizationId);
      const timeZone = await timeZoneOf(tx, organizationId);
      const full = opts.full === true || markers.full;
      // A date asked for is a day of the organization's calendar: from its midnight there.
      const fromDate = opts.fromDate ? await q.startOfLocalDay(tx, opts.fromDate, timeZone) : null;
      const candidates = [markers.since, opts.from, fromDate].filter((d): d is Date => d instanceof Date);
      const since = full ? null : candidates.length > 0 ? new Date(Math.min(...candidates.map((d) => d.getTime()))) : undefined;
      const result: RollupResult = { time_zone: timeZone, from: null, skipped: false, days: 0, periods: {}, ms: { days: 0, total: 0 } };
      // Nothing waiting (an earlier run took this job's changes with its own).
      if (since === undefined) return { ...result, skipped: true };
      const bounds = since ? await q.recomputeBounds(tx, since, timeZone) : null;
      const lower = bounds ? new Date(Math.min(...PERIODS.map((p) => bounds[p].fromAt.getTime()))) : null;
      result.from = bounds ? bounds.day.fromDate : null;
      const total = PERIODS.length + 1;
      progress(0, total, 'collecting leads, status changes and activities');
      let t = performance.now();
      result.days = await q.buildDays(tx, organizationId, timeZone, lower);
      result.ms.days = Math.round(performance.now() - t);
      for (const [i, period] of PERIODS.entries()) {
        progress(i + 1, total, `writing ${period} figures`);
        t = performance.now();
        const written = await q.writePeriod(tx, organizationId, period, bounds && lower ? { ...bounds[period], lower } : null);
        result.periods[period] = { ...written, ms: Math.round(performance.now() - t) };
      }
      // Screens showing the figures (the Team screen) reload when a rollup changed any: one
      // event per rollup, with no figures in it (each reader asks for what they may see).
      const changed = Object.entries(result.periods).filter(([, p]) => p.written + p.deleted > 0).map(([period]) => period);
      if (changed.length > 0) {
        await emitEvent(tx, systemActor(organizationId), { type: 'metrics.updated', entityType: 'metrics', entityId: null, payload: { from: result.from, periods: changed } });
      }
      progress(total, total, 'done');
      result.ms.total = Math.round(performance.now() - started);
      return result;
    });
  }

  /** Names, teams and the zone, once per request. */
  async function context(ctx: AuthContext) {
    return withTenantRead(db, ctx, async (tx) => {
      const [people, timeZone, computedAt] = [await q.people(tx), await timeZoneOf(tx, ctx.organizationId), await q.lastComputed(tx)];
      return { people, timeZone, computedAt };
    });
  }

  function checkSubject(ctx: Pick<AuthContext, 'role' | 'teamId'>, people: People, seen: Visibility, query: { user_id?: string | undefined; team_id?: string | undefined }) {
    if (query.user_id) {
      if (!people.users.some((u) => u.id === query.user_id)) throw new DomainError('not_found', 'No user with this id in your organization.', { field: 'user_id' });
      if (!sees(seen.users, query.user_id)) throw new DomainError('forbidden', ctx.role === 'sales_rep' ? "You may see your own figures and your team's, not this person's." : seen.users instanceof Set && seen.users.size === 0 ? `Your role (${ctx.role}) sees the organization's and the teams' totals, not each person's figures.` : "You may see the figures of your own team's members (or the teams you manage), not this person's.", { field: 'user_id' });
    }
    if (query.team_id) {
      if (!people.teams.some((t) => t.id === query.team_id)) throw new DomainError('not_found', 'No team with this id in your organization.', { field: 'team_id' });
      if (!sees(seen.teams, query.team_id)) {
        throw new DomainError('forbidden', ctx.role === 'sales_rep' && query.team_id === ctx.teamId
          ? `Your team has fewer than ${MIN_AVERAGED} members: its total would show your teammates' figures, so a sales rep sees their own only.`
          : "You may see the figures of your own team (or the teams you manage), not this one's.", { field: 'team_id' });
      }
    }
  }

  /**
   * Keeps exactly one queued sweep (a system job, organization null). The unique dedupe index
   * treats null organizations as distinct, so the check and the insert are serialised by an
   * advisory lock instead (as the outbox retention does).
   */
  async function ensureSweep(runAt: Date = now()): Promise<void> {
    await db.transaction().execute(async (trx) => {
      await q.lockSweepSchedule(trx);
      if (!(await q.sweepQueued(trx))) await enqueue(trx, { organizationId: null, queue: METRICS_SWEEP_QUEUE, runAt, priority: -1 });
    });
  }

  return {
    rollup,
    ensureSweep,

    /** The sweep's handler: a rollup queued for each organization with markers (deduplicated while queued), then the next sweep. */
    async sweep(): Promise<{ organizations: number }> {
      const organizations = await q.organizationsWithMarkers(db);
      for (const organizationId of organizations) await enqueue(db, { organizationId, queue: METRICS_QUEUE, dedupeKey: 'changes' });
      await ensureSweep(new Date(now().getTime() + SWEEP_EVERY_MS));
      return { organizations: organizations.length };
    },

    /** The worker's handler: changes (triggers) or a requested refresh (payload full / from). */
    async handleJob(job: Pick<Job, 'organization_id' | 'payload'>, progress: Progress): Promise<RollupResult> {
      const fromDate = typeof job.payload.from === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(job.payload.from) ? job.payload.from : undefined;
      return rollup(job.organization_id!, { full: job.payload.full === true, ...(fromDate ? { fromDate } : {}), onProgress: progress });
    },

    /** POST /metrics/refresh: a rollup of every period (or from a date) in the background. */
    async requestRefresh(ctx: AuthContext, body: { from?: string | undefined } | undefined) {
      authorize(ctx, 'metrics:refresh');
      const from = body?.from;
      const job = await withTenant(db, ctx, (tx) => enqueue(tx, {
        organizationId: ctx.organizationId, queue: METRICS_QUEUE, dedupeKey: from ? `refresh:${from}` : 'refresh',
        payload: from ? { from } : { full: true }, createdBy: ctx.userId ?? undefined,
      }));
      return { job_id: job.id, deduplicated: job.deduplicated };
    },

    /** GET /metrics: per subject the caller may see, per period, the figures, the period before, the team average. */
    async metrics(ctx: AuthContext, query: MetricsQuery): Promise<MetricsResponse> {
      authorize(ctx, 'leads:read');
      const { people, timeZone, computedAt } = await context(ctx);
      const seen = visibility(ctx, people);
      checkSubject(ctx, people, seen, query);
      const period = query.period;
      const to = periodStart(query.to ?? today(timeZone, now()), period);
      const from = query.from ? periodStart(query.from, period) : addPeriods(to, period, -5);
      if (from > to) throw new DomainError('bad_request', `from (${query.from}) is after to (${to}): give from before to.`, { field: 'from' });
      // Counted before any list is built: a request spanning centuries is refused at once.
      const count = periodCount(from, to, period);
      if (count > MAX_PERIODS) throw new DomainError('bad_request', `${count} ${period}s from ${from} to ${to} are too many: ask for at most ${MAX_PERIODS} at once (a longer period, or from closer to to).`, { field: 'from' });
      const starts = periodStarts(from, to, period);

      // Subjects shown, in order: the organization, teams, users.
      const teamById = new Map(people.teams.map((t) => [t.id, t]));
      const userById = new Map(people.users.map((u) => [u.id, u]));
      let teams = people.teams.filter((t) => sees(seen.teams, t.id)).map((t) => t.id);
      let users = people.users.filter((u) => sees(seen.users, u.id) && (u.is_active || seen.users !== 'all')).map((u) => u.id);
      let organization = seen.organization;
      if (query.user_id) [organization, teams, users] = [false, [], [query.user_id]];
      else if (query.team_id) [organization, teams, users] = [false, [query.team_id], users.filter((id) => userById.get(id)?.team_id === query.team_id)];
      // Team averages need every member's rows, shown or not.
      const averagedTeams = new Set([...teams, ...users.map((id) => userById.get(id)?.team_id).filter((t): t is string => Boolean(t))]);
      const members = (teamId: string) => people.users.filter((u) => u.team_id === teamId && u.is_active).map((u) => u.id);
      const memberIds = [...averagedTeams].flatMap(members);

      const rows = await withTenantRead(db, ctx, (tx) => q.readRows(tx, period, addPeriods(from, period, -1), to, {
        organization, teamIds: teams, userIds: [...new Set([...users, ...memberIds])],
      }));
      const key = (userId: string | null, teamId: string | null, start: string) => `${userId ?? ''}|${teamId ?? ''}|${start}`;
      const byKey = new Map(rows.map((r) => [key(r.user_id, r.team_id, r.period_start), r]));
      const figures = (userId: string | null, teamId: string | null, start: string) => figuresOf(byKey.get(key(userId, teamId, start)));
      // A small team's average only for someone who sees each of its members anyway.
      const averageShown = (teamId: string) => members(teamId).length >= MIN_AVERAGED || members(teamId).every((id) => sees(seen.users, id));
      const average = (teamId: string | null | undefined, start: string) =>
        teamId && averageShown(teamId) ? perMember(members(teamId).map((id) => figures(id, null, start))) : null;
      const series = (userId: string | null, teamId: string | null, averageOf: string | null | undefined) => starts.map((start) => ({
        period_start: start, period_end: periodEnd(start, period),
        figures: figures(userId, teamId, start), previous: figures(userId, teamId, addPeriods(start, period, -1)),
        team_average: average(averageOf, start),
      }));

      return {
        period, from, to, time_zone: timeZone, computed_at: computedAt,
        data: [
          ...(organization ? [{ kind: 'organization' as const, id: null, name: 'Organization', team_id: null, periods: series(null, null, null) }] : []),
          ...teams.map((id) => ({ kind: 'team' as const, id, name: teamById.get(id)!.name, team_id: id, periods: series(null, id, id) })),
          ...users.map((id) => {
            const u = userById.get(id)!;
            return { kind: 'user' as const, id, name: u.full_name, team_id: u.team_id, periods: series(id, null, u.team_id) };
          }),
        ],
      };
    },

    /** GET /metrics/leaderboard: people ranked by one figure in one period. */
    async leaderboard(ctx: AuthContext, query: LeaderboardQuery): Promise<Leaderboard> {
      authorize(ctx, 'leads:read');
      if (!seesPeople(ctx.role)) throw new DomainError('forbidden', `The leaderboard ranks people one by one: your role (${ctx.role}) sees the organization's and the teams' totals, not each person's figures.`);
      const { people, timeZone } = await context(ctx);
      const seen = visibility(ctx, people);
      const start = periodStart(query.at ?? today(timeZone, now()), query.period);
      // A rep is ranked among their team (or alone without one) and sees only their own entry.
      const rep = ctx.role === 'sales_rep';
      const teammates = rep && ctx.teamId !== null ? people.users.filter((u) => u.is_active && u.team_id === ctx.teamId).length : 0;
      // In a team under MIN_AVERAGED a rank gives the teammate's result away (2nd of 2: they did
      // better), the same reason the team's total is withheld: the rep is ranked alone.
      const amongTeam = rep && teammates >= MIN_AVERAGED;
      const ranked = people.users.filter((u) => u.is_active && (rep ? u.id === ctx.userId || (amongTeam && u.team_id === ctx.teamId) : sees(seen.users, u.id)));
      const rows = await withTenantRead(db, ctx, (tx) => q.readRows(tx, query.period, start, start, { organization: false, teamIds: [], userIds: ranked.map((u) => u.id) }));
      const byUser = new Map(rows.filter((r) => r.user_id).map((r) => [r.user_id!, r]));
      const scored = ranked
        .map((u) => ({ user: u, figures: figuresOf(byUser.get(u.id)) }))
        .map((e) => ({ ...e, value: e.figures[query.metric] }))
        .sort((a, b) => (b.value ?? -Infinity) - (a.value ?? -Infinity) || a.user.full_name.localeCompare(b.user.full_name));
      const entries = scored.map((e) => ({
        rank: 1 + scored.filter((o) => (o.value ?? -Infinity) > (e.value ?? -Infinity)).length,
        user_id: e.user.id, name: e.user.full_name, team_id: e.user.team_id, value: e.value, figures: e.figures,
      }));
      return {
        period: query.period, period_start: start, period_end: periodEnd(start, query.period), metric: query.metric,
        ranked: entries.length,
        entries: rep ? entries.filter((e) => e.user_id === ctx.userId) : entries,
      };
    },
  };
}

export type MetricsService = ReturnType<typeof createMetricsService>;
