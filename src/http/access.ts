import type { FastifyInstance } from 'fastify';
import { ACTIONS, authorize, can, type Action } from '../modules/auth/permissions.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * What a route requires of its caller, declared in its options (`config: { access }`):
 * - `'public'`: no sign-in (sign-up, sign-in, the tracking beacon, health);
 * - `'authenticated'`: any signed-in user or API key (their own notifications, the stream);
 * - an action, or a list of actions of which the caller's role needs any one.
 * Services keep their own `authorize` calls (row scope, conditional rules); this is the
 * coarse gate before the handler, and the machine-readable part of the contract: the
 * OpenAPI document carries it as `x-leadai-action` on every operation, so the access
 * sweep test derives who must be refused from the declaration itself.
 */
export type Access = 'public' | 'authenticated' | Action | readonly [Action, ...Action[]];

export const ACCESS_EXTENSION = 'x-leadai-action';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

const KNOWN = new Set<string>(ACTIONS);

/** The actions an access declaration accepts (any one suffices); empty for public/authenticated. */
export function actionsOf(access: Access): readonly Action[] {
  if (access === 'public' || access === 'authenticated') return [];
  return typeof access === 'string' ? [access] : access;
}

/**
 * Registers the central gate. Must run before @fastify/swagger is registered, so the
 * declaration is on each route's schema when the document is generated. A route under
 * /api/ without a declaration is served (services still check), but the OpenAPI document
 * shows it without `x-leadai-action`, which test/access-sweep.test.ts refuses.
 */
export function registerAccessControl(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (access === undefined) return;
    // A typo in a declaration must stop the server at start, not open or close a route silently.
    for (const action of actionsOf(access)) {
      if (!KNOWN.has(action)) throw new Error(`${route.method} ${route.url}: unknown action "${action}" in its access declaration`);
    }
    // An `x-` key of the route schema: @fastify/swagger copies it onto the operation as is.
    route.schema = Object.assign({}, route.schema, { [ACCESS_EXTENSION]: access });
  });

  // preValidation: a role that may not use a route is told so before its input is judged,
  // and no handler (nor anything it would write) runs.
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    if (!request.auth) throw new DomainError('unauthenticated', 'Sign in first, or send an API key as `Authorization: Bearer …`.');
    const actions = actionsOf(access);
    if (actions.length === 0 || actions.some((action) => can(request.auth!.role, action))) return;
    // The same words the services use ("Your role (viewer) may not delete leads.").
    authorize(request.auth, actions[0]!);
  });
}
