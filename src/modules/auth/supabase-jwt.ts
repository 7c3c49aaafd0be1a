import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';

/**
 * Supabase Auth compatibility: a Supabase access token (a JWT whose `sub` is the user's
 * id, which is `users.id` here) is accepted as a bearer token, verified with the
 * project's HS256 secret or its JWKS (asymmetric keys). Returns the user id or null.
 */
export type SupabaseVerifier = (token: string) => Promise<string | null>;

export function createSupabaseVerifier(options: { jwtSecret?: string | undefined; jwksUrl?: string | undefined; audience: string }): SupabaseVerifier | null {
  if (!options.jwtSecret && !options.jwksUrl) return null;
  const secret = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
  return async (token) => {
    const header = decodeHeader(token);
    if (!header) return null;
    try {
      const verified =
        header.alg === 'HS256'
          ? secret && (await jwtVerify(token, secret, { algorithms: ['HS256'], audience: options.audience }))
          : jwks && (await jwtVerify(token, jwks, { algorithms: ['RS256', 'ES256', 'EdDSA'], audience: options.audience }));
      const sub = verified ? verified.payload.sub : undefined;
      return typeof sub === 'string' && /^[0-9a-f-]{36}$/i.test(sub) ? sub : null;
    } catch {
      return null;
    }
  };
}

function decodeHeader(token: string): { alg?: string } | null {
  const [head, payload, signature] = token.split('.');
  if (!head || !payload || !signature) return null;
  try {
    return JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as { alg?: string };
  } catch {
    return null;
  }
}
