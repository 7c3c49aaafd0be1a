import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenant, withTenantRead, type Tx } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { chunkIds, emitEvents, systemActor, type EventContext, type OutboxEvent } from '../events/events.service.ts';
import { notifyAssigned } from '../notifications/notifications.service.ts';
import { conditionsHold, planAssignments, type Assignment, type LeadFacts, type MatchRule, type RuleState } from './assignment.matching.ts';
import * as q from './assignment.queries.ts';
import type { z } from 'zod';
import type { DryRunBody, RuleCreate, RulePatch } from './assignment.schemas.ts';

type CreateInput = z.infer<typeof RuleCreate>;
type PatchInput = z.infer<typeof RulePatch>;
export type AssignmentVia = 'api' | 'import' | 'tracking' | 'score';

const toRule = (r: q.RuleRow) => ({
  id: r.id, name: r.name, position: r.position, enabled: r.enabled, distribution: r.distribution, conditions: r.conditions,
  team_id: r.target_team_id, user_ids: r.user_ids, max_open_per_rep: r.max_open_per_rep, created_at: r.created_at, updated_at: r.updated_at,
});

/**
 * Who gets these leads: locks the cursors of the rules that may take them (so concurrent
 * batches take turns), reads who is eligible and, for capacity rules, their open leads
 * after the lock (so they include what the previous holder just assigned), and plans.
 */
async function evaluate(tx: Tx, leads: readonly LeadFacts[], lock: boolean) {
  const [rules, settings] = await Promise.all([q.listRules(tx, { enabledOnly: true }), q.getSettings(tx)]);
  const matchRules: MatchRule[] = rules;
  const needed = rules.filter((r) => leads.some((l) => conditionsHold(r.conditions, l))).map((r) => r.id);
  const cursorRows = await q.cursors(tx, needed, lock);
  const candidateRows = await q.candidates(tx, needed);
  const states = new Map<string, RuleState>(cursorRows.map((c) => [c.rule_id, { candidates: [], lastUserId: c.last_user_id, assigned: c.assigned_count }]));
  for (const c of candidateRows) states.get(c.rule_id)?.candidates.push(c.user_id);
  const capacityUsers = new Set(rules.filter((r) => r.distribution === 'capacity').flatMap((r) => states.get(r.id)?.candidates ?? []));
  const open = await q.openCounts(tx, [...capacityUsers]);
  let fallback = settings?.fallback_user_id ?? null;
  // A deactivated fallback owner gets nothing either: the lead stays unassigned.
  if (fallback && !(await q.usersByIds(tx, [fallback]))[0]?.is_active) fallback = null;
  return { ...planAssignments(leads, matchRules, states, open, fallback), states };
}

/** Owners decided for a set of new leads (cursors locked), to be written with the leads or onto them. */
export interface PlannedOwners {
  assignments: Assignment[];
  /** Each assigned user's team: a lead without a team takes its owner's. */
  teams: Map<string, string | null>;
  states: Map<string, RuleState>;
  /** Leads a score-band rule cannot judge before their first score: decided after it. */
  waiting: string[];
}

/** One assignment as written: the lead's team before and after. */
export type AppliedAssignment = Assignment & { teamId: string | null; previousTeamId: string | null };

/**
 * Decides the owners of these new, unowned leads (in the caller's transaction, cursors
 * locked until it ends) without writing them: the import writes them in its own INSERT, so
 * a batch is not written twice. Null when the organization has no enabled rule and no
 * fallback owner — the common case costs one cheap statement per call.
 */
export async function planNewLeadOwners(tx: Tx, leads: readonly LeadFacts[]): Promise<PlannedOwners | null> {
  if (leads.length === 0 || !(await q.hasAnyRuleOrFallback(tx))) return null;
  const { assignments, states, waiting } = await evaluate(tx, leads, true);
  const users = await q.usersByIds(tx, [...new Set(assignments.map((a) => a.userId))]);
  return { assignments, states, waiting, teams: new Map(users.map((u) => [u.id, u.team_id])) };
}

/**
 * After the leads carry their planned owners: the timeline's log rows, the rules' cursors,
 * the events (`lead.updated` + `lead.assigned` with rule_id and rule_name per lead; for an
 * import batch one `leads.assigned` per rule and owner) and the new owners' notifications.
 */
export async function recordAssignments(tx: Tx, ctx: EventContext, planned: PlannedOwners, applied: readonly AppliedAssignment[], via: AssignmentVia) {
  await q.insertLog(tx, ctx.organizationId, applied, via);
  await q.saveCursors(tx, [...planned.states.entries()].filter(([, s]) => s.lastUserId !== null).map(([ruleId, s]) => ({ ruleId, lastUserId: s.lastUserId!, assigned: s.assigned })));
  const events: OutboxEvent[] = [];
  if (via === 'import') {
    const groups = new Map<string, AppliedAssignment[]>();
    for (const a of applied) groups.set(`${a.ruleId}:${a.userId}`, [...(groups.get(`${a.ruleId}:${a.userId}`) ?? []), a]);
    for (const group of groups.values()) {
      const { ruleId, ruleName, userId } = group[0]!;
      for (const ids of chunkIds(group.map((a) => a.leadId))) events.push({ type: 'leads.assigned', entityType: 'lead', entityId: null, payload: { lead_ids: ids, to: userId, rule_id: ruleId, rule_name: ruleName } });
    }
  } else {
    for (const a of applied) {
      const fields = a.teamId === a.previousTeamId ? ['assigned_to'] : ['assigned_to', 'team_id'];
      const lead = (type: string, payload: Record<string, unknown>): OutboxEvent => ({ type, entityType: 'lead', entityId: a.leadId, payload: { lead_id: a.leadId, ...payload } });
      events.push(lead('lead.updated', { fields }));
      events.push(lead('lead.assigned', { fields, to: a.userId, team_id: a.teamId, previous_assigned_to: null, previous_team_id: a.previousTeamId, rule_id: a.ruleId, rule_name: a.ruleName }));
    }
  }
  await emitEvents(tx, ctx, events);
  const perUser = new Map<string, string[]>();
  for (const a of applied) perUser.set(a.userId, [...(perUser.get(a.userId) ?? []), a.leadId]);
  for (const [userId, ids] of perUser) await notifyAssigned(tx, ctx, { leadIds: ids, assignedTo: userId });
}

/**
 * For leads already written without an owner (a lead created through the API, or by the
 * tracker's identify): gives each that still has none to the first matching rule's next
 * eligible user, else to the fallback owner, and records it (see recordAssignments).
 * In the caller's transaction, set-wise: a constant number of statements per call.
 */
export async function assignNewLeads(tx: Tx, ctx: EventContext, leadIds: readonly string[], via: AssignmentVia): Promise<Map<string, Assignment>> {
  const done = new Map<string, Assignment>();
  if (leadIds.length === 0 || !(await q.hasAnyRuleOrFallback(tx))) return done;
  const planned = await planNewLeadOwners(tx, await q.leadFacts(tx, leadIds, { unowned: true }));
  if (!planned) return done;
  await q.insertWaits(tx, ctx.organizationId, planned.waiting);
  const changed = await q.assignLeads(tx, planned.assignments);
  const byLead = new Map(planned.assignments.map((a) => [a.leadId, a]));
  const applied = changed.map((c) => ({ ...byLead.get(c.id)!, teamId: c.team_id, previousTeamId: c.previous_team_id }));
  await recordAssignments(tx, ctx, planned, applied, via);
  for (const a of applied) done.set(a.leadId, a);
  return done;
}

/**
 * After a rescoring: leads that waited for their first score to meet a score-band rule are
 * decided now, in the order they arrived (the rescoring job calls this; at most `limit` a run,
 * the next run takes the rest). Their timeline says the rule, "after its first score".
 */
/** The import writes its leads after planning them: it records their waits itself. */
export async function insertWaits(tx: Tx, organizationId: string, leadIds: readonly string[]) {
  await q.insertWaits(tx, organizationId, leadIds);
}

export async function assignScoredLeads(db: Kysely<DB>, organizationId: string, limit = 1000): Promise<number> {
  return withTenant(db, { organizationId }, async (tx) => {
    const ids = await q.scoredWaits(tx, limit);
    // Decided now whatever happens (an owner given meanwhile is kept: only unowned leads are taken).
    await q.deleteWaits(tx, ids);
    return (await assignNewLeads(tx, systemActor(organizationId), ids, 'score')).size;
  });
}

export function createAssignmentService(db: Kysely<DB>) {
  /** Targets and limits as the distribution needs them; every id must be the caller's organization's. */
  async function checkRule(tx: Tx, rule: { distribution: CreateInput['distribution']; conditions: CreateInput['conditions']; team_id: string | null; user_ids: string[]; max_open_per_rep: number | null }) {
    const { conditions: c, distribution, team_id, user_ids } = rule;
    if (c.score_min !== undefined && c.score_max !== undefined && c.score_min > c.score_max) {
      throw new DomainError('validation', 'conditions.score_min must not be above conditions.score_max.', { field: 'conditions.score_min' });
    }
    if (new Set(user_ids).size !== user_ids.length) throw new DomainError('validation', 'user_ids lists a user twice; list each user once.', { field: 'user_ids' });
    if (distribution === 'single' && (user_ids.length !== 1 || team_id)) {
      throw new DomainError('validation', 'A single-user rule takes exactly one user in user_ids and no team_id.', { field: 'user_ids' });
    }
    if (distribution !== 'single' && (user_ids.length > 0) === Boolean(team_id)) {
      throw new DomainError('validation', `A ${distribution === 'capacity' ? 'capacity' : 'round-robin'} rule needs its targets: either a team (team_id) or a list of users (user_ids), not both.`, { field: user_ids.length > 0 ? 'team_id' : 'user_ids' });
    }
    if (distribution === 'capacity' && rule.max_open_per_rep === null) {
      throw new DomainError('validation', 'A capacity rule needs max_open_per_rep: how many open leads a target may hold (1–1,000,000).', { field: 'max_open_per_rep' });
    }
    if (team_id && !(await q.teamExists(tx, team_id))) throw new DomainError('validation', 'team_id does not name a team of your organization.', { field: 'team_id' });
    const found = new Map((await q.usersByIds(tx, user_ids)).map((u) => [u.id, u]));
    for (const id of user_ids) {
      const user = found.get(id);
      if (!user) throw new DomainError('validation', `user_ids: ${id} is not a user of your organization.`, { field: 'user_ids' });
      if (!user.is_active) throw new DomainError('validation', `user_ids: ${user.full_name} is deactivated and cannot receive leads.`, { field: 'user_ids' });
    }
  }

  async function getOne(tx: Tx, id: string) {
    const rule = (await q.listRules(tx, { id }))[0];
    if (!rule) throw new DomainError('not_found', 'No assignment rule with this id in your organization.');
    return rule;
  }

  return {
    async list(ctx: AuthContext) {
      authorize(ctx, 'automation:manage');
      return { data: (await withTenantRead(db, ctx, (tx) => q.listRules(tx))).map(toRule) };
    },

    async get(ctx: AuthContext, id: string) {
      authorize(ctx, 'automation:manage');
      return toRule(await withTenantRead(db, ctx, (tx) => getOne(tx, id)));
    },

    async create(ctx: AuthContext, input: CreateInput) {
      authorize(ctx, 'automation:manage');
      return withTenant(db, ctx, async (tx) => {
        const rule = { distribution: input.distribution, conditions: input.conditions, team_id: input.team_id ?? null, user_ids: input.user_ids ?? [], max_open_per_rep: input.distribution === 'capacity' ? (input.max_open_per_rep ?? null) : null };
        await checkRule(tx, rule);
        const id = await q.insertRule(tx, {
          organization_id: ctx.organizationId, name: input.name, position: await q.nextPosition(tx), enabled: input.enabled,
          distribution: rule.distribution, conditions: rule.conditions, target_team_id: rule.team_id, max_open_per_rep: rule.max_open_per_rep, created_by: ctx.userId,
        });
        await q.setRuleUsers(tx, ctx.organizationId, id, rule.user_ids);
        return toRule(await getOne(tx, id));
      });
    },

    async update(ctx: AuthContext, id: string, patch: PatchInput) {
      authorize(ctx, 'automation:manage');
      return withTenant(db, ctx, async (tx) => {
        const current = await getOne(tx, id);
        const distribution = patch.distribution ?? current.distribution;
        // Naming the other kind of target replaces the old one (a team or a list, never both).
        const teamId = patch.team_id !== undefined ? patch.team_id : patch.user_ids && patch.user_ids.length > 0 ? null : current.target_team_id;
        const userIds = patch.user_ids ?? (patch.team_id ? [] : current.user_ids);
        const max = distribution === 'capacity' ? (patch.max_open_per_rep !== undefined ? patch.max_open_per_rep : current.max_open_per_rep) : null;
        const rule = { distribution, conditions: patch.conditions ?? current.conditions, team_id: teamId, user_ids: userIds, max_open_per_rep: max };
        await checkRule(tx, rule);
        await q.updateRule(tx, id, {
          ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
          distribution, conditions: rule.conditions, target_team_id: teamId, max_open_per_rep: max,
        });
        await q.setRuleUsers(tx, ctx.organizationId, id, userIds);
        return toRule(await getOne(tx, id));
      });
    },

    async remove(ctx: AuthContext, id: string) {
      authorize(ctx, 'automation:manage');
      await withTenant(db, ctx, async (tx) => {
        if (!(await q.deleteRule(tx, id))) throw new DomainError('not_found', 'No assignment rule with this id in your organization.');
      });
    },

    /** The new evaluation order: every rule's id exactly once. */
    async reorder(ctx: AuthContext, ids: string[]) {
      authorize(ctx, 'automation:manage');
      return withTenant(db, ctx, async (tx) => {
        const all = new Set(await q.allRuleIds(tx));
        const unknown = ids.filter((id) => !all.has(id));
        const missing = [...all].filter((id) => !ids.includes(id));
        if (unknown.length > 0 || missing.length > 0 || new Set(ids).size !== ids.length) {
          const said = [unknown.length > 0 ? `not rules of your organization: ${unknown.join(', ')}` : '', missing.length > 0 ? `missing: ${missing.join(', ')}` : '', new Set(ids).size !== ids.length ? 'some ids appear twice' : ''].filter(Boolean).join('; ');
          throw new DomainError('validation', `ids must list every assignment rule exactly once (${said}).`, { field: 'ids' });
        }
        await q.setPositions(tx, ids);
        return { data: (await q.listRules(tx)).map(toRule) };
      });
    },

    async getFallback(ctx: AuthContext) {
      authorize(ctx, 'automation:manage');
      const row = await withTenantRead(db, ctx, (tx) => q.getSettings(tx));
      return { user_id: row?.fallback_user_id ?? null, updated_at: row?.updated_at ?? null };
    },

    async setFallback(ctx: AuthContext, userId: string | null) {
      authorize(ctx, 'automation:manage');
      return withTenant(db, ctx, async (tx) => {
        if (userId) {
          const user = (await q.usersByIds(tx, [userId]))[0];
          if (!user) throw new DomainError('validation', 'user_id is not a user of your organization.', { field: 'user_id' });
          if (!user.is_active) throw new DomainError('validation', `${user.full_name} is deactivated and cannot receive leads.`, { field: 'user_id' });
        }
        await q.saveSettings(tx, ctx.organizationId, userId, ctx.userId);
        const row = await q.getSettings(tx);
        return { user_id: row?.fallback_user_id ?? null, updated_at: row?.updated_at ?? null };
      });
    },

    /**
     * What the rules would do with these leads now, changing nothing: the same evaluation as
     * a real assignment (without locking the cursors), over the leads in the order given.
     */
    async dryRun(ctx: AuthContext, body: z.infer<typeof DryRunBody>) {
      authorize(ctx, 'automation:manage');
      return withTenantRead(db, ctx, async (tx) => {
        const given = body.lead_ids ? [...new Set(body.lead_ids)] : null;
        const leads = given ? await q.leadFacts(tx, given, { unowned: false }) : await q.recentUnowned(tx, body.recent ?? 20);
        if (given && leads.length < given.length) {
          const seen = new Set(leads.map((l) => l.id));
          throw new DomainError('not_found', `No lead with id ${given.find((id) => !seen.has(id))} is visible to you.`, { field: 'lead_ids' });
        }
        // A dry run judges leads by the score they have now, first score or not.
        const unowned = leads.filter((l) => l.assigned_to === null).map((l) => ({ ...l, scored: true }));
        const { assignments } = await evaluate(tx, unowned, false);
        const byLead = new Map(assignments.map((a) => [a.leadId, a]));
        const [labels, names] = await Promise.all([
          q.leadLabels(tx, leads.map((l) => l.id)),
          q.userNames(tx, [...new Set([...assignments.map((a) => a.userId), ...leads.flatMap((l) => (l.assigned_to ? [l.assigned_to] : []))])]),
        ]);
        return {
          data: leads.map((l) => {
            const a = byLead.get(l.id);
            const owner = l.assigned_to ?? a?.userId ?? null;
            return {
              lead_id: l.id, lead_name: labels.get(l.id) ?? '',
              outcome: l.assigned_to ? ('owned' as const) : !a ? ('none' as const) : a.ruleId ? ('rule' as const) : ('fallback' as const),
              rule_id: a?.ruleId ?? null, rule_name: a?.ruleName ?? null,
              assigned_to: owner, assigned_to_name: owner ? (names.get(owner) ?? null) : null,
            };
          }),
        };
      });
    },
  };
}

export type AssignmentService = ReturnType<typeof createAssignmentService>;
