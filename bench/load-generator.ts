/**
 * The load generator for bench:api, run as its own process (like wrk) so that its CPU is
 * not counted against the server's event loop: `node bin/run-ts.js bench/load-generator.ts
 * JSON` where JSON is { url, headers, paths, connections, duration }. Prints one JSON line.
 */
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2] ?? '{}') as { url: string; headers: Record<string, string>; paths: string[]; connections: number; duration: number };
let counter = 0;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  headers: spec.headers,
  requests: [{ setupRequest: (req) => ({ ...req, path: spec.paths[counter++ % spec.paths.length]! }) }],
});
console.log(JSON.stringify({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors }));
