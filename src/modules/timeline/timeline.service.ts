import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenantRead } from '../../db/tenant.ts';
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import type { LeadsService } from '../leads/leads.service.ts';
import * as q from './timeline.queries.ts';

export const TIMELINE_KINDS = ['activity', 'conversation', 'journey_event', 'score', 'insight'] as const;

export function createTimelineService(db: Kysely<DB>, leads: LeadsService) {
  return {
    async forLead(ctx: AuthContext, leadId: string, query: { kinds?: (typeof TIMELINE_KINDS)[number][] | undefined; limit: number; cursor?: string | undefined }) {
      await leads.get(ctx, leadId);
      const after = query.cursor ? (decodeCursor('timeline', query.cursor, ['timestamp', 'uuid']) as [string, string]) : null;
      const rows = await withTenantRead(db, ctx, (tx) => q.leadTimeline(tx, leadId, query.kinds ?? TIMELINE_KINDS, query.limit, after));
      const data = rows.slice(0, query.limit);
      const last = data[data.length - 1];
      return { data, next_cursor: rows.length > query.limit && last ? encodeCursor('timeline', [new Date(last.at).toISOString(), last.id]) : null };
    },
  };
}

export type TimelineService = ReturnType<typeof createTimelineService>;
