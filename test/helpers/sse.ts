/** One Server-Sent Event as a client parses it. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
  json: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * A real SSE client over fetch (what a browser's EventSource does, minus reconnection, so
 * tests decide when and from where to resume). Parses the stream as it arrives.
 */
export class SseStream {
  readonly events: SseEvent[] = [];
  comments = 0;
  /** The id the browser would resume from: set by events and by id-only lines alike. */
  lastEventId: string | undefined;
  ended = false;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly controller: AbortController,
    readonly body: string,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const controller = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    if (!res.ok || !res.body) {
      const text = await res.text();
      return new SseStream(res.status, res.headers, controller, text);
    }
    const stream = new SseStream(res.status, res.headers, controller, '');
    void stream.read(res.body);
    return stream;
  }

  private async read(body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          this.parse(block);
        }
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.notify();
  }

  private parse(block: string) {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    let fields = 0;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments += 1;
        continue;
      }
      const at = line.indexOf(':');
      const name = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
      fields += 1;
      if (name === 'id') {
        id = value;
        this.lastEventId = value;
      }
      else if (name === 'event') event = value;
      else if (name === 'data') data.push(value);
    }
    if (fields === 0 || data.length === 0) {
      this.notify();
      return;
    }
    const text = data.join('\n');
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON
    }
    this.events.push({ id, event, data: text, json });
    this.notify();
  }

  private notify() {
    for (const w of [...this.waiters]) w();
  }

  /** Events other than `ready`. */
  get changes(): SseEvent[] {
    return this.events.filter((e) => e.event !== 'ready' && e.event !== 'reset');
  }

  get lastId(): string | undefined {
    return [...this.events].reverse().find((e) => e.id !== undefined)?.id;
  }

  /** Resolves when `predicate` holds over the events so far; rejects after `timeoutMs`. */
  waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs = 10_000, what = 'events'): Promise<SseEvent[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this.events)) {
          cleanup();
          resolve(this.events);
        } else if (this.ended) {
          cleanup();
          reject(new Error(`stream ended before ${what}; got ${this.events.map((e) => e.event).join(', ')}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; got ${this.events.map((e) => `${e.event}#${e.id}`).join(', ')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits until the stream has gone quiet for `quietMs` (to assert that nothing more arrives). */
  async settle(quietMs = 400): Promise<void> {
    let count = -1;
    while (count !== this.events.length) {
      count = this.events.length;
      await new Promise((r) => setTimeout(r, quietMs));
    }
  }

  close() {
    this.controller.abort();
  }
}
