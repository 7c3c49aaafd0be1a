import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import * as q from './auth.queries.ts';
import { hashSecret } from './tokens.ts';

export interface ThrottleVerdict {
  allowed: boolean;
  /** Seconds until the window that refused this attempt ends (0 when allowed). */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counters of sign-in attempts per email (whether or not an account has it, so a
 * 429 reveals nothing) and per client IP, kept in PostgreSQL so that every server process on
 * the database counts the same windows: N processes together allow the guesses of one. One
 * statement per attempt (both keys at once); ended windows are swept at most once a minute
 * per process. Keys are hashed: the typed email is never written anywhere.
 */
export function createLoginThrottle(db: Kysely<DB>, options: { perEmail: number; perIp: number; windowMs: number }) {
  const windowSeconds = Math.max(1, Math.round(options.windowMs / 1000));
  const emailKey = (email: string) => hashSecret(`email:${email}`);
  const ipKey = (ip: string | null) => hashSecret(`ip:${ip ?? 'unknown'}`);
  let lastSweep = 0;

  return {
    async hit(email: string, ip: string | null): Promise<ThrottleVerdict> {
      const byEmail = emailKey(email);
      const byIp = ipKey(ip);
      const rows = await q.hitThrottle(db, [byEmail, byIp], windowSeconds);
      if (Date.now() - lastSweep > 60_000) {
        lastSweep = Date.now();
        await q.sweepThrottle(db);
      }
      const over = rows.filter((r) => r.hits > (r.key_hash === byEmail ? options.perEmail : options.perIp));
      return over.length === 0 ? { allowed: true, retryAfterSeconds: 0 } : { allowed: false, retryAfterSeconds: Math.max(...over.map((r) => r.retry_after)) };
    },

    /** After a successful sign-in the email's window starts over (the IP's does not). */
    async succeeded(email: string): Promise<void> {
      await q.clearThrottle(db, emailKey(email));
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
