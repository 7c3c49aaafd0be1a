import type { Kysely, Updateable } from 'kysely';
import type { ActivitiesTable, DB } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { decodeTimeCursor, timePage } from '../../shared/cursor.ts';
import { patchValues } from '../../shared/patch.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { emitEvent } from '../events/events.service.ts';
import type { LeadsService } from '../leads/leads.service.ts';
import { notifyMentions } from '../notifications/notifications.service.ts';
import * as q from './activities.queries.ts';
import type { ActivityBody, ActivityListQuery, ActivityPatch } from './activities.schemas.ts';
import type { z } from 'zod';

type Body = z.infer<typeof ActivityBody>;
type Patch = z.infer<typeof ActivityPatch>;

/** Where a note's `@name` mentions are written. */
const mentionText = (a: { subject: string | null; description: string | null }) => [a.subject, a.description].filter(Boolean).join('\n');

export function createActivitiesService(db: Kysely<DB>, leads: LeadsService) {
  async function page(ctx: AuthContext, query: ActivityListQuery, leadId?: string) {
    const after = decodeTimeCursor('activities', query.cursor);
    const rows = await withTenant(db, ctx, (tx) =>
      q.listActivities(
        tx,
        {
          scope: leads.scopeFilter(ctx, 'read'),
          ...(query.type ? { type: query.type } : {}),
          ...(query.user_id ? { userId: query.user_id } : {}),
          ...(leadId ?? query.lead_id ? { leadId: leadId ?? query.lead_id } : {}),
          ...(query.created_after ? { createdAfter: query.created_after } : {}),
          ...(query.created_before ? { createdBefore: query.created_before } : {}),
        },
        query.limit,
        after,
      ),
    );
    return timePage('activities', rows, query.limit);
  }

  /**
   * Reps change only what they logged; managers anything on their team's leads, admins
   * anything: the lead must be one the caller may change (see leads.writable).
   */
  async function editable(ctx: AuthContext, id: string) {
    authorize(ctx, 'activities:write');
    const activity = await withTenant(db, ctx, (tx) => q.getActivity(tx, id));
    if (!activity) throw new DomainError('not_found', 'No activity with this id is visible to you.');
    await leads.writable(ctx, activity.lead_id).catch((error: unknown) => {
      throw error instanceof DomainError && error.code === 'not_found' ? new DomainError('not_found', 'No activity with this id is visible to you.') : error;
    });
    if (ctx.role === 'sales_rep' && activity.user_id !== ctx.userId) {
      throw new DomainError('forbidden', 'Sales reps may change only the activities they logged.');
    }
    return activity;
  }

  return {
    list: (ctx: AuthContext, query: ActivityListQuery) => {
      authorize(ctx, 'leads:read');
      return page(ctx, query);
    },

    async listForLead(ctx: AuthContext, leadId: string, query: ActivityListQuery) {
      await leads.get(ctx, leadId);
      return page(ctx, query, leadId);
    },

    async get(ctx: AuthContext, id: string) {
      authorize(ctx, 'leads:read');
      const activity = await withTenant(db, ctx, (tx) => q.getActivity(tx, id));
      if (!activity) throw new DomainError('not_found', 'No activity with this id is visible to you.');
      await leads.get(ctx, activity.lead_id).catch(() => {
        throw new DomainError('not_found', 'No activity with this id is visible to you.');
      });
      return activity;
    },

    async create(ctx: AuthContext, leadId: string, body: Body) {
      authorize(ctx, 'activities:write');
      await leads.writable(ctx, leadId);
      return withTenant(db, ctx, async (tx) => {
        const activity = await q
          .insertActivity(tx, {
            organization_id: ctx.organizationId,
            lead_id: leadId,
            user_id: ctx.userId,
            type: body.type,
            subject: body.subject ?? null,
            description: body.description ?? null,
            outcome: body.outcome ?? null,
            scheduled_at: body.scheduled_at ?? null,
            completed_at: body.completed_at === undefined ? (body.scheduled_at ? null : new Date()) : body.completed_at,
            duration_minutes: body.duration_minutes ?? null,
            metadata: JSON.stringify(body.metadata ?? {}),
          })
          .catch((error: { code?: string }) => {
            if (error.code === '23503') throw new DomainError('not_found', 'No lead with this id is visible to you.');
            throw error;
          });
        await emitEvent(tx, ctx, { type: 'activity.created', entityType: 'activity', entityId: activity.id, payload: { lead_id: leadId } });
        await notifyMentions(tx, ctx, { source: `activity:${activity.id}`, leadId, authorId: ctx.userId, text: mentionText(activity) });
        return activity;
      });
    },

    async update(ctx: AuthContext, id: string, patch: Patch) {
      await editable(ctx, id);
      const values = patchValues(patch, ['metadata']) as Updateable<ActivitiesTable>;
      return withTenant(db, ctx, async (tx) => {
        const activity = await q.updateActivity(tx, id, values);
        await emitEvent(tx, ctx, { type: 'activity.updated', entityType: 'activity', entityId: id, payload: { lead_id: activity.lead_id, fields: Object.keys(values) } });
        // Once per note and person: only people newly mentioned by the edit hear of it.
        if (values.subject !== undefined || values.description !== undefined) await notifyMentions(tx, ctx, { source: `activity:${id}`, leadId: activity.lead_id, authorId: ctx.userId, text: mentionText(activity) });
        return activity;
      });
    },

    async remove(ctx: AuthContext, id: string) {
      const activity = await editable(ctx, id);
      await withTenant(db, ctx, async (tx) => {
        await q.deleteActivity(tx, id);
        await emitEvent(tx, ctx, { type: 'activity.deleted', entityType: 'activity', entityId: id, payload: { lead_id: activity.lead_id } });
      });
    },
  };
}

export type ActivitiesService = ReturnType<typeof createActivitiesService>;
