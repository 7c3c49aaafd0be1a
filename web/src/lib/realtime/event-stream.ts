import { parseStreamEvent, STREAM_EVENT_TYPES, type StreamEvent } from './stream-events';

/**
 * The tab's one connection to GET /api/v1/stream. Every screen listens to the same
 * EventSource (a browser allows ~6 connections per origin over HTTP/1.1; one stream per
 * screen would starve the API calls).
 *
 * Reconnection is the browser's own where it can be: EventSource reconnects by itself and
 * sends Last-Event-ID, so the server replays what was missed. Two cases it cannot cover are
 * handled here: a connection the browser gave up on (an HTTP error such as 429, or a reply
 * that is not an event stream) is reopened with a growing delay; and a drop before any event
 * carried an id (only `ready` told us where we were) is reopened with ?last_event_id=, since
 * the browser would resume from nowhere and lose what happened in between.
 */
export type StreamStatus = 'connecting' | 'live' | 'reconnecting';

export interface StreamListener {
  event?: (event: StreamEvent) => void;
  /** The server could not replay the gap (past retention), or the tab resumed without a position: reload everything. */
  reset?: () => void;
}

const URL_PATH = '/api/v1/stream';
const MAX_DELAY_MS = 15_000;

class LiveStream {
  status: StreamStatus = 'connecting';
  private source: EventSource | null = null;
  /** The newest seq seen (events and `ready`): replayed from on a manual reconnect, and the dedup line. */
  private lastSeq: number | null = null;
  /** The newest id the browser itself saw in an `id:` line: what its own reconnection will send. */
  private nativeLastId: number | null = null;
  private opened = false;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopTimer: ReturnType<typeof setTimeout> | undefined;
  private users = 0;
  private readonly listeners = new Set<StreamListener>();
  private readonly statusListeners = new Set<() => void>();

  /** One more screen wants the stream; the first opens it. */
  acquire(): () => void {
    this.users += 1;
    clearTimeout(this.stopTimer);
    if (!this.source && this.retryTimer === undefined) this.open();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.users -= 1;
      // Deferred: React's StrictMode (and a route change) unmounts and remounts at once; the
      // connection outlives that instead of being torn down and reopened.
      if (this.users === 0) this.stopTimer = setTimeout(() => this.close(), 1000);
    };
  }

  listen(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: () => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(status: StreamStatus) {
    if (this.status === status) return;
    this.status = status;
    for (const l of this.statusListeners) l();
  }

  private open(resumeFrom?: number) {
    this.retryTimer = undefined;
    const url = resumeFrom !== undefined ? `${URL_PATH}?last_event_id=${resumeFrom}` : URL_PATH;
    const source = new EventSource(url, { withCredentials: true });
    this.source = source;
    // Each EventSource keeps its own last id: this one has seen none yet.
    this.nativeLastId = null;
    // A fresh connection with no position to resume from may have missed changes while down.
    const blind = this.opened && resumeFrom === undefined;
    source.onopen = () => {
      if (this.source !== source) return;
      this.attempts = 0;
      this.setStatus('live');
      if (blind) this.emitReset();
      this.opened = true;
    };
    source.onerror = () => {
      if (this.source !== source) return;
      this.setStatus(this.opened ? 'reconnecting' : 'connecting');
      const behind = this.lastSeq !== null && (this.nativeLastId === null || this.nativeLastId < this.lastSeq);
      if (source.readyState === EventSource.CLOSED || behind) {
        source.close();
        this.source = null;
        this.scheduleReopen();
      }
      // Otherwise the browser is reconnecting by itself, with Last-Event-ID.
    };
    source.addEventListener('ready', (message) => {
      if (this.source !== source) return;
      this.setStatus('live');
      try {
        // The head when connecting. Only a position for a tab that has none: after a resume the
        // server replays everything past our own position next, and those events are above it.
        const seq = Number((JSON.parse((message as MessageEvent<string>).data) as { seq?: unknown }).seq);
        if (Number.isFinite(seq) && this.lastSeq === null) this.lastSeq = seq;
      } catch {
        // A ready without a position: the next event gives one.
      }
    });
    source.addEventListener('reset', () => {
      if (this.source !== source) return;
      this.lastSeq = null;
      this.nativeLastId = null;
      this.emitReset();
    });
    const onEvent = (message: Event) => {
      if (this.source !== source) return;
      const m = message as MessageEvent<string>;
      const id = Number(m.lastEventId);
      if (m.lastEventId && Number.isFinite(id)) this.nativeLastId = id;
      const event = parseStreamEvent(m.data);
      if (!event) return;
      // A replay that overlaps what was already delivered (a resume from an older position).
      if (this.lastSeq !== null && event.seq > 0 && event.seq <= this.lastSeq) return;
      if (event.seq > 0) this.lastSeq = event.seq;
      for (const l of this.listeners) l.event?.(event);
    };
    for (const type of STREAM_EVENT_TYPES) source.addEventListener(type, onEvent);
  }

  private scheduleReopen() {
    clearTimeout(this.retryTimer);
    // 1 s, 2 s, 4 s … up to 15 s, with jitter so a restarted server is not hit by every tab at once.
    const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempts) * (0.75 + Math.random() * 0.5);
    this.attempts += 1;
    this.retryTimer = setTimeout(() => this.open(this.lastSeq ?? undefined), delay);
  }

  /** Back online: try now rather than at the end of a long back-off. */
  retryNow() {
    if (this.users === 0 || this.source) return;
    clearTimeout(this.retryTimer);
    this.open(this.lastSeq ?? undefined);
  }

  private emitReset() {
    for (const l of this.listeners) l.reset?.();
  }

  private close() {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.source?.close();
    this.source = null;
    // The next sign-in (perhaps someone else) starts over.
    this.lastSeq = null;
    this.nativeLastId = null;
    this.opened = false;
    this.attempts = 0;
    this.setStatus('connecting');
  }
}

export const liveStream = new LiveStream();

if (typeof window !== 'undefined') window.addEventListener('online', () => liveStream.retryNow());
