import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAuth } from '../../http/auth.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { Leaderboard, LeaderboardQuery, MetricsQuery, MetricsResponse, RefreshAccepted, RefreshBody } from './metrics.schemas.ts';
import type { MetricsService } from './metrics.service.ts';

export async function registerMetricsRoutes(server: FastifyInstance, metrics: MetricsService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['metrics'];

  app.get('/api/v1/metrics', {
    config: { access: 'leads:read' },
    schema: {
      tags, summary: 'Team performance per period: per user, team and the organization, with the period before and the team average',
      description: 'Only what you may see: a sales rep their own figures and their team\'s aggregate; a manager the organization, their teams and those teams\' members; admins, viewers and marketing everyone.',
      querystring: MetricsQuery, response: { 200: MetricsResponse },
    },
  }, async (request) => metrics.metrics(requireAuth(request, auth), request.query));

  app.get('/api/v1/metrics/leaderboard', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'People ranked by one figure in one period (a sales rep sees only their own rank)', querystring: LeaderboardQuery, response: { 200: Leaderboard } },
  }, async (request) => metrics.leaderboard(requireAuth(request, auth), request.query));

  app.post('/api/v1/metrics/refresh', {
    config: { access: 'metrics:refresh' },
    schema: { tags, summary: 'Recompute the metrics in the background (admins, managers); follow it at GET /jobs/{job_id}', body: RefreshBody, response: { 202: RefreshAccepted } },
  }, async (request, reply) => reply.code(202).send(await metrics.requestRefresh(requireAuth(request, auth), request.body)));
}
