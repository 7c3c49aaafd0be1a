import { auditActor, recordAudit } from '../audit/audit.service.ts';
import type { Kysely, Updateable } from 'kysely';
import type { DB, OrganizationSize, UserRole, UsersTable } from '../../db/schema.ts';
import { withTenant, type Tx } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import type { AuthService, ClientInfo } from '../auth/auth.service.ts';
import { checkPasswordPolicy, hashPassword } from '../auth/password.ts';
import { authorize } from '../auth/permissions.ts';
import { hashSecret, newSecret } from '../auth/tokens.ts';
import * as orgQ from '../organizations/organizations.queries.ts';
import * as teamQ from '../teams/teams.queries.ts';
import { emitEvent } from '../events/events.service.ts';
import * as q from './users.queries.ts';

const INVITATION_TTL_MS = 7 * 24 * 3600_000;

function mapReferenceError(error: unknown): never {
  const e = error as { code?: string; constraint?: string };
  if (e.code === '23503') throw new DomainError('validation', 'team_id / manager_id does not name a team or user of your organization.', { field: e.constraint?.includes('team') ? 'team_id' : 'manager_id' });
  if (e.code === '23505' && e.constraint?.includes('name')) throw new DomainError('conflict', 'A team with this name already exists.', { field: 'name' });
  if (e.code === '23505') throw new DomainError('conflict', 'A user with this email already exists.', { field: 'email' });
  throw error;
}

/** The dotted paths of a settings patch's leaves: { tracking: { honor_dnt: true } } → tracking.honor_dnt. */
function settingPaths(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 ? settingPaths(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]);
}

/** Organization settings, teams, users and invitations: the people side of an organization. */
export function createUsersService(db: Kysely<DB>, auth: AuthService) {
  const audit = (tx: Tx, ctx: AuthContext, action: string, entityType: string, entityId: string, details: Record<string, string | number | boolean | null> = {}) =>
    recordAudit(tx, { ...auditActor(ctx), action, entityType, entityId, details });

  return {
    async getOrganization(ctx: AuthContext) {
      authorize(ctx, 'org:read');
      return withTenant(db, ctx, (tx) => orgQ.getOwnOrganization(tx));
    },

    async updateOrganization(ctx: AuthContext, input: { name?: string; domain?: string | null; industry?: string | null; size?: OrganizationSize | null; settings?: Record<string, unknown> }) {
      authorize(ctx, 'org:update');
      return withTenant(db, ctx, async (tx) => {
        const org = await orgQ.updateOwnOrganization(tx, ctx.organizationId, input);
        const fields = Object.keys(input).filter((k) => k !== 'settings');
        if (fields.length > 0) await audit(tx, ctx, 'organization.update', 'organization', ctx.organizationId, { fields: fields.join(',') });
        // Settings by their paths (tracking.honor_dnt, ai.llm_enabled, …): names, not values.
        if (input.settings) await audit(tx, ctx, 'settings.update', 'organization', ctx.organizationId, { keys: settingPaths(input.settings).join(',') });
        await emitEvent(tx, ctx, { type: 'organization.updated', entityType: 'organization', entityId: ctx.organizationId, payload: { fields: Object.keys(input) } });
        return org;
      });
    },

    async listUsers(ctx: AuthContext) {
      authorize(ctx, 'users:read');
      return withTenant(db, ctx, (tx) => q.listUsers(tx));
    },

    async updateUser(ctx: AuthContext, id: string, input: { role?: UserRole; team_id?: string | null; full_name?: string; is_active?: boolean; time_zone?: string | null }) {
      // Everyone sets their own time zone; everything else about users is for admins.
      const ownTimeZone = id === ctx.userId && Object.keys(input).every((k) => k === 'time_zone');
      if (!ownTimeZone) authorize(ctx, 'users:manage');
      return withTenant(db, ctx, async (tx) => {
        const current = await q.getUser(tx, id);
        if (!current) throw new DomainError('not_found', 'No user of your organization has this id.');
        const losesAdmin = current.role === 'admin' && current.is_active && ((input.role !== undefined && input.role !== 'admin') || input.is_active === false);
        if (losesAdmin && (await q.countActiveAdmins(tx)) <= 1) {
          throw new DomainError('precondition_failed', 'This is the last active admin. Make someone else admin first.');
        }
        const values: Updateable<UsersTable> = {};
        if (input.role !== undefined) values.role = input.role;
        if (input.team_id !== undefined) values.team_id = input.team_id;
        if (input.full_name !== undefined) values.full_name = input.full_name;
        if (input.time_zone !== undefined) values.time_zone = input.time_zone;
        if (input.is_active !== undefined) {
          values.is_active = input.is_active;
          values.deactivated_at = input.is_active ? null : new Date();
        }
        const user = await q.updateUser(tx, id, values).catch(mapReferenceError);
        if (input.is_active === false) await q.revokeAccessOf(tx, id);
        // Role and activation are access changes: each its own entry, so the log can be filtered by them.
        if (input.role !== undefined && input.role !== current.role) await audit(tx, ctx, 'user.role_change', 'user', id, { from: current.role, to: input.role });
        if (input.is_active === false && current.is_active) await audit(tx, ctx, 'user.deactivate', 'user', id);
        if (input.is_active === true && !current.is_active) await audit(tx, ctx, 'user.reactivate', 'user', id);
        const other = Object.keys(values).filter((k) => !['role', 'is_active', 'deactivated_at'].includes(k));
        if (other.length > 0) await audit(tx, ctx, 'user.update', 'user', id, { fields: other.join(','), ...(values.team_id !== undefined ? { team_id: values.team_id ?? null } : {}) });
        const fields = Object.keys(values).filter((k) => k !== 'deactivated_at');
        await emitEvent(tx, ctx, { type: input.is_active === false && current.is_active ? 'user.deactivated' : 'user.updated', entityType: 'user', entityId: id, payload: { user_id: id, fields } });
        return user;
      }).finally(() => auth.forgetCachedCredentials());
    },

    async invite(ctx: AuthContext, input: { email: string; role: UserRole; team_id?: string | null }) {
      authorize(ctx, 'users:manage');
      const token = newSecret('lai_');
      const invitation = await withTenant(db, ctx, async (tx) => {
        const row = await q
          .insertInvitation(tx, { organizationId: ctx.organizationId, email: input.email, role: input.role, teamId: input.team_id ?? null, tokenHash: hashSecret(token), invitedBy: ctx.userId, expiresAt: new Date(Date.now() + INVITATION_TTL_MS) })
          .catch(mapReferenceError);
        await audit(tx, ctx, 'invitation.create', 'invitation', row.id, { role: input.role });
        return row;
      });
      return { ...invitation, token, accept_path: `/accept-invitation?token=${token}` };
    },

    async listInvitations(ctx: AuthContext) {
      authorize(ctx, 'users:manage');
      return withTenant(db, ctx, (tx) => q.listInvitations(tx));
    },

    async revokeInvitation(ctx: AuthContext, id: string) {
      authorize(ctx, 'users:manage');
      const done = await withTenant(db, ctx, async (tx) => {
        const revoked = await q.revokeInvitation(tx, id);
        if (revoked) await audit(tx, ctx, 'invitation.revoke', 'invitation', id);
        return revoked;
      });
      if (!done) throw new DomainError('not_found', 'No open invitation has this id.');
    },

    /** Public: the token is the credential. Single use, expiring; signs the new user in. */
    async acceptInvitation(input: { token: string; full_name: string; password: string }, client: ClientInfo) {
      checkPasswordPolicy(input.password);
      const invitation = await q.findOpenInvitation(db, hashSecret(input.token));
      if (!invitation) throw new DomainError('not_found', 'This invitation link is not valid: it was used already, revoked, or has expired. Ask an admin for a new one.');
      const passwordHash = await hashPassword(input.password);
      const userId = await withTenant(db, { organizationId: invitation.organization_id }, async (tx) => {
        if (!(await q.consumeInvitation(tx, invitation.id))) throw new DomainError('not_found', 'This invitation link was used already.');
        const user = await q
          .insertUserWithPassword(tx, { organizationId: invitation.organization_id, email: invitation.email, fullName: input.full_name, role: invitation.role, teamId: invitation.team_id, passwordHash })
          .catch(mapReferenceError);
        await recordAudit(tx, { organizationId: invitation.organization_id, actorType: 'user', actorId: user.id, action: 'invitation.accept', entityType: 'user', entityId: user.id });
        await emitEvent(tx, { organizationId: invitation.organization_id, actor: { id: user.id } }, { type: 'user.created', entityType: 'user', entityId: user.id, payload: { user_id: user.id, role: invitation.role, team_id: invitation.team_id } });
        return user.id;
      });
      return auth.login({ email: invitation.email, password: input.password }, client).then((session) => ({ userId, session }));
    },

    async listTeams(ctx: AuthContext) {
      authorize(ctx, 'teams:read');
      return withTenant(db, ctx, (tx) => teamQ.listTeams(tx));
    },

    async createTeam(ctx: AuthContext, input: { name: string; description?: string | null; manager_id?: string | null }) {
      authorize(ctx, 'users:manage');
      return withTenant(db, ctx, async (tx) => {
        const team = await teamQ.insertTeam(tx, { organizationId: ctx.organizationId, name: input.name, description: input.description ?? null, managerId: input.manager_id ?? null }).catch(mapReferenceError);
        await audit(tx, ctx, 'team.create', 'team', team.id, { manager_id: team.manager_id });
        await emitEvent(tx, ctx, { type: 'team.created', entityType: 'team', entityId: team.id, payload: { team_id: team.id } });
        return team;
      });
    },

    async updateTeam(ctx: AuthContext, id: string, input: { name?: string; description?: string | null; manager_id?: string | null }) {
      authorize(ctx, 'teams:manage');
      if (ctx.role === 'manager' && ctx.teamId !== id) throw new DomainError('forbidden', 'Managers may change only their own team.');
      return withTenant(db, ctx, async (tx) => {
        if (!(await teamQ.getTeam(tx, id))) throw new DomainError('not_found', 'No team of your organization has this id.');
        const team = await teamQ.updateTeam(tx, id, input).catch(mapReferenceError);
        await audit(tx, ctx, 'team.update', 'team', id, { fields: Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined).join(','), ...(input.manager_id !== undefined ? { manager_id: input.manager_id } : {}) });
        await emitEvent(tx, ctx, { type: 'team.updated', entityType: 'team', entityId: id, payload: { team_id: id, fields: Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined) } });
        return team;
      });
    },

    async deleteTeam(ctx: AuthContext, id: string) {
      authorize(ctx, 'users:manage');
      await withTenant(db, ctx, async (tx) => {
        if (!(await teamQ.getTeam(tx, id))) throw new DomainError('not_found', 'No team of your organization has this id.');
        await teamQ.deleteTeam(tx, id);
        await audit(tx, ctx, 'team.delete', 'team', id);
        await emitEvent(tx, ctx, { type: 'team.deleted', entityType: 'team', entityId: id, payload: { team_id: id } });
      });
      // Members' team_id became NULL: their cached sign-ins must not keep the old team.
      auth.forgetCachedCredentials();
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
