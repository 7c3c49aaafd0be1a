import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth, SESSION_COOKIE } from '../http/auth.ts';
import type { AuthService } from '../modules/auth/auth.service.ts';
import { DomainError } from '../shared/errors.ts';
import type { Hub } from './hub.ts';

const EVENT_ID = /^\d{1,15}$/;

const StreamQuery = z.strictObject({
  last_event_id: z
    .string()
    .regex(EVENT_ID, 'must be the id of an event this stream sent (a whole number)')
    .optional()
    .describe('Resume after this event (the same as the Last-Event-ID header, which wins when both are sent).'),
});

/**
 * GET /api/v1/stream: the signed-in user's live events as Server-Sent Events. The route
 * authenticates and validates, then hands the connection to the hub; from there on the
 * response is a stream, not a Fastify reply.
 */
export async function registerStreamRoutes(server: FastifyInstance, hub: Hub, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/stream',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['real-time'],
        summary: 'Live events for the signed-in user (Server-Sent Events)',
        description: [
          'A `text/event-stream` of what changes in the organization that the caller may read: each message has',
          '`id` (the event\'s sequence number in the organization), `event` (its type, e.g. `lead.updated`) and `data`',
          '(JSON: seq, type, entity_type, entity_id, actor_id, at, payload with ids and changed field names, never personal data).',
          'After connecting: `event: ready` with the latest seq. To resume after a disconnection send `Last-Event-ID`',
          '(browsers\' EventSource does it by itself) or `?last_event_id=`; every event after it is replayed in order,',
          'or, when it is older than the retention window, one `event: reset` says to reload. Comment lines keep the',
          'connection alive. 429 when the caller, or this server, has as many streams open as allowed.',
        ].join(' '),
        querystring: StreamQuery,
      },
    },
    async (request, reply) => {
      const ctx = requireAuth(request, auth);
      const lastEventId = resumePosition(request, request.query.last_event_id);
      const credentials = credentialsOf(request);
      await hub.open({
        organizationId: ctx.organizationId,
        holder: ctx.userId ?? ctx.actor.id,
        viewer: { userId: ctx.userId, role: ctx.role, teamId: ctx.teamId },
        lastEventId,
        response: reply.raw,
        revalidate: async () => {
          const again = await auth.authenticate(credentials);
          return again && again.organizationId === ctx.organizationId ? { userId: again.userId, role: again.role, teamId: again.teamId } : null;
        },
      });
      // The hub wrote the headers and owns the connection from now on.
      reply.hijack();
    },
  );
}

function resumePosition(request: FastifyRequest, fromQuery: string | undefined): number | undefined {
  const header = request.headers['last-event-id'];
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value !== '') {
    if (!EVENT_ID.test(value.trim())) {
      throw new DomainError('bad_request', 'The Last-Event-ID header must be the id of an event this stream sent (a whole number); leave it out to start from now.', { field: 'Last-Event-ID' });
    }
    return Number(value.trim());
  }
  return fromQuery === undefined ? undefined : Number(fromQuery);
}

function credentialsOf(request: FastifyRequest): { sessionToken?: string; bearer?: string } {
  const header = request.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const sessionToken = request.cookies[SESSION_COOKIE];
  return { ...(bearer ? { bearer } : {}), ...(sessionToken ? { sessionToken } : {}) };
}
