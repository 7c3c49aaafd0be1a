import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../shared/logger.ts';
import { problemFromError, sendProblem } from './problem.ts';
import type { SystemService } from '../modules/system/system.service.ts';
import { registerSystemRoutes } from '../modules/system/system.routes.ts';

export interface ServerDeps {
  logger: Logger;
  system: SystemService;
}

/** Assembles the HTTP server from the services the composition root built. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; naming the base type keeps route types default.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 1_048_576,
    requestIdHeader: 'x-request-id',
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = problemFromError(error, request);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: 'https://leadai.dev/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: `There is nothing at ${request.method} ${request.url.split('?')[0]}.`,
      instance: request.url,
    }),
  );

  await registerSystemRoutes(app, deps.system);
  return app;
}
