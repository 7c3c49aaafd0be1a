import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  answered: number;
}

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests. Each path answers from its script
 * (status codes in turn, the last one repeating; 200 when none is set) and records every
 * request as it arrived.
 */
export async function startReceiver() {
  const received: Received[] = [];
  const scripts = new Map<string, number[]>();
  const failOnce = new Map<string, (body: string) => boolean>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const script = scripts.get(path) ?? [];
      const body = Buffer.concat(chunks).toString('utf8');
      const once = failOnce.get(path);
      let status = script.length > 1 ? script.shift()! : (script[0] ?? 200);
      if (once?.(body)) {
        failOnce.delete(path);
        status = 500;
      }
      received.push({ path, headers: req.headers, body, at: Date.now(), answered: status });
      // 0: never answer (a receiver that hangs); the socket is closed with the server.
      if (status === 0) return;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    script: (path: string, statuses: number[]) => scripts.set(path, [...statuses]),
    /** The first request to `path` whose body matches gets a 500. */
    failFirst: (path: string, match: (body: string) => boolean) => failOnce.set(path, match),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
