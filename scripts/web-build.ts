/**
 * Builds the web app (web/ → web/dist) when it is missing or older than its sources.
 * `npm start`, `npm run web:build` and the test suite's global setup all come here.
 *   node bin/run-ts.js scripts/web-build.ts [--if-stale]
 */
import { copyFileSync, existsSync, utimesSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));
export const WEB_DIST = join(WEB_ROOT, 'dist');
const ROOT = fileURLToPath(new URL('../', import.meta.url));

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why web/dist must be (re)built, or undefined when it is up to date. */
export function staleReason(): string | undefined {
  const built = join(WEB_DIST, 'index.html');
  if (!existsSync(built)) return 'web/dist is missing';
  const builtAt = statSync(built).mtimeMs;
  const sources = [join(WEB_ROOT, 'src'), join(WEB_ROOT, 'public'), join(WEB_ROOT, 'index.html'), join(WEB_ROOT, 'vite.config.ts'), join(ROOT, 'package-lock.json')];
  const changed = sources.find((s) => newestMtime(s) > builtAt);
  return changed ? `${changed.slice(ROOT.length)} changed since the last build` : undefined;
}

/**
 * A page loaded from the previous build still asks for its lazy chunks by their old hashed
 * names: keep the previous build's recent assets (30 minutes) beside the new ones.
 */
function keepRecentAssets(from: string, to: string) {
  if (!existsSync(from) || !existsSync(to)) return;
  const cutoff = Date.now() - 30 * 60_000;
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const stat = statSync(source);
    if (existsSync(join(to, name)) || stat.mtimeMs < cutoff) continue;
    copyFileSync(source, join(to, name));
    utimesSync(join(to, name), stat.atime, stat.mtime);
  }
}

export async function buildWeb(options: { ifStale?: boolean; log?: (line: string) => void } = {}): Promise<{ built: boolean; ms: number }> {
  const log = options.log ?? ((line: string) => console.log(line));
  const reason = staleReason();
  if (options.ifStale && !reason) {
    log('web: web/dist is up to date');
    return { built: false, ms: 0 };
  }
  const started = performance.now();
  log(`web: building web/dist (${reason ?? 'requested'})…`);
  const { build } = await import('vite');
  // Built beside, then swapped in: a server or test run reading web/dist never sees it half-written.
  const temp = join(WEB_ROOT, `.dist-${process.pid}-${Date.now()}`);
  // Vite takes the mode from NODE_ENV when it is set: under the test runner (NODE_ENV=test) it
  // built React's development runtime. The app is always built for production.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(WEB_ROOT, 'vite.config.ts'), root: WEB_ROOT, mode: 'production', logLevel: 'warn', build: { outDir: temp, emptyOutDir: true } });
    keepRecentAssets(join(WEB_DIST, 'assets'), join(temp, 'assets'));
    const old = `${temp}-old`;
    if (existsSync(WEB_DIST)) renameSync(WEB_DIST, old);
    renameSync(temp, WEB_DIST);
    rmSync(old, { recursive: true, force: true });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    rmSync(temp, { recursive: true, force: true });
  }
  const ms = Math.round(performance.now() - started);
  log(`web: built web/dist in ${(ms / 1000).toFixed(1)} s`);
  return { built: true, ms };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildWeb({ ifStale: process.argv.includes('--if-stale') });
}
