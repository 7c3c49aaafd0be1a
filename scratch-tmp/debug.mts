import { openDatabase } from '../src/db/connect.ts';
import { createForecastsService } from '../src/modules/forecasts/forecasts.service.ts';
import { buildForecast, winRatePrior } from '../src/modules/forecasts/forecasts.model.ts';
import { sql } from 'kysely';
const database = await openDatabase({ kind: 'server', url: process.env.DATABASE_URL! } as never);
const db = database.db;
const org = (await sql<{ id: string }>`SELECT id FROM organizations LIMIT 1`.execute(db)).rows[0]!.id;
const svc = createForecastsService(db);
const T = new Date(process.argv[2] ?? '2026-09-01T04:00:00Z');
const data = await svc.load(org, T);
const prior = winRatePrior(data);
console.log('open', data.open.length, 'won', data.won.length, 'cohort', data.cohort, 'prior', prior);
console.log('statusRates', [...data.statusRates.entries()]);
const pByStatus = new Map<string, number[]>();
const f = buildForecast(data, { granularity: 'monthly', horizon: 3, level: 0.8 });
const m = f.monthly;
console.log('categories', m.categories, 'rate', m.rate);
let sumPV = 0; for (const d of m.deals) sumPV += d.p * d.value;
console.log('sum p*value', sumPV, 'mean p', m.deals.reduce((s, d) => s + d.p, 0) / m.deals.length, 'mean value', m.deals.reduce((s, d) => s + d.value, 0) / m.deals.length);
for (const p of f.forecast.revenue.points) console.log(p.period, p.band);
for (const p of f.forecast.lead_volume.points) console.log('vol', p.band);
// truth: revenue won in month after T from leads open at T vs created after
const r = await sql`SELECT date_trunc('month', coalesce(closed_at, status_changed_at) AT TIME ZONE 'America/New_York') AS m, count(*) FILTER (WHERE created_at < ${T}) AS open_wins, sum(deal_value) FILTER (WHERE created_at < ${T}) AS open_rev, count(*) FILTER (WHERE created_at >= ${T}) AS new_wins, sum(deal_value) FILTER (WHERE created_at >= ${T}) AS new_rev FROM leads WHERE status='closed_won' AND coalesce(closed_at, status_changed_at) >= ${T} GROUP BY 1 ORDER BY 1 LIMIT 4`.execute(db);
console.log(r.rows);
const w = await sql`SELECT status, count(*), avg(deal_value) FROM leads WHERE created_at < ${T} AND coalesce(CASE WHEN status='closed_won' THEN coalesce(closed_at,status_changed_at) END, CASE status WHEN 'closed_lost' THEN coalesce(closed_at,status_changed_at) WHEN 'unqualified' THEN status_changed_at END, 'infinity') >= ${T} GROUP BY 1`.execute(db);
console.log('open at T by current status', w.rows);
await database.close();
{
  const database2 = await openDatabase({ kind: 'server', url: process.env.DATABASE_URL! } as never);
  const now = await sql<{ id: string; status: string }>`SELECT id, status FROM leads`.execute(database2.db);
  const cur = new Map(now.rows.map((r) => [r.id, r.status]));
  const g = new Map<string, { n: number; p: number; won: number }>();
  const prob = (s: string) => data.statusRates.get(s)?.rate ?? NaN;
  for (const o of data.open) { const x = g.get(o.status) ?? { n: 0, p: 0, won: 0 }; x.n++; x.p += prob(o.status); x.won += cur.get(o.id) === 'closed_won' ? 1 : 0; g.set(o.status, x); }
  console.log([...g.entries()].map(([s, x]) => `${s}: n=${x.n} meanp=${(x.p / x.n).toFixed(3)} wonfrac=${(x.won / x.n).toFixed(3)}`));
  await database2.close();
}
{
  const database3 = await openDatabase({ kind: 'server', url: process.env.DATABASE_URL! } as never);
  const vals = data.won.filter((w) => w.value).map((w) => w.value!);
  console.log('won before T: n', vals.length, 'mean', vals.reduce((a, b) => a + b, 0) / vals.length);
  const r = await sql`SELECT team_id, count(*), avg(deal_value) FILTER (WHERE created_at < ${T} AND status='closed_won' AND coalesce(closed_at,status_changed_at) < ${T}) AS before, avg(deal_value) FILTER (WHERE status='closed_won' AND coalesce(closed_at,status_changed_at) >= ${T} AND created_at < ${T}) AS after FROM leads GROUP BY 1`.execute(database3.db);
  console.log(r.rows);
  const wonAfter = await sql<{ d: number }>`SELECT extract(epoch from coalesce(closed_at,status_changed_at) - created_at)/86400 AS d FROM leads WHERE status='closed_won' AND created_at < ${T} AND coalesce(closed_at,status_changed_at) >= ${T}`.execute(database3.db);
  console.log('cycle of wins after T among open', wonAfter.rows.length, wonAfter.rows.reduce((s, x) => s + Number(x.d), 0) / wonAfter.rows.length, 'won before T mean cycle', data.won.reduce((s, w) => s + w.days, 0) / data.won.length);
  await database3.close();
}
{
  const { closeProbability } = await import('../src/ai/forecasting/cycle-time.ts');
  for (const p of f.forecast.revenue.points) {
    const from = Math.max(0, p.period.start - data.today - data.fraction), to = p.period.end - data.today - data.fraction;
    let wins = 0, rev = 0;
    for (const d of m.deals) { const c = d.p * closeProbability(d.curve, d.ageDays, from, to); wins += c; rev += c * d.value; }
    console.log('expected open wins', wins.toFixed(1), 'rev', (rev / 1e6).toFixed(2));
  }
}
