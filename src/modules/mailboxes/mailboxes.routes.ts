import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { Mailbox, MailboxBody, MailboxList, MailboxPatch, SyncAccepted } from './mailboxes.schemas.ts';
import type { MailboxesService } from './mailboxes.service.ts';

export async function registerMailboxRoutes(server: FastifyInstance, mailboxes: MailboxesService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['mailboxes'];
  const ctx = (r: Parameters<typeof requireAuth>[0]) => requireAuth(r, auth);

  app.get('/api/v1/mailboxes', { config: { access: 'mailboxes:own' }, schema: { tags, summary: 'Your connected mailbox (admins: every mailbox of the organization, state only)', response: { 200: MailboxList } } }, async (r) => mailboxes.list(ctx(r)));
  app.post('/api/v1/mailboxes', {
    config: { access: 'mailboxes:own' },
    schema: {
      tags, summary: 'Connect your mailbox over IMAP', body: MailboxBody, response: { 201: Mailbox },
      description: 'The login is tried first: a refused login or an unreachable server is a 422 saying what to check. The password or token is stored encrypted and never returned. A first sync starts at once.',
    },
  }, async (r, reply) => reply.code(201).send(await mailboxes.create(ctx(r), r.body)));
  app.get('/api/v1/mailboxes/:id', { config: { access: 'mailboxes:own' }, schema: { tags, summary: 'One mailbox and its sync state', params: IdParams, response: { 200: Mailbox } } }, async (r) => mailboxes.get(ctx(r), r.params.id));
  app.patch('/api/v1/mailboxes/:id', {
    config: { access: 'mailboxes:own' },
    schema: { tags, summary: 'Change your mailbox (changed connection settings are tried first)', params: IdParams, body: MailboxPatch, response: { 200: Mailbox } },
  }, async (r) => mailboxes.update(ctx(r), r.params.id, r.body));
  app.delete('/api/v1/mailboxes/:id', { config: { access: 'mailboxes:own' }, schema: { tags, summary: 'Disconnect a mailbox (recorded conversations stay)', params: IdParams, response: { 204: z.null() } } }, async (r, reply) => {
    await mailboxes.remove(ctx(r), r.params.id);
    return reply.code(204).send(null);
  });
  app.post('/api/v1/mailboxes/:id/sync', {
    config: { access: 'mailboxes:own' },
    schema: { tags, summary: 'Sync now (a job: follow it at GET /jobs/{job_id})', params: IdParams, response: { 202: SyncAccepted } },
  }, async (r, reply) => reply.code(202).send(await mailboxes.syncNow(ctx(r), r.params.id)));
}
