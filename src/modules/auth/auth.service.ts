import { auditActor, recordApiKeyUse, recordAudit } from '../audit/audit.service.ts';
import type { Kysely } from 'kysely';
import type { DB, UserRole } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import { createOrganization } from '../organizations/organizations.service.ts';
import type { AuthContext } from './auth.context.ts';
import { CREDENTIAL_CACHE_MS, CredentialCache } from './credential-cache.ts';
import * as q from './auth.queries.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.ts';
import { ACTIONS, authorize, can } from './permissions.ts';
import { createLoginThrottle } from './login-throttle.ts';
import type { SupabaseVerifier } from './supabase-jwt.ts';
import { hashSecret, newSecret, sameSecret } from './tokens.ts';

export const SESSION_TTL_MS = 14 * 24 * 3600_000;
const API_KEY_PREFIX = 'lak_';

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

const INVALID_LOGIN = 'The email or password is incorrect.';
/** How often one process writes an API key's use to the audit log (see recordApiKeyUse). */
const KEY_USE_EVERY_MS = 3600_000;

export function createAuthService(
  db: Kysely<DB>,
  options: { loginLimitPerWindow?: number; loginWindowMs?: number; supabase?: SupabaseVerifier | null; credentialCacheMs?: number } = {},
) {
  const cache = new CredentialCache(options.credentialCacheMs ?? CREDENTIAL_CACHE_MS);
  const limit = options.loginLimitPerWindow ?? 10;
  const windowMs = options.loginWindowMs ?? 15 * 60_000;
  const throttle = createLoginThrottle(db, { perEmail: limit, perIp: limit * 5, windowMs });
  // Verifying against a real hash when the email is unknown keeps response times alike.
  const decoyHash = hashPassword(newSecret());
  // API key id → when this process last noted its use (the database check backs it up across processes).
  const keyUseNoted = new Map<string, number>();

  async function openSession(organizationId: string, userId: string, client: ClientInfo): Promise<NewSession> {
    const token = newSecret('las_');
    const csrfToken = newSecret();
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
    await withTenant(db, { organizationId, userId }, async (tx) => {
      await q.insertSession(tx, { organizationId, userId, tokenHash: hashSecret(token), csrfHash: hashSecret(csrfToken), expiresAt, ip: client.ip, userAgent: client.userAgent?.slice(0, 500) ?? null });
      await recordAudit(tx, { organizationId, actorType: 'user', actorId: userId, action: 'auth.login', entityType: 'user', entityId: userId, ip: client.ip, userAgent: client.userAgent });
    });
    return { token, csrfToken, expiresAt };
  }

  return {
    async signup(input: { organizationName: string; fullName: string; email: string; password: string }, client: ClientInfo) {
      const { organization, admin } = await createOrganization(db, {
        name: input.organizationName,
        adminEmail: input.email,
        adminPassword: input.password,
        adminName: input.fullName,
      });
      const session = await openSession(organization.id, admin.id, client);
      return { organizationId: organization.id, userId: admin.id, session };
    },

    async login(input: { email: string; password: string }, client: ClientInfo): Promise<NewSession> {
      const email = input.email.trim().toLowerCase();
      const verdict = await throttle.hit(email, client.ip);
      if (!verdict.allowed) {
        throw new DomainError('rate_limited', 'Too many sign-in attempts. Wait a few minutes and try again.', {
          retry_after_seconds: verdict.retryAfterSeconds,
        });
      }
      const found = await q.findLoginByEmail(db, email);
      const ok = await verifyPassword(found?.password_hash ?? (await decoyHash), input.password);
      if (!found || !ok || !found.is_active) {
        if (found) {
          await q.recordLoginFailure(db, found.id);
          // Into the account's organization only: an unknown email belongs to no organization,
          // and the typed email itself is never written anywhere.
          await withTenant(db, { organizationId: found.organization_id }, (tx) =>
            recordAudit(tx, { organizationId: found.organization_id, actorType: 'user', actorId: found.id, action: 'auth.login_failed', entityType: 'user', entityId: found.id, details: { reason: found.is_active ? 'password' : 'deactivated' }, ip: client.ip, userAgent: client.userAgent }));
        }
        throw new DomainError('unauthenticated', INVALID_LOGIN);
      }
      await throttle.succeeded(email);
      await q.recordLoginSuccess(db, found.id);
      return openSession(found.organization_id, found.id, client);
    },

    /** Resolves a session cookie or an API key to the caller, or null when neither is valid. */
    async authenticate(credentials: { sessionToken?: string | undefined; bearer?: string | undefined }): Promise<AuthContext | null> {
      if (credentials.bearer) {
        if (!credentials.bearer.startsWith(API_KEY_PREFIX)) {
          const userId = options.supabase ? await options.supabase(credentials.bearer) : null;
          const user = userId ? await q.findActiveUser(db, userId) : undefined;
          if (!user) return null;
          return { organizationId: user.organization_id, userId: user.id, role: user.role, teamId: user.team_id, actor: { type: 'user', id: user.id }, via: 'api_key', sessionId: null, csrfHash: null };
        }
        const hash = hashSecret(credentials.bearer);
        const cached = cache.get(hash);
        if (cached) return cached;
        const key = await q.findApiKeyByHash(db, hash);
        if (!key) return null;
        if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > 60_000) await q.touchApiKey(db, key.id);
        const ctx: AuthContext = { organizationId: key.organization_id, userId: null, role: key.role, teamId: null, actor: { type: 'api_key', id: key.id }, via: 'api_key', sessionId: null, csrfHash: null };
        cache.set(hash, ctx, key.expires_at);
        return ctx;
      }
      if (credentials.sessionToken) {
        const hash = hashSecret(credentials.sessionToken);
        const cached = cache.get(hash);
        if (cached) return cached;
        const s = await q.findSessionByTokenHash(db, hash);
        if (!s) return null;
        if (Date.now() - s.last_seen_at.getTime() > 60_000) await q.touchSession(db, s.id);
        const ctx: AuthContext = { organizationId: s.organization_id, userId: s.user_id, role: s.role, teamId: s.team_id, actor: { type: 'user', id: s.user_id }, via: 'session', sessionId: s.id, csrfHash: s.csrf_token_hash };
        cache.set(hash, ctx, s.expires_at);
        return ctx;
      }
      return null;
    },

    /** Notes an API key's use in the audit log, at most once per key per hour (see recordApiKeyUse). */
    async noteApiKeyUse(ctx: AuthContext): Promise<void> {
      const t = Date.now();
      if (ctx.actor.type !== 'api_key' || t - (keyUseNoted.get(ctx.actor.id) ?? 0) < KEY_USE_EVERY_MS) return;
      if (keyUseNoted.size >= 10_000) keyUseNoted.clear();
      keyUseNoted.set(ctx.actor.id, t);
      await withTenant(db, { organizationId: ctx.organizationId }, (tx) => recordApiKeyUse(tx, { organizationId: ctx.organizationId, keyId: ctx.actor.id, ip: ctx.client?.ip ?? null, userAgent: ctx.client?.userAgent ?? null }));
    },

    /** After a change that can end or narrow someone's access (deactivation, role, team). */
    forgetCachedCredentials(): void {
      cache.clear();
    },

    checkCsrf(ctx: AuthContext, token: string | undefined): void {
      if (ctx.via !== 'session') return;
      if (!token || !ctx.csrfHash || !sameSecret(token, ctx.csrfHash)) {
        throw new DomainError('forbidden', 'This change needs the CSRF token: send the x-csrf-token header with the value returned at sign-in (also in the leadai_csrf cookie).', { reason: 'csrf' });
      }
    },

    async logout(ctx: AuthContext): Promise<void> {
      if (!ctx.sessionId || !ctx.userId) return;
      await withTenant(db, ctx, (tx) => q.revokeSession(tx, ctx.userId!, ctx.sessionId!));
      cache.clear();
    },

    /**
     * Changes the signed-in user's password: the current one is asked again (a session left
     * open is not enough), the new one meets the policy, and every other session of the user
     * ends, in this process at once and in the others within the credential cache's second.
     */
    async changePassword(ctx: AuthContext, input: { currentPassword: string; newPassword: string }): Promise<{ otherSessionsEnded: number }> {
      if (!ctx.userId || ctx.via !== 'session') throw new DomainError('forbidden', 'Only a signed-in person changes their password; an API key or access token has none.');
      checkPasswordPolicy(input.newPassword, 'new_password');
      const userId = ctx.userId;
      const current = await withTenant(db, ctx, (tx) => q.getPasswordHash(tx, userId));
      if (!current || !(await verifyPassword(current, input.currentPassword))) {
        throw new DomainError('validation', 'The current password is not correct.', { field: 'current_password', errors: [{ field: 'current_password', message: 'is not your current password' }] });
      }
      const passwordHash = await hashPassword(input.newPassword);
      const ended = await withTenant(db, ctx, async (tx) => {
        await q.setPasswordHash(tx, userId, passwordHash);
        const n = await q.revokeOtherSessions(tx, userId, ctx.sessionId);
        await recordAudit(tx, { ...auditActor(ctx), action: 'auth.password_changed', entityType: 'user', entityId: userId, details: { other_sessions_ended: n } });
        return n;
      });
      cache.clear();
      return { otherSessionsEnded: ended };
    },

    async me(ctx: AuthContext) {
      return withTenant(db, ctx, async (tx) => {
        const user = ctx.userId ? await q.getUser(tx, ctx.userId) : undefined;
        const organization = await q.getOrganization(tx, ctx.organizationId);
        return {
          user: user ? { id: user.id, email: user.email, full_name: user.full_name, role: user.role, team_id: user.team_id, avatar_url: user.avatar_url, time_zone: user.time_zone } : null,
          api_key_id: ctx.actor.type === 'api_key' ? ctx.actor.id : null,
          role: ctx.role,
          organization,
          permissions: ACTIONS.filter((a) => can(ctx.role, a)),
        };
      });
    },

    async listSessions(ctx: AuthContext) {
      authorize(ctx, 'sessions:own');
      if (!ctx.userId) return [];
      const rows = await withTenant(db, ctx, (tx) => q.listSessions(tx, ctx.userId!));
      return rows.map((r) => ({ ...r, current: r.id === ctx.sessionId }));
    },

    async revokeSession(ctx: AuthContext, sessionId: string): Promise<void> {
      authorize(ctx, 'sessions:own');
      const done = ctx.userId ? await withTenant(db, ctx, (tx) => q.revokeSession(tx, ctx.userId!, sessionId)) : false;
      cache.clear();
      if (!done) throw new DomainError('not_found', 'No active session of yours has this id.');
    },

    async createApiKey(ctx: AuthContext, input: { name: string; role: UserRole; expiresAt?: Date | null }) {
      authorize(ctx, 'api_keys:manage');
      const secret = newSecret(API_KEY_PREFIX);
      const row = await withTenant(db, ctx, async (tx) => {
        const key = await q.insertApiKey(tx, { organizationId: ctx.organizationId, name: input.name, prefix: secret.slice(0, 10), keyHash: hashSecret(secret), role: input.role, createdBy: ctx.userId, expiresAt: input.expiresAt ?? null });
        await recordAudit(tx, { ...auditActor(ctx), action: 'api_key.create', entityType: 'api_key', entityId: key.id, details: { role: input.role } });
        return key;
      });
      return { ...row, key: secret };
    },

    async listApiKeys(ctx: AuthContext) {
      authorize(ctx, 'api_keys:manage');
      return withTenant(db, ctx, (tx) => q.listApiKeys(tx));
    },

    async revokeApiKey(ctx: AuthContext, id: string): Promise<void> {
      authorize(ctx, 'api_keys:manage');
      const done = await withTenant(db, ctx, async (tx) => {
        const revoked = await q.revokeApiKey(tx, id);
        if (revoked) await recordAudit(tx, { ...auditActor(ctx), action: 'api_key.revoke', entityType: 'api_key', entityId: id });
        return revoked;
      });
      cache.clear();
      if (!done) throw new DomainError('not_found', 'No active API key has this id.');
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
