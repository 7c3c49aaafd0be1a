import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('defaults to the embedded database on port 3000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.database.kind).toBe('embedded');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('uses a PostgreSQL server when DATABASE_URL is set, and ignores an empty one', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database.kind).toBe('server');
    expect(loadConfig({ DATABASE_URL: '' }).database.kind).toBe('embedded');
  });

  it('lists every invalid variable at once and never prints a secret', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'chatty', DATABASE_URL: 'mysql://user:hunter2@host/db' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT="x"');
    expect(message).toContain('LOG_LEVEL="chatty"');
    expect(message).toContain('DATABASE_URL=(hidden)');
    expect(message).not.toContain('hunter2');
  });
});
