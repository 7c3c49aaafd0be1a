import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { JobsService } from './jobs.service.ts';

const Job = z.object({
  id: z.number().int(),
  queue: z.string().describe('What kind of work: scoring.train, scoring.rescore, imports.run, …'),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  progress: z.object({ done: z.number().optional(), total: z.number().optional(), message: z.string().optional() }),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  result: z.unknown(),
  last_error: z.string().nullable(),
  created_at: z.date(),
  started_at: z.date().nullable(),
  finished_at: z.date().nullable(),
});

export async function registerJobRoutes(server: FastifyInstance, jobs: JobsService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  app.get('/api/v1/jobs/:id', {
    config: { access: 'org:read' },
    schema: { tags: ['jobs'], summary: 'Status and progress of a background job of your organization (e.g. the job id returned by POST /models/train)', params: z.strictObject({ id: z.coerce.number().int().positive().max(2 ** 53 - 1) }), response: { 200: Job } },
  }, async (r) => jobs.get(requireAuth(r, auth), r.params.id));
}
