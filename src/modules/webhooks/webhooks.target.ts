import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, request } from 'undici';
import { DomainError } from '../../shared/errors.ts';

/**
 * Where a webhook may go. Registration checks the form of the URL; delivery checks where
 * it leads *now* (after DNS resolution, every time: a name may be re-pointed after it was
 * registered) and then connects to exactly the address it vetted, never resolving the name
 * a second time — so a DNS answer that changes between check and connect (rebinding) cannot
 * steer a delivery into the server's own network.
 */

export const MAX_URL_LENGTH = 2000;
/** A receiver that has not answered in this long has failed this attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** The form of a target URL, on registration and change: http(s), a host, no credentials. */
export function validateTargetUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new DomainError('validation', 'The URL is not a valid address: give a full URL such as https://example.com/hooks/leadai.', { field: 'url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DomainError('validation', `The URL must start with https:// or http:// (got ${url.protocol.replace(/:$/, '')}).`, { field: 'url' });
  }
  if (url.username || url.password) {
    throw new DomainError('validation', 'The URL must not contain a user name or password: receivers check the signature instead (webhook-signature header).', { field: 'url' });
  }
  if (!url.hostname) throw new DomainError('validation', 'The URL has no host name.', { field: 'url' });
  url.hash = '';
  const text = url.toString();
  if (text.length > MAX_URL_LENGTH) throw new DomainError('validation', `The URL is too long (${text.length} characters; at most ${MAX_URL_LENGTH}).`, { field: 'url' });
  return text;
}

/** A target refused by the guard: the delivery fails with this message, and is not sent. */
export class TargetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address (this server itself)',
  private: 'a private network address',
  uniqueLocal: 'a private network address (IPv6 unique local)',
  linkLocal: 'a link-local address (cloud metadata services live here)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
};
/** Never a receiver, whatever the setting says. */
const ALWAYS_REFUSED: ReadonlySet<string> = new Set(['unspecified', 'multicast', 'broadcast']);

/**
 * The range an address is in, IPv4-mapped IPv6 (::ffff:127.0.0.1) judged as the IPv4
 * address it carries. 'unicast' is the public internet; everything else (loopback,
 * private, link-local, CGNAT, reserved, NAT64/6to4/Teredo that may embed a private IPv4 …)
 * is refused unless the organization allows private targets.
 */
export function addressRange(address: string): string {
  return ipaddr.process(address).range();
}

export interface VettedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

export async function vetTarget(rawUrl: string, allowPrivate: boolean): Promise<VettedTarget> {
  const url = new URL(rawUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new TargetRefusedError(`The host name ${host} does not resolve (DNS lookup failed).`);
    }
  }
  if (addresses.length === 0) throw new TargetRefusedError(`The host name ${host} does not resolve to any address.`);
  // Every address the name has must pass: connecting picks one, and the refused one must not be it.
  for (const a of addresses) {
    const range = addressRange(a.address);
    if (range === 'unicast') continue;
    if (allowPrivate && !ALWAYS_REFUSED.has(range)) continue;
    const words = RANGE_WORDS[range] ?? `an address in the "${range}" range`;
    const hint = ALWAYS_REFUSED.has(range) ? '' : ' An admin can allow private targets in Settings › Webhooks if the receiver really is on your own network.';
    throw new TargetRefusedError(`Refused: ${host} resolves to ${a.address}, ${words}; webhooks go only to public addresses.${hint}`);
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

export interface PostOutcome {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;

/**
 * POSTs the body to the vetted address (the name is kept for TLS SNI and the Host header).
 * Redirects are not followed (a 3xx is a failed attempt): a redirect is a new, unvetted target.
 */
export async function postTo(target: VettedTarget, headers: Record<string, string>, body: string, timeoutMs = DELIVERY_TIMEOUT_MS): Promise<PostOutcome> {
  const pinned = (_hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const agent = new Agent({ connect: { lookup: pinned as never, timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const started = performance.now();
  try {
    const res = await request(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'LeadAI-Webhooks/1', ...headers },
      body,
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const latencyMs = Math.round(performance.now() - started);
    // What the receiver says is not needed; reading a little lets the connection end cleanly.
    await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return { statusCode: res.statusCode, latencyMs, error: ok ? null : `The receiver answered ${res.statusCode}; only 2xx counts as delivered.` };
  } catch (error) {
    return { statusCode: null, latencyMs: Math.round(performance.now() - started), error: describeNetworkError(error, target, timeoutMs) };
  } finally {
    await agent.close().catch(() => {});
  }
}

function describeNetworkError(error: unknown, target: VettedTarget, timeoutMs: number): string {
  const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  // An AbortSignal timeout is a DOMException: its name says it (its numeric legacy code does not).
  const code = e.name === 'TimeoutError' || e.name === 'AbortError' ? e.name : (e.code ?? e.cause?.code ?? e.name);
  const where = `${target.url.hostname} (${target.address})`;
  if (code === 'ECONNREFUSED') return `Connection refused by ${where}: nothing listens on port ${target.url.port || (target.url.protocol === 'https:' ? 443 : 80)}.`;
  if (code === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'AbortError') {
    return `No answer from ${where} within ${timeoutMs / 1000} s.`;
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `${where} closed the connection before answering.`;
  if (typeof code === 'string' && (code.startsWith('ERR_TLS') || code.includes('CERT'))) return `The TLS connection to ${where} failed (${code}): check its certificate.`;
  return `The request to ${where} failed: ${e.message || String(code)}.`;
}
