import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { setSessionCookies } from '../auth/auth.routes.ts';
import { IdParams, SignupCreated } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import {
  AcceptInvitationBody, Invitation, InvitationBody, InvitationCreated, Organization, OrganizationPatch, Team, TeamBody, TeamPatch, TeamWithMembers, User, UserPatch,
} from './users.schemas.ts';
import type { UsersService } from './users.service.ts';

export async function registerUserRoutes(server: FastifyInstance, users: UsersService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const ctx = (request: Parameters<typeof requireAuth>[0]) => requireAuth(request, auth);

  app.get('/api/v1/organization', { config: { access: 'org:read' }, schema: { tags: ['organization'], summary: 'My organization', response: { 200: Organization } } }, async (r) => users.getOrganization(ctx(r)));
  app.patch('/api/v1/organization', { config: { access: 'org:update' }, schema: { tags: ['organization'], summary: 'Change organization settings (admins)', body: OrganizationPatch, response: { 200: Organization } } }, async (r) =>
    users.updateOrganization(ctx(r), r.body),
  );

  app.get('/api/v1/users', { config: { access: 'users:read' }, schema: { tags: ['users'], summary: 'Users of my organization', response: { 200: z.object({ data: z.array(User) }) } } }, async (r) => ({ data: await users.listUsers(ctx(r)) }));
  app.patch('/api/v1/users/:id', { config: { access: 'users:read' }, schema: { tags: ['users'], summary: 'Set role or team, rename, deactivate (admins); anyone may set their own time_zone', params: IdParams, body: UserPatch, response: { 200: User } } }, async (r) =>
    users.updateUser(ctx(r), r.params.id, r.body),
  );

  app.post('/api/v1/invitations', { config: { access: 'users:manage' }, schema: { tags: ['users'], summary: 'Invite someone (admins); the token is shown once', body: InvitationBody, response: { 201: InvitationCreated } } }, async (r, reply) =>
    reply.code(201).send(await users.invite(ctx(r), r.body)),
  );
  app.get('/api/v1/invitations', { config: { access: 'users:manage' }, schema: { tags: ['users'], summary: 'Invitations', response: { 200: z.object({ data: z.array(Invitation) }) } } }, async (r) => ({ data: await users.listInvitations(ctx(r)) }));
  app.delete('/api/v1/invitations/:id', { config: { access: 'users:manage' }, schema: { tags: ['users'], summary: 'Revoke an open invitation', params: IdParams, response: { 204: z.null() } } }, async (r, reply) => {
    await users.revokeInvitation(ctx(r), r.params.id);
    return reply.code(204).send(null);
  });
  app.post('/api/v1/auth/accept-invitation', { config: { access: 'public' }, schema: { tags: ['auth'], summary: 'Accept an invitation: create my account and sign in', body: AcceptInvitationBody, response: { 201: SignupCreated } } }, async (r, reply) => {
    const { userId, session } = await users.acceptInvitation(r.body, { ip: r.ip ?? null, userAgent: r.headers['user-agent'] ?? null });
    setSessionCookies(r, reply, session);
    const me = await auth.authenticate({ sessionToken: session.token });
    return reply.code(201).send({ user_id: userId, organization_id: me!.organizationId, csrf_token: session.csrfToken, expires_at: session.expiresAt.toISOString() });
  });

  app.get('/api/v1/teams', { config: { access: 'teams:read' }, schema: { tags: ['teams'], summary: 'Teams with their member counts', response: { 200: z.object({ data: z.array(TeamWithMembers) }) } } }, async (r) => ({ data: await users.listTeams(ctx(r)) }));
  app.post('/api/v1/teams', { config: { access: 'users:manage' }, schema: { tags: ['teams'], summary: 'Create a team (admins)', body: TeamBody, response: { 201: Team } } }, async (r, reply) => reply.code(201).send(await users.createTeam(ctx(r), r.body)));
  app.patch('/api/v1/teams/:id', { config: { access: 'teams:manage' }, schema: { tags: ['teams'], summary: 'Change a team (admins, or its manager)', params: IdParams, body: TeamPatch, response: { 200: Team } } }, async (r) =>
    users.updateTeam(ctx(r), r.params.id, r.body),
  );
  app.delete('/api/v1/teams/:id', { config: { access: 'users:manage' }, schema: { tags: ['teams'], summary: 'Delete a team (its leads and users keep going, teamless)', params: IdParams, response: { 204: z.null() } } }, async (r, reply) => {
    await users.deleteTeam(ctx(r), r.params.id);
    return reply.code(204).send(null);
  });
}
