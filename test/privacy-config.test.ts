import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_PRIVACY_KEY, loadConfig } from '../src/config.ts';

describe('LEADAI_PRIVACY_KEY', () => {
  it('defaults to the public development key outside production', () => {
    expect(loadConfig({}).privacy.hashKey).toBe(DEVELOPMENT_PRIVACY_KEY);
  });

  it('is required in production, with advice, and never echoed when invalid', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/LEADAI_PRIVACY_KEY is required in production.*openssl rand -hex 32/);
    try {
      loadConfig({ LEADAI_PRIVACY_KEY: 'short-secret-value' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('LEADAI_PRIVACY_KEY=(hidden)');
      expect((error as Error).message).not.toContain('short-secret-value');
    }
    expect(loadConfig({ NODE_ENV: 'production', LEADAI_PRIVACY_KEY: 'k'.repeat(32), LEADAI_SECRET_KEY: 's'.repeat(32) }).privacy.hashKey).toBe('k'.repeat(32));
  });
});
