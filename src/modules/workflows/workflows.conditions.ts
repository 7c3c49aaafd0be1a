import type { LeadStatus } from '../../db/schema.ts';
import type { Conditions, Trigger } from './workflows.schemas.ts';

/**
 * Pure functions: whether a workflow's trigger holds for a lead, whether its extra
 * conditions hold, and what a change of that means ("fires once per transition"). No I/O:
 * the consumer, the sweep and the dry run load the facts and ask these.
 */

/** What the rules look at, per lead. */
export interface LeadFacts {
  id: string;
  status: LeadStatus;
  score: number;
  assigned_to: string | null;
  team_id: string | null;
  source: string | null;
  /** leads.last_contacted_at, else created_at: the product's "last touch" (0006). */
  last_touch_at: Date;
  /** Types of the lead's open insights (buying_signal, competitive_threat …). */
  insight_types: readonly string[];
  /** Names of the lead's submitted forms (journey events of type form_submit), one per submission. */
  forms: readonly string[];
}

const CLOSED: ReadonlySet<LeadStatus> = new Set(['closed_won', 'closed_lost']);
const DAY_MS = 86_400_000;

/** State triggers: their condition can hold for a while; event triggers happen at an instant. */
export type StateTrigger = Exclude<Trigger, { type: 'status_changed' }>;
export const isStateTrigger = (t: Trigger): t is StateTrigger => t.type !== 'status_changed';

/** Whether a state trigger holds for the lead now, and (forms) how many occurrences it counts. */
export function triggerState(trigger: StateTrigger, lead: LeadFacts, now: Date): { active: boolean; count: number } {
  switch (trigger.type) {
    case 'score_crosses': {
      const active = trigger.direction === 'up' ? lead.score >= trigger.threshold : lead.score < trigger.threshold;
      return { active, count: 0 };
    }
    case 'insight_detected':
      return { active: lead.insight_types.includes(trigger.insight_type), count: 0 };
    case 'no_touch':
      return { active: !CLOSED.has(lead.status) && now.getTime() - lead.last_touch_at.getTime() >= trigger.days * DAY_MS, count: 0 };
    case 'form_submitted': {
      const needle = trigger.form?.toLowerCase();
      const count = needle ? lead.forms.filter((f) => f.toLowerCase().includes(needle)).length : lead.forms.length;
      return { active: count > 0, count };
    }
  }
}

/**
 * What a newly observed state means against the last one recorded (undefined: none, i.e.
 * it did not hold). `fire`: false → true, or one more form than seen; `rearm`: true → false;
 * `update`: nothing to do but remember (a count that went down, e.g. a merge moved events);
 * `none`: unchanged.
 */
export function transition(previous: { active: boolean; count: number } | undefined, current: { active: boolean; count: number }): 'fire' | 'rearm' | 'update' | 'none' {
  const before = previous ?? { active: false, count: 0 };
  if (current.active && (!before.active || current.count > before.count)) return 'fire';
  if (!current.active && before.active) return 'rearm';
  if (current.count !== before.count) return 'update';
  return 'none';
}

/** A status change (from the event's from/to) matches the trigger's from/to (null or absent: any). */
export function statusChangeMatches(trigger: Extract<Trigger, { type: 'status_changed' }>, from: string, to: string): boolean {
  return (trigger.from == null || trigger.from === from) && (trigger.to == null || trigger.to === to) && from !== to;
}

/** Every extra condition given holds for the lead. */
export function conditionsHold(conditions: Conditions, lead: LeadFacts): boolean {
  if (conditions.owner_ids?.length && !(lead.assigned_to && conditions.owner_ids.includes(lead.assigned_to))) return false;
  if (conditions.team_ids?.length && !(lead.team_id && conditions.team_ids.includes(lead.team_id))) return false;
  if (conditions.sources?.length) {
    const source = lead.source?.toLowerCase();
    if (!source || !conditions.sources.some((s) => s.toLowerCase() === source)) return false;
  }
  if (conditions.score_min !== undefined && lead.score < conditions.score_min) return false;
  if (conditions.score_max !== undefined && lead.score > conditions.score_max) return false;
  if (conditions.statuses?.length && !conditions.statuses.includes(lead.status)) return false;
  return true;
}

/** A trigger in words, for run logs and the dry run. */
export function describeTrigger(trigger: Trigger): string {
  switch (trigger.type) {
    case 'score_crosses':
      return trigger.direction === 'up' ? `Score reaches ${trigger.threshold} or more` : `Score falls below ${trigger.threshold}`;
    case 'insight_detected':
      return trigger.insight_type === 'buying_signal' ? 'A buying signal is detected' : 'A competitor is detected';
    case 'no_touch':
      return `No touch for ${trigger.days} day${trigger.days === 1 ? '' : 's'}`;
    case 'status_changed':
      return `Status changes${trigger.from ? ` from ${trigger.from}` : ''}${trigger.to ? ` to ${trigger.to}` : ''}`;
    case 'form_submitted':
      return trigger.form ? `A form named like "${trigger.form}" is submitted` : 'A form is submitted';
  }
}

/**
 * What "holds now" means for the dry run: a state trigger's condition as it is; an event
 * trigger has no lasting state, so the dry run shows the leads that are where its change
 * leads (in the `to` status; having submitted such a form).
 */
export function holdsNow(trigger: Trigger, lead: LeadFacts, now: Date): boolean {
  if (trigger.type === 'status_changed') return trigger.to == null ? trigger.from == null || lead.status !== trigger.from : lead.status === trigger.to;
  return triggerState(trigger, lead, now).active;
}
