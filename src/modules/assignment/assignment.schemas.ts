import { z } from 'zod';
import { Uuid } from '../auth/auth.schemas.ts';
import { DISTRIBUTIONS } from './assignment.matching.ts';

const Value = (max: number) => z.string().trim().min(1, { message: 'must not be empty' }).max(max);
const List = (max: number, what: string) => z.array(Value(max)).min(1, { message: `must list at least one ${what}, or be left out` }).max(100);

export const Conditions = z.strictObject({
  sources: List(100, 'source').optional().describe('The lead\'s source is one of these (e.g. webinar, website); case does not matter'),
  campaigns: List(255, 'campaign').optional().describe('The lead\'s campaign (utm_campaign) is one of these'),
  countries: List(255, 'country').optional().describe('The address\'s country or ISO country code is one of these (e.g. DE, AT, CH)'),
  regions: List(255, 'region').optional().describe('The address\'s state / region is one of these'),
  score_min: z.number().int().min(0).max(100).optional().describe('Current score at least this (0–100)'),
  score_max: z.number().int().min(0).max(100).optional().describe('Current score at most this (0–100)'),
}).describe('Every condition given must hold (AND); none given: the rule takes every lead that reaches it');

const ruleFields = {
  name: Value(200).describe('Shown in the lead\'s timeline next to every assignment this rule makes'),
  enabled: z.boolean().describe('A disabled rule is skipped'),
  distribution: z.enum(DISTRIBUTIONS).describe('single: always the one listed user; round_robin: the targets in turn; capacity: the target with the fewest open leads, below max_open_per_rep'),
  conditions: Conditions,
  team_id: Uuid.nullable().describe('Targets: this team\'s active members (or give user_ids instead)'),
  user_ids: z.array(Uuid).max(200).describe('Targets: these users, in this order (or give team_id instead); single takes exactly one'),
  max_open_per_rep: z.number().int().min(1).max(1_000_000).nullable().describe('Capacity only: a target with this many open leads gets no more'),
};

export const RuleCreate = z.strictObject({
  ...ruleFields,
  enabled: ruleFields.enabled.default(true),
  conditions: Conditions.default({}),
  team_id: ruleFields.team_id.optional(),
  user_ids: ruleFields.user_ids.optional(),
  max_open_per_rep: ruleFields.max_open_per_rep.optional(),
});

export const RulePatch = z.strictObject({
  name: ruleFields.name.optional(),
  enabled: ruleFields.enabled.optional(),
  distribution: ruleFields.distribution.optional(),
  conditions: Conditions.optional(),
  team_id: ruleFields.team_id.optional(),
  user_ids: ruleFields.user_ids.optional(),
  max_open_per_rep: ruleFields.max_open_per_rep.optional(),
}).describe('Only the fields given change; conditions, when given, replace the old ones whole');

export const Rule = z.object({
  id: Uuid,
  name: z.string(),
  position: z.number().int().describe('Evaluation order, 1 first'),
  enabled: z.boolean(),
  distribution: z.enum(DISTRIBUTIONS),
  conditions: Conditions,
  team_id: Uuid.nullable(),
  user_ids: z.array(Uuid),
  max_open_per_rep: z.number().int().nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});

export const RuleList = z.object({ data: z.array(Rule) });

export const OrderBody = z.strictObject({
  ids: z.array(Uuid).min(1).max(1000).describe('Every rule\'s id, once each, in the new evaluation order'),
});

export const Fallback = z.object({
  user_id: Uuid.nullable().describe('Gets every new unowned lead that no rule took; null: such leads stay unassigned'),
  updated_at: z.date().nullable(),
});
export const FallbackBody = z.strictObject({ user_id: Uuid.nullable() });

export const DryRunBody = z.strictObject({
  lead_ids: z.array(Uuid).min(1).max(200).optional().describe('These leads (give this or recent)'),
  recent: z.number().int().min(1).max(200).optional().describe('The N most recently created leads without an owner (default 20 when lead_ids is not given)'),
});

export const DryRunRow = z.object({
  lead_id: Uuid,
  lead_name: z.string(),
  outcome: z.enum(['rule', 'fallback', 'none', 'owned']).describe('rule: a rule would take it; fallback: the fallback owner; none: it would stay unassigned; owned: it has an owner, rules would not touch it'),
  rule_id: Uuid.nullable(),
  rule_name: z.string().nullable(),
  assigned_to: Uuid.nullable(),
  assigned_to_name: z.string().nullable(),
});
export const DryRunResult = z.object({ data: z.array(DryRunRow) });
