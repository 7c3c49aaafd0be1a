import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { CreatedPrivacyRequest, DownloadQuery, ErasurePreview, ErasurePreviewQuery, PrivacyListQuery, PrivacyRequest, PrivacyRequestBody, PrivacyRequestList } from './privacy.schemas.ts';
import type { PrivacyService } from './privacy.service.ts';

export async function registerPrivacyRoutes(server: FastifyInstance, privacy: PrivacyService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['privacy'];
  const ctx = (request: Parameters<typeof requireAuth>[0]) => requireAuth(request, auth);

  app.post(
    '/api/v1/privacy/requests',
    { config: { access: 'privacy:manage' }, schema: { tags, summary: 'A data subject request: export everything held about a person, or erase them (admins). Acted on by a background job; poll GET …/{id}', body: PrivacyRequestBody, response: { 202: CreatedPrivacyRequest } } },
    async (r, reply) => reply.code(202).send(await privacy.create(ctx(r), r.body)),
  );
  app.get('/api/v1/privacy/requests', { config: { access: 'privacy:manage' }, schema: { tags, summary: 'Privacy requests, newest first, with who asked, who acted, status and due date (admins)', querystring: PrivacyListQuery, response: { 200: PrivacyRequestList } } }, async (r) =>
    privacy.list(ctx(r), r.query),
  );
  app.get('/api/v1/privacy/requests/:id', { config: { access: 'privacy:manage' }, schema: { tags, summary: 'One privacy request: status, progress, counts, the verification scan of an erasure', params: IdParams, response: { 200: PrivacyRequest } } }, async (r) =>
    privacy.get(ctx(r), r.params.id),
  );
  app.get(
    '/api/v1/privacy/requests/:id/download',
    {
      config: { access: 'privacy:manage' },
      schema: {
        tags,
        summary: "An export's JSON document: once, by the admin who asked, within 24 hours (410 afterwards)",
        params: IdParams,
        querystring: DownloadQuery,
        response: { 200: z.object({ document: z.record(z.string(), z.unknown()), summary: z.string() }) },
      },
    },
    async (r, reply) => {
      const result = await privacy.download(ctx(r), r.params.id, r.query.token);
      void reply.header('content-disposition', `attachment; filename="privacy-export-${r.params.id}.json"`).header('cache-control', 'no-store');
      return result;
    },
  );
  app.get('/api/v1/privacy/erasure-preview', { config: { access: 'privacy:manage' }, schema: { tags, summary: "What erasing the person behind a lead would remove, per kind (the lead page's confirmation)", querystring: ErasurePreviewQuery, response: { 200: ErasurePreview } } }, async (r) =>
    privacy.preview(ctx(r), r.query.lead_id),
  );
}
