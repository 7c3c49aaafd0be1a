import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { DryRunBody, DryRunResult, Fallback, FallbackBody, OrderBody, Rule, RuleCreate, RuleList, RulePatch } from './assignment.schemas.ts';
import type { AssignmentService } from './assignment.service.ts';

export async function registerAssignmentRoutes(server: FastifyInstance, assignment: AssignmentService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['assignment'];
  const who = ' (managers and admins)';

  app.get('/api/v1/assignment-rules', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `Assignment rules in evaluation order${who}`, description: 'A new lead without an owner (API, import, website identify) goes to the first enabled rule whose conditions hold and that has an active target; else to the fallback owner.', response: { 200: RuleList } },
  }, async (r) => assignment.list(requireAuth(r, auth)));

  app.post('/api/v1/assignment-rules', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `Add an assignment rule, evaluated after the existing ones${who}`, body: RuleCreate, response: { 201: Rule } },
  }, async (r, reply) => reply.code(201).send(await assignment.create(requireAuth(r, auth), r.body)));

  app.put('/api/v1/assignment-rules/order', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `Reorder the rules: every rule's id once, first evaluated first${who}`, body: OrderBody, response: { 200: RuleList } },
  }, async (r) => assignment.reorder(requireAuth(r, auth), r.body.ids));

  app.get('/api/v1/assignment-rules/fallback', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `The fallback owner: who gets new unowned leads that no rule took${who}`, response: { 200: Fallback } },
  }, async (r) => assignment.getFallback(requireAuth(r, auth)));

  app.put('/api/v1/assignment-rules/fallback', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `Set (or clear, with null) the fallback owner${who}`, body: FallbackBody, response: { 200: Fallback } },
  }, async (r) => assignment.setFallback(requireAuth(r, auth), r.body.user_id));

  app.post('/api/v1/assignment-rules/dry-run', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `Which rule would take each lead, and who would get it; changes nothing${who}`, body: DryRunBody, response: { 200: DryRunResult } },
  }, async (r) => assignment.dryRun(requireAuth(r, auth), r.body));

  app.get('/api/v1/assignment-rules/:id', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `One assignment rule${who}`, params: IdParams, response: { 200: Rule } },
  }, async (r) => assignment.get(requireAuth(r, auth), r.params.id));

  app.patch('/api/v1/assignment-rules/:id', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `Change a rule: its name, enabled, conditions, distribution or targets${who}`, params: IdParams, body: RulePatch, response: { 200: Rule } },
  }, async (r) => assignment.update(requireAuth(r, auth), r.params.id, r.body));

  app.delete('/api/v1/assignment-rules/:id', {
    config: { access: 'automation:manage' },
    schema: { tags, summary: `Delete a rule; the leads it assigned keep their owners and their timeline entries${who}`, params: IdParams, response: { 204: z.null() } },
  }, async (r, reply) => {
    await assignment.remove(requireAuth(r, auth), r.params.id);
    return reply.code(204).send(null);
  });
}
