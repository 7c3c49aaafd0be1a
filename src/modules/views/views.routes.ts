import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { SavedView, SavedViewBody, SavedViewList, SavedViewPatch } from './views.schemas.ts';
import type { ViewsService } from './views.service.ts';

export async function registerViewRoutes(server: FastifyInstance, views: ViewsService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['saved views'];
  const ctx = (request: Parameters<typeof requireAuth>[0]) => requireAuth(request, auth);

  app.get('/api/v1/saved-views', { config: { access: 'leads:read' }, schema: { tags, summary: 'My saved views of the leads list and those shared with the organization', response: { 200: SavedViewList } } }, async (r) => ({
    data: await views.list(ctx(r)),
  }));
  app.post('/api/v1/saved-views', { config: { access: 'leads:read' }, schema: { tags, summary: 'Save a view of the leads list (409 when the name is taken)', body: SavedViewBody, response: { 201: SavedView } } }, async (r, reply) =>
    reply.code(201).send(await views.create(ctx(r), r.body)),
  );
  app.patch('/api/v1/saved-views/:id', { config: { access: 'leads:read' }, schema: { tags, summary: 'Change one of my saved views', params: IdParams, body: SavedViewPatch, response: { 200: SavedView } } }, async (r) =>
    views.update(ctx(r), r.params.id, r.body),
  );
  app.delete('/api/v1/saved-views/:id', { config: { access: 'leads:read' }, schema: { tags, summary: 'Delete one of my saved views', params: IdParams, response: { 204: z.null() } } }, async (r, reply) => {
    await views.remove(ctx(r), r.params.id);
    return reply.code(204).send(null);
  });
}
