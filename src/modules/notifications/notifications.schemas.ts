import { z } from 'zod';
import { NOTIFICATION_KINDS } from '../../db/schema.ts';
import { Uuid } from '../auth/auth.schemas.ts';

const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const NotificationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional().describe('next_cursor of the previous page'),
  unread_only: Flag.default(false).describe('Only the unread ones'),
});
export type NotificationListQuery = z.infer<typeof NotificationListQuery>;

export const Notification = z
  .object({
    id: Uuid,
    kind: z.enum(NOTIFICATION_KINDS),
    title: z.string(),
    body: z.string().nullable(),
    link: z.string().nullable().describe('The app page it is about, e.g. /leads/<id>'),
    lead_id: Uuid.nullable(),
    read_at: z.date().nullable(),
    created_at: z.date(),
  })
  .meta({ id: 'Notification' });

export const NotificationPage = z.object({
  data: z.array(Notification).describe('Unread first, then newest first'),
  next_cursor: z.string().nullable(),
  unread_count: z.number().int().describe('All my unread notifications, not only this page'),
});

export const ReadAllResult = z.object({ updated: z.number().int().describe('How many were unread') });

const kindFlags = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, z.boolean()])) as Record<(typeof NOTIFICATION_KINDS)[number], z.ZodBoolean>;

export const NotificationPreferences = z.object({ kinds: z.strictObject(kindFlags) }).meta({ id: 'NotificationPreferences' });
export const NotificationPreferencesBody = z
  .strictObject({
    kinds: z
      .strictObject(kindFlags)
      .partial()
      .describe('Kind → whether I get it; kinds left out keep their setting')
      .meta({ example: { mention: true, follow_up_due: false } }),
  });
