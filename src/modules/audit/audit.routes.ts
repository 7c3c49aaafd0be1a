import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAuth } from '../../http/auth.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { AuditPage, AuditQuery } from './audit.schemas.ts';
import type { AuditService } from './audit.service.ts';

export async function registerAuditRoutes(server: FastifyInstance, audit: AuditService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  app.get('/api/v1/audit', {
    config: { access: 'audit:read' },
    schema: {
      tags: ['audit'],
      summary: 'The audit log (admins): sensitive actions with actor, time, IP and target, newest first',
      description:
        'Recorded: sign-ins and failed sign-ins, API key creation, revocation and use (at most one `api_key.use` per key per hour), role, team and deactivation changes of users, ' +
        'team changes, organization and tracking settings, model activation, CSV/NDJSON exports, consent and do-not-contact changes, privacy and retention actions. ' +
        'Append-only: the application cannot change or delete entries. Filters combine (AND); pages follow next_cursor.',
      querystring: AuditQuery,
      response: { 200: AuditPage },
    },
  }, async (r) => audit.list(requireAuth(r, auth), r.query));
}
