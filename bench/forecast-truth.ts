/**
 * The demo's truth for bench:forecast: what the generator's intensity (demo.model.ts) makes
 * expected per period. Lead volume is exact. Won revenue needs the expected won value of a
 * decided lead by its cycle length (P(won) × deal value, over everything else the generator
 * draws), which has no closed form: it is estimated from an INDEPENDENT run of the generator
 * (another seed, in memory, nothing in the database), so the truth does not borrow the noise
 * of the data it is compared with. Benchmarks only: nothing in the product reads this.
 */
import { parse } from 'csv-parse/sync';
import { LEAD_COLUMNS, demoBlocks, generateOrganization } from '../src/modules/demo/demo.generator.ts';
import { expectedLeadsIn, expectedWonRevenueIn, type Interval } from '../src/modules/demo/demo.model.ts';

const DAY = 86_400_000;

export interface WonValueByCycle {
  /** Upper bounds of the cycle bins, in days (the last is Infinity). */
  upTo: number[];
  /** Mean won value per decided lead in each bin. */
  value: number[];
  /** Decided leads per bin in the replicate. */
  n: number[];
  replicateSeed: number;
  replicateLeads: number;
}

/** Mean won value per decided lead, in equal-count bins of the cycle, from a replicate of the generator. */
export function estimateWonValueByCycle(seed: number, anchor: Date, leads: number, bins = 8): WonValueByCycle {
  const col = (name: (typeof LEAD_COLUMNS)[number]) => LEAD_COLUMNS.indexOf(name);
  const [created, closed, status, value] = [col('created_at'), col('closed_at'), col('status'), col('deal_value')];
  const decided: { cycle: number; won: number }[] = [];
  for (const block of demoBlocks(generateOrganization(seed), seed, anchor, leads)) {
    for (const row of parse(Buffer.from(block.leads.bytes()).toString()) as string[][]) {
      if (row[closed] === '') continue;
      const cycle = (Date.parse(row[closed]!) - Date.parse(row[created]!)) / DAY;
      decided.push({ cycle, won: row[status] === 'closed_won' ? Number(row[value]) : 0 });
    }
  }
  decided.sort((a, b) => a.cycle - b.cycle);
  const out: WonValueByCycle = { upTo: [], value: [], n: [], replicateSeed: seed, replicateLeads: leads };
  for (let b = 0; b < bins; b++) {
    const slice = decided.slice(Math.floor((b * decided.length) / bins), Math.floor(((b + 1) * decided.length) / bins));
    out.upTo.push(b === bins - 1 ? Infinity : slice.at(-1)!.cycle);
    out.value.push(slice.reduce((s, d) => s + d.won, 0) / slice.length);
    out.n.push(slice.length);
  }
  return out;
}

export function wonValueFunction(estimate: WonValueByCycle): (cycleDays: number) => number {
  return (cycle) => estimate.value[estimate.upTo.findIndex((u) => cycle <= u)]!;
}

/** Expected lead volume and won revenue per period (the periods' instants, any time zone). */
export function truthPerPeriod(
  anchor: Date, leads: number, wonValue: (cycleDays: number) => number, periods: readonly (Interval & { start: string })[],
): { start: string; lead_volume: number; revenue: number }[] {
  const volume = expectedLeadsIn(anchor, leads, periods);
  const revenue = expectedWonRevenueIn(anchor, leads, wonValue, periods);
  return periods.map((p, i) => ({ start: p.start, lead_volume: volume[i]!, revenue: revenue[i]! }));
}
