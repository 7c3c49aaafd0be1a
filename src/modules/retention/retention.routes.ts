import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAuth } from '../../http/auth.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { PoliciesBody, PoliciesResponse, RetentionReport, RunAccepted, RunBody } from './retention.schemas.ts';
import type { RetentionService } from './retention.service.ts';

export async function registerRetentionRoutes(server: FastifyInstance, retention: RetentionService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['privacy'];

  app.get('/api/v1/privacy/retention', {
    config: { access: 'privacy:manage' },
    schema: { tags, summary: 'Retention policies: how long each kind of personal data is kept (admins)', response: { 200: PoliciesResponse } },
  }, async (request) => retention.getPolicies(requireAuth(request, auth)));

  app.put('/api/v1/privacy/retention', {
    config: { access: 'privacy:manage' },
    schema: { tags, summary: 'Save the retention policies (admins); the nightly run (03:00 in the organization\'s time zone) enforces them', body: PoliciesBody, response: { 200: PoliciesResponse } },
  }, async (request) => retention.putPolicies(requireAuth(request, auth), request.body));

  app.post('/api/v1/privacy/retention/run', {
    config: { access: 'privacy:manage' },
    schema: {
      tags, summary: 'Preview (dry_run: true, answered at once) or start (dry_run: false, a job: follow it at GET /jobs/{job_id}) a retention run (admins)',
      description: 'Both use the same definition of what is due. A real run deletes in batches of at most 1,000 rows, each in its own short transaction, and records a retention.run audit entry with the counts.',
      body: RunBody, response: { 200: RetentionReport, 202: RunAccepted },
    },
  }, async (request, reply) => {
    const ctx = requireAuth(request, auth);
    if (request.body.dry_run) return reply.code(200).send(await retention.preview(ctx));
    return reply.code(202).send(await retention.requestRun(ctx));
  });
}
