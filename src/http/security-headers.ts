import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The web app's Content-Security-Policy. The built app (web/dist) is one module script and one
 * stylesheet from /assets, a data: favicon, and fetch/EventSource to this origin: nothing
 * inline runs. React's `style={…}` sets styles through the CSSOM, which CSP does not govern.
 * `style-src-attr 'unsafe-inline'` lets the e-mail preview (an iframe with `srcdoc`, which
 * inherits this policy, sandboxed without scripts) show the style attributes HTML e-mail is
 * made of; `<style>` elements and other origins' images stay blocked there too.
 */
export const APP_CSP: Readonly<Record<string, string[]>> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'style-src-attr': ["'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * /api/docs (swagger-ui): external scripts and styles only, but its React components set inline
 * style attributes and its logo and icons are data: URLs. Only that path gets this policy.
 */
export const API_DOCS_CSP = "default-src 'self'; base-uri 'self'; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'";

/** A year, as HSTS preload lists ask; sent only to requests that arrived over TLS. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Secure headers on every response: CSP, nosniff, Referrer-Policy, frame refusal (both
 * frame-ancestors and X-Frame-Options for old browsers), and HSTS only when the request came
 * over TLS, directly or through a proxy trusted by LEADAI_TRUST_PROXY (request.protocol): over
 * plain HTTP on a LAN a Strict-Transport-Security header would be ignored, and an
 * upgrade-insecure-requests directive would break the app, so neither is sent there.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: { ...APP_CSP } },
    strictTransportSecurity: false,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Same-origin for everything but the tracking snippet, which other sites load with <script src>.
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    if (request.url === '/t.js' || request.url.startsWith('/t.js?')) reply.header('cross-origin-resource-policy', 'cross-origin');
  });
}
