import { z } from 'zod';
import { DateTimeInput } from '../../shared/schemas.ts';
import { Uuid } from '../auth/auth.schemas.ts';

const ActionName = z.string().regex(/^[a-z][a-z_]*(\.[a-z_]+){1,3}$/, { message: 'must be an action name like auth.login or user.update' }).max(100);

export const AuditQuery = z.strictObject({
  action: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(ActionName).min(1).max(20))
    .optional()
    .describe('One or more action names, comma-separated (e.g. auth.login_failed,user.update)'),
  actor_id: Uuid.optional().describe('The user or API key that acted'),
  actor_type: z.enum(['user', 'api_key', 'system']).optional(),
  entity_type: z.string().trim().regex(/^[a-z_]{1,50}$/, { message: 'must be an entity type like lead, user, api_key' }).optional(),
  entity_id: Uuid.optional(),
  from: DateTimeInput.optional().describe('Entries at or after this time'),
  to: DateTimeInput.optional().describe('Entries before this time'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditEntry = z.object({
  id: z.string().describe('Sequence number (a 64-bit integer, as text)'),
  created_at: z.date(),
  actor_type: z.enum(['user', 'api_key', 'system']),
  actor_id: Uuid.nullable().describe('The user or API key; null for the system'),
  action: z.string().meta({ example: 'user.update' }),
  entity_type: z.string().nullable(),
  entity_id: Uuid.nullable(),
  details: z.record(z.string(), z.unknown()).describe('Ids, field names and counts; never personal values'),
  ip_address: z.string().nullable().describe("The caller's address"),
  user_agent: z.string().nullable(),
});

export const AuditPage = z.object({ data: z.array(AuditEntry), next_cursor: z.string().nullable() });
