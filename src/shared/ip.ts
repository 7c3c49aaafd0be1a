import { isIP } from 'node:net';

/** The address as stored: IPv4-mapped IPv6 (a dual-stack socket's view) back to IPv4; null when it is no address. */
export function normalizeIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const value = mapped ? mapped[1]! : ip.split('%')[0]!;
  return isIP(value) ? value : null;
}
