import type { Database } from '../../db/connect.ts';
import { STREAM_CHANNEL } from '../../realtime/channels.ts';
import type { Logger } from '../../shared/logger.ts';
import type { WebhooksService } from './webhooks.service.ts';

/** A safety net besides the notifications: organizations behind their outbox are found this often. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Follows the sequencer's announcements (`{"o": org, "from": n, "to": m}` on leadai_stream,
 * sent when events have their committed seq) and queues that organization's fan-out job.
 * Nothing depends on a notification arriving: on every (re)connection and every minute, a
 * sweep queues the organizations whose cursor is behind their outbox.
 */
export async function listenForWebhookEvents(database: Database, webhooks: WebhooksService, logger: Logger): Promise<{ close(): Promise<void> }> {
  const fail = (err: unknown) => logger.warn({ err }, 'webhooks: could not queue a fan-out');
  const listening = await database.listen(
    [STREAM_CHANNEL],
    (_channel, payload) => {
      let org: unknown;
      try {
        org = (JSON.parse(payload) as { o?: unknown }).o;
      } catch {
        return;
      }
      if (typeof org === 'string') webhooks.requestFanOut(org).catch(fail);
    },
    () => void webhooks.sweep().catch(fail),
  );
  const timer = setInterval(() => void webhooks.sweep().catch(fail), SWEEP_EVERY_MS);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await listening.close();
    },
  };
}
