import type { FastifyInstance } from 'fastify';
import type { SystemService } from './system.service.ts';
import { renderLandingPage } from './landing-page.ts';

export async function registerSystemRoutes(app: FastifyInstance, system: SystemService) {
  app.get('/api/health', async (_request, reply) => {
    const health = await system.health();
    return reply.code(health.status === 'ok' ? 200 : 503).send(health);
  });

  // Until the web application lands: a page that says what runs and how to use it.
  app.get('/', async (_request, reply) => {
    const [health, overview] = await Promise.all([system.health(), system.overview()]);
    return reply.type('text/html; charset=utf-8').send(renderLandingPage({ health, overview, demoLogin: system.demoLogin }));
  });
}
