import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { createSecretBox, SecretBoxError } from '../src/shared/secret-box.ts';

describe('secret box (credentials at rest)', () => {
  const box = createSecretBox('k'.repeat(40));

  it('round-trips, never stores the plain text, and differs on every seal', () => {
    const a = box.seal('hunter2-password');
    const b = box.seal('hunter2-password');
    expect(a).not.toContain('hunter2');
    expect(a).not.toBe(b);
    expect(box.open(a)).toBe('hunter2-password');
    expect(box.open(b)).toBe('hunter2-password');
  });

  it('refuses a value sealed under another key or altered, with a message that says what to do', () => {
    const sealed = box.seal('secret');
    expect(() => createSecretBox('z'.repeat(40)).open(sealed)).toThrow(/another key.*enter it again/);
    const parts = sealed.split('.');
    const flipped = [parts[0], parts[1], parts[2], `${parts[3]!.startsWith('A') ? 'B' : 'A'}${parts[3]!.slice(1)}`].join('.');
    expect(() => box.open(flipped)).toThrow(SecretBoxError);
    expect(() => box.open('plain text')).toThrow(/not in a known format/);
  });

  it('is required in production, and a public URL defaults to the listening address', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', LEADAI_PRIVACY_KEY: 'p'.repeat(32) })).toThrow(/LEADAI_SECRET_KEY is required in production/);
    expect(loadConfig({ PORT: '4100' }).publicUrl).toBe('http://127.0.0.1:4100');
    expect(loadConfig({ LEADAI_PUBLIC_URL: 'https://crm.example.com/' }).publicUrl).toBe('https://crm.example.com');
    expect(() => loadConfig({ LEADAI_SECRET_KEY: 'short' })).toThrow(/LEADAI_SECRET_KEY=\(hidden\): must be at least 32/);
  });
});
