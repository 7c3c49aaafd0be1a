import { describe, expect, it } from 'vitest';
import type { AuthContext } from '../src/modules/auth/auth.context.ts';
import { CredentialCache } from '../src/modules/auth/credential-cache.ts';

const ctx: AuthContext = { organizationId: 'o', userId: 'u', role: 'admin', teamId: null, actor: { type: 'user', id: 'u' }, via: 'session', sessionId: 's', csrfHash: null };

describe('CredentialCache', () => {
  it('answers within its time to live and forgets after it', () => {
    const cache = new CredentialCache(1000);
    cache.set('h', ctx, null, 0);
    expect(cache.get('h', 999)).toBe(ctx);
    expect(cache.get('h', 1000)).toBeUndefined();
  });

  it('never outlives the credential itself', () => {
    const cache = new CredentialCache(1000);
    cache.set('h', ctx, new Date(300), 0);
    expect(cache.get('h', 299)).toBe(ctx);
    expect(cache.get('h', 300)).toBeUndefined();
    cache.set('expired', ctx, new Date(5), 10);
    expect(cache.get('expired', 10)).toBeUndefined();
  });

  it('is cleared at once and drops its oldest entry when full', () => {
    const cache = new CredentialCache(1000, 2);
    cache.set('a', ctx, null, 0);
    cache.set('b', ctx, null, 0);
    cache.set('c', ctx, null, 0);
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('c', 1)).toBe(ctx);
    cache.clear();
    expect(cache.get('b', 1)).toBeUndefined();
  });

  it('caches nothing when switched off', () => {
    const cache = new CredentialCache(0);
    cache.set('h', ctx, null, 0);
    expect(cache.get('h', 0)).toBeUndefined();
  });
});
