import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams, Uuid } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { TIMELINE_KINDS, type TimelineService } from './timeline.service.ts';

const TimelineQuery = z.strictObject({
  kinds: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(TIMELINE_KINDS)).min(1))
    .optional()
    .describe('Comma-separated subset of activity, conversation, journey_event, score, insight, assignment'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

const TimelineItem = z.object({
  kind: z.enum(TIMELINE_KINDS),
  id: Uuid,
  at: z.coerce.date(),
  title: z.string(),
  summary: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});

export async function registerTimelineRoutes(server: FastifyInstance, timeline: TimelineService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  app.get('/api/v1/leads/:id/timeline', {
    config: { access: 'leads:read' },
    schema: { tags: ['leads'], summary: "A lead's history: activities, conversations, journey events, score changes, insights and rule assignments, newest first", params: IdParams, querystring: TimelineQuery, response: { 200: z.object({ data: z.array(TimelineItem), next_cursor: z.string().nullable() }) } },
  }, async (r) => timeline.forLead(requireAuth(r, auth), r.params.id, r.query));
}
