import type { FastifyInstance } from 'fastify';
import type { SystemService } from './system.service.ts';
import { renderLandingPage } from './landing-page.ts';

export async function registerSystemRoutes(app: FastifyInstance, system: SystemService, options: { landingPage: boolean } = { landingPage: true }) {
  app.get('/api/health', { config: { access: 'public' } }, async (_request, reply) => {
    const health = await system.health();
    return reply.code(health.status === 'ok' ? 200 : 503).send(health);
  });

  // Without a built web app (web/dist): a page that says what runs and how to use it.
  if (!options.landingPage) return;
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const [health, overview] = await Promise.all([system.health(), system.overview()]);
    return reply.type('text/html; charset=utf-8').send(renderLandingPage({ health, overview, demoLogin: system.demoLogin }));
  });
}
