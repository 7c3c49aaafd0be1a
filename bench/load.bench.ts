/**
 * npm run bench:load [-- --short] [-- --embedded] — load and soak (issue 25): a sales team's
 * mixed workload (bench/load-shared.ts: list, search, open a lead and its timeline, log an
 * activity, update a status, website tracking) from a load process of its own
 * (bench/load-client.ts), at a fixed arrival rate, balanced client-side over TWO `leadai serve`
 * processes on one PostgreSQL database, with SSE streams held open and CSV imports running
 * through the API the whole time.
 *
 * 1. seeds the demo organization, or reuses the one seeded before (bench/load-seed.ts);
 * 2. finds the sustainable rate: fixed-rate steps, ×1.5 each, until one misses p99 < 200 ms
 *    with zero errors; the last step that met both is the rate held (--rate N skips this);
 * 3. holds it for the duration, sampling each server's CPU and RSS every 2 s;
 * 4. prints per-operation latency, the time series and the RSS trend of the second half, writes
 *    bench/results/load-<mode>-<time>.json, and exits 1 if the held run had an error, a p99 of
 *    200 ms or more, or an RSS growth trend.
 *
 * Sizes: full = 1,000,000 leads, 10 min; --short = 100,000 leads, 1 min (under 5 min with the
 * seed); --embedded = one server on an embedded (PGlite) data folder with 5,000 leads (a
 * data folder is opened by one process only, and PGlite runs every query on one thread).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MIX, type FromLoad, type StepResult, type StopResult, type ToLoad, type WindowResult } from './load-shared.ts';
import { cpuSeconds, machineCpu, postgresCpuSeconds, rssMb, startServer, type RunningServer } from './load-procs.ts';
import { cleanUp, prepare, type Prepared, type Target } from './load-seed.ts';
import { opRows, RSS_TREND_LIMIT_MB_PER_MIN, table, trend } from './load-stats.ts';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    embedded: { type: 'boolean', default: false },
    leads: { type: 'string' },
    duration: { type: 'string' },
    rate: { type: 'string' },
    'start-rate': { type: 'string' },
    warmup: { type: 'string' },
    'step-seconds': { type: 'string' },
    'max-steps': { type: 'string' },
    streams: { type: 'string' },
    'import-rows': { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const SHORT = values.short;
const EMBEDDED = values.embedded;
const MODE = `${EMBEDDED ? 'embedded' : 'server'}${SHORT ? '-short' : ''}`;
const LEADS = Number(values.leads ?? (EMBEDDED ? 5_000 : SHORT ? 100_000 : 1_000_000));
const DURATION_S = Number(values.duration ?? (SHORT ? 60 : 600));
const STEP_S = Number(values['step-seconds'] ?? (SHORT ? 10 : 20));
// Not counted: fresh servers catch up on what waited while they were down (the metrics
// rollup, the insights' organization statistics, rescoring the last run's clean-up), which
// is a start's cost, not the steady state the hold measures.
const WARMUP_S = Number(values.warmup ?? 20);
const MAX_STEPS = Number(values['max-steps'] ?? (SHORT ? 6 : 8));
const START_RATE = Number(values['start-rate'] ?? (EMBEDDED ? 10 : 20));
const STREAMS = Number(values.streams ?? (EMBEDDED ? 20 : SHORT ? 50 : 100));
const IMPORT_ROWS = Number(values['import-rows'] ?? (SHORT || EMBEDDED ? 2000 : 5000));
const SERVERS = EMBEDDED ? 1 : 2;
const P99_LIMIT_MS = 200;
const SAMPLE_MS = 2000;

const target: Target = EMBEDDED
  ? { kind: 'embedded', leads: LEADS, dataDir: join(process.env.LEADAI_BENCH_DIR ?? tmpdir(), `leadai-bench-load-embedded-${LEADS}`) }
  : { kind: 'server', leads: LEADS };
const loadBefore = loadavg();
const startedAt = new Date();
const t0 = performance.now();
console.log(`bench:load (${MODE}): ${LEADS.toLocaleString('en-US')} leads, ${SERVERS} server process(es), hold ${DURATION_S} s; load average before: ${loadBefore.map((x) => x.toFixed(2)).join(' ')}`);

const prepared = await prepare(target, values.fresh);
console.log(`${prepared.reused ? 'reused the seeded database' : `seeded in ${prepared.seedSeconds.toFixed(1)} s`}: ${prepared.leadsInOrganization.toLocaleString('en-US')} leads, ${prepared.users.length} signed-in users (${prepared.users.map((u) => u.role).join(', ')})`);

const servers: RunningServer[] = [];
let loader: ChildProcess | undefined;
let exitCode: number;
// Interrupted (Ctrl+C, `timeout`): the servers and the load process go too, never left running.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    loader?.kill('SIGKILL');
    for (const s of servers) s.child.kill('SIGKILL');
    process.exit(130);
  });
}
try {
  exitCode = await run(prepared);
} catch (error) {
  console.error(error);
  for (const s of servers) console.error(`--- server ${s.url} output (tail) ---\n${s.output().slice(-3000)}`);
  exitCode = 1;
} finally {
  loader?.kill();
  await Promise.all(servers.map((s) => s.stop()));
  const removed = await cleanUp(target, prepared);
  console.log(`clean-up (the database is back as seeded): ${Object.entries(removed).map(([k, v]) => `${v} ${k}`).join(', ')}`);
}
console.log(`total time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
process.exit(exitCode);

interface Sample {
  t: number;
  phase: 'search' | 'hold';
  rps: number;
  p99: number;
  errors: number;
  inFlight: number;
  servers: { cpu: number; rss: number }[];
  loader: number;
  postgres: number;
  machine: number;
}

async function run(p: Prepared): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...p.env, LEADAI_DEMO: 'off', LOG_LEVEL: 'warn' };
  if (EMBEDDED) delete env.DATABASE_URL;
  servers.push(...(await Promise.all(Array.from({ length: SERVERS }, () => startServer(env)))));
  console.log(`servers: ${servers.map((s) => `${s.url} (pid ${s.child.pid})`).join(', ')}`);

  // The load process: NODE_OPTIONS carries the heap flag so bin/run-ts.js does not relaunch
  // it (the relaunched child would not have this IPC channel).
  const NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=64`.trim();
  const child = spawn(process.execPath, [new URL('../bin/run-ts.js', import.meta.url).pathname, new URL('./load-client.ts', import.meta.url).pathname], { env: { ...process.env, NODE_OPTIONS }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  loader = child;
  const ask = inbox(child);
  await ask({ type: 'setup', servers: servers.map((s) => s.url), users: p.users, words: p.words, trackKey: p.trackKey, run: p.run, streams: STREAMS, importRows: IMPORT_ROWS }, 'ready');

  // --- sampling: every 2 s, each process's CPU and RSS and the load process's window --------
  const samples: Sample[] = [];
  let phase: Sample['phase'] = 'search';
  const pids = servers.map((s) => s.child.pid!);
  let last = { at: performance.now(), cpu: pids.map(cpuSeconds), loader: cpuSeconds(child.pid!), postgres: EMBEDDED ? 0 : postgresCpuSeconds(), machine: machineCpu() };
  const sampler = setInterval(() => {
    void (ask({ type: 'window' }, 'window') as Promise<WindowResult>).then((w) => {
      const now = { at: performance.now(), cpu: pids.map(cpuSeconds), loader: cpuSeconds(child.pid!), postgres: EMBEDDED ? 0 : postgresCpuSeconds(), machine: machineCpu() };
      const wall = (now.at - last.at) / 1000;
      const pct = (a: number, b: number) => Math.round(((a - b) / wall) * 100);
      samples.push({
        t: Math.round((now.at - t0) / 1000),
        phase,
        rps: Math.round(w.completed / w.seconds),
        p99: Math.round(w.p99 * 10) / 10,
        errors: w.errors,
        inFlight: w.inFlight,
        servers: pids.map((pid, i) => ({ cpu: pct(now.cpu[i]!, last.cpu[i]!), rss: Math.round(rssMb(pid)) })),
        loader: pct(now.loader, last.loader),
        postgres: pct(now.postgres, last.postgres),
        machine: Math.round(((now.machine.busy - last.machine.busy) / (now.machine.total - last.machine.total)) * 100),
      });
      last = now;
    }, () => {}); // the load process gone: the run's own error says why
  }, SAMPLE_MS);

  // --- the sustainable rate ---------------------------------------------------------------
  const search: { rate: number; rps: number; p99: number; errors: number; pass: boolean; firstError: string }[] = [];
  let rate = values.rate ? Number(values.rate) : 0;
  console.log(`warm-up: ${WARMUP_S} s at ${rate || START_RATE} req/s, not counted`);
  if (WARMUP_S > 0) await ask({ type: 'step', rate: rate || START_RATE, seconds: WARMUP_S }, 'step');
  if (!rate) {
    let r = START_RATE;
    for (let i = 0; i < MAX_STEPS; i++) {
      const s = (await ask({ type: 'step', rate: r, seconds: STEP_S }, 'step')) as StepResult;
      const { all, rows } = opRows(s.ops, s.seconds);
      const pass = all.errors === 0 && all.p99 < P99_LIMIT_MS;
      search.push({ rate: r, rps: all.rps, p99: all.p99, errors: all.errors, pass, firstError: rows.flatMap((x) => x.samples)[0] ?? '' });
      console.log(`  step ${i + 1}: ${r} req/s → ${all.rps} req/s done, p99 ${all.p99} ms, ${all.errors} errors: ${pass ? 'sustained' : 'NOT sustained'}`);
      if (!pass) break;
      rate = r;
      r = Math.round(r * 1.5);
    }
    if (!rate) {
      clearInterval(sampler);
      console.log(`\nno step met p99 < ${P99_LIMIT_MS} ms with zero errors, not even ${START_RATE} req/s (first error: ${search[0]?.firstError || 'none'}); try --start-rate lower`);
      await ask({ type: 'stop' }, 'stop');
      return 1;
    }
  }

  // --- the hold -----------------------------------------------------------------------------
  console.log(`holding ${rate} req/s for ${DURATION_S} s …`);
  phase = 'hold';
  const holdStart = samples.length;
  const held = (await ask({ type: 'step', rate, seconds: DURATION_S }, 'step')) as StepResult;
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 200));
  const stopped = (await ask({ type: 'stop' }, 'stop')) as StopResult;
  const loadAfter = loadavg();

  // --- report -------------------------------------------------------------------------------
  const { rows, all } = opRows(held.ops, held.seconds);
  const hold = samples.slice(holdStart).filter((s) => s.phase === 'hold');
  const secondHalf = hold.slice(Math.floor(hold.length / 2));
  const trends = pids.map((_, i) => trend(secondHalf.map((s) => [s.t / 60, s.servers[i]!.rss] as [number, number])));
  const rssGrowing = trends.some((t) => t.growing);
  const completedImports = stopped.imports.filter((i) => i.status === 'completed');
  const importFailed = stopped.imports.some((i) => i.status !== 'completed');
  const importedRows = completedImports.reduce((s, i) => s + i.created, 0);
  const importSeconds = completedImports.reduce((s, i) => s + i.seconds, 0);
  const streamsBroken = stopped.streams.dropped > 0;
  const checks = {
    zero_errors: all.errors === 0,
    p99_under_200_ms: all.p99 < P99_LIMIT_MS,
    rss_no_growth_trend: !rssGrowing,
    imports_completed: !importFailed && completedImports.length > 0,
    streams_held: !streamsBroken && stopped.streams.open === STREAMS,
  };
  const avg = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);

  console.log(`\nbench:load (${MODE}) — held ${rate} req/s for ${held.seconds.toFixed(0)} s; ${SERVERS} server(s); ${STREAMS} SSE streams; imports of ${IMPORT_ROWS} rows back to back`);
  console.log(`mix (per 100 requests): ${MIX.map((m) => `${m.op} ${m.weight}`).join(', ')}`);
  if (search.length) {
    console.log('\nrate search (fixed arrival rate steps)');
    console.log(table(['offered req/s', 'done req/s', 'p99 ms', 'errors', 'verdict'], search.map((s) => [s.rate, s.rps, s.p99, s.errors, s.pass ? 'sustained' : 'not sustained'])));
  }
  console.log(`\nper operation at ${rate} req/s (latency from each request's due time, ms)`);
  console.log(table(['operation', 'count', 'req/s', 'p50', 'p95', 'p99', 'max', 'errors'], [...rows, all].map((r) => [r.op, r.count, r.rps, r.p50, r.p95, r.p99, r.max, r.errors])));
  for (const r of rows) for (const e of r.samples) console.log(`  error (${r.op}): ${e}`);
  const every = Math.max(1, Math.ceil(samples.length / 30));
  console.log(`\nover time (every ${(every * SAMPLE_MS) / 1000} s; CPU in % of one core, RSS in MB)`);
  console.log(table(
    ['t s', 'phase', 'req/s', 'p99 ms', 'errors', ...pids.flatMap((_, i) => [`srv${i + 1} CPU`, `srv${i + 1} RSS`]), 'load CPU', ...(EMBEDDED ? [] : ['postgres CPU']), 'machine busy %'],
    samples.filter((_, i) => i % every === 0 || i === samples.length - 1).map((s) => [s.t, s.phase, s.rps, s.p99, s.errors, ...s.servers.flatMap((x) => [x.cpu, x.rss]), s.loader, ...(EMBEDDED ? [] : [s.postgres]), s.machine]),
  ));
  console.log(`\nRSS trend over the second half of the hold (${secondHalf.length} samples; growing = slope − 2 SE > ${RSS_TREND_LIMIT_MB_PER_MIN} MB/min)`);
  for (const [i, t] of trends.entries()) console.log(`  server ${i + 1}: ${t.slope.toFixed(2)} ± ${t.se.toFixed(2)} MB/min → ${t.growing ? 'GROWING' : 'no growth trend'}`);
  console.log(`\nimports during the run: ${stopped.imports.length} (${completedImports.length} completed, ${importedRows.toLocaleString('en-US')} leads created, ${importSeconds ? Math.round(importedRows / importSeconds) : 0} rows/s while loaded)`);
  for (const i of stopped.imports.filter((x) => x.status !== 'completed')) console.log(`  import ${i.id ?? '(none)'}: ${i.status} ${i.error ?? ''}`);
  console.log(`SSE streams: ${stopped.streams.open} open at the end of ${STREAMS}, ${stopped.streams.dropped} dropped, ${stopped.streams.frames.toLocaleString('en-US')} frames received${stopped.streams.errors.length ? `; ${stopped.streams.errors.join('; ')}` : ''}`);
  console.log(`mean CPU during the hold: ${pids.map((_, i) => `server ${i + 1} ${avg(hold.map((s) => s.servers[i]!.cpu))}%`).join(', ')}, load process ${avg(hold.map((s) => s.loader))}%${EMBEDDED ? '' : `, postgres ${avg(hold.map((s) => s.postgres))}%`}, machine ${avg(hold.map((s) => s.machine))}% busy`);
  console.log(`load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`\nverdict: ${Object.entries(checks).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join(', ')}`);

  const summary = {
    bench: 'bench:load', mode: MODE, date: startedAt.toISOString(), leads: p.leadsInOrganization, reused_seed: p.reused, seed_seconds: Math.round(p.seedSeconds),
    servers: SERVERS, streams: STREAMS, import_rows: IMPORT_ROWS, mix: MIX, held_rate: rate, hold_seconds: Math.round(held.seconds),
    search, operations: rows.map(({ samples: _s, ...r }) => r), all: { ...all, samples: undefined }, rss_trend_mb_per_min: trends, rss_trend_limit: RSS_TREND_LIMIT_MB_PER_MIN,
    imports: stopped.imports, streams_result: stopped.streams, samples, load_before: loadBefore, load_after: loadAfter, checks,
  };
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `load-${MODE}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(summary, null, 1));
  console.log(`summary: ${file}`);
  console.log(`JSON ${JSON.stringify({ bench: 'bench:load', mode: MODE, held_rate: rate, p99: all.p99, errors: all.errors, checks, rss_slopes: trends.map((t) => Math.round(t.slope * 100) / 100), load_before: loadBefore.map((x) => Math.round(x * 100) / 100) })}`);
  return Object.values(checks).every(Boolean) ? 0 : 1;
}

/** Messages from the load process, awaited by type (one outstanding question per type). */
function inbox(child: ChildProcess) {
  const waiting = new Map<string, (m: FromLoad) => void>();
  child.on('message', (m: FromLoad) => {
    const w = waiting.get(m.type);
    waiting.delete(m.type);
    w?.(m);
  });
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`the load process exited (${code})`))));
  exited.catch(() => {});
  return (message: ToLoad, answer: FromLoad['type']): Promise<FromLoad> => {
    const got = new Promise<FromLoad>((resolve) => waiting.set(answer, resolve));
    child.send(message);
    return Promise.race([got, exited]);
  };
}

