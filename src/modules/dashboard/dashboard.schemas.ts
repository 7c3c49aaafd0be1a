import { z } from 'zod';
import { LEAD_STATUSES } from '../../db/schema.ts';
import { Uuid } from '../auth/auth.schemas.ts';

/** An IANA time zone the server knows (Intl and PostgreSQL share the tz database). */
const TimeZone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, { message: 'must be an IANA time zone such as Europe/Berlin or America/New_York' });

export const DashboardQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(366).default(30).describe('Length of the period compared with the one before it (default 30 days)'),
  tz: TimeZone.default('UTC').describe('Time zone for "today" in follow-ups, e.g. Europe/Berlin'),
});
export type DashboardQuery = z.infer<typeof DashboardQuery>;

const Kpi = z.object({
  current: z.number().describe('Value in the period'),
  previous: z.number().describe('Value in the period of the same length before it'),
  change: z.number().nullable().describe('Relative change (0.25 = +25 %); null when the previous value is 0'),
});

const LeadSummary = z.object({
  id: Uuid,
  first_name: z.string(),
  last_name: z.string(),
  email: z.string().nullable(),
  company: z.string().nullable(),
  status: z.enum(LEAD_STATUSES),
  current_score: z.number(),
  assigned_to: Uuid.nullable(),
});

export const HotLead = LeadSummary.extend({
  score_change: z.number().describe('Points gained (or lost) over the last 7 days'),
});

export const FollowUp = LeadSummary.extend({ next_follow_up_at: z.date() });

export const FunnelStep = z.object({
  status: z.enum(LEAD_STATUSES),
  reached: z.number().describe('Leads that reached this step in the period, whenever they were created: new = created in the period; contacted … negotiation = first got to this step or a later one in the period; closed won = marked won in the period, less wins reopened in it (outcomes.ts). The same figures as the KPI cards.'),
  conversion: z.number().nullable().describe('This step\'s count over the previous step\'s (both counted in the period; can exceed 1 when older leads moved on); null for the first step or when the previous is 0'),
});

export const Dashboard = z.object({
  period: z.object({ from: z.date(), to: z.date(), previous_from: z.date(), days: z.number() }),
  funnel: z.array(FunnelStep),
  lost: z.number().describe('Leads marked closed lost or unqualified in the period, less those reopened in it (= kpis.lost.current)'),
  kpis: z.object({
    new_leads: Kpi.describe('Leads created in the period (= the funnel\'s new step)'),
    qualified: Kpi.describe('Leads that first reached qualified, or a later step, in the period (= the funnel\'s qualified step)'),
    won: Kpi.describe('Leads marked won in the period, less wins reopened in it (= the funnel\'s closed won step)'),
    revenue_won: Kpi.describe('Sum of the deal values of the leads marked won in the period, less those of wins reopened in it'),
    lost: Kpi.describe('Leads marked closed lost or unqualified in the period, less those reopened in it'),
  }),
  hot_leads: z.array(HotLead),
  follow_ups: z.object({
    overdue: z.array(FollowUp),
    due_today: z.array(FollowUp),
    overdue_count: z.number(),
    due_today_count: z.number(),
  }),
});
export type Dashboard = z.infer<typeof Dashboard>;

export const PipelineQuery = z.strictObject({
  assigned_to: Uuid.optional().describe('Only leads assigned to this user'),
  team_id: Uuid.optional().describe('Only leads of this team'),
});
export type PipelineQuery = z.infer<typeof PipelineQuery>;

export const PipelineColumn = z.object({
  status: z.enum(LEAD_STATUSES),
  count: z.number(),
  total_value: z.number().describe("Sum of the leads' values: each lead's own deal value; for an open lead without one, its predicted expected value (decided leads count deal values only)"),
  weighted_value: z.number().describe('Forecast: sum of value × conversion probability (1 for won, 0 for lost), over the same values as total_value'),
  predicted_value: z.number().describe("The part of total_value that is predicted: open leads without a deal value, each at its expected value (the model's median deal × its mean factor)"),
  predicted_count: z.number().describe('How many open leads count with a predicted value (no deal value of their own)'),
  no_value_count: z.number().describe('How many leads add nothing to total_value: decided leads without a deal value, open leads without a deal or predicted value'),
});
export const Pipeline = z.object({ columns: z.array(PipelineColumn) });
export type Pipeline = z.infer<typeof Pipeline>;
