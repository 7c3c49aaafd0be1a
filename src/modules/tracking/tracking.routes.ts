import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { DomainError } from '../../shared/errors.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { JourneyPage, JourneyQuery, JourneyWriteBody, RecentEvents, RecentEventsQuery, TRACK_BODY_LIMIT, TrackBatch, TrackingKey, TrackingKeyBody, TrackResult } from './tracking.schemas.ts';
import type { TrackingService } from './tracking.service.ts';

const SNIPPET = readFileSync(new URL('./snippet/t.js', import.meta.url), 'utf8');
const SNIPPET_ETAG = `"${createHash('sha256').update(SNIPPET).digest('base64url').slice(0, 16)}"`;

/** The ingest endpoint is called from customers' pages: any origin, no credentials. */
function allowAnyOrigin(reply: FastifyReply) {
  reply.header('access-control-allow-origin', '*');
  reply.header('access-control-allow-methods', 'POST, OPTIONS');
  reply.header('access-control-allow-headers', 'content-type, x-leadai-write-key, dnt, sec-gpc');
  reply.header('access-control-max-age', '86400');
}

export async function registerTrackingRoutes(server: FastifyInstance, tracking: TrackingService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();

  app.get('/api/v1/tracking/keys', {
    config: { access: 'tracking:read' },
    schema: { tags: ['tracking'], summary: 'Website write keys (marketing, admins)', response: { 200: z.object({ data: z.array(TrackingKey) }) } },
  }, async (r) => ({ data: await tracking.listKeys(requireAuth(r, auth)) }));

  app.post('/api/v1/tracking/keys', {
    config: { access: 'tracking:manage' },
    schema: { tags: ['tracking'], summary: 'Create a website write key (admins). Public by design: it can only write tracking events', body: TrackingKeyBody, response: { 201: TrackingKey } },
  }, async (r, reply) => reply.code(201).send(await tracking.createKey(requireAuth(r, auth), r.body)));

  app.post('/api/v1/tracking/keys/:id/rotate', {
    config: { access: 'tracking:manage' },
    schema: { tags: ['tracking'], summary: 'Rotate a write key (admins): a new key replaces it, the old one stops at once', params: IdParams, response: { 201: TrackingKey } },
  }, async (r, reply) => reply.code(201).send(await tracking.rotateKey(requireAuth(r, auth), r.params.id)));

  app.delete('/api/v1/tracking/keys/:id', {
    config: { access: 'tracking:manage' },
    schema: { tags: ['tracking'], summary: 'Revoke a write key at once (admins)', params: IdParams, response: { 204: z.null() } },
  }, async (r, reply) => {
    await tracking.revokeKey(requireAuth(r, auth), r.params.id);
    return reply.code(204).send(null);
  });

  app.get('/api/v1/tracking/events', {
    config: { access: 'tracking:read' },
    schema: { tags: ['tracking'], summary: 'The latest website events received through the write keys, to check an installation (marketing, admins)', querystring: RecentEventsQuery, response: { 200: RecentEvents } },
  }, async (r) => tracking.recentEvents(requireAuth(r, auth), r.query));

  app.get('/api/v1/leads/:id/journey', {
    config: { access: 'leads:read' },
    schema: { tags: ['leads'], summary: "A lead's journey events (page views, forms, emails, …), newest first, by type and time range", params: IdParams, querystring: JourneyQuery, response: { 200: JourneyPage } },
  }, async (r) => tracking.journey(requireAuth(r, auth), r.params.id, r.query));

  app.post('/api/v1/leads/:id/journey', {
    config: { access: 'journey:write' },
    schema: { tags: ['leads'], summary: 'Record journey events of a known lead (marketing, admins); idempotent by event id', params: IdParams, body: JourneyWriteBody, response: { 201: z.object({ received: z.number().int(), inserted: z.number().int() }) } },
  }, async (r, reply) => reply.code(201).send(await tracking.recordForLead(requireAuth(r, auth), r.params.id, r.body.events)));

  app.get('/t.js', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    reply.header('cache-control', 'public, max-age=3600, stale-while-revalidate=86400').header('etag', SNIPPET_ETAG).header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === SNIPPET_ETAG) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').send(SNIPPET);
  });

  // Ingest, in its own scope: navigator.sendBeacon sends text/plain (a CORS-safelisted
  // type, so no preflight), which is parsed as JSON here and only here.
  await server.register(async (scope) => {
    scope.removeContentTypeParser(['application/json', 'text/plain']);
    scope.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit: TRACK_BODY_LIMIT }, (_request, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new DomainError('validation', 'The body is not valid JSON. Send {"write_key": "…", "events": [ … ]}. Nothing was stored.', { field: 'body' }), undefined);
      }
    });
    scope.addHook('onRequest', async (_request, reply) => allowAnyOrigin(reply));
    const ingest = scope.withTypeProvider<ZodTypeProvider>();
    ingest.options('/api/v1/track', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => reply.code(204).send());
    ingest.post('/api/v1/track', {
      config: { access: 'public' },
      bodyLimit: TRACK_BODY_LIMIT,
      schema: {
        tags: ['tracking'],
        summary: 'Record a batch of website events (up to 500), authenticated by the public write key only; idempotent by event id',
        description: 'Called by /t.js from any origin. A browser sending `DNT: 1` or `Sec-GPC: 1` is not recorded when the organization honours it (settings tracking.honor_dnt, default false; tracking.honor_gpc, default true); nor are people marked do-not-contact or unsubscribed, or who withdrew tracking consent. The answer does not say which. Body as application/json or text/plain (navigator.sendBeacon). The write key goes in the body (write_key) or in the x-leadai-write-key header. Errors are problem+json and store nothing.',
        security: [],
        body: TrackBatch,
        response: { 200: TrackResult },
      },
    }, async (r) => {
      const raw = r.headers['x-leadai-write-key'];
      const header = Array.isArray(raw) ? raw[0] : raw;
      if (header && r.body.write_key && header !== r.body.write_key) {
        throw new DomainError('unauthenticated', 'The x-leadai-write-key header and write_key in the body name different keys.');
      }
      const result = await tracking.ingest({ writeKey: header ?? r.body.write_key, batch: r.body, client: { ip: r.ip, userAgent: r.headers['user-agent'] ?? null, dnt: r.headers.dnt === '1', gpc: r.headers['sec-gpc'] === '1' } });
      // Never which lead an email is, nor whether it was one already: the key is public.
      return { received: result.received, inserted: result.inserted };
    });
  });
}
