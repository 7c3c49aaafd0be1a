import { z } from 'zod';
import { DateTimeInput } from '../../shared/schemas.ts';
import { CONVERSATION_DIRECTIONS } from '../../db/schema.ts';
import { Uuid } from '../auth/auth.schemas.ts';

export const ConversationBody = z.strictObject({
  direction: z.enum(CONVERSATION_DIRECTIONS),
  channel: z.string().trim().min(1).max(50).describe('email, phone, chat, sms, …'),
  subject: z.string().trim().max(500).nullable().optional(),
  content: z.string().min(1).max(500_000),
  activity_id: Uuid.nullable().optional(),
  external_id: z.string().trim().max(255).nullable().optional(),
  thread_id: z.string().trim().max(255).nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  occurred_at: DateTimeInput.optional().describe('When the message was sent or received (default: now)'),
});
export const ConversationPatch = ConversationBody.omit({ direction: true, occurred_at: true })
  .partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'send at least one field to change' });

export const Conversation = z.object({
  id: Uuid, lead_id: Uuid, activity_id: Uuid.nullable(), direction: z.enum(CONVERSATION_DIRECTIONS), channel: z.string(), subject: z.string().nullable(),
  content: z.string(), sentiment: z.record(z.string(), z.unknown()), intent: z.record(z.string(), z.unknown()), topics: z.array(z.unknown()), entities: z.array(z.unknown()),
  external_id: z.string().nullable(), thread_id: z.string().nullable(), metadata: z.record(z.string(), z.unknown()),
  created_at: z.date(), updated_at: z.date(), analyzed_at: z.date().nullable(),
});

export const ConversationListQuery = z.strictObject({
  direction: z.enum(CONVERSATION_DIRECTIONS).optional(),
  channel: z.string().max(50).optional(),
  lead_id: Uuid.optional(),
  thread_id: z.string().max(255).optional(),
  created_after: DateTimeInput.optional(),
  created_before: DateTimeInput.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
export type ConversationListQuery = z.infer<typeof ConversationListQuery>;
export const ConversationPage = z.object({ data: z.array(Conversation), next_cursor: z.string().nullable() });
