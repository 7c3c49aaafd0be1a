import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenantRead } from '../../db/tenant.ts';
import { decodeTimeCursor, timePage } from '../../shared/cursor.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import type { LeadsService } from '../leads/leads.service.ts';
import * as q from './timeline.queries.ts';

export const TIMELINE_KINDS = ['activity', 'conversation', 'journey_event', 'score', 'insight', 'assignment'] as const;

export function createTimelineService(db: Kysely<DB>, leads: LeadsService) {
  return {
    async forLead(ctx: AuthContext, leadId: string, query: { kinds?: (typeof TIMELINE_KINDS)[number][] | undefined; limit: number; cursor?: string | undefined }) {
      await leads.get(ctx, leadId);
      const after = decodeTimeCursor('timeline', query.cursor);
      const rows = await withTenantRead(db, ctx, (tx) => q.leadTimeline(tx, leadId, query.kinds ?? TIMELINE_KINDS, query.limit, after));
      return timePage('timeline', rows, query.limit);
    },
  };
}

export type TimelineService = ReturnType<typeof createTimelineService>;
