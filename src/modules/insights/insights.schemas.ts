import { z } from 'zod';
import { INSIGHT_TYPES, PRIORITIES } from '../../ai/insights/types.ts';
import { Uuid } from '../auth/auth.schemas.ts';

const list = <T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(z.enum(values)).min(1).max(values.length));
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const Insight = z.object({
  id: Uuid,
  lead_id: Uuid,
  lead_name: z.string(),
  insight_type: z.enum(INSIGHT_TYPES),
  title: z.string(),
  description: z.string(),
  confidence: z.number().describe('0–1: how sure the engine is, from the evidence behind it'),
  priority: z.enum(PRIORITIES),
  data: z.record(z.string(), z.unknown()).describe('The evidence: events, messages, factors and figures behind the insight'),
  reason: z.string().describe('Stable key of what raised it (e.g. pricing_spike, competitor:globex); one open insight per lead, type and reason'),
  status: z.enum(['open', 'dismissed', 'expired']),
  expires_at: z.date().nullable(),
  acknowledged_at: z.date().nullable(),
  acknowledged_by: Uuid.nullable(),
  dismissed_at: z.date().nullable(),
  dismissed_by: Uuid.nullable(),
  dismiss_reason: z.string().nullable(),
  created_at: z.date(),
});

export const InsightListQuery = z.strictObject({
  type: list(INSIGHT_TYPES).optional().describe('Comma-separated insight types, e.g. buying_signal,churn_risk'),
  priority: list(PRIORITIES).optional().describe('Comma-separated priorities, e.g. high,urgent'),
  lead_id: Uuid.optional(),
  owner: z.union([Uuid, z.enum(['me', 'none'])]).optional().describe("The lead's assigned user: a user id, 'me' or 'none'"),
  acknowledged: bool.optional(),
  status: z.enum(['open', 'dismissed', 'expired']).optional().describe('open: not dismissed and not run out'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export type InsightListQuery = z.infer<typeof InsightListQuery>;

export const InboxQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export type InboxQuery = z.infer<typeof InboxQuery>;

export const DismissBody = z.strictObject({
  reason: z.string().trim().min(1, { message: 'say why the insight does not apply' }).max(1000),
});

export const InsightPage = z.object({ data: z.array(Insight), next_cursor: z.string().nullable() });
