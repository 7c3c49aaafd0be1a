/**
 * What bench/realtime.bench.ts and its client processes (bench/realtime-clients.ts) share:
 * the messages between them, the expected-delivery rule and a latency histogram that
 * several processes can merge.
 */

/** Who holds a stream: enough for the benchmark to know, on its own, what they may read. */
export interface BenchViewer {
  userId: string;
  role: 'admin' | 'manager' | 'sales_rep' | 'viewer';
  teamId: string | null;
}

export interface ClientSpec {
  /** The stream's URL on one of the server processes. */
  url: string;
  headers: Record<string, string>;
  viewer: BenchViewer;
}

/** One committed event of the run, reduced to what decides who should receive it. */
export interface RunEvent {
  seq: number;
  leads: string[];
  recipient: string | null;
  /** previous_assigned_to / previous_team_id, for events that take a lead away. */
  previous: [string | null, string | null] | null;
}

/** A write of the benchmark and the event it produced: monotonic ms (process.hrtime, one clock for every process on the machine). */
export interface WriteTiming {
  seq: number;
  startMs: number;
  endMs: number;
}

export type ToClients =
  | { type: 'open'; clients: ClientSpec[]; concurrency: number }
  | { type: 'mark' }
  | { type: 'finish'; events: RunEvent[]; endSeq: number; writes: WriteTiming[]; access: Record<string, [string | null, string | null]>; graceMs: number };

export interface ClientsResult {
  type: 'result';
  clients: number;
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  /** Events received that the client should not have had (a filtering leak). */
  unexpected: number;
  /** Clients with any lost, duplicated or unexpected event. */
  clientsWrong: number;
  resets: number;
  reconnects: number;
  framesSinceMark: number;
  bytesSinceMark: number;
  secondsSinceMark: number;
  cpuSecondsSinceMark: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  fromResponse: SparseHistogram;
  fromStart: SparseHistogram;
  /** Up to a few examples of what went wrong, for the report. */
  examples: string[];
}

export type FromClients =
  | { type: 'opened'; clients: number; readySeqMin: number; failures: string[] }
  | { type: 'marked' }
  | ClientsResult;

/** A clock every process on the machine shares (CLOCK_MONOTONIC), in milliseconds. */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Whether `viewer` should receive `event`: written from the contract in the brief (addressed
 * events to their recipient; lead events to those who may read one of the leads now or
 * before a change that took it away; sales reps read leads assigned to them or to their
 * team; other roles everything; the rest to everyone), independently of src/realtime, so the
 * benchmark checks the stream rather than repeating it.
 */
export function shouldReceive(event: RunEvent, viewer: BenchViewer, access: Record<string, [string | null, string | null]>): boolean {
  if (event.recipient !== null) return event.recipient === viewer.userId;
  if (event.leads.length === 0 || viewer.role !== 'sales_rep') return true;
  const readable = (owner: string | null, team: string | null) => owner === viewer.userId || (viewer.teamId !== null && team === viewer.teamId);
  if (event.previous && readable(event.previous[0], event.previous[1])) return true;
  return event.leads.some((id) => {
    const a = access[id];
    return a !== undefined && readable(a[0], a[1]);
  });
}

export type SparseHistogram = { bins: [number, number][]; under: number; over: number; max: number; count: number };

/** Latencies in 0.05 ms bins from −100 ms to 30 s (negative: the event beat the write's response home). */
export class Histogram {
  static readonly BIN_MS = 0.05;
  static readonly MIN_MS = -100;
  static readonly MAX_MS = 30_000;
  private readonly bins = new Uint32Array(Math.ceil((Histogram.MAX_MS - Histogram.MIN_MS) / Histogram.BIN_MS));
  private under = 0;
  private over = 0;
  private maxSeen = -Infinity;
  count = 0;

  add(ms: number): void {
    this.count += 1;
    if (ms > this.maxSeen) this.maxSeen = ms;
    const i = Math.floor((ms - Histogram.MIN_MS) / Histogram.BIN_MS);
    if (i < 0) this.under += 1;
    else if (i >= this.bins.length) this.over += 1;
    else this.bins[i]! += 1;
  }

  toSparse(): SparseHistogram {
    const bins: [number, number][] = [];
    for (let i = 0; i < this.bins.length; i++) if (this.bins[i]! > 0) bins.push([i, this.bins[i]!]);
    return { bins, under: this.under, over: this.over, max: this.maxSeen, count: this.count };
  }

  merge(other: SparseHistogram): void {
    for (const [i, n] of other.bins) this.bins[i]! += n;
    this.under += other.under;
    this.over += other.over;
    this.count += other.count;
    if (other.max > this.maxSeen) this.maxSeen = other.max;
  }

  get max(): number {
    return this.maxSeen;
  }

  /** The upper edge of the bin holding the p-th percentile. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = this.under;
    if (seen >= rank) return Histogram.MIN_MS;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i]!;
      if (seen >= rank) return Histogram.MIN_MS + (i + 1) * Histogram.BIN_MS;
    }
    return this.maxSeen;
  }
}

/** Least-squares slope of y over x. */
export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}
