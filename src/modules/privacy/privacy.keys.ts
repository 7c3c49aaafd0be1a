import { createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * The keyed hashes that remember a person without holding their data: tombstones and the
 * subject of a finished request. HMAC-SHA256 under LEADAI_PRIVACY_KEY, so a leaked table
 * cannot be tested against guessed addresses without the key as well.
 */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The digits that identify a phone number whatever its writing: "+1 (415) 555-0134",
 * "415.555.0134" and "0014155550134" all end in the same ten digits (a national number is at
 * most ten digits in most plans; the country code and trunk prefix are what vary). Null when
 * too short to be a phone number.
 */
export function normalisePhone(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return null;
  return digits.length > 10 ? digits.slice(-10) : digits;
}

export function keyedHash(key: string, kind: 'email' | 'phone' | 'lead', value: string): string {
  return createHmac('sha256', key).update(`${kind}:${value}`).digest('hex');
}

/** A one-time download token and the hash stored in its place. */
export function newDownloadToken(): { token: string; hash: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
