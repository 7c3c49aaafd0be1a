import { z } from 'zod';
import { DateTimeInput } from '../../shared/schemas.ts';
import { ACTIVITY_TYPES } from '../../db/schema.ts';
import { Uuid } from '../auth/auth.schemas.ts';

export const ActivityBody = z.strictObject({
  type: z.enum(ACTIVITY_TYPES),
  subject: z.string().trim().max(500).nullable().optional(),
  description: z.string().max(100_000).nullable().optional(),
  outcome: z.string().trim().max(255).nullable().optional(),
  scheduled_at: DateTimeInput.nullable().optional(),
  completed_at: DateTimeInput.nullable().optional(),
  duration_minutes: z.number().int().min(0).max(100_000).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export const ActivityPatch = ActivityBody.partial().refine((v) => Object.keys(v).length > 0, { message: 'send at least one field to change' });

export const Activity = z.object({
  id: Uuid, lead_id: Uuid, user_id: Uuid.nullable(), type: z.enum(ACTIVITY_TYPES), subject: z.string().nullable(), description: z.string().nullable(),
  outcome: z.string().nullable(), scheduled_at: z.date().nullable(), completed_at: z.date().nullable(), duration_minutes: z.number().nullable(),
  sentiment_score: z.number().nullable(), intent_detected: z.string().nullable(), buying_signals: z.array(z.unknown()), metadata: z.record(z.string(), z.unknown()),
  created_at: z.date(), updated_at: z.date(), analyzed_at: z.date().nullable().describe('When sentiment_score, intent_detected and buying_signals were filled from the text'),
});

export const ActivityListQuery = z.strictObject({
  type: z.enum(ACTIVITY_TYPES).optional(),
  user_id: Uuid.optional(),
  lead_id: Uuid.optional(),
  created_after: DateTimeInput.optional(),
  created_before: DateTimeInput.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export type ActivityListQuery = z.infer<typeof ActivityListQuery>;
export const ActivityPage = z.object({ data: z.array(Activity), next_cursor: z.string().nullable() });
export const LeadIdParams = z.strictObject({ id: Uuid });
