/**
 * Do insights mean what they say? `npm run bench:insights [-- --leads 3000] [--seed 42] [--anchor YYYY-MM-DD]`
 *
 * Seeds the demo organization on the PostgreSQL server (DATABASE_URL, else the local one;
 * its own database, leadai_bench_insights, recreated), runs what the product runs after a
 * seed (analysis of every conversation, training, scoring), then one insights sweep as of
 * the demo's "today", and measures the insights on the OPEN leads against the demo's hidden
 * truth (demo_lead_truth, read as the owner role; the product cannot read it):
 *
 * 1. Priority: the expected conversion rate (mean true probability) of the open leads whose
 *    strongest insight is urgent, high, medium, low, or who have none; the share of open
 *    leads at each level; what the first inbox page (25, by priority then confidence) of each
 *    owner holds.
 * 2. Confidence: a reliability table. An insight claims the lead will be won (buying signal,
 *    content, call now, send a proposal) or lost (churn risk, competitor, escalate,
 *    re-engage); its chance of being right is the true probability of that outcome. Per
 *    confidence bin and per kind: mean stated confidence against mean chance of being right,
 *    for the calibrated confidence and for the detectors' raw one.
 *    The calibration learned from the decided leads; these open leads are held out.
 *    The calibrated confidence is learned from the decided leads only.
 * 3. Trust checks: content recommendations (share of open leads carrying one), and "Call …
 *    now" on a lead with a call logged in the last 48 hours (must be 0).
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createProgress } from '../src/cli/output.ts';
import { createAnalysisService } from '../src/modules/analysis/analysis.service.ts';
import { seedDemo } from '../src/modules/demo/demo.service.ts';
import { createInsightsService } from '../src/modules/insights/insights.service.ts';
import { createScoringService } from '../src/modules/scoring/scoring.service.ts';
import { openBenchDatabase } from './db.ts';

const { values } = parseArgs({
  options: {
    leads: { type: 'string', default: '3000' },
    seed: { type: 'string', default: '42' },
    anchor: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const leads = Number(values.leads);
const seed = Number(values.seed);
// The demo's "today": its data runs up to here, and the product is run as of here.
const anchor = values.anchor ? new Date(`${values.anchor}T00:00:00Z`) : new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
const now = () => anchor;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

const { database } = await openBenchDatabase('leadai_bench_insights', { fresh: true });
const db = database.db;
const t0 = performance.now();
const progress = createProgress(`seeding ${leads.toLocaleString('en-US')} demo leads`, true);
const demo = await seedDemo(database, { leads, seed, anchor, onProgress: progress.update });
progress.stop();
await sql`ANALYZE`.execute(db);
const org = demo.organizationId;
await createAnalysisService(db).drain(org);
const scoring = createScoringService(db, { now });
await scoring.train(org, { seed: 0 });
await scoring.rescoreAll(org);
const insights = createInsightsService(db, { now });
const sweep = await insights.refresh(org, { schedule: false });
const stats = await insights.stats(org);
const setupSeconds = (performance.now() - t0) / 1000;

// Every open insight of an open lead, with the lead's true probability (owner role).
const rows = (await sql<{ lead_id: string; owner: string | null; insight_type: string; reason: string; priority: string; confidence: number; raw: number | null; p: number; called_recently: boolean }>`
  SELECT i.lead_id, l.assigned_to AS owner, i.insight_type::text AS insight_type, i.reason, i.priority::text AS priority, i.confidence::float8 AS confidence,
    (i.data->'confidence_basis'->>'raw_confidence')::float8 AS raw, t.true_probability::float8 AS p,
    EXISTS (SELECT 1 FROM activities a WHERE a.lead_id = i.lead_id AND a.type IN ('call', 'meeting', 'demo') AND a.completed_at > ${anchor}::timestamptz - interval '48 hours' AND a.completed_at <= ${anchor}::timestamptz) AS called_recently
  FROM ai_insights i JOIN leads l ON l.id = i.lead_id JOIN demo_lead_truth t ON t.lead_id = l.id
  WHERE i.organization_id = ${org} AND i.status = 'open' AND l.status IN ('new', 'contacted', 'qualified', 'proposal', 'negotiation', 'nurturing')`.execute(db)).rows;
const open = (await sql<{ id: string; p: number }>`
  SELECT l.id, t.true_probability::float8 AS p FROM leads l JOIN demo_lead_truth t ON t.lead_id = l.id
  WHERE l.organization_id = ${org} AND l.status IN ('new', 'contacted', 'qualified', 'proposal', 'negotiation', 'nurturing')`.execute(db)).rows;

// 1. Priority --------------------------------------------------------------------------------
const RANK: Record<string, number> = { low: 0, medium: 1, high: 2, urgent: 3 };
const top = new Map<string, string>();
for (const r of rows) if (!top.has(r.lead_id) || RANK[r.priority]! > RANK[top.get(r.lead_id)!]!) top.set(r.lead_id, r.priority);
const levels = ['urgent', 'high', 'medium', 'low', 'none'] as const;
const byLevel = levels.map((level) => {
  const ps = open.filter((l) => (top.get(l.id) ?? 'none') === level).map((l) => l.p);
  return { level, leads: ps.length, share: ps.length / open.length, conversion: ps.length > 0 ? ps.reduce((a, b) => a + b, 0) / ps.length : null };
});
const allRate = open.reduce((a, l) => a + l.p, 0) / open.length;
// Each rep's inbox holds the insights on the leads they own: the first page (25) of each, summed.
const owners = [...new Set(rows.map((r) => r.owner))];
const firstPage: Record<string, number> = { urgent: 0, high: 0, medium: 0, low: 0 };
for (const o of owners) {
  const page = rows.filter((r) => r.owner === o).sort((a, b) => RANK[b.priority]! - RANK[a.priority]! || b.confidence - a.confidence).slice(0, 25);
  for (const r of page) firstPage[r.priority]!++;
}

// 2. Reliability -----------------------------------------------------------------------------
const CLAIM: Record<string, 'won' | 'lost'> = {
  buying_signal: 'won', content_recommendation: 'won', churn_risk: 'lost', competitive_threat: 'lost',
  'next_best_action:call_now': 'won', 'next_best_action:send_proposal': 'won', 'next_best_action:escalate_to_manager': 'lost', 'next_best_action:re_engage': 'lost',
};
const claimed = rows.map((r) => ({ ...r, claim: CLAIM[`${r.insight_type}:${r.reason}`] ?? CLAIM[r.insight_type] })).filter((r) => r.claim !== undefined)
  .map((r) => ({ ...r, right: r.claim === 'won' ? r.p : 1 - r.p }));
function reliability(get: (r: (typeof claimed)[number]) => number | null) {
  const bins = Array.from({ length: 10 }, (_, i) => ({ from: i / 10, to: (i + 1) / 10, n: 0, stated: 0, right: 0 }));
  let ece = 0;
  let n = 0;
  for (const r of claimed) {
    const c = get(r);
    if (c === null) continue;
    const b = bins[Math.min(9, Math.floor(c * 10))]!;
    b.n++;
    b.stated += c;
    b.right += r.right;
    n++;
  }
  for (const b of bins) if (b.n > 0) ece += (b.n / n) * Math.abs(b.stated / b.n - b.right / b.n);
  return { ece: r3(ece), n, bins: bins.filter((b) => b.n > 0).map((b) => ({ bin: `${b.from.toFixed(1)}–${b.to.toFixed(1)}`, n: b.n, stated: r3(b.stated / b.n), right: r3(b.right / b.n) })) };
}
const calibrated = reliability((r) => r.confidence);
const raw = reliability((r) => r.raw);
const kinds = [...new Set(claimed.map((r) => `${r.insight_type}:${r.reason.split(':')[0]}`))].sort().map((kind) => {
  const xs = claimed.filter((r) => `${r.insight_type}:${r.reason.split(':')[0]}` === kind);
  const mean = (f: (r: (typeof xs)[number]) => number) => r3(xs.reduce((a, r) => a + f(r), 0) / xs.length);
  return { kind, n: xs.length, claim: xs[0]!.claim ?? '?', stated: mean((r) => r.confidence), raw: mean((r) => r.raw ?? Number.NaN), right: mean((r) => r.right) };
});

// 3. Trust checks ----------------------------------------------------------------------------
const contentLeads = new Set(rows.filter((r) => r.insight_type === 'content_recommendation').map((r) => r.lead_id)).size;
const callNowAfterCall = rows.filter((r) => r.reason === 'call_now' && r.called_recently).length;

const json = {
  bench: 'insights', leads, seed, anchor: anchor.toISOString().slice(0, 10), setup_s: Math.round(setupSeconds), open_leads: open.length, open_insights: rows.length,
  sweep: { evaluated: sweep.leads, reprioritised: sweep.reprioritised },
  calibration: { decided_replayed: stats.calibration?.decided ?? 0, won: stats.calibration?.won ?? 0, horizon_days: stats.calibration?.horizonDays ?? null, kinds: Object.fromEntries(Object.entries(stats.calibration?.kinds ?? {}).map(([k, v]) => [k, { n: v.n, hits: v.hits, rate: r3(v.rate) }])) },
  priority_thresholds: stats.priority,
  conversion_by_top_priority: byLevel.map((b) => ({ ...b, share: r3(b.share), conversion: b.conversion === null ? null : r3(b.conversion) })),
  conversion_all_open: r3(allRate),
  first_inbox_pages: { owners: owners.length, ...firstPage },
  reliability: { calibrated, raw },
  by_kind: kinds,
  content: { leads_with_recommendation: contentLeads, share: r3(contentLeads / open.length) },
  call_now_after_recent_call: callNowAfterCall,
};

console.log(`\nInsights against the demo's truth: ${leads.toLocaleString('en-US')} leads (seed ${seed}, as of ${json.anchor}), ${open.length} open, ${rows.length} open insights; set-up ${json.setup_s} s`);
console.log(`Calibration: ${json.calibration.decided_replayed} decided leads replayed at a point of their life at least ${json.calibration.horizon_days} days before their decision (${json.calibration.won} won)`);
console.log('\nOpen leads by their strongest insight      leads   share   expected conversion (mean true p)');
for (const b of byLevel) console.log(`  ${b.level.padEnd(40)} ${String(b.leads).padStart(5)}  ${pct(b.share).padStart(7)}   ${b.conversion === null ? 'n/a' : pct(b.conversion)}`);
console.log(`  ${'all open leads'.padEnd(40)} ${String(open.length).padStart(5)}           ${pct(allRate)}`);
const urgent = byLevel[0]!.conversion;
const low = byLevel[3]!.conversion;
if (urgent !== null && low !== null) console.log(`  urgent ÷ low: ${(urgent / low).toFixed(2)}×`);
console.log(`  first inbox page (25) of each of ${owners.length} owners, summed: ${JSON.stringify(firstPage)}`);
for (const [name, rel] of [['calibrated', calibrated], ['raw (detectors)', raw]] as const) {
  console.log(`\nReliability, ${name} confidence (${rel.n} insights with a claim; ECE ${rel.ece})\n  bin        n     stated   right`);
  for (const b of rel.bins) console.log(`  ${b.bin.padEnd(9)} ${String(b.n).padStart(5)}   ${b.stated.toFixed(3)}   ${b.right.toFixed(3)}`);
}
console.log('\nBy kind                                   n   claim   stated   raw     right');
for (const k of kinds) console.log(`  ${k.kind.padEnd(38)} ${String(k.n).padStart(5)}   ${k.claim.padEnd(5)}   ${k.stated.toFixed(3)}   ${Number.isNaN(k.raw) ? '  n/a' : k.raw.toFixed(3)}   ${k.right.toFixed(3)}`);
console.log(`\nContent recommendations on ${contentLeads} of ${open.length} open leads (${pct(contentLeads / open.length)}); "Call … now" on a lead called in the last 48 h: ${callNowAfterCall}`);
console.log(`\nJSON ${JSON.stringify(json)}`);
await database.close();
