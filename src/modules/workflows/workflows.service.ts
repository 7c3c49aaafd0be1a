import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTenant, withTenantRead, type Tx } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize } from '../auth/permissions.ts';
import { emitEvent, emitEvents, systemActor, type EventContext, type OutboxEvent } from '../events/events.service.ts';
import { leadChangeEvents } from '../leads/lead-events.ts';
import { notifyAssigned, notifyWorkflow } from '../notifications/notifications.service.ts';
import { conditionsHold, describeTrigger, holdsNow, isStateTrigger, statusChangeMatches, transition, triggerState, type LeadFacts, type StateTrigger } from './workflows.conditions.ts';
import * as q from './workflows.queries.ts';
import { Action, Conditions, Trigger, type ReorderBody, type WorkflowBody, type WorkflowPatch } from './workflows.schemas.ts';
import type { z } from 'zod';

/** The consumer's job: one queued per organization (dedupe), run by any worker. */
export const WORKFLOWS_QUEUE = 'workflows.consume';
/** The periodic system job: queues the consumer where events wait or the time sweep is due. */
export const WORKFLOWS_POLL_QUEUE = 'workflows.poll';
export const POLL_EVERY_MS = 30_000;
/** Time-based triggers (no touch for N days) are checked this often per organization. */
export const SWEEP_EVERY_MS = 10 * 60_000;
/** The run log keeps this long; older entries go with the sweep, in batches. */
export const RUNS_KEPT_DAYS = 90;

/**
 * Loops. A workflow's changes are written with `workflow_id` and `workflow_hop` in their
 * outbox events' payloads (hop 1: caused by a person's or the system's change; n + 1: by an
 * event of hop n). A workflow never fires on its own changes, and nothing fires on an event
 * of hop MAX_HOPS: two workflows that would undo each other's status stop after three
 * changes, with a "skipped" run saying why. State triggers add a second cut: a workflow
 * fires only when its condition turns from false to true (per lead, workflow_lead_states),
 * so an action that keeps its own condition true cannot fire it again. Changes derived in
 * the background (a rescoring after a workflow's task) carry no hop; they still fire a
 * workflow at most once per transition of its condition.
 */
export const MAX_HOPS = 3;
const BATCH = 200;
const MAX_LEADS = 2000;
const PAGE = 1000;
const DRY_RUN_SHOWN = 100;

type Sender = { sendTemplate(input: { organizationId: string; leadId: string; templateId: string; actor: WorkflowActor }): Promise<unknown> };
/** Who sends a workflow's e-mail: the workflow itself (no user acted). */
export interface WorkflowActor { type: 'workflow'; id: string; name: string }

/** Until the e-mail module is wired in, the send_email action fails with this (the run log says so). */
export const EMAIL_NOT_SET_UP = 'E-mail sending is not set up';
export const noEmailSender: Sender = {
  async sendTemplate() {
    throw new DomainError('precondition_failed', EMAIL_NOT_SET_UP);
  },
};

type ActionResult = q.RunRow['actions'][number];
type Workflow = Omit<q.WorkflowRow, 'trigger' | 'conditions' | 'actions'> & { trigger: Trigger; conditions: Conditions; actions: Action[] };

/** Rows as stored are what the API validated; parsed again so a row edited by hand fails loudly, not strangely. */
function parsed(row: q.WorkflowRow): Workflow {
  return { ...row, trigger: Trigger.parse(row.trigger), conditions: Conditions.parse(row.conditions), actions: row.actions.map((a) => Action.parse(a)) };
}

function present({ from_seq: _from, ...row }: q.WorkflowRow) {
  return { ...row, last_fired_at: row.last_fired_at?.toISOString() ?? null, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

const statusOf = (results: ActionResult[]): q.RunRow['status'] =>
  results.every((r) => r.ok) ? 'succeeded' : results.some((r) => r.ok) ? 'partial' : 'failed';

const messageOf = (error: unknown) => (error instanceof DomainError ? error.message : 'The action failed unexpectedly; the server log has the details.');

interface Origin { workflowId: string | null; hop: number }

function originOf(payload: Record<string, unknown>): Origin {
  const hop = typeof payload.workflow_hop === 'number' ? payload.workflow_hop : 0;
  return { workflowId: typeof payload.workflow_id === 'string' ? payload.workflow_id : null, hop };
}

/** Whom a firing may be caused by: not the workflow itself, and not past the chain limit. */
function allowedOrigins(origins: readonly Origin[], workflowId: string): Origin[] {
  return origins.filter((o) => o.workflowId !== workflowId && o.hop < MAX_HOPS);
}

export function createWorkflowsService(db: Kysely<DB>, options: { email?: Sender; onEnqueued?: () => void; logger?: { error(o: object, m: string): void }; now?: () => Date } = {}) {
  const email = options.email ?? noEmailSender;
  const now = options.now ?? (() => new Date());
  const system = (organizationId: string) => ({ organizationId });

  async function find(tx: Tx, id: string): Promise<q.WorkflowRow> {
    const row = await q.getWorkflow(tx, id);
    if (!row) throw new DomainError('not_found', 'No workflow with this id in your organization.');
    return row;
  }

  /** Every user a workflow names must be of this organization (RLS would hide others: they look absent). */
  async function checkUsers(tx: Tx, conditions: Conditions, actions: Action[]) {
    for (const [i, a] of actions.entries()) {
      const ids = a.type === 'assign' ? [a.user_id] : a.type === 'notify' ? a.user_ids : [];
      for (const id of ids) {
        if (!(await q.userInfo(tx, id))) throw new DomainError('validation', `actions[${i}]: ${id} is not a user of your organization.`, { field: `actions.${i}` });
      }
    }
    for (const id of conditions.owner_ids ?? []) {
      if (!(await q.userInfo(tx, id))) throw new DomainError('validation', `conditions.owner_ids: ${id} is not a user of your organization.`, { field: 'conditions.owner_ids' });
    }
  }

  /**
   * The leads the trigger already holds for are recorded as such, so that a new (or resumed,
   * or edited) workflow fires on transitions from now on, not on every lead that happens to
   * qualify today.
   */
  async function snapshot(tx: Tx, organizationId: string, wf: Workflow) {
    await q.startFromHead(tx, wf.id);
    await q.clearStates(tx, wf.id);
    if (!isStateTrigger(wf.trigger)) return;
    const at = now();
    let after: string | null = null;
    for (;;) {
      const page = await q.leadFactsPage(tx, after, PAGE);
      if (page.length === 0) break;
      const rows = page.map((f) => ({ leadId: f.id, ...triggerState(wf.trigger as StateTrigger, f, at) })).filter((s) => s.active || s.count > 0);
      await q.saveStates(tx, organizationId, wf.id, rows);
      after = page[page.length - 1]!.id;
    }
  }

  // --- actions ---------------------------------------------------------------------------

  interface Firing { wf: Workflow; leadId: string; hop: number; trigger: Record<string, unknown> }

  /** Runs a firing's actions in the consumer's transaction, each in a savepoint (a failed one is undone alone). */
  async function fire(tx: Tx, organizationId: string, f: Firing): Promise<{ runId: string; emails: { index: number; templateId: string }[] }> {
    const ctx: EventContext = systemActor(organizationId);
    const by = `by workflow "${f.wf.name}"`;
    const mark = { workflow_id: f.wf.id, workflow_hop: f.hop };
    const tagged = (events: OutboxEvent[]) => events.map((e) => ({ ...e, payload: { ...e.payload, ...mark } }));
    const results: ActionResult[] = [];
    const emails: { index: number; templateId: string }[] = [];
    const runId = await q.insertRun(tx, organizationId, { workflow_id: f.wf.id, lead_id: f.leadId, trigger: f.trigger, actions: [], status: 'succeeded', hop: f.hop, dry_run: false });
    for (const [index, action] of f.wf.actions.entries()) {
      if (action.type === 'send_email') {
        // Sent after this transaction commits (the sender has its own; PGlite has one connection).
        emails.push({ index, templateId: action.template_id });
        results.push({ type: action.type, ok: true, result: 'Sending…', error: null });
        continue;
      }
      await q.savepoint(tx, 'SAVEPOINT');
      try {
        const lead = await q.lockLead(tx, f.leadId);
        if (!lead) throw new DomainError('not_found', 'The lead no longer exists.');
        let result: string;
        switch (action.type) {
          case 'assign': {
            const user = await q.userInfo(tx, action.user_id);
            if (!user) throw new DomainError('validation', 'The user to assign to is no longer in this organization.');
            if (!user.is_active) throw new DomainError('validation', `${user.full_name} is deactivated; an inactive user never receives leads.`);
            if (lead.assigned_to === user.id) {
              result = `Already assigned to ${user.full_name}`;
              break;
            }
            await q.setLeadOwner(tx, lead.id, user.id);
            await emitEvents(tx, ctx, tagged(leadChangeEvents(lead, { ...lead, assigned_to: user.id }, ['assigned_to'])));
            await q.insertTimelineEntry(tx, organizationId, lead.id, { type: 'workflow', name: `Assigned to ${user.full_name} ${by}`, properties: { workflow_id: f.wf.id, action: 'assign', to: user.id } });
            await notifyAssigned(tx, ctx, { leadIds: [lead.id], assignedTo: user.id });
            result = `Assigned to ${user.full_name}`;
            break;
          }
          case 'change_status': {
            if (lead.status === action.status) {
              result = `Already ${action.status}`;
              break;
            }
            await q.setLeadStatus(tx, lead.id, action.status);
            await q.insertTimelineEntry(tx, organizationId, lead.id, { type: 'status_change', name: `Status changed to ${action.status} ${by}`, properties: { from: lead.status, to: action.status, workflow_id: f.wf.id } });
            await emitEvents(tx, ctx, tagged(leadChangeEvents(lead, { ...lead, status: action.status }, ['status'])));
            result = `Status changed from ${lead.status} to ${action.status}`;
            break;
          }
          case 'add_tag': {
            if (lead.tags.includes(action.tag)) {
              result = `Already tagged "${action.tag}"`;
              break;
            }
            await q.addLeadTag(tx, lead.id, action.tag);
            await q.insertTimelineEntry(tx, organizationId, lead.id, { type: 'workflow', name: `Tag "${action.tag}" added ${by}`, properties: { workflow_id: f.wf.id, action: 'add_tag' } });
            await emitEvents(tx, ctx, tagged([{ type: 'lead.updated', entityType: 'lead', entityId: lead.id, payload: { lead_id: lead.id, fields: ['tags'] } }]));
            result = `Tag "${action.tag}" added`;
            break;
          }
          case 'create_task': {
            const due = new Date(now().getTime() + action.due_in_days * 86_400_000);
            const id = await q.insertTask(tx, organizationId, lead.id, { subject: action.subject, description: `Created ${by}.`, dueAt: due, metadata: { workflow_id: f.wf.id, workflow_name: f.wf.name } });
            await emitEvents(tx, ctx, tagged([{ type: 'activity.created', entityType: 'activity', entityId: id, payload: { lead_id: lead.id } }]));
            result = `Task "${action.subject}" created, due ${due.toISOString().slice(0, 10)}`;
            break;
          }
          case 'notify': {
            const ids = [...new Set([...action.user_ids, ...(action.owner && lead.assigned_to ? [lead.assigned_to] : [])])];
            const users = await q.activeUsers(tx, ids);
            if (users.length === 0) throw new DomainError('validation', action.owner && !lead.assigned_to && action.user_ids.length === 0 ? 'The lead has no owner to notify.' : 'None of the users to notify is active.');
            await notifyWorkflow(tx, ctx, { userIds: users.map((u) => u.id), leadId: lead.id, title: `Workflow "${f.wf.name}": ${lead.name || 'a lead'}`, body: action.message ?? describeTrigger(f.wf.trigger), dedupeKey: `workflow:${runId}:${index}` });
            result = `Notified ${users.map((u) => u.full_name).join(', ')}`;
            break;
          }
          case 'webhook':
            // Ids, the workflow's name and the trigger's parameters: no personal data (EventPayload).
            await emitEvent(tx, ctx, { type: 'workflow.fired', entityType: 'workflow', entityId: f.wf.id, payload: { workflow_id: f.wf.id, workflow_name: f.wf.name, lead_id: lead.id, trigger: f.wf.trigger } });
            result = 'workflow.fired event sent to subscribed webhooks';
            break;
        }
        await q.savepoint(tx, 'RELEASE SAVEPOINT');
        results.push({ type: action.type, ok: true, result, error: null });
      } catch (error) {
        await q.savepoint(tx, 'ROLLBACK TO SAVEPOINT');
        if (!(error instanceof DomainError)) options.logger?.error({ err: error, workflow: f.wf.id, action: action.type }, 'workflow action failed');
        results.push({ type: action.type, ok: false, result: null, error: messageOf(error) });
      }
    }
    await q.updateRun(tx, runId, results, statusOf(results));
    return { runId, emails };
  }

  /** After the firing committed: the e-mails, each result written back to its run. */
  async function sendEmails(organizationId: string, sent: { runId: string; wf: Workflow; leadId: string; emails: { index: number; templateId: string }[] }[]) {
    for (const s of sent) {
      if (s.emails.length === 0) continue;
      const outcomes = new Map<number, ActionResult>();
      for (const e of s.emails) {
        try {
          await email.sendTemplate({ organizationId, leadId: s.leadId, templateId: e.templateId, actor: { type: 'workflow', id: s.wf.id, name: s.wf.name } });
          outcomes.set(e.index, { type: 'send_email', ok: true, result: `E-mail template ${e.templateId} sent`, error: null });
        } catch (error) {
          const message = error instanceof Error && error.message ? error.message : 'The e-mail could not be sent.';
          outcomes.set(e.index, { type: 'send_email', ok: false, result: null, error: message });
        }
      }
      await withTenant(db, system(organizationId), async (tx) => {
        const runs = await q.getRun(tx, s.runId);
        if (!runs) return;
        const actions = runs.actions.map((a, i) => outcomes.get(i) ?? a);
        await q.updateRun(tx, s.runId, actions, statusOf(actions));
      });
    }
  }

  // --- evaluation ------------------------------------------------------------------------

  /**
   * Evaluates state triggers for the given leads: records each transition, fires on
   * false → true when a permitted origin caused it and the conditions hold. `origins`
   * undefined: the sweep (time passed; no change caused it: hop 0).
   */
  async function evaluateStates(tx: Tx, organizationId: string, workflows: Workflow[], facts: LeadFacts[], origins: Map<string, Origin[]> | undefined, seq: number | null): Promise<Firing[]> {
    const at = now();
    const firings: Firing[] = [];
    const skipped: { wf: Workflow; leadId: string; hop: number; trigger: Record<string, unknown> }[] = [];
    for (const wf of workflows) {
      if (!isStateTrigger(wf.trigger)) continue;
      const trig = wf.trigger;
      const before = await q.states(tx, wf.id, facts.map((f) => f.id));
      const save: { leadId: string; active: boolean; count: number }[] = [];
      for (const lead of facts) {
        const current = triggerState(trig, lead, at);
        const t = transition(before.get(lead.id), current);
        if (t === 'none') continue;
        save.push({ leadId: lead.id, ...current });
        if (t !== 'fire') continue;
        const trigger = { type: trig.type, description: describeTrigger(trig), source: origins ? 'event' : 'sweep', ...(seq !== null ? { seq } : {}) };
        const from = origins ? origins.get(lead.id) ?? [{ workflowId: null, hop: 0 }] : [{ workflowId: null, hop: 0 }];
        const allowed = allowedOrigins(from, wf.id);
        if (allowed.length === 0) {
          // Its own change (nothing to log: the transition is consumed), or a chain at its limit (logged).
          if (from.some((o) => o.workflowId !== wf.id)) skipped.push({ wf, leadId: lead.id, hop: Math.min(...from.map((o) => o.hop)), trigger });
          continue;
        }
        if (!conditionsHold(wf.conditions, lead)) continue;
        firings.push({ wf, leadId: lead.id, hop: Math.min(...allowed.map((o) => o.hop)) + 1, trigger });
      }
      await q.saveStates(tx, organizationId, wf.id, save);
    }
    for (const s of skipped) await logChainCut(tx, organizationId, s);
    return firings;
  }

  async function logChainCut(tx: Tx, organizationId: string, s: { wf: Workflow; leadId: string; hop: number; trigger: Record<string, unknown> }) {
    await q.insertRun(tx, organizationId, {
      workflow_id: s.wf.id, lead_id: s.leadId, trigger: s.trigger, status: 'skipped', hop: s.hop, dry_run: false,
      actions: [{ type: 'chain', ok: false, result: null, error: `Not run: ${MAX_HOPS} workflow changes in a row led here (the limit that stops workflows from triggering each other endlessly).` }],
    });
  }

  /**
   * One batch of the organization's outbox after the cursor: every firing it causes, the
   * cursor moved past it, in one transaction (so each event is handled exactly once).
   * Returns whether a full batch was read (more may wait).
   */
  async function consumeBatch(organizationId: string): Promise<{ events: number; fired: number; more: boolean }> {
    const sent: Parameters<typeof sendEmails>[1] = [];
    const out = await withTenant(db, system(organizationId), async (tx) => {
      const cursor = await q.lockCursor(tx);
      if (!cursor) return { events: 0, fired: 0, more: false };
      const events = await q.eventsAfter(tx, cursor.last_seq, BATCH);
      if (events.length === 0) return { events: 0, fired: 0, more: false };
      const workflows = (await q.enabledWorkflows(tx)).map(parsed);
      if (workflows.length === 0) {
        // All paused: nothing can fire on these events (resuming starts from the present), so skip to the head.
        await q.advanceCursor(tx, Math.max(events[events.length - 1]!.seq, await q.headSeq(tx)));
        return { events: events.length, fired: 0, more: false };
      }
      const origins = new Map<string, Origin[]>();
      const statusChanges: { seq: number; leadId: string; from: string; to: string; origin: Origin }[] = [];
      // A batch names at most MAX_LEADS leads (a rescoring's lead.scored events name up to
      // 1,000 each): the batch ends at the event that reaches it, the next one goes on from there.
      let last = events[events.length - 1]!.seq;
      let cut = false;
      for (const e of events) {
        if (origins.size >= MAX_LEADS) {
          cut = true;
          break;
        }
        last = e.seq;
        if (e.event_type === 'workflow.fired' || e.event_type.startsWith('notification.')) continue;
        const p = e.payload;
        const ids = typeof p.lead_id === 'string' ? [p.lead_id] : Array.isArray(p.lead_ids) ? p.lead_ids.filter((x): x is string => typeof x === 'string') : [];
        if (ids.length === 0 || e.event_type === 'lead.deleted' || e.event_type === 'lead.merged') continue;
        const origin = originOf(p);
        for (const id of ids) origins.set(id, [...(origins.get(id) ?? []), origin]);
        if (e.event_type === 'lead.status_changed' && typeof p.from === 'string' && typeof p.to === 'string') statusChanges.push({ seq: e.seq, leadId: ids[0]!, from: p.from, to: p.to, origin });
      }
      const facts = await q.leadFacts(tx, [...origins.keys()]);
      const byId = new Map(facts.map((f) => [f.id, f]));
      const firings = await evaluateStates(tx, organizationId, workflows, facts, origins, last);
      for (const wf of workflows) {
        if (wf.trigger.type !== 'status_changed') continue;
        for (const c of statusChanges) {
          if (!statusChangeMatches(wf.trigger, c.from, c.to)) continue;
          const lead = byId.get(c.leadId);
          if (!lead || c.origin.workflowId === wf.id || c.seq <= wf.from_seq) continue;
          const trigger = { type: 'status_changed', description: `Status changed from ${c.from} to ${c.to}`, from: c.from, to: c.to, source: 'event', seq: c.seq };
          if (c.origin.hop >= MAX_HOPS) {
            await logChainCut(tx, organizationId, { wf, leadId: c.leadId, hop: c.origin.hop, trigger });
            continue;
          }
          if (conditionsHold(wf.conditions, lead)) firings.push({ wf, leadId: c.leadId, hop: c.origin.hop + 1, trigger });
        }
      }
      // In the workflows' order, whatever trigger kind fired them.
      const order = new Map(workflows.map((w, i) => [w.id, i]));
      firings.sort((a, b) => order.get(a.wf.id)! - order.get(b.wf.id)!);
      for (const f of firings) {
        const { runId, emails } = await fire(tx, organizationId, f);
        sent.push({ runId, wf: f.wf, leadId: f.leadId, emails });
      }
      await q.markFired(tx, [...new Set(firings.map((f) => f.wf.id))]);
      await q.advanceCursor(tx, last);
      return { events: events.length, fired: firings.length, more: cut || events.length === BATCH };
    });
    await sendEmails(organizationId, sent);
    return out;
  }

  /** Time-based triggers: leads that went stale (or were touched again) since the last sweep. */
  async function sweep(organizationId: string): Promise<number> {
    const sent: Parameters<typeof sendEmails>[1] = [];
    const fired = await withTenant(db, system(organizationId), async (tx) => {
      if (!(await q.lockCursor(tx))) return 0;
      const workflows = (await q.enabledWorkflows(tx)).map(parsed).filter((w) => w.trigger.type === 'no_touch');
      await q.markSwept(tx);
      await q.pruneRuns(tx, new Date(now().getTime() - RUNS_KEPT_DAYS * 86_400_000), 5000);
      if (workflows.length === 0) return 0;
      const days = Math.min(...workflows.map((w) => (w.trigger.type === 'no_touch' ? w.trigger.days : Infinity)));
      const narrow = { staleBefore: new Date(now().getTime() - days * 86_400_000), activeFor: workflows.map((w) => w.id) };
      let after: string | null = null;
      let n = 0;
      for (;;) {
        const page = await q.leadFactsPage(tx, after, PAGE, narrow);
        if (page.length === 0) break;
        const firings = await evaluateStates(tx, organizationId, workflows, page, undefined, null);
        for (const f of firings) {
          const { runId, emails } = await fire(tx, organizationId, f);
          sent.push({ runId, wf: f.wf, leadId: f.leadId, emails });
        }
        await q.markFired(tx, [...new Set(firings.map((f) => f.wf.id))]);
        n += firings.length;
        after = page[page.length - 1]!.id;
      }
      return n;
    });
    await sendEmails(organizationId, sent);
    return fired;
  }

  /** What each action would do to this lead, changing nothing. */
  async function preview(tx: Tx, wf: Workflow, lead: q.FactsRow & { tags?: string[] }): Promise<ActionResult[]> {
    const out: ActionResult[] = [];
    for (const a of wf.actions) {
      const ok = (result: string): ActionResult => ({ type: a.type, ok: true, result, error: null });
      const fail = (error: string): ActionResult => ({ type: a.type, ok: false, result: null, error });
      switch (a.type) {
        case 'assign': {
          const u = await q.userInfo(tx, a.user_id);
          out.push(!u ? fail('The user to assign to is no longer in this organization.') : !u.is_active ? fail(`${u.full_name} is deactivated; an inactive user never receives leads.`) : ok(lead.assigned_to === u.id ? `Already assigned to ${u.full_name}` : `Would assign to ${u.full_name}`));
          break;
        }
        case 'change_status':
          out.push(ok(lead.status === a.status ? `Already ${a.status}` : `Would change status from ${lead.status} to ${a.status}`));
          break;
        case 'add_tag':
          out.push(ok(lead.tags?.includes(a.tag) ? `Already tagged "${a.tag}"` : `Would add tag "${a.tag}"`));
          break;
        case 'create_task':
          out.push(ok(`Would create task "${a.subject}", due in ${a.due_in_days} day${a.due_in_days === 1 ? '' : 's'}`));
          break;
        case 'notify': {
          const users = await q.activeUsers(tx, [...new Set([...a.user_ids, ...(a.owner && lead.assigned_to ? [lead.assigned_to] : [])])]);
          out.push(users.length ? ok(`Would notify ${users.map((u) => u.full_name).join(', ')}`) : fail('Nobody to notify: no active recipient (and no owner)'));
          break;
        }
        case 'webhook':
          out.push(ok('Would send a workflow.fired event to subscribed webhooks'));
          break;
        case 'send_email':
          out.push(email === noEmailSender ? fail(EMAIL_NOT_SET_UP) : ok(`Would send e-mail template ${a.template_id}`));
          break;
      }
    }
    return out;
  }

  async function requestConsume(organizationId: string) {
    await enqueue(db, { organizationId, queue: WORKFLOWS_QUEUE, dedupeKey: 'consume' });
    options.onEnqueued?.();
  }

  return {
    async list(ctx: AuthContext) {
      authorize(ctx, 'automation:manage');
      const rows = await withTenantRead(db, ctx, (tx) => q.listWorkflows(tx));
      return { data: rows.map(present) };
    },

    async get(ctx: AuthContext, id: string) {
      authorize(ctx, 'automation:manage');
      return present(await withTenantRead(db, ctx, (tx) => find(tx, id)));
    },

    async create(ctx: AuthContext, body: z.infer<typeof WorkflowBody>) {
      authorize(ctx, 'automation:manage');
      const row = await withTenant(db, ctx, async (tx) => {
        await checkUsers(tx, body.conditions, body.actions);
        const id = await q.insertWorkflow(tx, ctx.organizationId, { ...body, userId: ctx.userId });
        const wf = parsed(await find(tx, id));
        await q.ensureCursor(tx, ctx.organizationId);
        if (wf.enabled) await snapshot(tx, ctx.organizationId, wf);
        await emitEvent(tx, ctx, { type: 'workflow.created', entityType: 'workflow', entityId: id, payload: { workflow_id: id } });
        return find(tx, id);
      });
      return present(row);
    },

    async update(ctx: AuthContext, id: string, patch: z.infer<typeof WorkflowPatch>) {
      authorize(ctx, 'automation:manage');
      const row = await withTenant(db, ctx, async (tx) => {
        const current = parsed(await find(tx, id));
        await checkUsers(tx, patch.conditions ?? current.conditions, patch.actions ?? current.actions);
        await q.updateWorkflow(tx, id, { ...patch, userId: ctx.userId });
        const wf = parsed(await find(tx, id));
        // A new trigger starts from today's state, like a new workflow.
        if (patch.trigger && wf.enabled) await snapshot(tx, ctx.organizationId, wf);
        await emitEvent(tx, ctx, { type: 'workflow.updated', entityType: 'workflow', entityId: id, payload: { workflow_id: id, fields: Object.keys(patch) } });
        return find(tx, id);
      });
      return present(row);
    },

    async remove(ctx: AuthContext, id: string) {
      authorize(ctx, 'automation:manage');
      await withTenant(db, ctx, async (tx) => {
        if (!(await q.deleteWorkflow(tx, id))) throw new DomainError('not_found', 'No workflow with this id in your organization.');
        await emitEvent(tx, ctx, { type: 'workflow.deleted', entityType: 'workflow', entityId: id, payload: { workflow_id: id } });
      });
    },

    /**
     * Pause stops firing at once; resume starts again from the present: what happened while
     * paused does not fire (its leads' state is taken as it is now).
     */
    async setEnabled(ctx: AuthContext, id: string, enabled: boolean) {
      authorize(ctx, 'automation:manage');
      const row = await withTenant(db, ctx, async (tx) => {
        const current = parsed(await find(tx, id));
        if (current.enabled !== enabled) {
          await q.updateWorkflow(tx, id, { enabled, userId: ctx.userId });
          if (enabled) {
            await q.ensureCursor(tx, ctx.organizationId);
            await snapshot(tx, ctx.organizationId, current);
          }
          await emitEvent(tx, ctx, { type: 'workflow.updated', entityType: 'workflow', entityId: id, payload: { workflow_id: id, fields: ['enabled'] } });
        }
        return find(tx, id);
      });
      return present(row);
    },

    async reorder(ctx: AuthContext, body: z.infer<typeof ReorderBody>) {
      authorize(ctx, 'automation:manage');
      const rows = await withTenant(db, ctx, async (tx) => {
        const ids = await q.lockWorkflowIds(tx);
        const given = new Set(body.ids);
        if (given.size !== body.ids.length) throw new DomainError('validation', 'ids lists a workflow twice; list each once.', { field: 'ids' });
        if (given.size !== ids.length || ids.some((id) => !given.has(id))) {
          throw new DomainError('validation', `ids must list every workflow of your organization exactly once (${ids.length}), in the new order.`, { field: 'ids' });
        }
        await q.setPositions(tx, body.ids);
        await emitEvent(tx, ctx, { type: 'workflow.updated', entityType: 'workflow', entityId: null, payload: { fields: ['position'] } });
        return q.listWorkflows(tx);
      });
      return { data: rows.map(present) };
    },

    /** Which leads the trigger and conditions hold for now, and what each action would do: nothing is changed, one dry-run entry is logged. */
    async dryRun(ctx: AuthContext, id: string) {
      authorize(ctx, 'automation:manage');
      return withTenant(db, ctx, async (tx) => {
        const wf = parsed(await find(tx, id));
        const at = now();
        let after: string | null = null;
        let scanned = 0;
        let matched = 0;
        const leads = [];
        for (;;) {
          const page = await q.leadFactsPage(tx, after, PAGE);
          if (page.length === 0) break;
          scanned += page.length;
          for (const lead of page) {
            if (!holdsNow(wf.trigger, lead, at) || !conditionsHold(wf.conditions, lead)) continue;
            matched += 1;
            if (leads.length < DRY_RUN_SHOWN) {
              const tags = await q.leadTags(tx, lead.id);
              leads.push({ lead_id: lead.id, name: lead.name, status: lead.status, score: lead.score, actions: await preview(tx, wf, { ...lead, tags }) });
            }
          }
          after = page[page.length - 1]!.id;
        }
        const trigger = `${describeTrigger(wf.trigger)}${isStateTrigger(wf.trigger) ? ' (holds now)' : wf.trigger.type === 'status_changed' ? ' (leads now in the status it leads to)' : ''}`;
        await q.insertRun(tx, ctx.organizationId, { workflow_id: id, lead_id: null, trigger: { type: wf.trigger.type, description: trigger, matched, scanned }, actions: [], status: 'succeeded', hop: 0, dry_run: true });
        return { workflow_id: id, trigger, scanned, matched, leads, truncated: matched > leads.length };
      });
    },

    async runs(ctx: AuthContext, id: string, query: { limit: number; cursor?: string | undefined }) {
      authorize(ctx, 'automation:manage');
      const after = query.cursor ? (decodeCursor('workflow_runs', query.cursor, ['timestamp', 'uuid']) as [string, string]) : null;
      const rows = await withTenantRead(db, ctx, async (tx) => {
        await find(tx, id);
        return q.listRuns(tx, id, query.limit, after);
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        data: page.map((r) => ({ ...r, created_at: r.created_at.toISOString() })),
        next_cursor: rows.length > query.limit && last ? encodeCursor('workflow_runs', [last.created_at.toISOString(), last.id]) : null,
      };
    },

    /** The consumer job: every waiting batch, then the time sweep when due. */
    async handleJob(organizationId: string): Promise<{ events: number; fired: number; swept: number | null }> {
      let events = 0;
      let fired = 0;
      for (;;) {
        const r = await consumeBatch(organizationId);
        events += r.events;
        fired += r.fired;
        if (!r.more) break;
      }
      const cursor = await withTenantRead(db, system(organizationId), (tx) => q.readCursor(tx));
      const due = cursor && (!cursor.swept_at || cursor.swept_at.getTime() < now().getTime() - SWEEP_EVERY_MS);
      const swept = due ? await sweep(organizationId) : null;
      return { events, fired, swept };
    },

    /** The periodic poll (a system job): a consumer for every organization with waiting events or a due sweep. */
    async poll(): Promise<{ organizations: number }> {
      const orgs = await q.organizationsDue(db, new Date(now().getTime() - SWEEP_EVERY_MS));
      for (const o of orgs) await enqueue(db, { organizationId: o, queue: WORKFLOWS_QUEUE, dedupeKey: 'consume' });
      return { organizations: orgs.length };
    },

    /** Keeps one poll queued (a system job; see metrics.ensureSweep for why an advisory lock). */
    async ensurePoll(runAt: Date = new Date(now().getTime() + POLL_EVERY_MS)): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (!(await q.lockPollSchedule(trx))) await enqueue(trx, { organizationId: null, queue: WORKFLOWS_POLL_QUEUE, runAt, priority: -1 });
      });
    },

    /**
     * Called when the sequencer announces new events of an organization (STREAM_CHANNEL): a
     * consumer is queued at once when it has workflows (the poll catches anything missed).
     */
    async onSequenced(organizationId: string): Promise<void> {
      if (await q.hasEnabledWorkflows(db, organizationId)) await requestConsume(organizationId);
    },
  };
}

export type WorkflowsService = ReturnType<typeof createWorkflowsService>;
