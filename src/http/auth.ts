import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthContext } from '../modules/auth/auth.context.ts';
import type { AuthService } from '../modules/auth/auth.service.ts';
import { DomainError } from '../shared/errors.ts';

export const SESSION_COOKIE = 'leadai_session';
export const CSRF_COOKIE = 'leadai_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
    request.auth = await auth.authenticate({ bearer, sessionToken });
    if (!request.auth && bearer) {
      throw new DomainError('unauthenticated', 'The bearer token is not valid: an unknown, revoked or expired API key, or an access token that is expired, not signed for this server, or of an unknown or deactivated user.');
    }
  });
}

export function requireAuth(request: FastifyRequest, auth: AuthService): AuthContext {
  if (!request.auth) throw new DomainError('unauthenticated', 'Sign in first, or send an API key as `Authorization: Bearer …`.');
  if (!SAFE_METHODS.has(request.method)) {
    const header = request.headers['x-csrf-token'];
    auth.checkCsrf(request.auth, Array.isArray(header) ? header[0] : header);
  }
  return request.auth;
}
