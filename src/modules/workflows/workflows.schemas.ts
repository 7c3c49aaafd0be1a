import { z } from 'zod';
import { LEAD_STATUSES } from '../../db/schema.ts';
import { Uuid } from '../auth/auth.schemas.ts';

const Status = z.enum(LEAD_STATUSES);
const Id = Uuid;

/**
 * What starts a workflow for a lead. State triggers (score, insight, no touch) fire when
 * their condition turns from false to true and re-arm when it turns false again; event
 * triggers (status change, form) fire once per change they name.
 */
export const Trigger = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('score_crosses'),
    threshold: z.number().int().min(0).max(100).describe('Score 0–100'),
    direction: z.enum(['up', 'down']).describe('up: the score reaches the threshold or more; down: it falls below it'),
  }),
  z.strictObject({
    type: z.literal('insight_detected'),
    insight_type: z.enum(['buying_signal', 'competitive_threat']).describe('buying_signal: a buying signal was detected; competitive_threat: a competitor was mentioned'),
  }),
  z.strictObject({
    type: z.literal('no_touch'),
    days: z.number().int().min(1).max(365).describe('Days without a touch (a completed call, e-mail, meeting … or a conversation: leads.last_contacted_at, else when the lead was created); closed leads never count'),
  }),
  z.strictObject({
    type: z.literal('status_changed'),
    from: Status.nullable().optional().describe('Only changes from this status (omit or null: any)'),
    to: Status.nullable().optional().describe('Only changes to this status (omit or null: any)'),
  }),
  z.strictObject({
    type: z.literal('form_submitted'),
    form: z.string().trim().min(1).max(255).nullable().optional().describe('Only forms whose name contains this text (omit: any form)'),
  }),
]).describe('What starts the workflow for a lead');
export type Trigger = z.infer<typeof Trigger>;
export const TRIGGER_TYPES = ['score_crosses', 'insight_detected', 'no_touch', 'status_changed', 'form_submitted'] as const;

/** Further conditions the lead must meet when the trigger fires; every one given must hold. */
export const Conditions = z.strictObject({
  owner_ids: z.array(Id).max(100).optional().describe('The lead is assigned to one of these users'),
  team_ids: z.array(Id).max(100).optional().describe('The lead is in one of these teams'),
  sources: z.array(z.string().trim().min(1).max(100)).max(50).optional().describe('The lead\'s source is one of these (exact, case-insensitive)'),
  score_min: z.number().int().min(0).max(100).optional(),
  score_max: z.number().int().min(0).max(100).optional(),
  statuses: z.array(Status).max(LEAD_STATUSES.length).optional().describe('The lead\'s status is one of these'),
}).refine((c) => c.score_min === undefined || c.score_max === undefined || c.score_min <= c.score_max, { message: 'score_min must not be above score_max', path: ['score_min'] })
  .describe('Extra conditions (all must hold); {} for none');
export type Conditions = z.infer<typeof Conditions>;

export const Action = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('assign'), user_id: Id.describe('The user the lead is assigned to (an active user of the organization)') }),
  z.strictObject({
    type: z.literal('notify'),
    user_ids: z.array(Id).max(50).default([]).describe('Users to notify'),
    owner: z.boolean().default(false).describe('Notify the lead\'s owner too'),
    message: z.string().trim().max(300).optional().describe('A line of text added to the notification'),
  }).refine((a) => a.owner || a.user_ids.length > 0, { message: 'A notify action needs at least one recipient: user_ids, or owner: true', path: ['user_ids'] }),
  z.strictObject({
    type: z.literal('create_task'),
    subject: z.string().trim().min(1).max(200).describe('The task\'s subject'),
    due_in_days: z.number().int().min(0).max(365).describe('Due this many days after the workflow fires'),
  }),
  z.strictObject({ type: z.literal('change_status'), status: Status }),
  z.strictObject({ type: z.literal('add_tag'), tag: z.string().trim().min(1).max(50) }),
  z.strictObject({ type: z.literal('webhook') }).describe('Writes a workflow.fired event; webhook endpoints subscribed to it receive { workflow_id, workflow_name, lead_id, trigger }'),
  z.strictObject({ type: z.literal('send_email'), template_id: Id.describe('The e-mail template to send to the lead') }),
]);
export type Action = z.infer<typeof Action>;
export const ACTION_TYPES = ['assign', 'notify', 'create_task', 'change_status', 'add_tag', 'webhook', 'send_email'] as const;

export const WorkflowBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
  enabled: z.boolean().default(true),
  trigger: Trigger,
  conditions: Conditions.default({}),
  actions: z.array(Action).min(1, 'A workflow needs at least one action').max(10),
});
export const WorkflowPatch = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  trigger: Trigger.optional(),
  conditions: Conditions.optional(),
  actions: z.array(Action).min(1, 'A workflow needs at least one action').max(10).optional(),
});

export const Workflow = z.object({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  position: z.number().int(),
  trigger: z.record(z.string(), z.unknown()).describe('See Trigger in the request schema'),
  conditions: z.record(z.string(), z.unknown()),
  actions: z.array(z.record(z.string(), z.unknown())),
  last_fired_at: z.string().nullable(),
  runs_last_7_days: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export const WorkflowList = z.object({ data: z.array(Workflow) });

export const ReorderBody = z.strictObject({
  ids: z.array(Id).min(1).max(500).describe('Every workflow id of the organization, in the new order'),
});

export const ActionResult = z.object({
  type: z.string(),
  ok: z.boolean(),
  result: z.string().nullable().describe('What was done (or, in a dry run, what would be done), in words'),
  error: z.string().nullable().describe('Why it failed, in words'),
});

export const Run = z.object({
  id: z.string(),
  workflow_id: z.string(),
  lead_id: z.string().nullable(),
  trigger: z.record(z.string(), z.unknown()),
  actions: z.array(ActionResult),
  status: z.enum(['succeeded', 'partial', 'failed', 'skipped']),
  hop: z.number().int(),
  dry_run: z.boolean(),
  created_at: z.string(),
});
export const RunList = z.object({ data: z.array(Run), next_cursor: z.string().nullable() });
export const RunQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const DryRunResult = z.object({
  workflow_id: z.string(),
  trigger: z.string().describe('The trigger in words, and what "holds now" means for it'),
  scanned: z.number().int().describe('Leads examined'),
  matched: z.number().int().describe('Leads the trigger and conditions hold for now'),
  leads: z.array(z.object({
    lead_id: z.string(),
    name: z.string(),
    status: Status,
    score: z.number().int(),
    actions: z.array(ActionResult),
  })).describe('The first matching leads (at most 100), each with what every action would do'),
  truncated: z.boolean(),
});

export const IdParams = z.strictObject({ id: Id });
