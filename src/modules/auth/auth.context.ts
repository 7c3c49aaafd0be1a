import type { UserRole } from '../../db/schema.ts';
import type { TenantContext } from '../../db/tenant.ts';

/** Who is asking, resolved once per request from a session cookie or a bearer token. */
export interface AuthContext extends TenantContext {
  organizationId: string;
  userId: string | null;
  role: UserRole;
  teamId: string | null;
  actor: { type: 'user' | 'api_key'; id: string };
  /** Cookie sessions must prove writes with the CSRF token; bearer tokens (API keys,
   *  Supabase access tokens) need not: a browser never sends them by itself. */
  via: 'session' | 'api_key';
  sessionId: string | null;
  /** The session's CSRF token hash (cookie sessions only). */
  csrfHash: string | null;
  /** The request's address and user agent, for the audit log (set per request, never cached). */
  client?: { ip: string | null; userAgent: string | null };
}
