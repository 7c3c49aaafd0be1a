import type { Kysely } from 'kysely';
import type { DB, LeadStatus } from '../../db/schema.ts';
import { withTenant, withTenantRead } from '../../db/tenant.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize, leadScope } from '../auth/permissions.ts';
import { FUNNEL, periodFigures } from './dashboard.figures.ts';
import * as q from './dashboard.queries.ts';
import type { Dashboard, DashboardQuery, Pipeline, PipelineQuery } from './dashboard.schemas.ts';

const DAY = 86_400_000;
const HOT_LEADS = 8;
const FOLLOW_UPS = 20;
/** The board's columns, left to right: the deal path, then the statuses beside it. */
const BOARD: readonly LeadStatus[] = ['new', 'contacted', 'qualified', 'proposal', 'negotiation', 'closed_won', 'closed_lost', 'nurturing', 'unqualified'];

const num = (v: string | number | null | undefined) => (v == null ? 0 : Number(v));
const money = (v: string | number | null | undefined) => Math.round(num(v) * 100) / 100;
const kpi = (current: number, previous: number) => ({ current, previous, change: previous === 0 ? null : Math.round(((current - previous) / previous) * 10_000) / 10_000 });

export function createDashboardService(db: Kysely<DB>, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());

  return {
    /** What a salesperson sees first: funnel, KPIs against the previous period, hot leads, follow-ups. */
    async dashboard(ctx: AuthContext, query: DashboardQuery): Promise<Dashboard> {
      authorize(ctx, 'leads:read');
      const scope = leadScope(ctx, 'read');
      const to = now();
      const from = new Date(to.getTime() - query.days * DAY);
      const previousFrom = new Date(from.getTime() - query.days * DAY);
      // Independent reads, each its own statement: they need not share a snapshot.
      const [figures, hot, today] = await Promise.all([
        // A transaction (not a bare read session): periodFigures turns JIT off for its statement.
        withTenant(db, ctx, (tx) => periodFigures(tx, scope, previousFrom, from, to)),
        withTenantRead(db, ctx, (tx) => q.hotLeads(tx, scope, new Date(to.getTime() - 7 * DAY), HOT_LEADS)),
        withTenantRead(db, ctx, (tx) => q.dayBounds(tx, query.tz)),
      ]);
      const { current, previous } = figures.reached;
      const step = (status: LeadStatus) => kpi(current[FUNNEL.indexOf(status)]!, previous[FUNNEL.indexOf(status)]!);
      // API keys act for no user: they have no follow-ups of their own.
      const userId = ctx.userId;
      const [overdue, dueToday] = userId
        ? await Promise.all([
            withTenantRead(db, ctx, (tx) => q.followUps(tx, userId, null, today.start, FOLLOW_UPS)),
            withTenantRead(db, ctx, (tx) => q.followUps(tx, userId, today.start, today.end, FOLLOW_UPS)),
          ])
        : [{ rows: [], count: 0 }, { rows: [], count: 0 }];
      return {
        period: { from, to, previous_from: previousFrom, days: query.days },
        funnel: FUNNEL.map((status, k) => ({
          status,
          reached: current[k]!,
          conversion: k === 0 || current[k - 1]! === 0 ? null : Math.round((current[k]! / current[k - 1]!) * 10_000) / 10_000,
        })),
        lost: figures.lost.current,
        // The cards are the funnel's own figures (dashboard.figures.ts): they cannot disagree.
        kpis: {
          new_leads: step('new'),
          qualified: step('qualified'),
          won: step('closed_won'),
          revenue_won: kpi(money(figures.revenueWon.current), money(figures.revenueWon.previous)),
          lost: kpi(figures.lost.current, figures.lost.previous),
        },
        hot_leads: hot.map((h) => ({ ...h, score_change: num(h.score_change) })),
        follow_ups: { overdue: overdue.rows, due_today: dueToday.rows, overdue_count: overdue.count, due_today_count: dueToday.count },
      };
    },

    /** The board's columns: count and total and weighted value per status. */
    async pipeline(ctx: AuthContext, query: PipelineQuery): Promise<Pipeline> {
      authorize(ctx, 'leads:read');
      const rows = await withTenantRead(db, ctx, (tx) => q.pipelineColumns(tx, leadScope(ctx, 'read'), { assignedTo: query.assigned_to, teamId: query.team_id }));
      const byStatus = new Map(rows.map((r) => [r.status, r]));
      return {
        columns: BOARD.map((status) => {
          const r = byStatus.get(status);
          return {
            status, count: num(r?.count), total_value: money(r?.total_value), weighted_value: money(r?.weighted_value),
            predicted_value: money(r?.predicted_value), predicted_count: num(r?.predicted_count), no_value_count: num(r?.no_value_count),
          };
        }),
      };
    },
  };
}

export type DashboardService = ReturnType<typeof createDashboardService>;
