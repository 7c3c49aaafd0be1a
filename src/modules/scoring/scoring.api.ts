import { auditActor } from '../audit/audit.service.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenant, withTenantRead } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { decodeTimeCursor, timePage } from '../../shared/cursor.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import type { LeadsService } from '../leads/leads.service.ts';
import * as q from './scoring.queries.ts';
import { TRAIN_QUEUE, type ScoringService } from './scoring.service.ts';

/**
 * What people may ask of the scoring: a lead's score and its history (whoever may see the
 * lead), the model registry (managers and admins), training and activation (admins),
 * rescoring everything (managers and admins). Long work is queued, never done in a request.
 */
export function createScoringApi(db: Kysely<DB>, scoring: ScoringService, leads: LeadsService) {
  return {
    async score(ctx: AuthContext, leadId: string) {
      const lead = await leads.get(ctx, leadId);
      const v = await withTenantRead(db, ctx, (tx) => q.scoreView(tx, leadId));
      if (!v) throw new DomainError('not_found', 'No lead with this id is visible to you.');
      const num = (x: string | number | null) => (x === null ? null : Number(x));
      const predicted = num(v.predicted_value);
      return {
        lead_id: lead.id,
        score: v.current_score,
        conversion_probability: num(v.conversion_probability),
        confidence: Number(v.score_confidence),
        predicted_value: predicted,
        // Null when the model has no interval (one stored before the regression) or no value.
        predicted_value_low: predicted !== null && v.value_low_factor !== null ? Math.round(predicted * v.value_low_factor) : null,
        predicted_value_high: predicted !== null && v.value_high_factor !== null ? Math.round(predicted * v.value_high_factor) : null,
        sub_scores: v.created_at
          ? { demographic: v.demographic_score, behavioral: v.behavioral_score, temporal: v.temporal_score, conversational: v.conversational_score }
          : null,
        explanation: (v.explanation ?? []) as { feature: string; group: 'demographic' | 'behavioral' | 'temporal' | 'conversational'; points: number; text: string }[],
        recommendations: (v.recommendations ?? []) as { action: string; reason: string; priority: 'high' | 'medium' | 'low' }[],
        model_version: v.model_version,
        scored_at: v.created_at,
      };
    },

    async history(ctx: AuthContext, leadId: string, query: { limit: number; cursor?: string | undefined }) {
      await leads.get(ctx, leadId);
      const before = decodeTimeCursor('scores', query.cursor);
      const rows = await withTenantRead(db, ctx, (tx) => q.scoreHistory(tx, leadId, query.limit, before));
      return timePage('scores', rows, query.limit);
    },

    async models(ctx: AuthContext) {
      authorize(ctx, 'models:read');
      return { data: await withTenantRead(db, ctx, (tx) => q.listModels(tx)) };
    },

    async requestTraining(ctx: AuthContext) {
      authorize(ctx, 'models:manage');
      const job = await withTenant(db, ctx, (tx) => enqueue(tx, { organizationId: ctx.organizationId, queue: TRAIN_QUEUE, dedupeKey: 'requested', createdBy: ctx.userId ?? undefined, payload: { requested_by: ctx.actor.id } }));
      return { job_id: job.id, deduplicated: job.deduplicated };
    },

    async activate(ctx: AuthContext, version: string) {
      authorize(ctx, 'models:manage');
      if (!(await scoring.activate(ctx.organizationId, version, auditActor(ctx)))) throw new DomainError('not_found', `Your organization has no model version "${version}".`, { field: 'version' });
      return { version, active: true };
    },

    async requestRescore(ctx: AuthContext) {
      authorize(ctx, 'leads:rescore');
      // Counted in the queueing transaction: a worker may drain the queue before a later count.
      return { queued: await scoring.queueRescoreAll(ctx.organizationId) };
    },
  };
}

export type ScoringApi = ReturnType<typeof createScoringApi>;
