import { afterAll, beforeAll } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createTestDatabase } from './db.ts';

/** A real server on a real port over a fresh test database, for one test file. */
export function useServer(env: () => Record<string, string> = () => ({})): { app: () => App; url: (path: string) => string } {
  let app: App;
  let base = '';
  beforeAll(async () => {
    // Every response is also serialized by zod and compared with the fast serializer's output.
    const config = loadConfig({ LEADAI_DEMO: 'off', LEADAI_WORKERS: 'false', LOG_LEVEL: 'silent', LEADAI_CHECK_RESPONSES: 'true', ...env() });
    app = await createApp(config, createLogger(config), { database: await createTestDatabase() });
    const address = await app.server.listen({ port: 0, host: '127.0.0.1' });
    base = address;
  });
  afterAll(async () => app?.close());
  return { app: () => app, url: (path) => base + path };
}

/** A signed-in browser-like client: keeps the session cookie and sends the CSRF token. */
export class Client {
  cookie = '';
  csrf = '';
  bearer = '';

  constructor(private readonly url: (path: string) => string) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    const res = await fetch(this.url(path), { method, headers: h, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const setCookies = res.headers.getSetCookie();
    if (setCookies.length > 0) {
      const jar = new Map(this.cookie.split('; ').filter(Boolean).map((c) => c.split('=') as [string, string]));
      for (const c of setCookies) {
        const [pair] = c.split(';');
        const [k, v] = pair!.split('=') as [string, string];
        if (v === '' || /Expires=Thu, 01 Jan 1970/.test(c)) jar.delete(k);
        else jar.set(k, v);
      }
      this.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown> & { data?: Record<string, unknown>[] }) : {};
    return { status: res.status, body: json as Record<string, any>, headers: res.headers, setCookies }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body?: unknown) => this.request('POST', path, body ?? {});
  patch = (path: string, body: unknown) => this.request('PATCH', path, body);
  put = (path: string, body: unknown) => this.request('PUT', path, body);
  delete = (path: string) => this.request('DELETE', path);

  static async signup(url: (path: string) => string, org: string) {
    const client = new Client(url);
    const tag = Math.random().toString(36).slice(2, 8);
    const email = `admin-${tag}@${org.toLowerCase().replace(/\W/g, '')}.example`;
    const r = await client.post('/api/v1/auth/signup', { organization_name: org, full_name: `${org} Admin`, email, password: 'correct horse battery' });
    if (r.status !== 201) throw new Error(`signup failed: ${JSON.stringify(r.body)}`);
    client.csrf = r.body.csrf_token;
    return { client, email, organizationId: r.body.organization_id as string, userId: r.body.user_id as string };
  }

  static withKey(url: (path: string) => string, key: string) {
    const client = new Client(url);
    client.bearer = key;
    return client;
  }
}
