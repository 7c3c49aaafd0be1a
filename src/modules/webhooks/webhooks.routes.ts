import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import { CreateBody, Delivery, DeliveryPage, DeliveryQuery, Endpoint, EndpointList, EndpointWithSecret, PatchBody, SecretResponse, Settings, SettingsBody } from './webhooks.schemas.ts';
import type { WebhooksService } from './webhooks.service.ts';

export async function registerWebhookRoutes(server: FastifyInstance, webhooks: WebhooksService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  const ctx = (request: Parameters<typeof requireAuth>[0]) => requireAuth(request, auth);

  app.get('/api/v1/webhooks/settings', { config: { access: 'webhooks:manage' }, schema: { tags, summary: 'Webhook settings and the event types endpoints may subscribe to (admins)', response: { 200: Settings } } },
    async (request) => webhooks.getSettings(ctx(request)));
  app.put('/api/v1/webhooks/settings', { config: { access: 'webhooks:manage' }, schema: { tags, summary: 'Allow or refuse private targets (loopback, private, link-local networks) for this organization (admins)', body: SettingsBody, response: { 200: Settings } } },
    async (request) => webhooks.putSettings(ctx(request), request.body));

  app.get('/api/v1/webhooks', { config: { access: 'webhooks:manage' }, schema: { tags, summary: 'Webhook endpoints, with their state (admins); secrets are never shown here', response: { 200: EndpointList } } },
    async (request) => webhooks.list(ctx(request)));
  app.post('/api/v1/webhooks', {
    config: { access: 'webhooks:manage' },
    schema: {
      tags, summary: 'Register an endpoint (admins); the answer holds its signing secret, shown this once',
      description: 'Deliveries are POSTs signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>), body { type, timestamp, data }. Retried with exponential backoff; in order per lead; an endpoint failing for 24 hours is disabled.',
      body: CreateBody, response: { 201: EndpointWithSecret },
    },
  }, async (request, reply) => reply.code(201).send(await webhooks.create(ctx(request), request.body)));
  app.get('/api/v1/webhooks/:id', { config: { access: 'webhooks:manage' }, schema: { tags, summary: 'One endpoint (admins)', params: IdParams, response: { 200: Endpoint } } },
    async (request) => webhooks.get(ctx(request), request.params.id));
  app.patch('/api/v1/webhooks/:id', { config: { access: 'webhooks:manage' }, schema: { tags, summary: 'Change an endpoint, pause it (enabled: false) or enable it again (admins)', params: IdParams, body: PatchBody, response: { 200: Endpoint } } },
    async (request) => webhooks.update(ctx(request), request.params.id, request.body));
  app.delete('/api/v1/webhooks/:id', { config: { access: 'webhooks:manage' }, schema: { tags, summary: 'Delete an endpoint and its delivery log (admins)', params: IdParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await webhooks.remove(ctx(request), request.params.id);
      return reply.code(204).send(null);
    });
  app.post('/api/v1/webhooks/:id/rotate-secret', { config: { access: 'webhooks:manage' }, schema: { tags, summary: 'A new signing secret, shown this once; the old one stops working at once (admins)', params: IdParams, response: { 200: SecretResponse } } },
    async (request) => webhooks.rotate(ctx(request), request.params.id));
  app.post('/api/v1/webhooks/:id/test', { config: { access: 'webhooks:manage' }, schema: { tags, summary: 'Send a test event (type webhook.test) to this endpoint now; follow it in the delivery log (admins)', params: IdParams, response: { 202: Delivery } } },
    async (request, reply) => reply.code(202).send(await webhooks.sendTest(ctx(request), request.params.id)));
  app.get('/api/v1/webhooks/:id/deliveries', { config: { access: 'webhooks:manage' }, schema: { tags, summary: "The endpoint's delivery log, newest first (admins)", params: IdParams, querystring: DeliveryQuery, response: { 200: DeliveryPage } } },
    async (request) => webhooks.deliveries(ctx(request), request.params.id, request.query));
  app.post('/api/v1/webhooks/deliveries/:id/replay', { config: { access: 'webhooks:manage' }, schema: { tags, summary: 'Send a delivery again (same webhook-id and body, signed afresh) (admins)', params: IdParams, response: { 202: Delivery } } },
    async (request, reply) => reply.code(202).send(await webhooks.replay(ctx(request), request.params.id)));
}
