import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { brokenRequests, edgeCases, fuzzOperations, multipartTraversal, validRequests, type FuzzOperation, type FuzzRequest, type IdSource, type OpenApiDoc } from './openapi-fuzz.ts';

/**
 * Drives the generated requests of openapi-fuzz.ts against a running server and judges the
 * answers: no 5xx, every error a problem+json with a title and a detail that says something,
 * every `broken` request refused, and the database unchanged by every refused request (a
 * fingerprint of every table, row counts and checksums, around each refused batch, and
 * before/after each refused valid-shaped or edge request).
 * Shared by `npm run fuzz` (10,000+ requests) and test/api-fuzz-schema.test.ts (a slice).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Tables whose rows move with requests whatever their outcome: a session's last_seen_at, and the
 * sign-in throttle, which counts a refused login by design (that is how guessing is stopped).
 */
const MOVING_TABLES = ['sessions', 'auth_throttle'];

/** Row count and md5 of the rows of every table (but the moving ones and the migrations ledger), in one statement. */
export async function snapshot(db: AnyDb): Promise<Record<string, string>> {
  const { rows: tables } = await sql<{ name: string }>`
    SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%migration%' ORDER BY 1`.execute(db);
  const parts = tables.filter((t) => !MOVING_TABLES.includes(t.name))
    .map((t) => sql`SELECT ${t.name}::text AS name, count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM ${sql.table(t.name)} x`);
  const { rows } = await sql<{ name: string; h: string }>`${sql.join(parts, sql` UNION ALL `)}`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, r.h]));
}

function changed(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]);
}

/**
 * Watches the database for changes cheaply: a transaction that writes (even one rolled
 * back) takes a transaction id, which moves the snapshot's xmax. While xmax stands still
 * nothing can have changed; when it moves, the full fingerprint says whether rows did.
 * (On a shared server other databases move xmax too: then every check is a full one.)
 */
export class DbWatch {
  private xmax = '';
  private full: Record<string, string> = {};
  fullSnapshots = 0;
  fullMs = 0;
  constructor(private readonly db: AnyDb) {}
  private async readXmax(): Promise<string> {
    const { rows } = await sql<{ x: string }>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`.execute(this.db);
    return rows[0]!.x;
  }
  async mark(): Promise<void> {
    this.xmax = await this.readXmax();
    this.full = await this.snapshot();
  }
  private async snapshot() {
    const t = performance.now();
    const s = await snapshot(this.db);
    this.fullSnapshots++;
    this.fullMs += performance.now() - t;
    return s;
  }
  /**
   * After an accepted request: work it started after answering (the real-time hub numbers
   * its outbox events a moment later, on the server) must land in the baseline, not be
   * blamed on the next refused request. Waits until two fingerprints 100 ms apart agree.
   */
  async settle(): Promise<void> {
    let last = await this.snapshot();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const next = await this.snapshot();
      if (changed(last, next).length === 0) break;
      last = next;
    }
    this.xmax = await this.readXmax();
    this.full = last;
  }

  /** The tables whose rows changed since the last call (or mark). */
  async changes(): Promise<string[]> {
    const x = await this.readXmax();
    if (x === this.xmax) return [];
    const full = await this.snapshot();
    const diff = changed(this.full, full);
    this.xmax = x;
    this.full = full;
    return diff;
  }
}

/** Who sends the requests; `broken`/`valid` override the per-operation counts for this one. */
export interface Principal { name: string; headers: () => Record<string, string>; broken?: number; valid?: number }
export interface OpStats { key: string; principal: string; requests: number; s2xx: number; s3xx: number; s4xx: number; s5xx: number; ms: number }
export interface Failure { key: string; principal: string; note: string; request: string; status: number; reason: string; body: string }
export interface FuzzOptions {
  base: string;
  db: AnyDb;
  doc: OpenApiDoc;
  ids: IdSource;
  principals: Principal[];
  seed: number;
  /** Per operation and principal: random broken requests (refused-only batch) and random valid-shaped ones. */
  broken: number;
  valid: number;
  /** All hand-picked cases for every operation, or `rotate` a few per operation (CI). */
  edges: 'all' | number;
  /** Operations left out, with the reason (e.g. logout ends the fuzzing session). */
  skip?: (op: FuzzOperation, principal: Principal, intent: 'refused' | 'mixed') => boolean;
  onBatch?: (done: number) => void;
  timeoutMs?: number;
}
export interface FuzzResult { refusedValid: Record<string, string>; stats: OpStats[]; failures: Failure[]; requests: number; snapshots: number; snapshotMs: number; ms: number }

interface Answer { status: number; type: string; text: string; ms?: number }

async function send(base: string, req: FuzzRequest, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  const t = performance.now();
  const answer = await sendOnce(base, req, headers, timeoutMs);
  return { ...answer, ms: performance.now() - t };
}
async function sendOnce(base: string, req: FuzzRequest, headers: Record<string, string>, timeoutMs: number): Promise<Answer> {
  try {
    const res = await fetch(base + req.url, { method: req.method, headers: { ...headers, ...req.headers }, body: req.body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const type = res.headers.get('content-type') ?? '';
    // An event stream stays open: its answer is the status and type.
    if (type.startsWith('text/event-stream')) { await res.body?.cancel(); return { status: res.status, type, text: '' }; }
    return { status: res.status, type, text: await res.text() };
  } catch (error) {
    return { status: 0, type: '', text: `no answer: ${(error as Error).message}` };
  }
}

/** Why the answer is not acceptable, or null. */
export function judge(req: FuzzRequest, a: Answer): string | null {
  if (a.status === 0) return a.text;
  if (a.status >= 500) return `a ${a.status}`;
  if (req.intent === 'broken' && a.status < 400) return `a ${a.status} for a request its schema refuses (${req.note})`;
  if (a.status < 400) return null;
  if (!/^application\/problem\+json/.test(a.type)) return `an error of type ${a.type || 'none'}, not application/problem+json`;
  let body: { title?: unknown; detail?: unknown; status?: unknown };
  try { body = JSON.parse(a.text) as typeof body; } catch { return 'a problem+json that is not JSON'; }
  if (typeof body.title !== 'string' || body.title.trim().length < 3) return 'a problem without a title';
  if (typeof body.detail !== 'string' || body.detail.trim().length < 10 || body.detail === body.title) return 'a problem without a detail that says what is wrong';
  if (body.status !== a.status) return `a problem whose status ${String(body.status)} is not the answer's ${a.status}`;
  if (/\bat .+\.(ts|js):\d+|SELECT |INSERT INTO|syntax error at|violates .* constraint/i.test(a.text)) return 'a problem that shows code or SQL';
  return null;
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzResult> {
  const started = performance.now();
  const ops = fuzzOperations(o.doc);
  const stats = new Map<string, OpStats>();
  const failures: Failure[] = [];
  let requests = 0;
  const refusedValid: Record<string, string> = {};
  const watch = new DbWatch(o.db);
  await watch.mark();
  const record = (op: { key: string }, p: Principal, req: FuzzRequest, a: Answer) => {
    requests++;
    const k = `${p.name} ${op.key}`;
    const s = stats.get(k) ?? { key: op.key, principal: p.name, requests: 0, s2xx: 0, s3xx: 0, s4xx: 0, s5xx: 0, ms: 0 };
    s.ms += a.ms ?? 0;
    s.requests++;
    if (a.status >= 500 || a.status === 0) s.s5xx++; else if (a.status >= 400) s.s4xx++; else if (a.status >= 300) s.s3xx++; else s.s2xx++;
    stats.set(k, s);
    const reason = judge(req, a);
    if (reason) failures.push(fail(op.key, p, req, a, reason));
  };
  const timeout = o.timeoutMs ?? 20_000;
  // Building the arbitraries costs more than sending a few requests: once per operation.
  const made = new Map<string, { edges: FuzzRequest[]; broken: ReturnType<typeof brokenRequests>; valid: ReturnType<typeof validRequests> }>();
  const forOp = (op: FuzzOperation) => {
    let m = made.get(op.key);
    if (!m) made.set(op.key, (m = { edges: edgeCases(op, o.ids), broken: brokenRequests(op, o.ids), valid: validRequests(op, o.ids) }));
    return m;
  };
  const imports = ops.find((op) => op.method === 'POST' && /\/imports$/.test(op.path));

  for (const [pi, p] of o.principals.entries()) {
    // Refused-only batches: one fingerprint before and after each operation's batch.
    for (const [i, op] of ops.entries()) {
      if (o.skip?.(op, p, 'refused')) continue;
      const seed = o.seed + pi * 100_003 + i;
      const edges = forOp(op).edges.filter((r) => r.intent === 'broken');
      const every = o.edges === 'all' ? 1 : Math.max(1, Math.ceil(edges.length / o.edges));
      const picked = edges.filter((_, j) => (j + i) % every === 0);
      const arb = forOp(op).broken;
      const n = p.broken ?? o.broken;
      const batch = [...picked, ...(arb && n > 0 ? fc.sample(arb, { numRuns: n, seed }) : [])];
      if (batch.length === 0) continue;
      for (const req of batch) record(op, p, req, await send(o.base, req, p.headers(), timeout));
      const diff = await watch.changes();
      if (diff.length) failures.push({ key: op.key, principal: p.name, note: `${batch.length} refused requests`, request: batch.map((r) => r.note).slice(0, 5).join('; '), status: 0, reason: `the database changed: ${diff.join(', ')}`, body: '' });
      o.onBatch?.(requests);
    }
    // Valid-shaped and edge requests: the rows may change when one is accepted, so the
    // fingerprint is taken after every request and compared when it was refused.
    // Deletes go last, so the rows the others use are there while they run.
    const mixedOps = [...ops.entries()].sort(([, a], [, b]) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    await watch.changes();
    for (const [i, op] of mixedOps) {
      if (o.skip?.(op, p, 'mixed')) continue;
      const seed = o.seed + pi * 100_003 + i + 50_000;
      const edges = forOp(op).edges.filter((r) => r.intent === 'edge');
      const picked = o.edges === 'all' ? edges : edges.slice(i % Math.max(1, edges.length), (i % Math.max(1, edges.length)) + Math.min(o.edges, 2));
      const extra = imports === op ? multipartTraversal(op.path).slice(0, o.edges === 'all' ? undefined : 2) : [];
      const n = p.valid ?? o.valid;
      const batch = [...(n > 0 ? fc.sample(forOp(op).valid, { numRuns: n, seed }) : []), ...picked, ...extra];
      for (const req of batch) {
        const a = await send(o.base, req, p.headers(), timeout);
        record(op, p, req, a);
        if (a.status >= 400 && req.intent === 'valid' && p === o.principals[0]) refusedValid[op.key] ??= `${a.status} ${a.text.slice(0, 200)}`;
        if (a.status < 400) { await watch.settle(); continue; }
        const diff = await watch.changes();
        if (diff.length) failures.push(fail(op.key, p, req, a, `refused (${a.status}) but the database changed: ${diff.join(', ')}`));
      }
      o.onBatch?.(requests);
    }
  }
  return { refusedValid, stats: [...stats.values()], failures, requests, snapshots: watch.fullSnapshots, snapshotMs: watch.fullMs, ms: performance.now() - started };
}

function fail(key: string, p: Principal, req: FuzzRequest, a: Answer, reason: string): Failure {
  const body = req.body === undefined ? '' : typeof req.body === 'string' ? req.body : Buffer.from(req.body).toString('latin1');
  return { key, principal: p.name, note: req.note, request: `${req.method} ${req.url.slice(0, 300)} ${body.slice(0, 300)}`, status: a.status, reason, body: a.text.slice(0, 300) };
}

/**
 * Real rows for the generated ids: one of each collection the API can create, made through
 * the API itself with valid-shaped bodies (a few tries each), so new routes get their own.
 * Returns the id source: path `/api/v1/<collection>/{id}` → the row made there; body fields
 * by name (lead_id, team_id, assigned_to...).
 */
export async function createFixtures(base: string, doc: OpenApiDoc, headers: Record<string, string>, seed: number, me: { userId: string }): Promise<{ ids: IdSource; made: Record<string, string> }> {
  const made: Record<string, string> = {};
  const ids: IdSource = (name, path) => {
    if (/^(lead_ids?|lead)$/.test(name)) return made['/api/v1/leads'];
    if (/^(team_id|team_ids?)$/.test(name)) return made['/api/v1/teams'];
    if (/^(user_id|assigned_to|owner|owner_id|actor_id|user_ids?)$/.test(name)) return me.userId;
    if (name !== 'id') return undefined;
    const prefix = Object.keys(made).filter((k) => path.startsWith(`${k}/{`)).sort((a, b) => b.length - a.length)[0];
    // Users: the fuzzing admin's own row would be demoted or deactivated by a valid PATCH.
    return prefix && prefix !== '/api/v1/users' ? made[prefix] : undefined;
  };
  const ops = fuzzOperations(doc).filter((op) => op.method === 'POST' && op.body && !/auth|track$|dry-run|preview|test$|merge|assign|bulk|rescore|train|refresh|activate|start|withdraw|acknowledge|dismiss|\/run$|order$/.test(op.path));
  // Parents first: a lead before its activities.
  ops.sort((a, b) => a.params.length - b.params.length || Number(b.path === '/api/v1/leads') - Number(a.path === '/api/v1/leads'));
  for (const [i, op] of ops.entries()) {
    const collection = '/api/v1/' + op.path.replace(/^\/api\/v1\//, '').split('/').filter((s) => !s.startsWith('{') && !(op.params.length && ['leads'].includes(s))).join('/');
    if (made[collection]) continue;
    for (const req of fc.sample(validRequests(op, ids), { numRuns: 25, seed: seed + i })) {
      const a = await send(base, req, headers, 20_000);
      if (a.status === 200 || a.status === 201) {
        const id = (JSON.parse(a.text) as { id?: unknown }).id;
        if (typeof id === 'string') made[collection] = id;
        break;
      }
    }
  }
  return { ids, made };
}

/** The per-operation table and totals, for a terminal. */
export function report(result: FuzzResult): string {
  const rows = [...result.stats].sort((a, b) => a.key.localeCompare(b.key) || a.principal.localeCompare(b.principal));
  const w = Math.max(...rows.map((r) => r.key.length), 9);
  const line = (c: string[]) => c[0]!.padEnd(w) + ' ' + c[1]!.padEnd(9) + c.slice(2).map((x) => x.padStart(8)).join('');
  const out = [line(['operation', 'as', 'requests', '2xx', '3xx', '4xx', '5xx'])];
  for (const r of rows) out.push(line([r.key, r.principal, String(r.requests), String(r.s2xx), String(r.s3xx), String(r.s4xx), String(r.s5xx)]));
  const sum = (f: keyof OpStats) => rows.reduce((n, r) => n + (r[f] as number), 0);
  out.push(line(['total', '', String(sum('requests')), String(sum('s2xx')), String(sum('s3xx')), String(sum('s4xx')), String(sum('s5xx'))]));
  return out.join('\n');
}


