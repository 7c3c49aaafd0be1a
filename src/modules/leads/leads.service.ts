import { isTombstoned, TOMBSTONE_MESSAGE } from '../privacy/privacy.tombstones.ts';
import { auditActor, recordAudit } from '../audit/audit.service.ts';
import type { Kysely, Updateable } from 'kysely';
import type { DB, LeadsTable, LeadStatus } from '../../db/schema.ts';
import { withTenant, withTenantRead, type Tx } from '../../db/tenant.ts';
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts';
import { patchValues } from '../../shared/patch.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { emitEvent, emitEvents } from '../events/events.service.ts';
import { notifyAssigned } from '../notifications/notifications.service.ts';
import { endContactSuggestions } from '../insights/insights.service.ts';
import { leadChangeEvents } from './lead-events.ts';
import { authorize, can, leadScope, type Action } from '../auth/permissions.ts';
import * as q from './leads.queries.ts';
import { CUSTOM_FIELD_PARAM, type LeadCountQuery, type LeadExportQuery, type LeadListQuery } from './leads.schemas.ts';

type LeadFilterQuery = LeadListQuery | LeadExportQuery | LeadCountQuery;
import type { z } from 'zod';
import type { LeadCreate, LeadPatch } from './leads.schemas.ts';
import { requireLeadNames } from './lead-names.ts';
import { isTrackable } from '../consent/contactability.ts';
import { assignNewLeads } from '../assignment/assignment.service.ts';

type CreateInput = z.infer<typeof LeadCreate>;
type PatchInput = z.infer<typeof LeadPatch>;

const CURSOR_KINDS = {
  score: ['number', 'uuid'],
  updated_at: ['timestamp', 'uuid'],
  created_at: ['timestamp', 'uuid'],
  next_follow_up_at: ['timestamp', 'uuid'],
  name: ['string', 'string', 'uuid'],
} as const;

const EXPORT_BATCH = 2000;
/** Counted exactly up to here; beyond, the planner's estimate (see countLeads). */
const COUNT_CAP = 10_000;

const CLOSED: ReadonlySet<LeadStatus> = new Set(['closed_won', 'closed_lost']);

/** Turns what a person types into a prefix query: "acm corp" → 'acm:* & corp:*'. */
export function toPrefixQuery(text: string): string | undefined {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.slice(0, 8) ?? [];
  return words.length > 0 ? words.map((w) => `${w}:*`).join(' & ') : undefined;
}

/** Postgres errors that are the caller's doing become domain errors, never 500s. */
function mapWriteError(error: unknown): never {
  const e = error as { code?: string; constraint?: string };
  if (e.code === '23503') {
    const field = e.constraint?.includes('assigned_to') ? 'assigned_to' : e.constraint?.includes('team_id') ? 'team_id' : 'reference';
    throw new DomainError('validation', `${field} does not name a ${field === 'team_id' ? 'team' : 'user'} of your organization.`, { field });
  }
  if (e.code === '23505' && e.constraint === 'leads_org_external_id_key') {
    throw new DomainError('conflict', 'Another lead already has this external_id.', { field: 'external_id' });
  }
  throw error;
}

/** The list's query parameters (shared by list and export) as a filter for the queries. */
function toFilter(ctx: AuthContext, query: LeadFilterQuery): q.LeadFilter {
  const endOfToday = new Date();
  endOfToday.setUTCHours(24, 0, 0, 0);
  return {
    statuses: query.status,
    outcome: query.outcome,
    stage: query.stage,
    source: query.source,
    campaign: query.campaign,
    tagsAny: query.tags_any,
    tagsAll: query.tags_all,
    assignedTo: query.assigned_to === 'none' ? null : query.assigned_to === 'me' ? (ctx.userId ?? '00000000-0000-0000-0000-000000000000') : query.assigned_to,
    teamId: query.team_id,
    engagementLevels: query.engagement_level,
    scoreMin: query.score_min,
    scoreMax: query.score_max,
    followUpBefore: query.follow_up === 'overdue' ? new Date() : query.follow_up === 'due' ? endOfToday : undefined,
    createdAfter: query.created_after,
    createdBefore: query.created_before,
    updatedAfter: query.updated_after,
    updatedBefore: query.updated_before,
    lastContactedAfter: query.last_contacted_after,
    lastContactedBefore: query.last_contacted_before,
    followUpAfter: query.follow_up_after,
    followUpUntil: query.follow_up_before,
    dealValueMin: query.deal_value_min,
    dealValueMax: query.deal_value_max,
    company: query.company,
    jobTitle: query.job_title,
    hasEmail: query.has_email,
    hasPhone: query.has_phone,
    city: query.city,
    region: query.region,
    country: query.country,
    tsquery: query.q ? toPrefixQuery(query.q) : undefined,
    customFields: Object.entries(query)
      .map(([key, value]) => [CUSTOM_FIELD_PARAM.exec(key)?.[1], value] as const)
      .filter((e): e is readonly [string, string] => e[0] !== undefined && typeof e[1] === 'string')
      .map(([k, v]) => [k, v] as [string, string]),
  };
}

/**
 * What the caller may do to one lead, for the lead page to offer only that: their role's
 * action, on a lead in their write scope — the two checks every write path makes (update,
 * writable for activities and conversations, assign, merge, remove).
 */
export function permissionsFor(ctx: AuthContext, inWriteScope: boolean) {
  const may = (action: Action) => inWriteScope && can(ctx.role, action);
  return { edit: may('leads:write'), log_activity: may('activities:write'), assign: may('leads:assign'), merge: may('leads:merge'), delete: may('leads:delete') };
}

/**
 * The do-not-contact and unsubscribed columns a create or patch sets: the flag, and who and
 * when, only when the flag really changes (a repeated "true" keeps the first time).
 */
function contactFlagValues(ctx: AuthContext, input: { do_not_contact?: boolean | undefined; unsubscribed?: boolean | undefined }, current: { do_not_contact: boolean; unsubscribed: boolean } | null) {
  const values: Updateable<LeadsTable> = {};
  const now = new Date();
  if (input.do_not_contact !== undefined && input.do_not_contact !== (current?.do_not_contact ?? false)) {
    Object.assign(values, { do_not_contact: input.do_not_contact, do_not_contact_at: now, do_not_contact_by: ctx.userId });
  }
  if (input.unsubscribed !== undefined && input.unsubscribed !== (current?.unsubscribed ?? false)) {
    Object.assign(values, { unsubscribed: input.unsubscribed, unsubscribed_at: now, unsubscribed_by: ctx.userId });
  }
  return values;
}

/** Each flag that changed: an audit entry, and once set, the lead's open contact suggestions end. */
async function auditContactFlags(tx: Tx, ctx: AuthContext, leadId: string, before: { do_not_contact: boolean; unsubscribed: boolean }, after: { do_not_contact: boolean; unsubscribed: boolean }) {
  for (const flag of ['do_not_contact', 'unsubscribed'] as const) {
    if (before[flag] === after[flag]) continue;
    await recordAudit(tx, { ...auditActor(ctx), action: `lead.${flag}`, entityType: 'lead', entityId: leadId, details: { value: after[flag] } });
  }
  if ((after.do_not_contact && !before.do_not_contact) || (after.unsubscribed && !before.unsubscribed)) await endContactSuggestions(tx, ctx, [leadId]);
}

/** The lead when it is in the caller's write scope (the one definition of "may change it"). */
function findWritable(tx: Tx, ctx: AuthContext, id: string) {
  return q.getLead(tx, id, leadScope(ctx, 'write'));
}

export function createLeadsService(db: Kysely<DB>) {
  // Every lead event names its lead (the stream delivers it to whoever may read that lead).
  const emit = (tx: Tx, ctx: AuthContext, type: string, leadId: string, payload: Record<string, unknown>) =>
    emitEvent(tx, ctx, { type, entityType: 'lead', entityId: leadId, payload: { lead_id: leadId, ...payload } });

  function checkAssignment(ctx: AuthContext, assignedTo: string | null | undefined) {
    if (assignedTo === undefined) return;
    if (assignedTo !== null && assignedTo === ctx.userId) return;
    if (!can(ctx.role, 'leads:assign')) {
      throw new DomainError('forbidden', `Your role (${ctx.role}) may not assign leads to others.`, { field: 'assigned_to' });
    }
  }

  /** Managers and reps place leads only in their own team: a lead they put elsewhere would leave their hands. */
  function checkTeam(ctx: AuthContext, teamId: string | null | undefined) {
    if (teamId === undefined) return;
    const scope = leadScope(ctx, 'write');
    if (scope.kind === 'all' || teamId === scope.teamId || (scope.kind === 'owner_or_team' && teamId === null)) return;
    throw new DomainError('forbidden', `Your role (${ctx.role}) may place leads only in your own team.`, { field: 'team_id' });
  }

  /** A duplicate email names the existing lead only to someone who may read it: ids are not handed out. */
  async function emailConflict(tx: Tx, ctx: AuthContext, existingId: string, message: string) {
    const readable = await q.getLead(tx, existingId, leadScope(ctx, 'read'));
    return new DomainError('conflict', readable ? message : `${message.slice(0, -1)}, one you cannot see; ask a manager or admin.`, readable ? { existing_id: existingId, field: 'email' } : { field: 'email' });
  }

  return {
    async list(ctx: AuthContext, query: LeadListQuery) {
      authorize(ctx, 'leads:read');
      const filter = toFilter(ctx, query);
      if (query.q && !filter.tsquery) return { data: [], next_cursor: null };
      const sort = query.sort ?? (query.q ? 'relevance' : 'score');
      if (sort === 'relevance') {
        if (!query.q) throw new DomainError('validation', 'sort=relevance needs a search text in q.', { field: 'sort' });
        if (query.cursor) throw new DomainError('validation', 'Relevance-sorted search returns one page of the best matches; it has no cursor.', { field: 'cursor' });
        const data = await withTenantRead(db, ctx, (tx) => q.searchLeads(tx, leadScope(ctx, 'read'), filter, query.q!, query.limit));
        return { data, next_cursor: null };
      }
      const after = query.cursor ? decodeCursor(sort, query.cursor, CURSOR_KINDS[sort]) : null;
      const page = await withTenantRead(db, ctx, (tx) => q.listLeads(tx, leadScope(ctx, 'read'), filter, sort, query.limit, after));
      return { data: page.rows, next_cursor: page.after ? encodeCursor(sort, page.after) : null };
    },

    /** How many leads the list's filters select: exact up to 10,000, an estimate beyond. */
    async count(ctx: AuthContext, query: LeadCountQuery) {
      authorize(ctx, 'leads:read');
      const filter = toFilter(ctx, query);
      if (query.q && !filter.tsquery) return { count: 0, exact: true, best: false };
      // A relevance-sorted search lists one page of the best matches (name tiers included, which
      // the prefix filter does not find): the count is of that page, so the header never
      // contradicts the list. Other sorts list and count through the same filter.
      if (query.q && (query.sort ?? 'relevance') === 'relevance') {
        const rows = await withTenantRead(db, ctx, (tx) => q.searchLeads(tx, leadScope(ctx, 'read'), filter, query.q!, query.limit));
        return { count: rows.length, exact: true, best: true };
      }
      const { count, exact } = await withTenantRead(db, ctx, (tx) => q.countLeads(tx, leadScope(ctx, 'read'), filter, COUNT_CAP));
      return { count, exact, best: false };
    },

    /**
     * Every lead of a filtered list, for export: the custom-field names that occur (so
     * they can become columns) and the rows, fetched lazily in keyset batches so memory
     * stays flat however many there are. Each batch reads its own snapshot; a lead changed
     * during a long export appears once, as one of its versions.
     */
    async exportRows(ctx: AuthContext, query: LeadExportQuery) {
      authorize(ctx, 'leads:read');
      // Exports feed mailing tools: the people who said no stay out unless asked for.
      const filter = { ...toFilter(ctx, query), contactableOnly: !query.include_do_not_contact };
      const scope = leadScope(ctx, 'read');
      const nothing = Boolean(query.q && !filter.tsquery);
      const customFieldNames = nothing ? [] : await withTenantRead(db, ctx, (tx) => q.customFieldNames(tx, scope, filter));
      await withTenant(db, ctx, (tx) =>
        recordAudit(tx, { ...auditActor(ctx), action: 'leads.export', entityType: 'lead', details: { format: query.format, filters: Object.keys(query).filter((k) => k !== 'format' && k !== 'sort' && k !== 'include_do_not_contact').join(','), include_do_not_contact: query.include_do_not_contact } }),
      );
      async function* rows() {
        if (nothing) return;
        let after: (string | number)[] | null = null;
        do {
          const cursor: (string | number)[] | null = after;
          const page: Awaited<ReturnType<typeof q.listLeads>> = await withTenantRead(db, ctx, (tx) => q.listLeads(tx, scope, filter, query.sort, EXPORT_BATCH, cursor));
          yield* page.rows;
          after = page.after;
        } while (after);
      }
      return { customFieldNames, rows: rows() };
    },

    /** A predicate for other modules' rows (`lead_id` in the caller's lead scope). */
    scopeFilter(ctx: AuthContext, purpose: 'read' | 'write') {
      return q.leadIdInScope(leadScope(ctx, purpose));
    },

    async get(ctx: AuthContext, id: string) {
      authorize(ctx, 'leads:read');
      const found = await withTenantRead(db, ctx, async (tx) => {
        const lead = await q.getLead(tx, id, leadScope(ctx, 'read'));
        return lead && { lead, writable: leadScope(ctx, 'write').kind === 'all' || (await findWritable(tx, ctx, id)) !== undefined };
      });
      if (!found) throw new DomainError('not_found', 'No lead with this id is visible to you.');
      return { ...found.lead, permissions: permissionsFor(ctx, found.writable) };
    },

    /**
     * The lead, when the caller may change it and what hangs on it (activities,
     * conversations): 403 when they may only read it, 404 when they may not even see it.
     */
    async writable(ctx: AuthContext, id: string) {
      const lead = await withTenantRead(db, ctx, async (tx) => {
        const found = await findWritable(tx, ctx, id);
        if (!found && (await q.getLead(tx, id, leadScope(ctx, 'read')))) {
          throw new DomainError('forbidden', 'This lead belongs to another team; you may read it but not change it or log on it.');
        }
        return found;
      });
      if (!lead) throw new DomainError('not_found', 'No lead with this id is visible to you.');
      return lead;
    },

    async create(ctx: AuthContext, input: CreateInput) {
      authorize(ctx, 'leads:write');
      checkAssignment(ctx, input.assigned_to);
      checkTeam(ctx, input.team_id);
      const status = input.status ?? 'new';
      return withTenant(db, ctx, async (tx) => {
        if ((input.email || input.phone) && (await isTombstoned(tx, ctx.organizationId, { email: input.email, phone: input.phone }))) {
          throw new DomainError('conflict', TOMBSTONE_MESSAGE, { field: input.email ? 'email' : 'phone' });
        }
        if (input.email) {
          const existing = await q.findLeadIdByEmail(tx, input.email);
          if (existing) throw await emailConflict(tx, ctx, existing.id, 'A lead with this email already exists.');
        }
        const lead = await q
          .insertLead(tx, {
            organization_id: ctx.organizationId,
            ...requireLeadNames(input),
            email: input.email ?? null,
            phone: input.phone ?? null,
            company: input.company ?? null,
            job_title: input.job_title ?? null,
            address: input.address ? JSON.stringify(input.address) : null,
            status,
            ...(input.stage !== undefined ? { stage: input.stage } : {}),
            source: input.source ?? null,
            campaign: input.campaign ?? null,
            // A rep's own leads are theirs unless they say otherwise.
            assigned_to: input.assigned_to !== undefined ? input.assigned_to : ctx.role === 'sales_rep' ? ctx.userId : null,
            team_id: input.team_id !== undefined ? input.team_id : ctx.role === 'sales_rep' || ctx.role === 'manager' ? ctx.teamId : null,
            custom_fields: JSON.stringify(input.custom_fields ?? {}),
            tags: input.tags ?? [],
            external_id: input.external_id ?? null,
            deal_value: input.deal_value ?? null,
            next_follow_up_at: input.next_follow_up_at ?? null,
            ...(CLOSED.has(status) ? { closed_at: new Date() } : {}),
            ...contactFlagValues(ctx, input, null),
          })
          .catch(async (error: { code?: string; constraint?: string }) => {
            if (error.code === '23505' && error.constraint === 'leads_org_email_key') {
              throw new DomainError('conflict', 'A lead with this email already exists.', { field: 'email' });
            }
            return mapWriteError(error);
          });
        await emit(tx, ctx, 'lead.created', lead.id, {});
        await notifyAssigned(tx, ctx, { leadIds: [lead.id], assignedTo: lead.assigned_to });
        await auditContactFlags(tx, ctx, lead.id, { do_not_contact: false, unsubscribed: false }, lead);
        // Nobody named (assigned_to left out, and not a rep's own lead): the assignment rules
        // decide. An explicit owner, or an explicit null, is the caller's word and stands.
        if (input.assigned_to === undefined && lead.assigned_to === null && (await assignNewLeads(tx, ctx, [lead.id], 'api')).size > 0) {
          return (await q.getLead(tx, lead.id, { kind: 'all' }))!;
        }
        return lead;
      });
    },

    async update(ctx: AuthContext, id: string, patch: PatchInput) {
      authorize(ctx, 'leads:write');
      checkAssignment(ctx, patch.assigned_to);
      checkTeam(ctx, patch.team_id);
      return withTenant(db, ctx, async (tx) => {
        const current = await findWritable(tx, ctx, id);
        if (!current) {
          const visible = await q.getLead(tx, id, leadScope(ctx, 'read'));
          if (visible) throw new DomainError('forbidden', 'This lead belongs to another team; you may read it but not change it.');
          throw new DomainError('not_found', 'No lead with this id is visible to you.');
        }
        if (patch.email && patch.email !== current.email?.toLowerCase()) {
          const existing = await q.findLeadIdByEmail(tx, patch.email);
          if (existing && existing.id !== id) throw await emailConflict(tx, ctx, existing.id, 'Another lead already has this email.');
        }
        // Address and custom fields change key by key (see LeadPatch); a null address clears it.
        const { address, custom_fields, do_not_contact: _d, unsubscribed: _u, ...rest } = patch;
        const values = { ...(patchValues({ ...rest, ...(address === null ? { address } : {}) }, []) as Updateable<LeadsTable>), ...contactFlagValues(ctx, patch, current) };
        const merge = { ...(address ? { address: q.jsonMerge(address) } : {}), ...(custom_fields ? { custom_fields: q.jsonMerge(custom_fields) } : {}) };
        const statusChanged = patch.status !== undefined && patch.status !== current.status;
        if (statusChanged) {
          values.status_changed_at = new Date();
          values.closed_at = CLOSED.has(patch.status!) ? new Date() : null;
        }
        const lead = await q.updateLead(tx, id, values, merge).catch(mapWriteError);
        if (statusChanged) {
          await q.insertStatusChange(tx, { organizationId: ctx.organizationId, leadId: id, userId: ctx.userId, from: current.status, to: patch.status! });
        }
        await emitEvents(tx, ctx, leadChangeEvents(current, lead, Object.keys(patch)));
        await auditContactFlags(tx, ctx, id, current, lead);
        if (patch.assigned_to !== undefined && patch.assigned_to !== current.assigned_to) await notifyAssigned(tx, ctx, { leadIds: [id], assignedTo: patch.assigned_to });
        // A change of team or owner can take the lead out of the caller's hands.
        return { ...lead, permissions: permissionsFor(ctx, (await findWritable(tx, ctx, id)) !== undefined) };
      });
    },

    /**
     * Merges `sourceId` into `targetId`: the target keeps its values and takes the
     * source's where it has none; tags and custom fields are united; every activity,
     * conversation, journey event, score and insight moves; the source is deleted; the
     * audit log records both ids and what moved.
     */
    async merge(ctx: AuthContext, targetId: string, sourceId: string) {
      authorize(ctx, 'leads:merge');
      if (targetId === sourceId) throw new DomainError('validation', 'A lead cannot be merged into itself.', { field: 'source_id' });
      return withTenant(db, ctx, async (tx) => {
        const scope = leadScope(ctx, 'write');
        const [target, source] = await Promise.all([q.getLead(tx, targetId, scope), q.getLead(tx, sourceId, scope)]);
        if (!target) throw new DomainError('not_found', 'No lead with this id is visible to you.');
        if (!source) throw new DomainError('not_found', 'The lead to merge (source_id) is not visible to you.', { field: 'source_id' });
        const fill: Updateable<LeadsTable> = {};
        for (const key of ['email', 'phone', 'company', 'job_title', 'source', 'campaign', 'assigned_to', 'team_id', 'external_id', 'deal_value', 'next_follow_up_at', 'last_contacted_at'] as const) {
          if (target[key] === null && source[key] !== null) (fill as Record<string, unknown>)[key] = source[key];
        }
        if (target.address === null && source.address !== null) fill.address = JSON.stringify(source.address);
        fill.tags = [...new Set([...target.tags, ...source.tags])];
        fill.custom_fields = JSON.stringify({ ...source.custom_fields, ...target.custom_fields });
        if (source.created_at < target.created_at) fill.created_at = source.created_at;
        // A "no" said through either record stands for the person.
        if (source.do_not_contact && !target.do_not_contact) Object.assign(fill, { do_not_contact: true, do_not_contact_at: source.do_not_contact_at, do_not_contact_by: source.do_not_contact_by });
        if (source.unsubscribed && !target.unsubscribed) Object.assign(fill, { unsubscribed: true, unsubscribed_at: source.unsubscribed_at, unsubscribed_by: source.unsubscribed_by });
        const moved = await q.moveLeadChildren(tx, sourceId, targetId);
        // The source goes first: its email and external id are unique per organization.
        await q.deleteLead(tx, sourceId);
        await q.updateLead(tx, targetId, fill);
        // The source's consent records moved here: the target's withdrawn purposes follow them.
        await q.refreshConsentWithdrawn(tx, [targetId]);
        const lead = (await q.getLead(tx, targetId, { kind: 'all' }))!;
        await recordAudit(tx, {
          ...auditActor(ctx), action: 'lead.merge', entityType: 'lead', entityId: targetId,
          details: { source_id: sourceId, ...Object.fromEntries(Object.entries(moved).map(([k, v]) => [`moved_${k}`, v])) },
        });
        // The source is gone into the target (its readers are told through previous_*); the
        // target took the source's values where it had none.
        await emit(tx, ctx, 'lead.merged', sourceId, { into: targetId, previous_assigned_to: source.assigned_to, previous_team_id: source.team_id });
        await emitEvents(tx, ctx, leadChangeEvents(target, lead, Object.keys(fill)));
        return { lead, moved };
      });
    },

    /** Assigns many leads at once; only those in the caller's scope change. */
    async assign(ctx: AuthContext, input: { lead_ids: string[]; assigned_to: string | null; team_id?: string | null | undefined }) {
      authorize(ctx, 'leads:assign');
      checkTeam(ctx, input.team_id);
      const ids = [...new Set(input.lead_ids)];
      return withTenant(db, ctx, async (tx) => {
        const values = { assigned_to: input.assigned_to, ...(input.team_id !== undefined ? { team_id: input.team_id } : {}) };
        const before = new Map((await q.lockOwners(tx, ids, leadScope(ctx, 'write'))).map((l) => [l.id, l]));
        const updated = await q.assignLeads(tx, ids, leadScope(ctx, 'write'), values).catch(mapWriteError);
        // One INSERT for all the leads' events; leads whose owner and team stay as they were get none.
        await emitEvents(tx, ctx, updated.flatMap((id) => {
          const old = before.get(id);
          return old ? leadChangeEvents(old, { ...old, ...values }, Object.keys(values)) : [];
        }));
        // Only leads that really changed hands: one already theirs is no news to the assignee.
        await notifyAssigned(tx, ctx, { leadIds: updated.filter((id) => before.get(id)?.assigned_to !== input.assigned_to), assignedTo: input.assigned_to });
        const done = new Set(updated);
        return { updated: updated.length, not_found: ids.filter((id) => !done.has(id)) };
      });
    },

    /**
     * Status and tags of many leads at once (the leads table's bulk actions), each lead as a
     * single update would do it: status changes recorded, events emitted. Leads outside the
     * caller's write scope are reported, not changed.
     */
    async bulkUpdate(ctx: AuthContext, input: { lead_ids: string[]; status?: LeadStatus | undefined; add_tags?: string[] | undefined; remove_tags?: string[] | undefined }) {
      authorize(ctx, 'leads:write');
      const ids = [...new Set(input.lead_ids)];
      const remove = new Set(input.remove_tags ?? []);
      return withTenant(db, ctx, async (tx) => {
        const done: string[] = [];
        const events: ReturnType<typeof leadChangeEvents> = [];
        for (const id of ids) {
          const current = await q.getLead(tx, id, leadScope(ctx, 'write'));
          if (!current) continue;
          const values: Updateable<LeadsTable> = {};
          if (input.add_tags || input.remove_tags) {
            values.tags = [...new Set([...current.tags, ...(input.add_tags ?? [])])].filter((t) => !remove.has(t));
          }
          const statusChanged = input.status !== undefined && input.status !== current.status;
          if (statusChanged) {
            values.status = input.status;
            values.status_changed_at = new Date();
            values.closed_at = CLOSED.has(input.status!) ? new Date() : null;
          }
          if (Object.keys(values).length === 0) {
            done.push(id);
            continue;
          }
          const lead = await q.updateLead(tx, id, values).catch(mapWriteError);
          if (statusChanged) await q.insertStatusChange(tx, { organizationId: ctx.organizationId, leadId: id, userId: ctx.userId, from: current.status, to: input.status! });
          events.push(...leadChangeEvents(current, lead, Object.keys(values)));
          done.push(id);
        }
        await emitEvents(tx, ctx, events);
        const changed = new Set(done);
        return { updated: done.length, not_found: ids.filter((id) => !changed.has(id)) };
      });
    },

    async remove(ctx: AuthContext, id: string) {
      authorize(ctx, 'leads:delete');
      await withTenant(db, ctx, async (tx) => {
        const current = await q.getLead(tx, id, leadScope(ctx, 'write'));
        if (!current) throw new DomainError('not_found', 'No lead with this id is visible to you.');
        await q.deleteLead(tx, id);
        await emit(tx, ctx, 'lead.deleted', id, { previous_assigned_to: current.assigned_to, previous_team_id: current.team_id });
      });
    },
  };
}

export type LeadsService = ReturnType<typeof createLeadsService>;

/**
 * For the consent service, in its transaction: recomputes the leads' withdrawn purposes after
 * their consent records changed; leads that became uncontactable lose their open contact
 * suggestions. Returns the leads whose withdrawn purposes changed.
 */
export async function refreshConsentState(tx: Tx, ctx: Pick<AuthContext, 'organizationId'>, leadIds: string[]): Promise<string[]> {
  const changed = await q.refreshConsentWithdrawn(tx, leadIds);
  if (changed.length > 0) await endContactSuggestions(tx, ctx, changed, { onlyUncontactable: true });
  return changed;
}

/**
 * For modules that learn of a person by email inside their own transaction (the website
 * tracker's identify): the organization's lead with this email, created when there is
 * none. Concurrent calls for one email agree on one lead.
 */
export async function findOrCreateLeadByEmail(
  tx: Tx,
  ctx: Pick<AuthContext, 'organizationId' | 'actor'>,
  input: { email: string; firstName: string; lastName: string; company: string | null; phone: string | null; source: string },
): Promise<{ id: string; created: boolean; trackable: boolean }> {
  const lead = await q.findOrInsertLeadByEmail(tx, {
    organization_id: ctx.organizationId,
    email: input.email,
    first_name: input.firstName,
    last_name: input.lastName,
    company: input.company,
    phone: input.phone,
    source: input.source,
  });
  if (lead.created) {
    await emitEvent(tx, ctx, { type: 'lead.created', entityType: 'lead', entityId: lead.id, payload: { lead_id: lead.id } });
    await assignNewLeads(tx, ctx, [lead.id], 'tracking');
  }
  return { id: lead.id, created: lead.created, trackable: isTrackable(lead.flags) };
}

/**
 * The person unsubscribed themselves (an e-mail's unsubscribe link or its one-click
 * List-Unsubscribe POST, RFC 8058): the flag is set with no user as its author, the audit
 * entry names the system and the channel, and open contact suggestions end. Returns false
 * when the lead was already unsubscribed (a repeated click changes nothing).
 */
export async function markUnsubscribedByPerson(tx: Tx, organizationId: string, leadId: string, via: string): Promise<boolean> {
  const current = await q.getLead(tx, leadId, { kind: 'all' });
  if (!current || current.unsubscribed) return false;
  const lead = await q.updateLead(tx, leadId, { unsubscribed: true, unsubscribed_at: new Date(), unsubscribed_by: null });
  await emitEvents(tx, { organizationId, actor: { id: null } }, leadChangeEvents(current, lead, ['unsubscribed']));
  await recordAudit(tx, { organizationId, actorType: 'system', actorId: null, ip: null, userAgent: null, action: 'lead.unsubscribed', entityType: 'lead', entityId: leadId, details: { value: true, via } });
  await endContactSuggestions(tx, { organizationId }, [leadId]);
  return true;
}
