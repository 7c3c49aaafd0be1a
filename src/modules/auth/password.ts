import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { DomainError } from '../../shared/errors.ts';

/** OWASP's argon2id baseline (19 MiB, 2 passes): a login costs ~20 ms, not 200. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;

/**
 * Passwords seen in breaches, most used first (zxcvbn-ts's common list: ~49,000 entries drawn
 * from leaked password dumps, shipped in the npm package, so no network at run time). Only
 * entries that pass the length rule can ever match; the list is lower-case, so is the check.
 */
let breached: ReadonlySet<string> | undefined;
function breachedPasswords(): ReadonlySet<string> {
  breached ??= new Set(dictionary['passwords-common'].filter((p) => p.length >= MIN_PASSWORD_LENGTH));
  return breached;
}

export function isBreachedPassword(password: string): boolean {
  return breachedPasswords().has(password.toLowerCase());
}

/** Length rules, then the breached list; the error names `field` (the body's password field). */
export function checkPasswordPolicy(password: string, field = 'password'): void {
  // `errors` too, as schema validation reports them: forms show the message next to the field.
  const refuse = (detail: string, message: string) => new DomainError('validation', detail, { field, errors: [{ field, message }] });
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw refuse(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > 256) throw refuse('The password must be at most 256 characters long.', 'must be at most 256 characters');
  if (isBreachedPassword(password)) {
    throw refuse(
      'This password appears in lists of passwords leaked in data breaches, which attackers try first. Choose another one: a few unrelated words make a strong one.',
      'appears in lists of leaked passwords: choose another one',
    );
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
