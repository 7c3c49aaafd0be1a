import type { Kysely } from 'kysely';
import { PRIORITY_LEVELS, type DB } from '../../db/schema.ts';
import { withTenant, withTenantRead } from '../../db/tenant.ts';
import { decodeCursor, decodeTimeCursor, encodeCursor, timePage } from '../../shared/cursor.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import type { LeadsService } from '../leads/leads.service.ts';
import { emitEvent } from '../events/events.service.ts';
import * as q from './insights.queries.ts';
import type { InboxQuery, InsightListQuery } from './insights.schemas.ts';

/**
 * What people may ask of the insights: whoever may see a lead sees its insights; whoever
 * may change a lead acknowledges or dismisses them. Ids of other organizations' insights,
 * or of leads outside the caller's scope, answer 404 like ids that do not exist.
 */
export function createInsightsApi(db: Kysely<DB>, leads: LeadsService) {
  const notFound = () => new DomainError('not_found', 'No insight with this id is visible to you.');

  function shape(row: q.InsightRow) {
    const { assigned_to: _a, updated_at: _u, dismissed_by: _d, ...rest } = row;
    return { ...rest, dismissed_by: row.dismissed_by, confidence: Number(row.confidence) };
  }

  function filter(ctx: AuthContext, query: InsightListQuery, leadId?: string): q.InsightFilter {
    return {
      types: query.type,
      priorities: query.priority,
      leadId: leadId ?? query.lead_id,
      owner: query.owner === 'none' ? null : query.owner === 'me' ? (ctx.userId ?? '00000000-0000-0000-0000-000000000000') : query.owner,
      acknowledged: query.acknowledged,
      status: query.status,
    };
  }

  async function page(ctx: AuthContext, query: InsightListQuery, leadId?: string) {
    const after = decodeTimeCursor('insights', query.cursor);
    const rows = await withTenantRead(db, ctx, (tx) => q.listInsights(tx, leads.scopeFilter(ctx, 'read'), filter(ctx, query, leadId), query.limit, after));
    const p = timePage('insights', rows, query.limit);
    return { data: p.data.map(shape), next_cursor: p.next_cursor };
  }

  /** The insight, when the caller may change its lead; 404 when they may not even see it. */
  async function writable(ctx: AuthContext, id: string) {
    authorize(ctx, 'leads:write');
    const row = await withTenantRead(db, ctx, (tx) => q.getInsight(tx, leads.scopeFilter(ctx, 'read'), id));
    if (!row) throw notFound();
    const mayWrite = await withTenantRead(db, ctx, (tx) => q.getInsight(tx, leads.scopeFilter(ctx, 'write'), id));
    if (!mayWrite) throw new DomainError('forbidden', 'You may see this lead but not change it, so you may not act on its insights.');
    return row;
  }

  return {
    list(ctx: AuthContext, query: InsightListQuery) {
      authorize(ctx, 'leads:read');
      return page(ctx, query);
    },

    async listForLead(ctx: AuthContext, leadId: string, query: InsightListQuery) {
      await leads.get(ctx, leadId);
      return page(ctx, query, leadId);
    },

    async get(ctx: AuthContext, id: string) {
      authorize(ctx, 'leads:read');
      const row = await withTenantRead(db, ctx, (tx) => q.getInsight(tx, leads.scopeFilter(ctx, 'read'), id));
      if (!row) throw notFound();
      return shape(row);
    },

    async acknowledge(ctx: AuthContext, id: string) {
      await writable(ctx, id);
      return withTenant(db, ctx, async (tx) => {
        const acknowledged = await q.acknowledge(tx, id, ctx.userId);
        const after = (await q.getInsight(tx, leads.scopeFilter(ctx, 'read'), id))!;
        if (acknowledged) await emitEvent(tx, ctx, { type: 'insight.updated', entityType: 'insight', entityId: id, payload: { lead_id: after.lead_id, insight_type: after.insight_type, priority: after.priority, fields: ['acknowledged_at'] } });
        return shape(after);
      });
    },

    async dismiss(ctx: AuthContext, id: string, reason: string) {
      const row = await writable(ctx, id);
      if (row.status !== 'open') throw new DomainError('conflict', `This insight is already ${row.status}; only open insights can be dismissed.`, { insight_status: row.status });
      return withTenant(db, ctx, async (tx) => {
        if (!(await q.dismiss(tx, id, ctx.userId, reason))) throw new DomainError('conflict', 'This insight was closed meanwhile; only open insights can be dismissed.');
        await emitEvent(tx, ctx, { type: 'insight.updated', entityType: 'insight', entityId: id, payload: { lead_id: row.lead_id, insight_type: row.insight_type, priority: row.priority, fields: ['status'] } });
        return shape((await q.getInsight(tx, leads.scopeFilter(ctx, 'read'), id))!);
      });
    },

    /** The signed-in user's priority inbox (an API key has no inbox: it is nobody's). */
    async inbox(ctx: AuthContext, query: InboxQuery) {
      authorize(ctx, 'leads:read');
      if (!ctx.userId) throw new DomainError('validation', 'The inbox belongs to a signed-in user; an API key has none. Use GET /api/v1/insights with filters instead.');
      const after = query.cursor ? (decodeCursor('inbox', query.cursor, [PRIORITY_LEVELS, 'number', 'timestamp', 'uuid']) as [string, number, string, string]) : null;
      // Admins oversee the whole organization: on first start (the demo) their inbox is its story.
      const reach = ctx.role === 'admin' ? 'all' : ctx.role === 'manager' ? 'teams' : 'own';
      const rows = await withTenantRead(db, ctx, (tx) => q.inbox(tx, ctx.userId!, reach, ctx.teamId, query.limit, after));
      const data = rows.slice(0, query.limit);
      const last = data[data.length - 1];
      return {
        data: data.map(({ cursor_at: _, ...r }) => shape(r)),
        next_cursor: rows.length > query.limit && last ? encodeCursor('inbox', [last.priority, Number(last.confidence), last.cursor_at, last.id]) : null,
      };
    },
  };
}

export type InsightsApi = ReturnType<typeof createInsightsApi>;
