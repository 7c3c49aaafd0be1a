import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { leadsAsCsv, leadsAsNdjson } from './leads.export.ts';
import { LEAD_COLUMNS } from './leads.queries.ts';
import { AssignBody, AssignResult, BulkUpdateBody, BulkUpdateResult, Lead, LeadCount, LeadCountQuery, LeadCreate, LeadDetail, LeadExportQuery, LeadListQuery, LeadPage, LeadPatch, MergeBody, MergeResult } from './leads.schemas.ts';
import type { LeadsService } from './leads.service.ts';

export async function registerLeadRoutes(server: FastifyInstance, leads: LeadsService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['leads'];

  app.get('/api/v1/leads', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'List leads: filters, sort, keyset pages and full-text search', querystring: LeadListQuery, response: { 200: LeadPage } },
  }, async (request) => leads.list(requireAuth(request, auth), request.query));

  app.get('/api/v1/leads/count', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'How many leads the list\'s filters select: exact up to 10,000, else an estimate (exact: false)', querystring: LeadCountQuery, response: { 200: LeadCount } },
  }, async (request) => leads.count(requireAuth(request, auth), request.query));

  app.get('/api/v1/leads/export', {
    config: { access: 'leads:read' },
    schema: {
      tags,
      summary: 'Download every lead of a filtered list as CSV or NDJSON, streamed (the list\'s filters apply)',
      querystring: LeadExportQuery,
      produces: ['text/csv', 'application/x-ndjson'],
    },
  }, async (request, reply) => {
    const { customFieldNames, rows } = await leads.exportRows(requireAuth(request, auth), request.query);
    const csv = request.query.format === 'csv';
    const stamp = new Date().toISOString().slice(0, 10);
    return reply
      .type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="leads-${stamp}.${csv ? 'csv' : 'ndjson'}"`)
      .header('cache-control', 'no-store')
      .send(csv ? leadsAsCsv(rows, LEAD_COLUMNS, customFieldNames) : leadsAsNdjson(rows));
  });

  app.post('/api/v1/leads', {
    config: { access: 'leads:write' },
    schema: { tags, summary: 'Create a lead (409 when the email is taken, with existing_id if you may read that lead)', body: LeadCreate, response: { 201: Lead } },
  }, async (request, reply) => reply.code(201).send(await leads.create(requireAuth(request, auth), request.body)));

  app.post('/api/v1/leads/assign', {
    config: { access: 'leads:assign' },
    schema: { tags, summary: 'Assign many leads at once (managers, admins)', body: AssignBody, response: { 200: AssignResult } },
  }, async (request) => leads.assign(requireAuth(request, auth), request.body));

  app.post('/api/v1/leads/bulk', {
    config: { access: 'leads:write' },
    schema: { tags, summary: 'Change the status or tags of many leads at once (up to 1,000)', body: BulkUpdateBody, response: { 200: BulkUpdateResult } },
  }, async (request) => leads.bulkUpdate(requireAuth(request, auth), request.body));

  app.post('/api/v1/leads/:id/merge', {
    config: { access: 'leads:merge' },
    schema: { tags, summary: 'Merge a duplicate into this lead: its whole history moves here', params: IdParams, body: MergeBody, response: { 200: MergeResult } },
  }, async (request) => leads.merge(requireAuth(request, auth), request.params.id, request.body.source_id));

  app.get('/api/v1/leads/:id', { config: { access: 'leads:read' }, schema: { tags, summary: 'One lead, with what you may do to it (permissions)', params: IdParams, response: { 200: LeadDetail } } }, async (request) =>
    leads.get(requireAuth(request, auth), request.params.id),
  );

  app.patch('/api/v1/leads/:id', {
    config: { access: 'leads:write' },
    schema: { tags, summary: 'Change some fields of a lead (status changes are recorded in its journey; address and custom_fields are merged key by key, null removes a key)', params: IdParams, body: LeadPatch, response: { 200: LeadDetail } },
  }, async (request) => leads.update(requireAuth(request, auth), request.params.id, request.body));

  app.delete('/api/v1/leads/:id', { config: { access: 'leads:delete' }, schema: { tags, summary: 'Delete a lead and everything recorded about it', params: IdParams, response: { 204: z.null() } } }, async (request, reply) => {
    await leads.remove(requireAuth(request, auth), request.params.id);
    return reply.code(204).send(null);
  });
}
