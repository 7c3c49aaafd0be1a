import { sigmoid } from '../../shared/random.ts';
import { normalCdf } from '../../ai/insights/stats.ts';
import type { Industry, Seniority, SizeBand, Source } from './demo.content.ts';

/**
 * The hidden generative process of the demo data (documented in docs/demo-data.md).
 *
 * A lead's true conversion probability is a logistic function of four driver groups,
 * each computed only from things the product stores and a model may learn from:
 *  - fit:       seniority of the job title, company size and industry (custom fields),
 *               email domain kind, lead source;
 *  - behaviour: pricing-page visits, a demo request, other page views, email clicks;
 *  - recency:   days between the last touch and the decision (close, or today);
 *  - tone:      balance of positive and negative inbound messages, and how many there are.
 * Country, campaign, phone and the other custom fields carry no signal on purpose: a good
 * model learns to ignore them.
 */
export const GENERATOR_VERSION = 'demo-1';

export const WEIGHTS = {
  intercept: -1.9,
  seniority: { c_level: 0.9, vp: 0.75, director: 0.5, manager: 0.2, individual: -0.1, student: -1.0 } satisfies Record<Seniority, number>,
  size: { '1-10': -0.5, '11-50': -0.15, '51-200': 0.15, '201-1000': 0.35, '1001-5000': 0.45, '5001+': 0.25 } satisfies Record<SizeBand, number>,
  industry: {
    Software: 0.45, 'Financial Services': 0.3, Healthcare: 0.2, Manufacturing: 0.05, Retail: -0.05,
    Logistics: 0.0, Education: -0.35, 'Non-profit': -0.5, Government: -0.25, Media: 0.1,
    'Real Estate': -0.1, 'Professional Services': 0.15,
  } satisfies Record<Industry, number>,
  emailKind: { corporate: 0.25, free: -0.45, invalid: -0.9 },
  source: {
    website: 0.1, organic_search: 0.1, paid_search: -0.1, referral: 0.6, linkedin: 0.0,
    webinar: 0.25, event: 0.2, partner: 0.4, cold_outreach: -0.5, purchased_list: -0.8,
  } satisfies Record<Source, number>,
  behaviour: { pricingVisits: 0.5, demoRequest: 0.7, otherPageViews: 0.15, emailClicks: 0.3 },
  recency: { perDay: -0.035, capDays: 60 },
  tone: { balance: 1.0, inboundMessages: 0.3 },
} as const;

export type EmailKind = keyof typeof WEIGHTS.emailKind;

export interface TruthInputs {
  seniority: Seniority;
  sizeBand: SizeBand;
  industry: Industry;
  emailKind: EmailKind;
  source: Source;
  pricingVisits: number;
  demoRequested: boolean;
  otherPageViews: number;
  emailClicks: number;
  daysSinceLastTouch: number;
  inboundPositive: number;
  inboundNegative: number;
  inboundTotal: number;
}

export interface Truth {
  probability: number;
  drivers: { fit: number; behaviour: number; recency: number; tone: number; logit: number };
}

export function trueProbability(x: TruthInputs): Truth {
  const w = WEIGHTS;
  const fit =
    w.seniority[x.seniority] + w.size[x.sizeBand] + w.industry[x.industry] + w.emailKind[x.emailKind] + w.source[x.source];
  const behaviour =
    w.behaviour.pricingVisits * Math.log1p(x.pricingVisits) +
    (x.demoRequested ? w.behaviour.demoRequest : 0) +
    w.behaviour.otherPageViews * Math.log1p(x.otherPageViews) +
    w.behaviour.emailClicks * Math.log1p(x.emailClicks);
  const recency = w.recency.perDay * Math.min(x.daysSinceLastTouch, w.recency.capDays);
  const balance = x.inboundTotal > 0 ? (x.inboundPositive - x.inboundNegative) / x.inboundTotal : 0;
  const tone = w.tone.balance * balance + w.tone.inboundMessages * Math.log1p(x.inboundTotal);
  const logit = w.intercept + fit + behaviour + recency + tone;
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return {
    probability: sigmoid(logit),
    drivers: { fit: round(fit), behaviour: round(behaviour), recency: round(recency), tone: round(tone), logit: round(logit) },
  };
}

const DAY = 86_400_000;
const YEAR_DAYS = 365.25;

/**
 * When leads arrive: a relative intensity over calendar time, so that the demo has the
 * history a forecaster needs (two full yearly cycles before the last year of backtests) and
 * a known answer. Three parts multiply:
 *  - growth: +35 % a year, as a young company's inbound grows;
 *  - week: few leads at weekends (UTC days), a Tuesday–Wednesday peak;
 *  - year: a Q1 push (budgets are fresh), a summer dip (July–August), a December dip (holidays),
 *    a September–October rebound. Monthly factors, linear between mid-months, so the year is
 *    smooth and has no step on the 1st.
 * The generator samples creation times from it (one random draw per lead, by inverse CDF); the
 * forecasting benchmark reads the expected volumes from it. The product never does.
 */
export const LEAD_RATE = {
  historyDays: 3 * 365,
  growthPerYear: 0.35,
  /** Sunday … Saturday, by `getUTCDay()`. */
  weekday: [0.3, 1.1, 1.25, 1.25, 1.15, 1.0, 0.35],
  /** January … December, at mid-month. */
  month: [1.2, 1.25, 1.3, 1.05, 1.0, 0.95, 0.72, 0.68, 1.05, 1.12, 1.05, 0.72],
} as const;

const WEEKDAY_MEAN = LEAD_RATE.weekday.reduce((a, b) => a + b, 0) / 7;
const MONTH_MEAN = LEAD_RATE.month.reduce((a, b) => a + b, 0) / 12;

/** The yearly factor at time t: monthly factors placed at mid-month, linear in between. */
function yearFactor(t: number): number {
  const d = new Date(t);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const monthStart = Date.UTC(year, month, 1);
  const monthDays = (Date.UTC(year, month + 1, 1) - monthStart) / DAY;
  // Position in months, 0 = the middle of January; fractional within the month.
  const pos = month + ((t - monthStart) / DAY) / monthDays - 0.5;
  const lo = Math.floor(pos);
  const w = pos - lo;
  const at = (m: number) => LEAD_RATE.month[((m % 12) + 12) % 12]!;
  return ((1 - w) * at(lo) + w * at(lo + 1)) / MONTH_MEAN;
}

/**
 * Relative intensity of lead creation at time t (ms) for a data set whose "today" is `anchor`
 * (ms): 1 at the anchor's trend level in an average week and month.
 */
export function leadRate(t: number, anchor: number): number {
  const trend = Math.exp(Math.log1p(LEAD_RATE.growthPerYear) * ((t - anchor) / DAY / YEAR_DAYS));
  const week = LEAD_RATE.weekday[new Date(t).getUTCDay()]! / WEEKDAY_MEAN;
  return trend * week * yearFactor(t);
}

/**
 * The intensity on a grid of whole days ending at the anchor (day k covers
 * [start + k days, start + k + 1 days)), constant within a day: leads arrive uniformly within
 * their day. With an anchor at midnight UTC (the default) the days are UTC calendar days.
 */
export class LeadCalendar {
  readonly start: number;
  readonly days: number;
  readonly weights: Float64Array;
  /** cumulative[k] = sum of weights of days before k; cumulative[days] = total. */
  private readonly cumulative: Float64Array;

  constructor(readonly anchor: number, days: number = LEAD_RATE.historyDays) {
    this.days = days;
    this.start = anchor - days * DAY;
    this.weights = new Float64Array(days);
    this.cumulative = new Float64Array(days + 1);
    for (let k = 0; k < days; k++) {
      this.weights[k] = leadRate(this.start + (k + 0.5) * DAY, anchor);
      this.cumulative[k + 1] = this.cumulative[k]! + this.weights[k]!;
    }
  }

  get total(): number {
    return this.cumulative[this.days]!;
  }

  /** Inverse CDF: a uniform draw u in [0, 1) → the lead's age in days before the anchor. */
  ageDays(u: number): number {
    const target = u * this.total;
    let lo = 0;
    let hi = this.days - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.cumulative[mid]! <= target) lo = mid;
      else hi = mid - 1;
    }
    const within = (target - this.cumulative[lo]!) / this.weights[lo]!;
    const created = this.start + (lo + Math.min(within, 1)) * DAY;
    // At least a minute old: a lead made "now" would have no time for anything.
    return Math.max((this.anchor - created) / DAY, 1 / 1440);
  }

  /** The share of all leads created on day k. */
  share(k: number): number {
    return this.weights[k]! / this.total;
  }
}

/** The sales cycle (creation to decision), in days: minDays + LogNormal(median, sigma). */
export const CYCLE = { minDays: 14, medianDays: 40, sigma: 0.6 } as const;

/** P(cycle ≤ days). */
export function cycleCdf(days: number): number {
  if (days <= CYCLE.minDays) return 0;
  return normalCdf(Math.log((days - CYCLE.minDays) / CYCLE.medianDays) / CYCLE.sigma);
}

const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

/** A half-open interval of time [from, to), in ms: a period of any calendar or time zone. */
export interface Interval {
  from: number;
  to: number;
}

/**
 * The truth for lead volume: the expected number of leads created per day of the grid (exact:
 * each of the `leads` leads falls on day k with probability share(k)).
 */
export function expectedLeadsPerDay(anchor: Date, leads: number): { day: string; expected: number }[] {
  const calendar = new LeadCalendar(anchor.getTime());
  return Array.from({ length: calendar.days }, (_, k) => ({ day: isoDay(calendar.start + k * DAY), expected: leads * calendar.share(k) }));
}

/** The expected number of leads created in each interval (the intensity integrated exactly). */
export function expectedLeadsIn(anchor: Date, leads: number, intervals: readonly Interval[]): number[] {
  const calendar = new LeadCalendar(anchor.getTime());
  return intervals.map(({ from, to }) => {
    let sum = 0;
    const lo = Math.max(from, calendar.start);
    const hi = Math.min(to, calendar.anchor);
    for (let k = Math.floor((lo - calendar.start) / DAY); k < calendar.days && calendar.start + k * DAY < hi; k++) {
      const dayStart = calendar.start + k * DAY;
      const overlap = Math.min(hi, dayStart + DAY) - Math.max(lo, dayStart);
      if (overlap > 0) sum += calendar.share(k) * (overlap / DAY);
    }
    return leads * sum;
  });
}

/**
 * The truth for won revenue: the expected deal value won in each interval, from the creation
 * intensity convolved with the cycle distribution (a lead is decided at creation + cycle, if
 * that is before the anchor). `wonValue(cycleDays)` is the expected won revenue of a lead
 * decided after that cycle: P(won) × deal value, averaged over everything else the generator
 * draws (fit, behaviour, tone, plan, seats). It depends on the cycle a little (short cycles
 * leave less time for signals) and is not a closed form of the weights: callers estimate it
 * from an independent run of the generator. Resolution: decisions are binned by the hour.
 */
export function expectedWonRevenueIn(
  anchor: Date, leads: number, wonValue: (cycleDays: number) => number, intervals: readonly Interval[],
): number[] {
  const calendar = new LeadCalendar(anchor.getTime());
  const HOUR = 3_600_000;
  const hours = calendar.days * 24;
  const byHour = new Float64Array(hours);
  // The cycle distribution on a fine grid, each step weighted by its expected won value.
  const step = 0.25;
  const cycles: { ms: number; weight: number }[] = [];
  for (let c = CYCLE.minDays; c < calendar.days; c += step) {
    const mass = cycleCdf(c + step) - cycleCdf(c);
    if (mass > 1e-12) cycles.push({ ms: (c + step / 2) * DAY, weight: mass * wonValue(c + step / 2) });
  }
  const SUB = 4; // creation times within a day
  for (let k = 0; k < calendar.days; k++) {
    const share = (leads * calendar.share(k)) / SUB;
    for (let s = 0; s < SUB; s++) {
      const created = (k + (s + 0.5) / SUB) * DAY; // from the grid's start
      for (const c of cycles) {
        const hour = Math.floor((created + c.ms) / HOUR);
        if (hour >= hours) break;
        byHour[hour]! += share * c.weight;
      }
    }
  }
  return intervals.map(({ from, to }) => {
    let sum = 0;
    const first = Math.max(0, Math.ceil((from - calendar.start) / HOUR));
    const end = Math.min(hours, Math.ceil((to - calendar.start) / HOUR));
    for (let h = first; h < end; h++) sum += byHour[h]!;
    return sum;
  });
}

/** expectedWonRevenueIn per UTC calendar month of the history. */
export function expectedWonRevenueByMonth(
  anchor: Date, leads: number, wonValue: (cycleDays: number) => number,
): { month: string; expected: number }[] {
  const start = anchor.getTime() - LEAD_RATE.historyDays * DAY;
  const months: { month: string; from: number; to: number }[] = [];
  for (let t = start; t < anchor.getTime();) {
    const d = new Date(t);
    const to = Math.min(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1), anchor.getTime());
    months.push({ month: isoDay(t).slice(0, 7), from: t, to });
    t = to;
  }
  const values = expectedWonRevenueIn(anchor, leads, wonValue, months);
  return months.map((m, i) => ({ month: m.month, expected: values[i]! }));
}
