import type { ForecastType } from '../../db/schema.ts';
import type { DayRow } from './forecasts.queries.ts';
import type { Period } from './forecasts.calendar.ts';
import { dayOf } from './forecasts.calendar.ts';

/**
 * The organization's day-by-day history (as of some instant) and what each series actually
 * was over a period of it. One definition of every actual: the forecast's inputs, the
 * history's "what happened" and the accuracy all read these.
 *
 * Won and lost are outcome moves (outcomes.ts): counted when they happened, taken back when
 * reverted, so a period's figures never change later. A period's won and lost are its net
 * counts floored at 0 (what its win rate and the models read); revenue and cycle days stay net.
 *
 * - revenue: deal values won in the period, less the wins taken back in it (outcomes.ts);
 * - lead_volume: leads created in the period;
 * - conversion_rate: won ÷ (won + lost) among the leads decided in the period (null when none);
 * - deal_velocity: the team metrics' sales velocity (src/modules/metrics/metrics.queries.ts
 *   writePeriod, whose organization row must show the same figure): open opportunities at the
 *   period's end (or now, in the running period) × its win rate × the mean value of its won
 *   deals ÷ their mean cycle in days (at least one day; a deal's cycle never below zero);
 *   0 when the period had decisions but no win, null when it had no decision.
 */
export interface DayTotals {
  created: number;
  won: number;
  lost: number;
  wonValue: number;
  wonCycleDays: number;
}

export class History {
  private readonly byDay = new Map<number, DayTotals>();

  /** `openAtSince`: leads open at the start of `sinceDay`. */
  constructor(rows: readonly DayRow[], readonly sinceDay: number, readonly openAtSince: number) {
    for (const r of rows) {
      this.byDay.set(dayOf(r.day), { created: r.created, won: r.won, lost: r.lost, wonValue: Number(r.won_value), wonCycleDays: Number(r.won_cycle_days) });
    }
  }

  /** Totals over the days [from, to): won and lost floored at 0 (a period of reversals has no decisions). */
  totals(from: number, to: number): DayTotals {
    const t = this.net(from, to);
    return { ...t, won: Math.max(0, t.won), lost: Math.max(0, t.lost) };
  }

  /** Net totals over the days [from, to): wins and losses less those taken back. */
  private net(from: number, to: number): DayTotals {
    const t: DayTotals = { created: 0, won: 0, lost: 0, wonValue: 0, wonCycleDays: 0 };
    for (let d = Math.max(from, this.sinceDay); d < to; d++) {
      const x = this.byDay.get(d);
      if (!x) continue;
      t.created += x.created;
      t.won += x.won;
      t.lost += x.lost;
      t.wonValue += x.wonValue;
      t.wonCycleDays += x.wonCycleDays;
    }
    return t;
  }

  /** Leads open at the start of a day (created before, not decided before). */
  openAt(day: number): number {
    const t = this.net(this.sinceDay, day);
    return this.openAtSince + t.created - t.won - t.lost;
  }

  actual(type: ForecastType, period: Period, upTo = period.end): number | null {
    const t = this.totals(period.start, Math.min(period.end, upTo));
    switch (type) {
      case 'revenue':
        return t.wonValue;
      case 'lead_volume':
        return t.created;
      case 'conversion_rate':
        return t.won + t.lost > 0 ? t.won / (t.won + t.lost) : null;
      case 'deal_velocity':
        return t.won + t.lost > 0 ? velocityOf(this.openAt(Math.min(period.end, upTo)), t) : null;
    }
  }
}

export function velocityOf(open: number, t: DayTotals): number {
  if (t.won <= 0) return 0;
  const cycle = Math.max(1, t.wonCycleDays / t.won);
  return Math.max(0, (Math.max(0, open) * (t.won / (t.won + t.lost)) * (t.wonValue / t.won)) / cycle);
}
