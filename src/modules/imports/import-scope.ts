import { sql, type RawBuilder } from 'kysely';
import type { UserRole } from '../../db/schema.ts';
import type { Tx } from '../../db/tenant.ts';
import { can, leadScope, type LeadScope } from '../auth/permissions.ts';
import { scopeCondition } from '../leads/leads.queries.ts';
import type { ColumnNote } from './column-notes.ts';
import type { ImportMapping } from './header-mapping.ts';
import type { BatchPlan } from './batch-plan.ts';

/**
 * Who runs an import, as the lead rules see them: an import writes leads, so it follows
 * the same rules as POST and PATCH /leads (README's role table, leads.service's
 * checkAssignment and checkTeam). Without the assign permission (marketing) owner and team
 * columns stay custom fields; a manager assigns only within their team; and no import
 * changes a lead outside its importer's write scope.
 */
export interface ImportScope {
  role: UserRole;
  userId: string | null;
  teamId: string | null;
}

/** `leadai import` run on the server itself: its operator holds the whole database anyway. */
export const OPERATOR_SCOPE: ImportScope = { role: 'admin', userId: null, teamId: null };

const OWNER_FIELDS = new Set(['assigned_to', 'team_id']);

export function mayAssign(scope: ImportScope): boolean {
  return can(scope.role, 'leads:assign');
}

export function writeScope(scope: ImportScope): LeadScope {
  return leadScope(scope, 'write');
}

/** The mapping as the importer may apply it: without the assign permission, owner and team columns become custom fields. */
export function scopedMapping(mapping: ImportMapping, scope: ImportScope): ImportMapping {
  if (mayAssign(scope)) return mapping;
  const columns = Object.fromEntries(Object.entries(mapping.columns).map(([header, target]) => [header, OWNER_FIELDS.has(target) ? 'custom' : target]));
  return { ...mapping, columns };
}

/** For the preview: why an owner or team column will not assign anything for this importer. */
export function ownerColumnNotes(mapping: ImportMapping, scope: ImportScope): ColumnNote[] {
  if (mayAssign(scope)) return [];
  return Object.entries(mapping.columns)
    .filter(([, target]) => OWNER_FIELDS.has(target))
    .map(([column, field]) => ({
      column, kind: 'kept_as_custom' as const, field,
      message: `Your role (${scope.role}) may not assign leads to people or teams, so “${column}” is kept as a custom field and leads keep their owner and team; a manager or admin can import owners and teams.`,
    }));
}

/** The users and teams this importer may name as owner or team: everyone, or their own team (a rep: themselves). */
export function assignableOwners<U extends { id: string; team_id: string | null }, T extends { id: string }>(people: { users: U[]; teams: T[] }, scope: ImportScope) {
  const s = writeScope(scope);
  if (s.kind === 'all') return people;
  const teams = people.teams.filter((t) => s.teamId !== null && t.id === s.teamId);
  if (s.kind === 'team') return { users: people.users.filter((u) => s.teamId !== null && u.team_id === s.teamId), teams };
  return { users: people.users.filter((u) => u.id === s.userId), teams };
}

/**
 * Applies the importer's write scope to a planned batch: updates of leads outside it are
 * refused (the row goes to the error file, the lead is not touched), and new leads of a
 * scoped importer land in their team (a rep's: assigned to them), as POST /leads does,
 * so they do not leave the importer's hands.
 */
export async function restrictPlan(tx: Tx, plan: BatchPlan, scope: ImportScope, raw: Map<number, string[]>): Promise<void> {
  const s = writeScope(scope);
  if (s.kind === 'all') return;
  for (const lead of plan.inserts) {
    if (s.kind === 'owner_or_team' && lead.assigned_to === null) lead.assigned_to = s.userId;
    if (lead.team_id === null) lead.team_id = s.teamId;
  }
  if (plan.ids.length === 0) return;
  const outside = new Set(await leadsOutside(tx, plan.ids, scopeCondition(s)));
  if (outside.size === 0) return;
  const updates = plan.updates;
  const ids = plan.ids;
  plan.updates = [];
  plan.ids = [];
  updates.forEach((row, i) => {
    if (!outside.has(ids[i]!)) {
      plan.updates.push(row);
      plan.ids.push(ids[i]!);
      return;
    }
    const key = row.external_id && !row.email ? `external id ${row.external_id}` : `email ${row.email ?? row.external_id}`;
    plan.errors.push({ line: row.line, reason: `the existing lead with ${key} belongs to another team or owner; your role (${scope.role}) may not change it`, raw: raw.get(row.line) ?? [] });
  });
  plan.errors.sort((a, b) => a.line - b.line);
}

async function leadsOutside(tx: Tx, ids: readonly string[], inScope: RawBuilder<boolean>): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`SELECT id FROM leads WHERE id = ANY(${ids}::uuid[]) AND NOT coalesce(${inScope}, false)`.execute(tx);
  return rows.map((r) => r.id);
}
