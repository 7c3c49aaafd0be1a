import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { Activity, ActivityBody, ActivityListQuery, ActivityPage, ActivityPatch } from './activities.schemas.ts';
import type { ActivitiesService } from './activities.service.ts';

export async function registerActivityRoutes(server: FastifyInstance, activities: ActivitiesService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['activities'];
  const ctx = (r: Parameters<typeof requireAuth>[0]) => requireAuth(r, auth);

  app.get('/api/v1/activities', { config: { access: 'leads:read' }, schema: { tags, summary: 'Activities across the organization (within your lead scope)', querystring: ActivityListQuery, response: { 200: ActivityPage } } }, async (r) =>
    activities.list(ctx(r), r.query),
  );
  app.get('/api/v1/leads/:id/activities', { config: { access: 'leads:read' }, schema: { tags, summary: "A lead's activities", params: IdParams, querystring: ActivityListQuery, response: { 200: ActivityPage } } }, async (r) =>
    activities.listForLead(ctx(r), r.params.id, r.query),
  );
  app.post('/api/v1/leads/:id/activities', { config: { access: 'activities:write' }, schema: { tags, summary: 'Log a call, email, meeting, note, task… (updates last_contacted_at)', params: IdParams, body: ActivityBody, response: { 201: Activity } } }, async (r, reply) =>
    reply.code(201).send(await activities.create(ctx(r), r.params.id, r.body)),
  );
  app.get('/api/v1/activities/:id', { config: { access: 'leads:read' }, schema: { tags, summary: 'One activity', params: IdParams, response: { 200: Activity } } }, async (r) => activities.get(ctx(r), r.params.id));
  app.patch('/api/v1/activities/:id', { config: { access: 'activities:write' }, schema: { tags, summary: 'Change an activity (reps: their own)', params: IdParams, body: ActivityPatch, response: { 200: Activity } } }, async (r) =>
    activities.update(ctx(r), r.params.id, r.body),
  );
  app.delete('/api/v1/activities/:id', { config: { access: 'activities:write' }, schema: { tags, summary: 'Delete an activity (reps: their own)', params: IdParams, response: { 204: z.null() } } }, async (r, reply) => {
    await activities.remove(ctx(r), r.params.id);
    return reply.code(204).send(null);
  });
}
