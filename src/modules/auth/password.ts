import argon2 from 'argon2';
import { DomainError } from '../../shared/errors.ts';

/** OWASP's argon2id baseline (19 MiB, 2 passes): a login costs ~20 ms, not 200. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;

export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new DomainError('validation', `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`, {
      field: 'password',
    });
  }
  if (password.length > 256) {
    throw new DomainError('validation', 'The password must be at most 256 characters long.', { field: 'password' });
  }
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
