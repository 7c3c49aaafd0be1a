import type { FastifyInstance } from 'fastify';
import type { SystemService } from './system.service.ts';
import { renderLandingPage } from './landing-page.ts';
import { PROBLEM_TYPE_BASE, sendProblem } from '../../http/problem.ts';

export async function registerSystemRoutes(app: FastifyInstance, system: SystemService, options: { landingPage: boolean } = { landingPage: true }) {
  app.get('/api/health', { config: { access: 'public' } }, async (_request, reply) => {
    const health = await system.health();
    if (health.status === 'ok') return reply.send(health);
    // Like every error here, problem+json (with Retry-After); `status` is the HTTP status there,
    // so the health document's own word moves to `health`, and `database` rides along as is.
    const { status: healthStatus, ...rest } = health;
    return sendProblem(reply, {
      type: PROBLEM_TYPE_BASE + 'unavailable',
      title: 'LeadAI cannot reach its database',
      status: 503,
      detail: `The ${health.database.mode === 'embedded' ? 'embedded database (its data folder)' : 'PostgreSQL server'} is not answering; LeadAI keeps retrying and recovers by itself once it is back.`,
      instance: '/api/health',
      ...rest,
      health: healthStatus,
    });
  });

  // Without a built web app (web/dist): a page that says what runs and how to use it.
  if (!options.landingPage) return;
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const [health, overview] = await Promise.all([system.health(), system.overview()]);
    return reply.type('text/html; charset=utf-8').send(renderLandingPage({ health, overview, demoLogin: system.demoLogin }));
  });
}
