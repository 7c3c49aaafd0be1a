import type { UserRole } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuthContext } from './auth.context.ts';

/**
 * What each role may do, by action. Row scope (a sales rep's own and team's leads, a
 * manager's teams) is applied by the services on top of this; RLS is the net below both.
 */
export const ACTIONS = [
  'leads:read', 'leads:write', 'leads:delete', 'leads:assign', 'leads:merge',
  'activities:write', 'conversations:write',
  'org:read', 'org:update',
  'users:read', 'users:manage',
  'teams:read', 'teams:manage',
  'api_keys:manage',
  'sessions:own',
  'imports:write',
  'tracking:read', 'tracking:manage', 'journey:write',
  'models:read', 'models:manage', 'leads:rescore',
  'forecasts:generate',
  'metrics:refresh',
  'privacy:manage',
  'audit:read',
  'consents:write',
  // Integrations and automation (issue 24).
  'mailboxes:own', 'email:send', 'email:templates', 'webhooks:manage', 'automation:manage',
] as const;
export type Action = (typeof ACTIONS)[number];

const everyone: Action[] = ['leads:read', 'org:read', 'users:read', 'teams:read', 'sessions:own'];

export const PERMISSIONS: Record<UserRole, ReadonlySet<Action>> = {
  viewer: new Set(everyone),
  marketing: new Set([...everyone, 'imports:write', 'tracking:read', 'journey:write', 'consents:write', 'mailboxes:own', 'email:send', 'email:templates']),
  sales_rep: new Set([...everyone, 'leads:write', 'activities:write', 'conversations:write', 'consents:write', 'mailboxes:own', 'email:send']),
  manager: new Set([...everyone, 'leads:write', 'leads:delete', 'leads:assign', 'leads:merge', 'activities:write', 'conversations:write', 'teams:manage', 'imports:write', 'models:read', 'leads:rescore', 'forecasts:generate', 'metrics:refresh', 'consents:write', 'mailboxes:own', 'email:send', 'email:templates', 'automation:manage']),
  admin: new Set(ACTIONS),
};

export function can(role: UserRole, action: Action): boolean {
  return PERMISSIONS[role].has(action);
}

export function authorize(ctx: AuthContext, action: Action): void {
  if (!can(ctx.role, action)) {
    throw new DomainError('forbidden', `Your role (${ctx.role}) may not ${describe(action)}.`, { action });
  }
}

function describe(action: Action): string {
  if (action === 'email:templates') return 'manage e-mail templates';
  const [resource, verb] = action.split(':') as [string, string];
  const nouns: Record<string, string> = { activities: 'activities', conversations: 'conversations', leads: 'leads', org: 'organization settings', users: 'users', teams: 'teams', api_keys: 'API keys', sessions: 'sessions', imports: 'imports', tracking: 'tracking keys', journey: 'journey events', models: 'scoring models', forecasts: 'forecasts', metrics: 'team metrics', privacy: 'privacy (data subject requests, retention)', audit: 'the audit log', consents: 'consent records', mailboxes: 'mailbox connections', email: 'e-mail', webhooks: 'webhooks', automation: 'assignment rules and workflows' };
  const verbs: Record<string, string> = { read: 'read', write: 'create or change', delete: 'delete', assign: 'assign', update: 'change', manage: 'manage', own: 'manage their own', merge: 'merge', rescore: 'rescore', generate: 'make', refresh: 'recompute', send: 'send' };
  return `${verbs[verb] ?? verb} ${nouns[resource] ?? resource}`;
}

/**
 * Sales reps work on leads assigned to them or to their team; managers on their team's
 * leads (and unassigned ones, to assign them); everyone else on the whole organization.
 */
export type LeadScope = { kind: 'all' } | { kind: 'owner_or_team'; userId: string | null; teamId: string | null } | { kind: 'team'; teamId: string | null };

export function leadScope(ctx: Pick<AuthContext, 'role' | 'userId' | 'teamId'>, purpose: 'read' | 'write'): LeadScope {
  if (ctx.role === 'sales_rep') return { kind: 'owner_or_team', userId: ctx.userId, teamId: ctx.teamId };
  if (ctx.role === 'manager' && purpose === 'write' && ctx.teamId) return { kind: 'team', teamId: ctx.teamId };
  return { kind: 'all' };
}
