import type { AuthContext } from './auth.context.ts';

/**
 * Remembers, for a short time, who a session token or API key belongs to, so a busy
 * client does not pay a database round trip per request just to be recognised (measured:
 * half the statements of a get-by-id request, and on this hardware each statement's
 * socket write is the largest single cost).
 *
 * Correctness rules: entries are keyed by the secret's hash, never by the secret; an entry
 * never outlives the credential's own expiry; every change that can end access in this
 * process (logout, revocation, deactivation, role or team change) clears the cache at
 * once. Another server process sees such a change within `ttlMs` (1 s by default).
 */
/** How long another process may still honour a credential after it ended (documented in docs). */
export const CREDENTIAL_CACHE_MS = 1000;

export class CredentialCache {
  private readonly entries = new Map<string, { ctx: AuthContext; until: number }>();

  constructor(
    private readonly ttlMs = CREDENTIAL_CACHE_MS,
    private readonly maxEntries = 10_000,
  ) {}

  get(hash: string, now = Date.now()): AuthContext | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.ctx;
  }

  set(hash: string, ctx: AuthContext, credentialExpiresAt: Date | null, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    const until = Math.min(now + this.ttlMs, credentialExpiresAt?.getTime() ?? Infinity);
    if (until <= now) return;
    // Maps iterate in insertion order: dropping the first key drops the oldest entry.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { ctx, until });
  }

  clear(): void {
    this.entries.clear();
  }
}
