import { z } from 'zod';
import { Uuid } from '../auth/auth.schemas.ts';

const Query = z
  .string()
  .max(4000)
  .refine((q) => !q.startsWith('?') && !/[\r\n]/.test(q), { message: 'must be a query string without the leading ?, e.g. status=qualified&sort=score' })
  .describe('The leads list query it restores, as GET /leads takes it (filters, q, sort, cf.<name>=…), without "?"');

export const SavedViewBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  query: Query.default(''),
  columns: z.array(z.string().min(1).max(100)).max(100).default([]).describe('Column ids shown, in order'),
  shared: z.boolean().default(false).describe('Visible to everyone in the organization (only its owner changes it)'),
});
export const SavedViewPatch = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    query: Query.optional(),
    columns: z.array(z.string().min(1).max(100)).max(100).optional(),
    shared: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'send at least one field to change' });

export const SavedView = z
  .object({
    id: Uuid,
    user_id: Uuid,
    name: z.string(),
    query: z.string(),
    columns: z.array(z.string()),
    shared: z.boolean(),
    mine: z.boolean().describe('Saved by the caller (who alone may change or delete it)'),
    created_at: z.date(),
    updated_at: z.date(),
  })
  .meta({ id: 'SavedView' });
export const SavedViewList = z.object({ data: z.array(SavedView) });
