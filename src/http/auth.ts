import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../modules/auth/auth.context.ts';
import type { AuthService } from '../modules/auth/auth.service.ts';
import { DomainError } from '../shared/errors.ts';
import { normalizeIp } from '../shared/ip.ts';

export const SESSION_COOKIE = 'leadai_session';
export const CSRF_COOKIE = 'leadai_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/**
 * Writes that act on no session: they open one (sign-in, sign-up, accepting an invitation) or
 * carry their own key or token (tracking ingest, one-click unsubscribe). A session cookie sent
 * along is not their authority, so they take no CSRF token; every other write does.
 */
export const WRITES_WITHOUT_SESSION: ReadonlySet<string> = new Set([
  '/api/v1/auth/login', '/api/v1/auth/signup', '/api/v1/auth/accept-invitation', '/api/v1/track', '/email/unsubscribe/:token',
]);

function csrfHeader(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  return Array.isArray(header) ? header[0] : header;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

/**
 * Resolves the caller once per request (session cookie or `Authorization: Bearer` API key)
 * and exposes `requireAuth`, which also enforces CSRF on cookie-authenticated writes.
 */
export function registerAuthentication(app: FastifyInstance, auth: AuthService): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const sessionToken = request.cookies[SESSION_COOKIE];
    if (!bearer && !sessionToken) return;
    const found = await auth.authenticate({ bearer, sessionToken });
    if (!found && bearer) {
      throw new DomainError('unauthenticated', 'The bearer token is not valid: an unknown, revoked or expired API key, or an access token that is expired, not signed for this server, or of an unknown or deactivated user.');
    }
    if (!found) return;
    // A copy per request: the resolved context is cached across requests, the client is this one's.
    request.auth = { ...found, client: { ip: normalizeIp(request.ip), userAgent: request.headers['user-agent']?.slice(0, 500) ?? null } };
    if (found.actor.type === 'api_key') await auth.noteApiKeyUse(request.auth);
    // Checked here, before the body is parsed or validated: a cookie-authenticated write without
    // the token is refused 403 whatever it sends, on every route, not only where a handler
    // reaches requireAuth (which checks again).
    if (!SAFE_METHODS.has(request.method) && !WRITES_WITHOUT_SESSION.has(request.routeOptions.url ?? '')) auth.checkCsrf(request.auth, csrfHeader(request));
  });
}

export function requireAuth(request: FastifyRequest, auth: AuthService): AuthContext {
  if (!request.auth) throw new DomainError('unauthenticated', 'Sign in first, or send an API key as `Authorization: Bearer …`.');
  if (!SAFE_METHODS.has(request.method)) auth.checkCsrf(request.auth, csrfHeader(request));
  return request.auth;
}
