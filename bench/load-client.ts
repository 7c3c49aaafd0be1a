/**
 * bench:load's load process, separate from the servers (like wrk): started by
 * bench/load.bench.ts with an IPC channel. It sends the mix (bench/load-shared.ts) at a FIXED
 * arrival rate (open loop: a request is due at start + i/rate whether or not earlier ones have
 * answered, and its latency counts from that due time, so a stalled server cannot hide its
 * queue by slowing the client down), balanced round-robin over the server processes and over
 * the users' sessions. Meanwhile it holds SSE streams open and runs CSV imports through the API
 * one after another.
 */
import http from 'node:http';
import { Histogram } from './realtime-shared.ts';
import { MIX, type FromLoad, type ImportRun, type LoadSetup, type LoadUser, type OpName, type OpResult, type ToLoad } from './load-shared.ts';

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_IN_FLIGHT = 4000;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let setup!: LoadSetup;
let counter = 0;
let inFlight = 0;
let stopping = false;

const send = (m: FromLoad) => process.send!(m);

// --- the window the orchestrator samples every few seconds (all operations together) ------
let windowHist = new Histogram();
let windowErrors = 0;
let windowStarted = performance.now();

process.on('message', (m: ToLoad) => {
  void handle(m).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});

async function handle(m: ToLoad): Promise<void> {
  if (m.type === 'setup') {
    setup = m;
    startStreams();
    void importLoop();
    send({ type: 'ready' });
  } else if (m.type === 'step') {
    send(await step(m.rate, m.seconds));
  } else if (m.type === 'window') {
    const now = performance.now();
    send({ type: 'window', seconds: (now - windowStarted) / 1000, completed: windowHist.count, errors: windowErrors, p99: windowHist.percentile(99), inFlight });
    windowHist = new Histogram();
    windowErrors = 0;
    windowStarted = now;
  } else {
    stopping = true;
    // The import under way is waited for (its rows are then all in), but not forever: one
    // that the servers' workers have not even started is reported as unfinished.
    const finished = await Promise.race([importDone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 60_000))]);
    if (!finished) imports.push({ id: currentImport, status: 'unfinished when the run ended', rows: setup.importRows, created: 0, rejected: 0, seconds: 0, error: null });
    for (const s of streams) s.destroy();
    send({ type: 'stop', streams: { opened: streamStats.opened, open: streams.size, dropped: streamStats.dropped, frames: streamStats.frames, bytes: streamStats.bytes, errors: streamStats.errors }, imports });
    agent.destroy();
    setTimeout(() => process.exit(0), 100);
  }
}

// --- the mix -------------------------------------------------------------------------------
const totalWeight = MIX.reduce((s, m) => s + m.weight, 0);
function pickOp(): OpName {
  let r = Math.random() * totalWeight;
  for (const m of MIX) if ((r -= m.weight) < 0) return m.op;
  return MIX[0].op;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const STATUSES = ['contacted', 'qualified', 'proposal', 'negotiation', 'nurturing'];

interface Req { method: string; path: string; body?: string; headers: Record<string, string> }

function sessionHeaders(user: LoadUser, write: boolean): Record<string, string> {
  return { cookie: `leadai_session=${user.session}`, ...(write ? { 'x-csrf-token': user.csrf, 'content-type': 'application/json' } : {}) };
}

function build(op: OpName, n: number): Req {
  const user = setup.users[n % setup.users.length]!;
  const lead = pick(user.leadIds);
  switch (op) {
    case 'list leads':
      return { method: 'GET', path: `/api/v1/leads?status=${pick(STATUSES)}&limit=50`, headers: sessionHeaders(user, false) };
    case 'search':
      return { method: 'GET', path: `/api/v1/leads?q=${encodeURIComponent(pick(setup.words))}&limit=20`, headers: sessionHeaders(user, false) };
    case 'open a lead':
      return { method: 'GET', path: `/api/v1/leads/${lead}`, headers: sessionHeaders(user, false) };
    case 'lead timeline':
      return { method: 'GET', path: `/api/v1/leads/${lead}/timeline`, headers: sessionHeaders(user, false) };
    case 'log an activity':
      return {
        method: 'POST', path: `/api/v1/leads/${lead}/activities`, headers: sessionHeaders(user, true),
        body: JSON.stringify({ type: pick(['call', 'email', 'note', 'meeting']), subject: `bench:load ${setup.run}`, outcome: 'connected', duration_minutes: 5, completed_at: new Date().toISOString() }),
      };
    case 'update status':
      return { method: 'PATCH', path: `/api/v1/leads/${lead}`, headers: sessionHeaders(user, true), body: JSON.stringify({ status: pick(STATUSES) }) };
    case 'track events': {
      // A browser tab's batch: 10 page views of one of 5,000 visitors of this run.
      const visitor = `load-${setup.run}-${n % 5000}`;
      const events = Array.from({ length: 10 }, (_, k) => `{"id":"${setup.run}-${n}-${k}","type":"page_view","anonymous_id":"${visitor}","session_id":"s-${visitor}","url":"https://www.example.com/pricing?p=${k}","title":"Pricing"}`);
      return { method: 'POST', path: '/api/v1/track', headers: { 'content-type': 'text/plain', 'user-agent': 'Mozilla/5.0 (bench:load)' }, body: `{"write_key":"${setup.trackKey}","events":[${events.join(',')}]}` };
    }
  }
}

function request(base: string, r: Req): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const headers = r.body === undefined ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) };
    const req = http.request(`${base}${r.path}`, { method: r.method, agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let body = '';
      const ok = (res.statusCode ?? 0) < 300;
      res.setEncoding('utf8');
      // Only a failure's body is kept (to show it); a success is read and dropped.
      res.on('data', (d: string) => { if (!ok && body.length < 300) body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (e) => resolve({ status: 0, body: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end(r.body);
  });
}

async function step(rate: number, seconds: number) {
  const ops = Object.fromEntries(MIX.map((m) => [m.op, { hist: new Histogram(), errors: 0, samples: [] as string[] }])) as Record<OpName, { hist: Histogram; errors: number; samples: string[] }>;
  const total = Math.round(rate * seconds);
  const pending = new Set<Promise<void>>();
  let sent = 0;
  const t0 = performance.now();
  const fail = (o: { errors: number; samples: string[] }, what: string) => {
    o.errors += 1;
    windowErrors += 1;
    if (o.samples.length < 5) o.samples.push(what);
  };
  const fire = (due: number) => {
    const n = counter++;
    const op = pickOp();
    const o = ops[op];
    if (inFlight >= MAX_IN_FLIGHT) {
      fail(o, `client: more than ${MAX_IN_FLIGHT} requests in flight (the servers fell behind)`);
      return;
    }
    const r = build(op, n);
    inFlight += 1;
    const p = request(setup.servers[n % setup.servers.length]!, r).then(({ status, body }) => {
      inFlight -= 1;
      const ms = performance.now() - due;
      o.hist.add(ms);
      windowHist.add(ms);
      if (status < 200 || status >= 300) fail(o, `${r.method} ${r.path.split('?')[0]}: ${status || 'network'} ${body.slice(0, 200)}`);
      pending.delete(p);
    });
    pending.add(p);
  };
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Request k is due at t0 + k/rate, so by now those up to floor(elapsed × rate) are
      // (k = 0 at once). Counting one fewer fired each request a whole interval late and
      // added that interval (200 ms at 5 req/s) to every latency measured from its due time.
      const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
      while (sent < due) fire(t0 + (sent++ * 1000) / rate);
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(pending);
  const result: Record<string, OpResult> = {};
  for (const [name, o] of Object.entries(ops)) result[name] = { hist: o.hist.toSparse(), errors: o.errors, samples: o.samples };
  return { type: 'step' as const, rate, seconds: (performance.now() - t0) / 1000, sent, ops: result };
}

// --- SSE clients -----------------------------------------------------------------------------
const streams = new Set<http.ClientRequest>();
const streamStats = { opened: 0, dropped: 0, frames: 0, bytes: 0, errors: [] as string[] };

function startStreams(): void {
  for (let i = 0; i < setup.streams; i++) {
    const user = setup.users[i % setup.users.length]!;
    openStream(`${setup.servers[i % setup.servers.length]!}/api/v1/stream`, user);
  }
}

/** One EventSource-like client; a stream that ends while the benchmark runs is counted as dropped (and reopened). */
function openStream(url: string, user: LoadUser): void {
  const req = http.get(url, { headers: { cookie: `leadai_session=${user.session}`, accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) {
      streamStats.dropped += 1;
      if (streamStats.errors.length < 5) streamStats.errors.push(`stream: HTTP ${res.statusCode}`);
      res.resume();
      return;
    }
    streamStats.opened += 1;
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      streamStats.bytes += d.length;
      for (let i = d.indexOf('\n\n'); i !== -1; i = d.indexOf('\n\n', i + 2)) streamStats.frames += 1;
    });
    res.on('close', () => {
      streams.delete(req);
      if (stopping) return;
      streamStats.dropped += 1;
      if (streamStats.errors.length < 5) streamStats.errors.push('stream: closed by the server');
      setTimeout(() => openStream(url, user), 1000);
    });
  });
  req.on('error', (e) => {
    if (stopping) return;
    if (streamStats.errors.length < 5) streamStats.errors.push(`stream: ${e.message}`);
  });
  streams.add(req);
}

// --- imports: a CSV through the API, one after another, for as long as the run lasts ----------
const imports: ImportRun[] = [];
let importDone: Promise<void> = Promise.resolve();
let currentImport: string | null = null;

async function importLoop(): Promise<void> {
  if (setup.importRows <= 0) return;
  const admin = setup.users.find((u) => u.role === 'admin') ?? setup.users[0]!;
  let k = 0;
  while (!stopping) {
    let finish!: () => void;
    importDone = new Promise<void>((resolve) => (finish = resolve));
    try {
      imports.push(await runImport(admin, k++));
    } catch (error) {
      imports.push({ id: null, status: 'failed', rows: setup.importRows, created: 0, rejected: 0, seconds: 0, error: String(error) });
    } finally {
      finish();
    }
    if (imports.at(-1)!.status !== 'completed') break;
  }
}

async function runImport(user: LoadUser, k: number): Promise<ImportRun> {
  const started = performance.now();
  const lines = ['first_name,last_name,email,company,job_title,status'];
  for (let i = 0; i < setup.importRows; i++) lines.push(`Imported,Lead ${k}-${i},lead-${k}-${i}@${setup.run}.load-import.example,Import Co ${i % 97},Buyer,new`);
  const base = setup.servers[k % setup.servers.length]!;
  const headers = { cookie: `leadai_session=${user.session}`, 'x-csrf-token': user.csrf };
  const form = new FormData();
  form.append('file', new Blob([lines.join('\n')], { type: 'text/csv' }), `load-${setup.run}-${k}.csv`);
  const up = await fetch(`${base}/api/v1/imports`, { method: 'POST', headers, body: form });
  const uploaded = (await up.json()) as { id?: string; detail?: string; import?: { id: string } };
  const id = uploaded.id ?? uploaded.import?.id;
  if (up.status !== 201 || !id) throw new Error(`upload: HTTP ${up.status} ${JSON.stringify(uploaded).slice(0, 300)}`);
  currentImport = id;
  const start = await fetch(`${base}/api/v1/imports/${id}/start`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ bulk: 'off' }) });
  if (start.status !== 202) throw new Error(`start: HTTP ${start.status} ${(await start.text()).slice(0, 300)}`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const res = await fetch(`${base}/api/v1/imports/${id}`, { headers });
    const view = (await res.json()) as { status: string; counts: { rows: number; created: number; rejected: number }; last_error: string | null };
    if (view.status === 'completed' || view.status === 'failed') {
      return { id, status: view.status, rows: view.counts.rows, created: view.counts.created, rejected: view.counts.rejected, seconds: (performance.now() - started) / 1000, error: view.last_error };
    }
  }
}
