import { z } from 'zod';
import { METRICS_PERIODS } from '../../db/schema.ts';
import { Uuid } from '../auth/auth.schemas.ts';

/**
 * Years a date may name. Bounded so period arithmetic stays in four-digit years (one step past
 * 9999 formats as "+010000-…", which sorts before "9999-…") and no request spans millennia.
 */
export const FIRST_YEAR = 1970;
export const LAST_YEAR = 2199;

/** A calendar date, YYYY-MM-DD (a real one: 2026-02-30 is refused), in the years above. */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date like 2026-11-25' })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), { message: 'must be a real calendar date like 2026-11-25' })
  .refine((s) => Number(s.slice(0, 4)) >= FIRST_YEAR && Number(s.slice(0, 4)) <= LAST_YEAR, { message: `must be a date between ${FIRST_YEAR}-01-01 and ${LAST_YEAR}-12-31` });

export const Period = z.enum(METRICS_PERIODS).describe('day, week (ISO, Monday to Sunday), month or quarter, in the organization\'s time zone');

export const METRIC_NAMES = ['leads_created', 'leads_qualified', 'leads_converted', 'revenue_generated', 'activities_completed', 'conversion_rate', 'average_deal_size', 'sales_velocity'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export const MetricsQuery = z.strictObject({
  period: Period.default('month'),
  from: LocalDate.optional().describe('First period: the one containing this date (default: five periods before `to`)'),
  to: LocalDate.optional().describe('Last period: the one containing this date (default: today)'),
  user_id: Uuid.optional().describe("Only this user's figures (with their team's average)"),
  team_id: Uuid.optional().describe("Only this team: its aggregate and the members you may see"),
});
export type MetricsQuery = z.infer<typeof MetricsQuery>;

export const Figures = z.object({
  leads_created: z.number().describe('Leads created in the period (for their current owner and team)'),
  leads_qualified: z.number().describe('Leads that first reached qualified or a later deal step in the period (the dashboard\'s rule), for the owner then'),
  leads_converted: z.number().describe('Leads won in the period, for the owner who won them, less the wins reverted (reopened or lost) in it, from whom they counted: negative when reversals outnumber wins (docs/forecasting.md, reopened deals)'),
  revenue_generated: z.number().describe('Deal values of the leads won in the period, less those of the wins reverted in it'),
  activities_completed: z.number().describe('Activities completed in the period, by their user'),
  conversion_rate: z.number().nullable().describe('Win rate: won ÷ (won + lost) of the period\'s net decisions, each floored at 0; null when neither is positive'),
  average_deal_size: z.number().nullable().describe('Revenue ÷ leads won; null without a net win'),
  sales_velocity: z.number().nullable().describe('Money per day: open leads at the period\'s end × win rate × average deal size ÷ average sales cycle (days, at least 1); 0 with decisions but no win, null without decisions'),
});
export type Figures = z.infer<typeof Figures>;

export const MetricsPeriodRow = z.object({
  period_start: z.string(),
  period_end: z.string().describe('Last day of the period (inclusive)'),
  figures: Figures,
  previous: Figures.describe('The same figures for the period before'),
  team_average: Figures.nullable().describe("Per member of the team (the user's current team, or this team): counts and revenue summed ÷ members, conversion rate and velocity averaged over the members who have one, deal size pooled (revenue ÷ wins); null for the organization, a user without a team, and a team of fewer than 3 members unless you see each of them"),
});

export const MetricsSubject = z.object({
  kind: z.enum(['organization', 'team', 'user']),
  id: Uuid.nullable().describe('The user or team; null for the organization'),
  name: z.string(),
  team_id: Uuid.nullable().describe("A user's current team"),
  periods: z.array(MetricsPeriodRow),
});

export const MetricsResponse = z.object({
  period: Period,
  from: z.string().describe('Start of the first period'),
  to: z.string().describe('Start of the last period'),
  time_zone: z.string().describe("The zone periods are cut in: the organization's settings.timezone, else UTC"),
  computed_at: z.date().nullable().describe('When the figures were last rolled up (null: never; POST /metrics/refresh computes them)'),
  data: z.array(MetricsSubject).describe('The organization, then teams, then users — only those you may see'),
});
export type MetricsResponse = z.infer<typeof MetricsResponse>;

export const LeaderboardQuery = z.strictObject({
  period: Period.default('month'),
  metric: z.enum(METRIC_NAMES).default('revenue_generated').describe('The figure users are ranked by (highest first)'),
  at: LocalDate.optional().describe('A date inside the period (default: today)'),
});
export type LeaderboardQuery = z.infer<typeof LeaderboardQuery>;

export const LeaderboardEntry = z.object({
  rank: z.number().int().describe('1 = best; equal values share a rank (1, 2, 2, 4)'),
  user_id: Uuid,
  name: z.string(),
  team_id: Uuid.nullable(),
  value: z.number().nullable(),
  figures: Figures,
});

export const Leaderboard = z.object({
  period: Period,
  period_start: z.string(),
  period_end: z.string(),
  metric: z.enum(METRIC_NAMES),
  ranked: z.number().int().describe('How many people the ranking is among (a sales rep is ranked within their team and sees only their own entry; viewer and marketing get 403: they see totals, not people)'),
  entries: z.array(LeaderboardEntry),
});
export type Leaderboard = z.infer<typeof Leaderboard>;

export const RefreshBody = z.strictObject({
  from: LocalDate.optional().describe('Recompute the periods from the one containing this date; default: every period'),
}).optional();

export const RefreshAccepted = z.object({ job_id: z.number().int(), deduplicated: z.boolean() });
