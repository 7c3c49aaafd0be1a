import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAuth } from '../../http/auth.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { DryRunResult, IdParams, ReorderBody, RunList, RunQuery, Workflow, WorkflowBody, WorkflowList, WorkflowPatch } from './workflows.schemas.ts';
import type { WorkflowsService } from './workflows.service.ts';

export async function registerWorkflowRoutes(server: FastifyInstance, workflows: WorkflowsService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['workflows'];
  const who = ' (managers and admins)';

  app.get('/api/v1/workflows', { config: { access: 'automation:manage' }, schema: { tags, summary: `Workflows in evaluation order${who}`, response: { 200: WorkflowList } } },
    async (request) => workflows.list(requireAuth(request, auth)));

  app.post('/api/v1/workflows', {
    config: { access: 'automation:manage' },
    schema: {
      tags, summary: `Create a workflow${who}`,
      description: 'When the trigger happens to a lead and the conditions hold, the actions run, once per transition. A new workflow fires on changes from now on: leads its trigger already holds for are not fired.',
      body: WorkflowBody, response: { 201: Workflow },
    },
  }, async (request, reply) => reply.code(201).send(await workflows.create(requireAuth(request, auth), request.body)));

  app.put('/api/v1/workflows/order', { config: { access: 'automation:manage' }, schema: { tags, summary: `Reorder the workflows${who}`, body: ReorderBody, response: { 200: WorkflowList } } },
    async (request) => workflows.reorder(requireAuth(request, auth), request.body));

  app.get('/api/v1/workflows/:id', { config: { access: 'automation:manage' }, schema: { tags, summary: `One workflow${who}`, params: IdParams, response: { 200: Workflow } } },
    async (request) => workflows.get(requireAuth(request, auth), request.params.id));

  app.patch('/api/v1/workflows/:id', { config: { access: 'automation:manage' }, schema: { tags, summary: `Change a workflow${who}; a new trigger starts from the present`, params: IdParams, body: WorkflowPatch, response: { 200: Workflow } } },
    async (request) => workflows.update(requireAuth(request, auth), request.params.id, request.body));

  app.delete('/api/v1/workflows/:id', { config: { access: 'automation:manage' }, schema: { tags, summary: `Delete a workflow and its run log${who}`, params: IdParams } },
    async (request, reply) => {
      await workflows.remove(requireAuth(request, auth), request.params.id);
      return reply.code(204).send();
    });

  app.post('/api/v1/workflows/:id/pause', { config: { access: 'automation:manage' }, schema: { tags, summary: `Pause: the workflow stops firing${who}`, params: IdParams, response: { 200: Workflow } } },
    async (request) => workflows.setEnabled(requireAuth(request, auth), request.params.id, false));

  app.post('/api/v1/workflows/:id/resume', { config: { access: 'automation:manage' }, schema: { tags, summary: `Resume: fires again on changes from now on (what happened while paused does not fire)${who}`, params: IdParams, response: { 200: Workflow } } },
    async (request) => workflows.setEnabled(requireAuth(request, auth), request.params.id, true));

  app.post('/api/v1/workflows/:id/dry-run', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `Dry run against current data: the leads the trigger and conditions hold for now and what each action would do; changes nothing${who}`, params: IdParams, response: { 200: DryRunResult } },
  }, async (request) => workflows.dryRun(requireAuth(request, auth), request.params.id));

  app.get('/api/v1/workflows/:id/runs', { config: { access: 'automation:manage' }, schema: { tags, summary: `The run log, newest first: each firing with each action's result or error${who}`, params: IdParams, querystring: RunQuery, response: { 200: RunList } } },
    async (request) => workflows.runs(requireAuth(request, auth), request.params.id, request.query));
}
