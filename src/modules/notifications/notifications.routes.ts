import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { Notification, NotificationListQuery, NotificationPage, NotificationPreferences, NotificationPreferencesBody, ReadAllResult } from './notifications.schemas.ts';
import type { NotificationsService } from './notifications.service.ts';

export async function registerNotificationRoutes(server: FastifyInstance, notifications: NotificationsService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['notifications'];
  const ctx = (request: Parameters<typeof requireAuth>[0]) => requireAuth(request, auth);

  app.get('/api/v1/notifications', { config: { access: 'authenticated' }, schema: { tags, summary: 'My notifications: unread first, then newest (keyset paging), with my unread count', querystring: NotificationListQuery, response: { 200: NotificationPage } } }, async (r) =>
    notifications.list(ctx(r), r.query),
  );
  app.post('/api/v1/notifications/read-all', { config: { access: 'authenticated' }, schema: { tags, summary: 'Mark all my notifications read', response: { 200: ReadAllResult } } }, async (r) => notifications.markAllRead(ctx(r)));
  app.post('/api/v1/notifications/:id/read', { config: { access: 'authenticated' }, schema: { tags, summary: 'Mark one of my notifications read', params: IdParams, response: { 200: Notification } } }, async (r) =>
    notifications.markRead(ctx(r), r.params.id),
  );
  app.get('/api/v1/notifications/preferences', { config: { access: 'authenticated' }, schema: { tags, summary: 'Which kinds of notification I get', response: { 200: NotificationPreferences } } }, async (r) => notifications.preferences(ctx(r)));
  app.put('/api/v1/notifications/preferences', { config: { access: 'authenticated' }, schema: { tags, summary: 'Choose which kinds of notification I get (kinds left out keep their setting)', body: NotificationPreferencesBody, response: { 200: NotificationPreferences } } }, async (r) =>
    notifications.setPreferences(ctx(r), r.body),
  );
}
