import type { ServerResponse } from 'node:http';
import type { Database, Listening } from '../db/connect.ts';
import { databaseFault } from '../db/db-faults.ts';
import { withTenant } from '../db/tenant.ts';
import { DomainError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { frameFor, leadIdsOf, prepare, type PreparedEvent, type Viewer } from './audience.ts';
import { OUTBOX_CHANNEL, STREAM_CHANNEL } from './channels.ts';
import * as q from './realtime.queries.ts';

export interface HubOptions {
  /** Streams one user (or API key) may hold open at once, across their tabs. */
  maxStreamsPerUser: number;
  /** Streams this process serves at once. */
  maxStreamsPerProcess: number;
  heartbeatMs: number;
  /** Bytes a client may have waiting in its socket before the stream pauses for it. */
  highWaterBytes: number;
  /** How long a paused stream waits for its client to read before it is cut off. */
  slowClientMs: number;
  /** How often credentials are checked again (a revoked session ends its streams). */
  revalidateMs: number;
  /** Safety net for lost notifications: how often heads are compared with the database. */
  sweepMs: number;
  /** Recent events kept per organization for live delivery; older ones are re-read. */
  ringSize: number;
  /** …and at most this many bytes of frames (batch events carry up to 1,000 ids each). */
  ringBytes: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  maxStreamsPerUser: 10,
  maxStreamsPerProcess: 5000,
  heartbeatMs: 15_000,
  highWaterBytes: 64 * 1024,
  slowClientMs: 10_000,
  revalidateMs: 60_000,
  sweepMs: 2_000,
  ringSize: 2_000,
  ringBytes: 8 * 1024 * 1024,
};

const PAGE = 500;
// A page of events stops at this many lead ids (batch events name up to 1,000 each), so the
// owner lookup stays one modest query.
const PAGE_LEAD_IDS = 20_000;
// After a cut-off, a client waits this long before reconnecting (the SSE `retry:` field).
const RETRY_MS = 2_000;

export interface StreamClient {
  readonly id: number;
  readonly organizationId: string;
  /** The user, or the API key for keys without a user: caps count per holder. */
  readonly holder: string;
  viewer: Viewer;
  /** The last seq handled for this client (sent or filtered out). */
  cursor: number;
  closed: boolean;
  close(reason: string): void;
}

export interface OpenStream {
  organizationId: string;
  holder: string;
  viewer: Viewer;
  /** Last-Event-ID from the client: resume after it. Absent: start at the present. */
  lastEventId: number | undefined;
  response: ServerResponse;
  /** Checks the credentials again; null when they no longer hold (signed out, revoked). */
  revalidate: () => Promise<Viewer | null>;
}

interface OrgState {
  /**
   * False until the first client has read the organization's head from the database: until
   * then announcements only raise the target (a fetch from 0 would re-read the whole outbox).
   */
  ready: boolean;
  /** Highest seq in the ring (everything up to it has been read into memory or skipped). */
  head: number;
  /** Highest seq announced by the sequencer; head catches up to it. */
  target: number;
  ring: PreparedEvent[];
  /** Total length of the ring's frames: the ring is bounded in bytes as well as in events. */
  ringBytes: number;
  clients: Set<Client>;
  fetching: boolean;
  fetchAgain: boolean;
}

interface Client extends StreamClient {
  response: ServerResponse;
  /** The last id the client was sent (an event or an id-only line): where it would resume. */
  sentId: number;
  /** When its credentials are checked next (spread out, not every client in one tick). */
  checkAt: number;
  pumping: boolean;
  pumpAgain: boolean;
  revalidate: () => Promise<Viewer | null>;
}

export interface HubStats {
  clients: number;
  organizations: number;
  ringEvents: number;
  listenerConnections: number;
  slowClientsCut: number;
  sequenced: number;
  /** The most any one client ever had waiting in its socket buffer (the bound on memory). */
  maxBufferedBytes: number;
}

/**
 * The process's real-time hub. One LISTEN connection; the sequencer is run whenever a
 * writer announces events; each organization's newly numbered events are read once (with
 * who may read the leads they name) and pumped to each client through its own filter.
 * Each client has a cursor and a pump that reads from the in-memory ring, or from the
 * outbox when it is further behind (replay), so live delivery and replay are one path and
 * a client never gets an event twice or skips one. Memory is bounded: a ring per
 * organization and, per client, what its socket buffers before the pump waits.
 */
export function createHub(database: Database, logger: Logger, options: Partial<HubOptions> = {}) {
  const opts: HubOptions = { ...DEFAULT_HUB_OPTIONS, ...options };
  const db = database.db;
  const orgs = new Map<string, OrgState>();
  const perHolder = new Map<string, number>();
  let total = 0;
  let nextId = 1;
  let listening: Listening | undefined;
  let stopped = false;
  const stats = { listenerConnections: 0, slowClientsCut: 0, sequenced: 0, maxBufferedBytes: 0 };

  // While the database is unreachable every sweep (each sweepMs) and every read fails: one
  // line when it goes, one when a sweep works again, nothing in between.
  let databaseDownSince: number | undefined;
  function failed(error: unknown, message: string, context: Record<string, unknown> = {}): void {
    if (stopped) return;
    if (!databaseFault(error)) {
      logger.warn({ err: error, ...context }, message);
      return;
    }
    if (databaseDownSince !== undefined) return;
    databaseDownSince = Date.now();
    logger.warn({ err: error, ...context }, 'real-time: the database is unreachable; live updates resume by themselves when it is back');
  }

  // --- sequencer: one pass at a time in this process, again if asked meanwhile -----------
  let sequencing = false;
  let sequenceAgain = false;
  async function runSequencer(): Promise<void> {
    if (sequencing) {
      sequenceAgain = true;
      return;
    }
    sequencing = true;
    try {
      do {
        sequenceAgain = false;
        const ranges = await q.sequencePending(db, 5000);
        for (const range of ranges) {
          stats.sequenced += range.to - range.from + 1;
          announce(range.organizationId, range.to);
        }
        if (ranges.length > 0 && ranges.reduce((n, r) => n + r.to - r.from + 1, 0) >= 5000) sequenceAgain = true;
      } while (sequenceAgain && !stopped);
    } catch (error) {
      failed(error, 'real-time: numbering outbox events failed; the sweep tries again');
    } finally {
      sequencing = false;
    }
  }

  // --- fan-out ---------------------------------------------------------------------------
  function announce(organizationId: string, to: number): void {
    const org = orgs.get(organizationId);
    if (!org) return; // no client here; a newcomer starts from the database's head
    if (to > org.target) org.target = to;
    if (org.ready) void fetchNew(organizationId, org);
  }

  async function fetchNew(organizationId: string, org: OrgState): Promise<void> {
    if (!org.ready) return;
    if (org.fetching) {
      org.fetchAgain = true;
      return;
    }
    org.fetching = true;
    try {
      do {
        org.fetchAgain = false;
        while (org.head < org.target && !stopped && orgs.get(organizationId) === org) {
          const batch = await readPrepared(organizationId, org.head, org.target);
          if (batch.length === 0) {
            // Pruned meanwhile or not visible yet: the sweep will bring the head again.
            break;
          }
          for (const event of batch) {
            org.ring.push(event);
            org.ringBytes += event.frame.length;
          }
          let drop = 0;
          while (drop < org.ring.length - 1 && (org.ring.length - drop > opts.ringSize || org.ringBytes > opts.ringBytes)) {
            org.ringBytes -= org.ring[drop]!.frame.length;
            drop += 1;
          }
          if (drop > 0) org.ring.splice(0, drop);
          // Never backwards: a head only moves on.
          org.head = Math.max(org.head, batch[batch.length - 1]!.row.seq);
          for (const client of org.clients) void pump(client, org);
        }
      } while (org.fetchAgain && !stopped);
    } catch (error) {
      failed(error, 'real-time: reading new events failed; the sweep tries again', { organizationId });
    } finally {
      org.fetching = false;
    }
  }

  let reading = 0;
  async function readPrepared(organizationId: string, after: number, upTo: number): Promise<PreparedEvent[]> {
    reading += 1;
    try {
      return await readPage(organizationId, after, upTo);
    } finally {
      reading -= 1;
    }
  }

  function readPage(organizationId: string, after: number, upTo: number): Promise<PreparedEvent[]> {
    return withTenant(db, { organizationId }, async (tx) => {
      const read = await q.eventsAfter(tx, organizationId, after, upTo, PAGE);
      const leadIds = new Set<string>();
      const rows: typeof read = [];
      for (const row of read) {
        const ids = leadIdsOf(row);
        if (rows.length > 0 && leadIds.size + ids.length > PAGE_LEAD_IDS) break; // the rest next page
        for (const id of ids) leadIds.add(id);
        rows.push(row);
      }
      const access = await q.leadAccess(tx, organizationId, [...leadIds]);
      return rows.map((row) => prepare(row, access));
    });
  }

  /** Sends the client everything after its cursor up to the org's head, then returns. */
  async function pump(client: Client, org: OrgState): Promise<void> {
    if (client.pumping) {
      client.pumpAgain = true;
      return;
    }
    client.pumping = true;
    try {
      do {
        client.pumpAgain = false;
        while (!client.closed && client.cursor < org.head) {
          const first = org.ring[0];
          let events: PreparedEvent[];
          if (first && client.cursor >= first.row.seq - 1) {
            const start = firstAfter(org.ring, client.cursor);
            events = org.ring.slice(start, start + PAGE);
          } else {
            // Behind the ring: replay from the outbox, filtered by today's access like REST.
            events = await readPrepared(client.organizationId, client.cursor, org.head);
            if (events.length === 0) break;
          }
          for (const event of events) {
            if (client.closed) return;
            if (event.row.seq <= client.cursor) continue;
            // A change to this user (role, team, deactivation) applies from this event on,
            // not at the next periodic check.
            if (event.row.entity_type === 'user' && event.row.entity_id !== null && event.row.entity_id === client.viewer.userId) {
              const viewer = await client.revalidate().catch(() => client.viewer);
              if (viewer === null) {
                client.close('signed-out');
                return;
              }
              client.viewer = viewer;
            }
            const frame = frameFor(event, client.viewer);
            client.cursor = event.row.seq;
            if (frame === null) continue;
            client.sentId = event.row.seq;
            const flushed = client.response.write(frame);
            if (client.response.writableLength > stats.maxBufferedBytes) stats.maxBufferedBytes = client.response.writableLength;
            if (!flushed && client.response.writableLength > opts.highWaterBytes) {
              if (!(await drained(client))) {
                stats.slowClientsCut += 1;
                client.close('slow');
                return;
              }
            }
          }
        }
      } while (client.pumpAgain && !client.closed);
    } catch (error) {
      failed(error, 'real-time: a stream failed; it is closed and the client resumes', { client: client.id });
      client.close('error');
    } finally {
      client.pumping = false;
    }
  }

  function drained(client: Client): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), opts.slowClientMs);
      const onDrain = () => done(true);
      const onClose = () => done(false);
      function done(ok: boolean) {
        clearTimeout(timer);
        client.response.off('drain', onDrain);
        client.response.off('close', onClose);
        resolve(ok);
      }
      client.response.on('drain', onDrain);
      client.response.on('close', onClose);
    });
  }

  // --- periodic work: heartbeats, sweep, credentials --------------------------------------
  const heartbeat = setInterval(() => {
    for (const org of orgs.values()) {
      for (const client of org.clients) {
        if (client.pumping) continue;
        // Events filtered out for this client still move where it resumes from: an id-only
        // line sets the browser's Last-Event-ID without dispatching anything (SSE spec), so a
        // reconnection does not replay a day of other people's events to find nothing.
        if (client.cursor > client.sentId) {
          client.sentId = client.cursor;
          client.response.write(`id: ${client.cursor}\n: keepalive\n\n`);
        } else {
          client.response.write(': keepalive\n\n');
        }
      }
    }
  }, opts.heartbeatMs);
  heartbeat.unref();

  async function sweep(): Promise<void> {
    await runSequencer();
    const heads = await q.sequenceHeads(db, [...orgs.keys()]);
    if (databaseDownSince !== undefined) {
      logger.info({ down_ms: Date.now() - databaseDownSince }, 'real-time: the database is back; live updates resumed');
      databaseDownSince = undefined;
    }
    for (const [organizationId, head] of heads) announce(organizationId, head.last);
  }
  const sweeper = setInterval(() => {
    sweep().catch((error: unknown) => {
      failed(error, 'real-time: sweep failed');
    });
  }, opts.sweepMs);
  sweeper.unref();

  const revalidator = setInterval(() => {
    const now = Date.now();
    for (const org of orgs.values()) {
      for (const client of org.clients) {
        if (client.checkAt > now) continue;
        client.checkAt = now + opts.revalidateMs;
        client
          .revalidate()
          .then((viewer) => {
            if (viewer === null) client.close('signed-out');
            else client.viewer = viewer;
          })
          .catch(() => {});
      }
    }
  }, Math.max(250, Math.min(5_000, opts.revalidateMs / 12)));
  revalidator.unref();

  return {
    /** Starts listening; events are sequenced and delivered from here on. */
    async start(): Promise<void> {
      listening = await database.listen(
        [OUTBOX_CHANNEL, STREAM_CHANNEL],
        (channel, payload) => {
          if (channel === OUTBOX_CHANNEL) void runSequencer();
          else onStreamNotification(payload);
        },
        () => {
          stats.listenerConnections += 1;
          // (Re)connected: whatever was announced while the connection was down is caught up.
          void sweep().catch(() => {});
        },
      );
    },

    /**
     * Opens a stream: the caps are checked, the headers written, replay from the client's
     * position starts. A position older than retention (or from another database) gets one
     * `reset` event, and the stream goes on from the present.
     */
    async open(request: OpenStream): Promise<StreamClient> {
      if (stopped) throw new DomainError('rate_limited', 'The server is shutting down; reconnect in a moment.');
      const held = perHolder.get(request.holder) ?? 0;
      if (held >= opts.maxStreamsPerUser) {
        throw new DomainError('rate_limited', `You already have ${held} live update streams open (the limit is ${opts.maxStreamsPerUser}); close some LeadAI tabs or windows and try again.`, { limit: opts.maxStreamsPerUser });
      }
      if (total >= opts.maxStreamsPerProcess) {
        throw new DomainError('rate_limited', `This server is serving its maximum of ${opts.maxStreamsPerProcess} live update streams; try again in a minute, or add a server process.`, { limit: opts.maxStreamsPerProcess });
      }
      perHolder.set(request.holder, held + 1);
      total += 1;
      let org = orgs.get(request.organizationId);
      if (!org) {
        org = { ready: false, head: 0, target: 0, ring: [], ringBytes: 0, clients: new Set(), fetching: false, fetchAgain: false };
        orgs.set(request.organizationId, org);
      }
      const state = org;
      const response = request.response;
      const client: Client = {
        id: nextId++,
        organizationId: request.organizationId,
        holder: request.holder,
        viewer: request.viewer,
        cursor: 0,
        sentId: 0,
        // First check at a random point of the period, so checks spread over it.
        checkAt: Date.now() + Math.random() * opts.revalidateMs,
        closed: false,
        response,
        pumping: true, // until replay is set up, live deliveries wait
        pumpAgain: false,
        revalidate: request.revalidate,
        close(reason: string) {
          if (client.closed) return;
          client.closed = true;
          state.clients.delete(client);
          const left = (perHolder.get(client.holder) ?? 1) - 1;
          if (left <= 0) perHolder.delete(client.holder);
          else perHolder.set(client.holder, left);
          total -= 1;
          if (state.clients.size === 0 && orgs.get(client.organizationId) === state) orgs.delete(client.organizationId);
          if (reason === 'slow') {
            // Nothing more is queued behind a full buffer: the client resumes from its last id.
            response.destroy();
          } else if (!response.writableEnded) {
            response.end();
          }
        },
      };
      state.clients.add(client);
      response.on('close', () => client.close('disconnected'));
      try {
        const head = (await q.sequenceHeads(db, [request.organizationId])).get(request.organizationId) ?? { last: 0, prunedThrough: 0 };
        if (!state.ready) {
          // The first to know the head sets it; events announced meanwhile are above it.
          state.head = Math.max(state.head, head.last);
          state.ready = true;
        }
        if (head.last > state.target) state.target = head.last;
        // Closed while waiting (client gone, server stopping): nothing to write to.
        if (client.closed) throw new DomainError('rate_limited', 'The stream closed before it opened; reconnect.');
        response.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          // nginx and friends must not buffer the stream.
          'x-accel-buffering': 'no',
        });
        response.write(`retry: ${RETRY_MS}\n\n`);
        const last = request.lastEventId;
        if (last !== undefined && (last < head.prunedThrough || last > head.last)) {
          const reason = last > head.last ? 'The position to resume from is unknown here; reload everything.' : 'Too much happened while you were away; reload everything.';
          response.write(`event: reset\ndata: ${JSON.stringify({ reason, seq: head.last })}\n\n`);
          client.cursor = head.last;
        } else {
          client.cursor = last ?? head.last;
        }
        client.sentId = client.cursor;
        response.write(`event: ready\ndata: ${JSON.stringify({ seq: head.last })}\n\n`);
      } catch (error) {
        client.close('error');
        throw error;
      }
      client.pumping = false;
      if (state.target > state.head) void fetchNew(request.organizationId, state);
      void pump(client, state);
      return client;
    },

    stats(): HubStats {
      let clients = 0;
      let ringEvents = 0;
      for (const org of orgs.values()) {
        clients += org.clients.size;
        ringEvents += org.ring.length;
      }
      return { clients, organizations: orgs.size, ringEvents, ...stats };
    },

    /** Numbers pending events now (tests, and the CLI after a write without a server). */
    sequenceNow: () => runSequencer(),

    async close(): Promise<void> {
      stopped = true;
      clearInterval(heartbeat);
      clearInterval(sweeper);
      clearInterval(revalidator);
      for (const org of [...orgs.values()]) for (const client of [...org.clients]) client.close('shutdown');
      await listening?.close();
      // A pass or a read in flight finishes on its connection before the pool closes.
      const until = Date.now() + 5_000;
      while ((sequencing || reading > 0) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
    },
  };

  function onStreamNotification(payload: string): void {
    try {
      const message = JSON.parse(payload) as { o?: unknown; to?: unknown };
      if (typeof message.o === 'string' && typeof message.to === 'number') announce(message.o, message.to);
    } catch {
      // Not ours: ignore.
    }
  }
}

export type Hub = ReturnType<typeof createHub>;

/** Index of the first event with seq > cursor (the ring is in seq order). */
function firstAfter(ring: readonly PreparedEvent[], cursor: number): number {
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring[mid]!.row.seq <= cursor) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
