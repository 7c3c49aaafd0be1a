import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { Conversation, ConversationBody, ConversationListQuery, ConversationPage, ConversationPatch } from './conversations.schemas.ts';
import type { ConversationsService } from './conversations.service.ts';

export async function registerConversationRoutes(server: FastifyInstance, conversations: ConversationsService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['conversations'];
  const ctx = (r: Parameters<typeof requireAuth>[0]) => requireAuth(r, auth);

  app.get('/api/v1/conversations', { config: { access: 'leads:read' }, schema: { tags, summary: 'Conversations across the organization (within your lead scope)', querystring: ConversationListQuery, response: { 200: ConversationPage } } }, async (r) =>
    conversations.list(ctx(r), r.query),
  );
  app.get('/api/v1/leads/:id/conversations', { config: { access: 'leads:read' }, schema: { tags, summary: "A lead's conversations", params: IdParams, querystring: ConversationListQuery, response: { 200: ConversationPage } } }, async (r) =>
    conversations.listForLead(ctx(r), r.params.id, r.query),
  );
  app.post('/api/v1/leads/:id/conversations', { config: { access: 'conversations:write' }, schema: { tags, summary: 'Record an email, chat message or call transcript', params: IdParams, body: ConversationBody, response: { 201: Conversation } } }, async (r, reply) =>
    reply.code(201).send(await conversations.create(ctx(r), r.params.id, r.body)),
  );
  app.get('/api/v1/conversations/:id', { config: { access: 'leads:read' }, schema: { tags, summary: 'One conversation', params: IdParams, response: { 200: Conversation } } }, async (r) => conversations.get(ctx(r), r.params.id));
  app.patch('/api/v1/conversations/:id', { config: { access: 'conversations:write' }, schema: { tags, summary: 'Change a conversation (changed text is analysed again)', params: IdParams, body: ConversationPatch, response: { 200: Conversation } } }, async (r) =>
    conversations.update(ctx(r), r.params.id, r.body),
  );
  app.delete('/api/v1/conversations/:id', { config: { access: 'conversations:write' }, schema: { tags, summary: 'Delete a conversation', params: IdParams, response: { 204: z.null() } } }, async (r, reply) => {
    await conversations.remove(ctx(r), r.params.id);
    return reply.code(204).send(null);
  });
}
