import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { ConsentBody, ConsentOverview, ConsentRecord, WithdrawBody } from './consent.schemas.ts';
import type { ConsentService } from './consent.service.ts';

export async function registerConsentRoutes(server: FastifyInstance, consents: ConsentService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['consent'];

  app.get('/api/v1/leads/:id/consents', {
    config: { access: 'leads:read' },
    schema: { tags, summary: "A lead's consent records, the state per purpose, and whether it may be contacted and tracked", params: IdParams, response: { 200: ConsentOverview } },
  }, async (r) => consents.overview(requireAuth(r, auth), r.params.id));

  app.post('/api/v1/leads/:id/consents', {
    config: { access: 'consents:write' },
    schema: { tags, summary: 'Record a consent given (or another lawful basis) for a purpose', params: IdParams, body: ConsentBody, response: { 201: ConsentRecord } },
  }, async (r, reply) => reply.code(201).send(await consents.record(requireAuth(r, auth), r.params.id, r.body)));

  app.post('/api/v1/leads/:id/consents/withdraw', {
    config: { access: 'consents:write' },
    schema: {
      tags,
      summary: 'Withdraw consent for a purpose (closes its open grants, or records the objection)',
      description: 'Withdrawing tracking stops the website tracker recording the person; sales_contact ends contact suggestions and follow-up reminders; marketing or sales_contact leaves the lead out of exports unless include_do_not_contact=true.',
      params: IdParams,
      body: WithdrawBody,
      response: { 200: ConsentOverview },
    },
  }, async (r) => consents.withdraw(requireAuth(r, auth), r.params.id, r.body));
}
