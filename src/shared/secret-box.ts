import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Credentials at rest (mailbox passwords and OAuth tokens, SMTP passwords, webhook signing
 * secrets): AES-256-GCM under a key derived from LEADAI_SECRET_KEY. The sealed form is one
 * printable string, `v1.<iv>.<tag>.<ciphertext>` in base64url, so it fits a TEXT column and a
 * key rotation can tell versions apart. GCM authenticates: a value sealed under another key,
 * or tampered with, fails to open instead of yielding garbage.
 */
const VERSION = 'v1';

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export interface SecretBox {
  seal(plain: string): string;
  /** Throws SecretBoxError when the value was sealed under another key or altered. */
  open(sealed: string): string;
}

export function createSecretBox(secret: string): SecretBox {
  // HKDF: the configured string may be any length ≥ 32 characters; the cipher wants 32 bytes.
  const key = Buffer.from(hkdfSync('sha256', secret, 'leadai', 'credentials at rest v1', 32));
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) throw new SecretBoxError('the stored credential is not in a known format');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('the stored credential cannot be decrypted with this LEADAI_SECRET_KEY (it was saved under another key): enter it again');
      }
    },
  };
}
