import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normalizeIp } from '../../shared/ip.ts';
import { CSRF_COOKIE, SESSION_COOKIE, requireAuth } from '../../http/auth.ts';
import type { AuthService, NewSession } from './auth.service.ts';
import { ApiKey, ApiKeyBody, ApiKeyCreated, IdParams, LoginBody, Me, PasswordChangeBody, PasswordChanged, SessionCreated, SessionInfo, SignupBody, SignupCreated } from './auth.schemas.ts';

function client(request: FastifyRequest) {
  return { ip: normalizeIp(request.ip), userAgent: request.headers['user-agent'] ?? null };
}

export function setSessionCookies(request: FastifyRequest, reply: FastifyReply, session: NewSession) {
  const secure = request.protocol === 'https';
  const common = { path: '/', sameSite: 'lax' as const, secure, expires: session.expiresAt };
  reply.setCookie(SESSION_COOKIE, session.token, { ...common, httpOnly: true });
  // Readable by the page's script so it can echo it in x-csrf-token.
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false });
}

export async function registerAuthRoutes(server: FastifyInstance, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];

  app.post('/api/v1/auth/signup', {
    config: { access: 'public' },
    schema: { tags, summary: 'Create an organization and its first admin, and sign in', body: SignupBody, response: { 201: SignupCreated } },
  }, async (request, reply) => {
    const b = request.body;
    const result = await auth.signup({ organizationName: b.organization_name, fullName: b.full_name, email: b.email, password: b.password }, client(request));
    setSessionCookies(request, reply, result.session);
    return reply.code(201).send({ user_id: result.userId, organization_id: result.organizationId, csrf_token: result.session.csrfToken, expires_at: result.session.expiresAt.toISOString() });
  });

  app.post('/api/v1/auth/login', {
    config: { access: 'public' },
    schema: { tags, summary: 'Sign in with email and password (sets an HttpOnly session cookie)', body: LoginBody, response: { 200: SessionCreated } },
  }, async (request, reply) => {
    const session = await auth.login(request.body, client(request));
    // Session fixation: sign-in always opens a new session (login never adopts a cookie it was
    // sent), and a session this browser still held ends now that its cookie is replaced.
    if (request.auth?.via === 'session') await auth.logout(request.auth);
    setSessionCookies(request, reply, session);
    return { csrf_token: session.csrfToken, expires_at: session.expiresAt.toISOString() };
  });

  app.post('/api/v1/auth/logout', { config: { access: 'authenticated' }, schema: { tags, summary: 'Sign out: revoke this session', response: { 204: z.null() } } }, async (request, reply) => {
    const ctx = requireAuth(request, auth);
    await auth.logout(ctx);
    reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
    return reply.code(204).send(null);
  });

  app.post('/api/v1/auth/password', {
    config: { access: 'authenticated' },
    schema: { tags, summary: 'Change my password (the current one is asked again); my other sessions end', body: PasswordChangeBody, response: { 200: PasswordChanged } },
  }, async (request) => {
    const done = await auth.changePassword(requireAuth(request, auth), { currentPassword: request.body.current_password, newPassword: request.body.new_password });
    return { other_sessions_ended: done.otherSessionsEnded };
  });

  app.get('/api/v1/me', { config: { access: 'authenticated' }, schema: { tags, summary: 'Who am I: user, organization, role and permissions', response: { 200: Me } } }, async (request) =>
    auth.me(requireAuth(request, auth)),
  );

  app.get('/api/v1/auth/sessions', { config: { access: 'sessions:own' }, schema: { tags, summary: 'My active sessions', response: { 200: z.object({ data: z.array(SessionInfo) }) } } }, async (request) => ({
    data: await auth.listSessions(requireAuth(request, auth)),
  }));

  app.delete('/api/v1/auth/sessions/:id', { config: { access: 'sessions:own' }, schema: { tags, summary: 'Revoke one of my sessions', params: IdParams, response: { 204: z.null() } } }, async (request, reply) => {
    await auth.revokeSession(requireAuth(request, auth), request.params.id);
    return reply.code(204).send(null);
  });

  const keyTags = ['api-keys'];
  app.post('/api/v1/api-keys', { config: { access: 'api_keys:manage' }, schema: { tags: keyTags, summary: 'Create an API key (admins); the secret is shown once', body: ApiKeyBody, response: { 201: ApiKeyCreated } } }, async (request, reply) => {
    const created = await auth.createApiKey(requireAuth(request, auth), { name: request.body.name, role: request.body.role, expiresAt: request.body.expires_at ?? null });
    return reply.code(201).send(created);
  });

  app.get('/api/v1/api-keys', { config: { access: 'api_keys:manage' }, schema: { tags: keyTags, summary: 'List API keys (never their secrets)', response: { 200: z.object({ data: z.array(ApiKey) }) } } }, async (request) => ({
    data: await auth.listApiKeys(requireAuth(request, auth)),
  }));

  app.delete('/api/v1/api-keys/:id', { config: { access: 'api_keys:manage' }, schema: { tags: keyTags, summary: 'Revoke an API key at once', params: IdParams, response: { 204: z.null() } } }, async (request, reply) => {
    await auth.revokeApiKey(requireAuth(request, auth), request.params.id);
    return reply.code(204).send(null);
  });
}
