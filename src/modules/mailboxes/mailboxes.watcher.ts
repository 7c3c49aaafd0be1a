import type { ImapFlow } from 'imapflow';
import type { Logger } from '../../shared/logger.ts';
import { imapClient } from './mailboxes.imap.ts';
import type { MailboxesService } from './mailboxes.service.ts';

/**
 * IMAP IDLE: in a process that runs workers, one connection per mailbox waits in the first
 * folder and queues a sync when the server announces new mail, so a reply shows up in
 * seconds rather than at the next five-minute catch-up. Servers without IDLE are left to the
 * catch-up. Every `refreshMs` the watcher reconciles with the table: new mailboxes are
 * watched, disconnected ones let go, changed ones reconnected, dropped connections retried.
 * With several processes each watches every mailbox; the queue's dedupe key makes their
 * notices one sync.
 */
export interface MailWatcher {
  start(): void;
  stop(): Promise<void>;
  /** Mailbox ids with an IDLE connection open now (for tests and the health view). */
  watching(): string[];
  refresh(): Promise<void>;
}

interface Watch {
  client: ImapFlow;
  settingsKey: string;
  ready: boolean;
}

export function createMailWatcher(mailboxes: MailboxesService, logger: Logger, options: { refreshMs?: number } = {}): MailWatcher {
  const refreshMs = options.refreshMs ?? 30_000;
  const watches = new Map<string, Watch>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;

  function drop(id: string) {
    const w = watches.get(id);
    if (!w) return;
    watches.delete(id);
    w.client.close();
  }

  async function watch(m: { id: string; organization_id: string; settings_key: string }) {
    const found = await mailboxes.settingsFor(m.organization_id, m.id);
    if (!found) return;
    const client = imapClient(found.settings, { idle: true });
    const w: Watch = { client, settingsKey: m.settings_key, ready: false };
    watches.set(m.id, w);
    client.on('close', () => {
      if (watches.get(m.id) === w) watches.delete(m.id);
    });
    client.on('exists', (data: { count: number; prevCount: number }) => {
      if (data.count > data.prevCount) {
        void mailboxes.requestSync(m.organization_id, m.id).catch((err: unknown) => logger.warn({ mailbox: m.id, err: (err as Error).message }, 'could not queue a mail sync'));
      }
    });
    try {
      await client.connect();
      if (!client.capabilities.has('IDLE')) {
        // The periodic catch-up covers this server.
        drop(m.id);
        return;
      }
      await client.mailboxOpen(found.folder, { readOnly: true });
      w.ready = true;
      // imapflow enters IDLE by itself on an open, quiet connection (disableAutoIdle is off).
    } catch {
      // Unreachable or refused: the sync reports why in words; try again at the next refresh.
      drop(m.id);
    }
  }

  let inFlight: Promise<void> | undefined;
  /** One reconciliation at a time: two at once would open two connections for one mailbox. */
  function refresh(): Promise<void> {
    inFlight ??= reconcile().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function reconcile() {
    const all = await mailboxes.allMailboxes();
    const seen = new Set<string>();
    for (const m of all) {
      seen.add(m.id);
      const w = watches.get(m.id);
      if (w && w.settingsKey !== m.settings_key) drop(m.id);
      if (!watches.has(m.id) && !stopped) await watch(m);
    }
    for (const id of [...watches.keys()]) if (!seen.has(id)) drop(id);
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = refresh().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'mail watcher refresh failed')).finally(schedule);
    }, refreshMs);
    timer.unref();
  }

  return {
    start() {
      stopped = false;
      running = refresh().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'mail watcher refresh failed')).finally(schedule);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      for (const id of [...watches.keys()]) drop(id);
    },
    watching: () => [...watches].filter(([, w]) => w.ready).map(([id]) => id),
    refresh,
  };
}
