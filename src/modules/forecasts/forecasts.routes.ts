import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAuth } from '../../http/auth.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { ForecastsApi } from './forecasts.api.ts';
import { Forecasts, ForecastsQuery, GenerateAccepted, GenerateBody } from './forecasts.schemas.ts';

export async function registerForecastsRoutes(server: FastifyInstance, forecasts: ForecastsApi, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['forecasts'];

  app.post('/api/v1/forecasts', {
    config: { access: 'forecasts:generate' },
    schema: { tags, summary: 'Make a new forecast run in the background (admins, managers); follow it at GET /api/v1/jobs/{job_id}', body: GenerateBody, response: { 202: GenerateAccepted } },
  }, async (request, reply) => reply.code(202).send(await forecasts.request(requireAuth(request, auth))));

  app.get('/api/v1/forecasts', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'The latest forecasts of a granularity with their intervals, scenarios and key drivers, and past forecasts against what happened', querystring: ForecastsQuery, response: { 200: Forecasts } },
  }, async (request) => forecasts.get(requireAuth(request, auth), request.query.granularity));
}
