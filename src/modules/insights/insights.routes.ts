import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { InsightsApi } from './insights.api.ts';
import { DismissBody, InboxQuery, Insight, InsightListQuery, InsightPage } from './insights.schemas.ts';

export async function registerInsightRoutes(server: FastifyInstance, insights: InsightsApi, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['insights'];
  app.get('/api/v1/insights', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'AI insights on the leads you may see, newest first, with filters (type, priority, lead, owner, acknowledged, status)', querystring: InsightListQuery, response: { 200: InsightPage } },
  }, async (r) => insights.list(requireAuth(r, auth), r.query));

  app.get('/api/v1/insights/inbox', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'Your priority inbox: open, unacknowledged insights on your leads (managers: also their teams\', admins: every lead), by priority, confidence, recency', querystring: InboxQuery, response: { 200: InsightPage } },
  }, async (r) => insights.inbox(requireAuth(r, auth), r.query));

  app.get('/api/v1/insights/:id', {
    config: { access: 'leads:read' },
    schema: { tags, summary: 'One insight with its evidence', params: IdParams, response: { 200: Insight } },
  }, async (r) => insights.get(requireAuth(r, auth), r.params.id));

  app.post('/api/v1/insights/:id/acknowledge', {
    config: { access: 'leads:write' },
    schema: { tags, summary: 'Mark an insight as seen (whoever may change the lead); it leaves the inbox and stays open', params: IdParams, body: z.strictObject({}).optional(), response: { 200: Insight } },
  }, async (r) => insights.acknowledge(requireAuth(r, auth), r.params.id));

  app.post('/api/v1/insights/:id/dismiss', {
    config: { access: 'leads:write' },
    schema: { tags, summary: 'Dismiss an insight with a reason; it is not raised again while its reason lasts', params: IdParams, body: DismissBody, response: { 200: Insight } },
  }, async (r) => insights.dismiss(requireAuth(r, auth), r.params.id, r.body.reason));

  app.get('/api/v1/leads/:id/insights', {
    config: { access: 'leads:read' },
    schema: { tags, summary: "A lead's insights, newest first (same filters as the list)", params: IdParams, querystring: InsightListQuery, response: { 200: InsightPage } },
  }, async (r) => insights.listForLead(requireAuth(r, auth), r.params.id, r.query));
}
