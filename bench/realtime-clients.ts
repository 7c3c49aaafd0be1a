/**
 * The SSE clients of bench:realtime, in a process of their own (started by
 * bench/realtime.bench.ts over IPC; see realtime-shared.ts for the messages). Each client is
 * one long-lived node:http GET /api/v1/stream with a parser that reads only what the count
 * needs (the `id:` line, `ready`, `reset`): the time a chunk arrives is taken once, on the
 * machine-wide monotonic clock, for every event in it. A stream that ends is resumed with
 * Last-Event-ID, as EventSource would, and counted. The process measures its own CPU and
 * event-loop delay, since 1,000 streams parsed on a shared 2-core machine can make the
 * client, not the server, the bottleneck.
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Histogram, monotonicMs, shouldReceive, type ClientSpec, type ClientsResult, type FromClients, type ToClients } from './realtime-shared.ts';

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

class Stream {
  /** The seq in the first `ready`: the client expects every event after it. */
  base = -1;
  lastId = -1;
  times = new Float64Array(1024);
  counts = new Uint8Array(1024);
  before = 0;
  resets = 0;
  reconnects = 0;
  retryMs = 2000;
  private buffer = '';
  private request: http.ClientRequest | undefined;
  private stopped = false;
  private onReady: ((error?: Error) => void) | undefined;

  constructor(readonly spec: ClientSpec) {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.onReady = (error) => (error ? reject(error) : resolve());
      this.connect();
    });
  }

  private connect(): void {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...this.spec.headers };
    if (this.lastId >= 0) headers['last-event-id'] = String(this.lastId);
    // One connection ends once, however many of 'close' and 'error' report it.
    let over = false;
    const end = (error?: Error) => {
      if (over) return;
      over = true;
      if (error && this.onReady) this.failed(error);
      else this.dropped();
    };
    const request = http.get(this.spec.url, { agent, headers }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => end(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 300)}`)));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        counters.bytes += chunk.length;
        this.receive(chunk, monotonicMs());
      });
      res.on('close', () => end(this.onReady ? new Error('the stream closed before it was ready') : undefined));
    });
    request.on('error', (error) => end(error));
    this.request = request;
  }

  private failed(error: Error): void {
    const settle = this.onReady;
    this.onReady = undefined;
    settle?.(error);
  }

  private dropped(): void {
    if (this.stopped || this.onReady) return;
    this.reconnects += 1;
    this.buffer = '';
    // The server said how long to wait (`retry:`); EventSource would wait as long.
    setTimeout(() => {
      if (!this.stopped) this.connect();
    }, this.retryMs);
  }

  private receive(chunk: string, at: number): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (block.startsWith('id: ') && block.includes('\ndata: ')) this.record(Number(block.slice(4, block.indexOf('\n'))), at);
      // An id-only line (with a keep-alive): the server moved this stream's resume position past
      // events it filtered out. Not an event; it only sets where a reconnection resumes.
      else if (block.startsWith('id: ')) this.lastId = Number(block.slice(4, block.indexOf('\n')));
      else if (block.startsWith('event: ready')) {
        if (this.base < 0) {
          this.base = (JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { seq: number }).seq;
          this.lastId = this.base;
        }
        const settle = this.onReady;
        this.onReady = undefined;
        settle?.();
      } else if (block.startsWith('event: reset')) this.resets += 1;
      else if (block.startsWith('retry: ')) this.retryMs = Number(block.slice(7));
    }
  }

  private record(seq: number, at: number): void {
    counters.frames += 1;
    this.lastId = seq;
    const i = seq - this.base - 1;
    if (i < 0) {
      this.before += 1;
      return;
    }
    if (i >= this.counts.length) {
      let size = this.counts.length;
      while (size <= i) size *= 2;
      const times = new Float64Array(size);
      times.set(this.times);
      const counts = new Uint8Array(size);
      counts.set(this.counts);
      this.times = times;
      this.counts = counts;
    }
    if (this.counts[i] === 0) this.times[i] = at;
    if (this.counts[i]! < 255) this.counts[i]! += 1;
  }

  count(seq: number): number {
    const i = seq - this.base - 1;
    return i >= 0 && i < this.counts.length ? this.counts[i]! : 0;
  }

  time(seq: number): number {
    return this.times[seq - this.base - 1]!;
  }

  /** Every seq received in (base, upTo]. */
  *receivedUpTo(upTo: number): Generator<number> {
    const last = Math.min(upTo - this.base - 1, this.counts.length - 1);
    for (let i = 0; i <= last; i++) if (this.counts[i]! > 0) yield this.base + 1 + i;
  }

  stop(): void {
    this.stopped = true;
    this.request?.destroy();
  }
}

const counters = { frames: 0, bytes: 0 };
let streams: Stream[] = [];
const loop = monitorEventLoopDelay({ resolution: 10 });
let mark = { at: monotonicMs(), cpu: process.cpuUsage(), frames: 0, bytes: 0 };

function send(message: FromClients): void {
  process.send!(message);
}

async function openAll(specs: ClientSpec[], concurrency: number): Promise<void> {
  streams = specs.map((s) => new Stream(s));
  const failures: string[] = [];
  let next = 0;
  async function worker() {
    while (next < streams.length) {
      const stream = streams[next++]!;
      await stream.open().catch((error: Error) => failures.push(`${stream.spec.url} as ${stream.spec.viewer.role}: ${error.message}`));
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  send({ type: 'opened', clients: streams.length, readySeqMin: Math.min(...streams.map((s) => s.base)), failures: failures.slice(0, 5) });
}

async function finish(message: Extract<ToClients, { type: 'finish' }>): Promise<void> {
  const expectedBy = streams.map((s) => message.events.filter((e) => e.seq > s.base && e.seq <= message.endSeq && shouldReceive(e, s.spec.viewer, message.access)).map((e) => e.seq));
  // Events still in flight when the writes stopped get a grace period to arrive.
  const deadline = monotonicMs() + message.graceMs;
  const complete = () => streams.every((s, i) => expectedBy[i]!.every((seq) => s.count(seq) > 0));
  while (!complete() && monotonicMs() < deadline) await new Promise((r) => setTimeout(r, 100));
  const seconds = (monotonicMs() - mark.at) / 1000;
  const cpu = process.cpuUsage(mark.cpu);
  const writes = new Map(message.writes.map((w) => [w.seq, w]));
  const fromResponse = new Histogram();
  const fromStart = new Histogram();
  const result: ClientsResult = {
    type: 'result', clients: streams.length, expected: 0, received: 0, lost: 0, duplicated: 0, unexpected: 0, clientsWrong: 0,
    resets: 0, reconnects: 0, framesSinceMark: counters.frames - mark.frames, bytesSinceMark: counters.bytes - mark.bytes, secondsSinceMark: seconds,
    cpuSecondsSinceMark: (cpu.user + cpu.system) / 1e6, loopDelayP99Ms: loop.percentile(99) / 1e6, loopDelayMaxMs: loop.max / 1e6,
    fromResponse: fromResponse.toSparse(), fromStart: fromStart.toSparse(), examples: [],
  };
  for (const [i, s] of streams.entries()) {
    const expected = new Set(expectedBy[i]);
    let wrong = false;
    result.expected += expected.size;
    result.resets += s.resets;
    result.reconnects += s.reconnects;
    for (const seq of expected) {
      const n = s.count(seq);
      if (n === 0) {
        result.lost += 1;
        wrong = true;
        if (result.examples.length < 5) result.examples.push(`lost seq ${seq} at a ${s.spec.viewer.role} (${s.spec.viewer.userId})`);
        continue;
      }
      const w = writes.get(seq);
      if (w) {
        fromResponse.add(s.time(seq) - w.endMs);
        fromStart.add(s.time(seq) - w.startMs);
      }
    }
    for (const seq of s.receivedUpTo(Number.MAX_SAFE_INTEGER)) {
      const n = s.count(seq);
      if (n > 1) {
        result.duplicated += n - 1;
        wrong = true;
        if (result.examples.length < 5) result.examples.push(`seq ${seq} received ${n} times by a ${s.spec.viewer.role}`);
      }
      if (seq > message.endSeq) continue;
      result.received += 1;
      if (!expected.has(seq)) {
        result.unexpected += 1;
        wrong = true;
        if (result.examples.length < 5) result.examples.push(`seq ${seq} reached a ${s.spec.viewer.role} (${s.spec.viewer.userId}) who should not have it`);
      }
    }
    if (s.before > 0) {
      // From before the client's start: a replay that went back too far.
      result.unexpected += s.before;
      wrong = true;
    }
    if (wrong) result.clientsWrong += 1;
  }
  result.fromResponse = fromResponse.toSparse();
  result.fromStart = fromStart.toSparse();
  for (const s of streams) s.stop();
  // The benchmark ends this process once it has the result (exiting here could beat the message home).
  send(result);
}

process.on('message', (message: ToClients) => {
  if (message.type === 'open') void openAll(message.clients, message.concurrency);
  else if (message.type === 'mark') {
    loop.reset();
    loop.enable();
    mark = { at: monotonicMs(), cpu: process.cpuUsage(), frames: counters.frames, bytes: counters.bytes };
    send({ type: 'marked' });
  } else if (message.type === 'finish') void finish(message);
});
// Stop with the benchmark, whatever happens to it.
process.on('disconnect', () => process.exit(0));
