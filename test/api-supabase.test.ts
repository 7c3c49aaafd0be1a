import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODE } from './helpers/db.ts';
import { Client, useServer } from './helpers/api.ts';

/**
 * Supabase Auth access tokens, signed inside the test: HS256 with the project secret, and
 * ES256 with a key published by a local JWKS endpoint.
 */
const SECRET = 'super-secret-jwt-token-with-at-least-32-characters';
let jwksServer: Server;
let jwksUrl = '';
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  jwksServer = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const address = jwksServer.address();
  jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/auth/v1/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

const { app, url } = useServer(() => ({ SUPABASE_JWT_SECRET: SECRET, SUPABASE_JWKS_URL: jwksUrl }));

const hs256 = (sub: string, opts: { expiresIn?: string; audience?: string; secret?: string } = {}) =>
  new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setAudience(opts.audience ?? 'authenticated')
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));

describe(`Supabase Auth access tokens (${MODE})`, () => {
  it("accepts an HS256 token whose sub is a user's id, with that user's role", async () => {
    const { userId, organizationId } = await Client.signup(url, 'Supa Co');
    const client = Client.withKey(url, await hs256(userId));
    const me = await client.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(userId);
    expect(me.body.organization.id).toBe(organizationId);
    // Bearer tokens are not sent by browsers on their own: no CSRF token needed.
    expect((await client.post('/api/v1/leads', { first_name: 'Via', last_name: 'Supabase' })).status).toBe(201);
  });

  it('accepts an ES256 token verified through the JWKS endpoint', async () => {
    const { userId } = await Client.signup(url, 'Jwks Co');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'test-key' }).setSubject(userId).setAudience('authenticated').setExpirationTime('5m').sign(privateKey);
    expect((await Client.withKey(url, token).get('/api/v1/me')).body.user.id).toBe(userId);
  });

  it('refuses expired, foreign-signed, wrong-audience, unknown-user and deactivated-user tokens', async () => {
    const { userId } = await Client.signup(url, 'Refuse Co');
    const bad = [
      await hs256(userId, { expiresIn: '-1m' }),
      await hs256(userId, { secret: 'another-secret-of-at-least-32-characters!!' }),
      await hs256(userId, { audience: 'anon' }),
      await hs256('00000000-0000-4000-8000-000000000000'),
      'not.a.jwt',
    ];
    for (const token of bad) {
      const r = await Client.withKey(url, token).get('/api/v1/me');
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
    await app().database.db.updateTable('users').set({ is_active: false }).where('id', '=', userId).execute();
    expect((await Client.withKey(url, await hs256(userId)).get('/api/v1/me')).status).toBe(401);
  });
});
