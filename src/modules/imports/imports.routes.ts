import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAuth } from '../../http/auth.ts';
import { DomainError } from '../../shared/errors.ts';
import { textProblem } from '../../shared/text.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { CustomFieldList, ImportList, ImportView, ImportWithPreview, MappingBody, StartBody } from './imports.schemas.ts';
import type { ImportsService } from './imports.service.ts';

export async function registerImportRoutes(server: FastifyInstance, imports: ImportsService, auth: AuthService) {
  // Multipart only here, in its own scope: no other route accepts uploads.
  await server.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: imports.maxUploadBytes, files: 1, fields: 5, parts: 6 } });
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['imports'];

    app.post('/api/v1/imports', {
      config: { access: 'imports:write' },
      schema: {
        tags,
        summary: 'Upload a CSV file (multipart/form-data, field "file"): returns the detected format, the proposed mapping and a preview',
        description: 'Nothing is imported yet: check the mapping (PATCH), then POST /imports/{id}/start. Comma, semicolon and tab separated; UTF-8 (with or without BOM) or Windows-1252.',
        consumes: ['multipart/form-data'],
        response: { 201: ImportWithPreview },
      },
    }, async (request, reply) => {
      const ctx = requireAuth(request, auth);
      if (!request.isMultipart()) throw new DomainError('validation', 'Send the CSV file as multipart/form-data in a field named "file".', { field: 'file' });
      const part = await request.file();
      if (!part) throw new DomainError('validation', 'No file in the upload: send the CSV in a multipart field named "file".', { field: 'file' });
      // The edge's text check (http/input-guard.ts) does not see inside a multipart body.
      const nameProblem = textProblem(part.filename);
      if (nameProblem) throw new DomainError('bad_request', `file name: ${nameProblem}.`, { field: 'file' });
      const file = part.file;
      async function* stream() {
        for await (const chunk of file) yield chunk as Uint8Array;
        if (file.truncated) throw new scope.multipartErrors.RequestFileTooLargeError();
      }
      const result = await imports.upload(ctx, { fileName: part.filename, stream: stream() });
      return reply.code(201).send(result);
    });

    app.get('/api/v1/imports', { config: { access: 'imports:write' }, schema: { tags, summary: 'Recent imports (newest first, up to 100)', response: { 200: ImportList } } }, async (request) =>
      imports.list(requireAuth(request, auth)),
    );

    app.get('/api/v1/imports/:id', {
      config: { access: 'imports:write' },
      schema: { tags, summary: 'An import: status, counts and progress', params: IdParams, response: { 200: ImportView } },
    }, async (request) => imports.get(requireAuth(request, auth), request.params.id));

    app.get('/api/v1/imports/:id/preview', {
      config: { access: 'imports:write' },
      schema: { tags, summary: 'The mapping and the first rows as they will be stored, with their errors', params: IdParams, response: { 200: ImportWithPreview } },
    }, async (request) => imports.preview(requireAuth(request, auth), request.params.id));

    app.patch('/api/v1/imports/:id', {
      config: { access: 'imports:write' },
      schema: { tags, summary: 'Change the mapping before the import starts; returns the new preview', params: IdParams, body: MappingBody, response: { 200: ImportWithPreview } },
    }, async (request) => imports.updateMapping(requireAuth(request, auth), request.params.id, request.body));

    app.post('/api/v1/imports/:id/start', {
      config: { access: 'imports:write' },
      schema: { tags, summary: 'Run the import in the background; follow it with GET /imports/{id}', params: IdParams, body: StartBody, response: { 202: ImportView } },
    }, async (request, reply) => reply.code(202).send(await imports.start(requireAuth(request, auth), request.params.id, request.body ?? {})));

    app.get('/api/v1/imports/:id/errors', {
      config: { access: 'imports:write' },
      schema: { tags, summary: 'Rejected rows as CSV: the original columns, then line and reason', params: IdParams, produces: ['text/csv'] },
    }, async (request, reply) => {
      const { fileName, csv } = await imports.errorsCsv(requireAuth(request, auth), request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`)
        .send(csv);
    });

    app.get('/api/v1/custom-fields', {
      config: { access: 'leads:read' },
      schema: { tags: ['custom fields'], summary: "The organization's custom fields with their inferred types (filter leads with cf.<key>=<value>)", response: { 200: CustomFieldList } },
    }, async (request) => imports.customFields(requireAuth(request, auth)));
  });
}
