import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run web:build` writes the single-page app. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export function webAppBuilt(dist = WEB_DIST): boolean {
  return existsSync(join(dist, 'index.html'));
}

/**
 * Serves the built web app at /: hashed files under /assets/ are immutable for a year,
 * everything else (index.html first) is revalidated so a new build shows at once.
 */
export async function registerWebApp(app: FastifyInstance, dist = WEB_DIST): Promise<void> {
  await app.register(fastifyStatic, {
    root: dist,
    prefix: '/',
    // Files are looked up when asked for, not listed at start: a rebuild while the server
    // runs (npm run web:build) serves its new hashed assets at once.
    wildcard: true,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(reply, path) {
      reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

/**
 * The SPA's own routes (/leads/…, /settings/…) are not files: a browser asking for a page
 * gets index.html and the client router takes over. API paths keep their problem+json 404.
 */
export function isSpaRoute(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '';
  if (path.startsWith('/api/') || path === '/api' || path.startsWith('/assets/')) return false;
  // A path with an extension is a missing file, not a page.
  return !/\.[a-z0-9]+$/i.test(path);
}

export function sendSpaIndex(reply: FastifyReply) {
  return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html');
}
