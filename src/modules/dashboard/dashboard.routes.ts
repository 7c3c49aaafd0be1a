import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAuth } from '../../http/auth.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { Dashboard, DashboardQuery, Pipeline, PipelineQuery } from './dashboard.schemas.ts';
import type { DashboardService } from './dashboard.service.ts';

export async function registerDashboardRoutes(server: FastifyInstance, dashboard: DashboardService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['dashboard'];

  app.get('/api/v1/dashboard', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'Funnel, KPIs against the previous period, hot leads and your follow-ups due', querystring: DashboardQuery, response: { 200: Dashboard } },
  }, async (request) => dashboard.dashboard(requireAuth(request, auth), request.query));

  app.get('/api/v1/pipeline', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'Pipeline board columns: lead count, total and weighted value per status', querystring: PipelineQuery, response: { 200: Pipeline } },
  }, async (request) => dashboard.pipeline(requireAuth(request, auth), request.query));
}
