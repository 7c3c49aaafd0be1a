import { recordAudit } from '../audit/audit.service.ts';
import type { Kysely } from 'kysely';
import type { DB, UserRole } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { DomainError } from '../../shared/errors.ts';
import { createOrganization } from '../organizations/organizations.service.ts';
import type { AuthContext } from './auth.context.ts';
import { CredentialCache } from './credential-cache.ts';
import * as q from './auth.queries.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { ACTIONS, authorize, can } from './permissions.ts';
import { RateLimiter } from './rate-limiter.ts';
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

export function createAuthService(
  db: Kysely<DB>,
  options: { loginLimitPerWindow?: number; loginWindowMs?: number; supabase?: SupabaseVerifier | null; credentialCacheMs?: number } = {},
) {
  const cache = new CredentialCache(options.credentialCacheMs ?? 1000);
  const limit = options.loginLimitPerWindow ?? 10;
  const windowMs = options.loginWindowMs ?? 15 * 60_000;
  const byEmail = new RateLimiter(limit, windowMs);
  const byIp = new RateLimiter(limit * 5, windowMs);
  // Verifying against a real hash when the email is unknown keeps response times alike.
  const decoyHash = hashPassword(newSecret());

  async function openSession(organizationId: string, userId: string, client: ClientInfo): Promise<NewSession> {
    const token = newSecret('las_');
    const csrfToken = newSecret();
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
    await withTenant(db, { organizationId, userId }, async (tx) => {
      await q.insertSession(tx, { organizationId, userId, tokenHash: hashSecret(token), csrfHash: hashSecret(csrfToken), expiresAt, ip: client.ip, userAgent: client.userAgent?.slice(0, 500) ?? null });
      await recordAudit(tx, { organizationId, actorType: 'user', actorId: userId, action: 'auth.login', entityType: 'user', entityId: userId });
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
      const ipKey = `ip:${client.ip ?? 'unknown'}`;
      if (!byIp.hit(ipKey) || !byEmail.hit(`email:${email}`)) {
        throw new DomainError('rate_limited', 'Too many sign-in attempts. Wait a few minutes and try again.', {
          retry_after_seconds: Math.max(byIp.retryAfterSeconds(ipKey), byEmail.retryAfterSeconds(`email:${email}`)),
        });
      }
      const found = await q.findLoginByEmail(db, email);
      const ok = await verifyPassword(found?.password_hash ?? (await decoyHash), input.password);
      if (!found || !ok || !found.is_active) {
        if (found) await q.recordLoginFailure(db, found.id, limit, windowMs / 1000);
        throw new DomainError('unauthenticated', INVALID_LOGIN);
      }
      byEmail.reset(`email:${email}`);
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
        await recordAudit(tx, { organizationId: ctx.organizationId, actorType: ctx.actor.type, actorId: ctx.actor.id, action: 'api_key.create', entityType: 'api_key', entityId: key.id, details: { role: input.role } });
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
        if (revoked) await recordAudit(tx, { organizationId: ctx.organizationId, actorType: ctx.actor.type, actorId: ctx.actor.id, action: 'api_key.revoke', entityType: 'api_key', entityId: id });
        return revoked;
      });
      cache.clear();
      if (!done) throw new DomainError('not_found', 'No active API key has this id.');
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
