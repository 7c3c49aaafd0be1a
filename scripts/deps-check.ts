/**
 * The dependency check (issue 25): `npm run deps:check`.
 *   1. `npm audit` for high and critical advisories. Where the registry refuses the advisory
 *      endpoint (this workplace's registry mirror answers 405 to npm's POST), that is said in
 *      words and the run goes on with what can be checked without it — it never claims "clean".
 *   2. Every installed package's `engines.node` against the Node.js we support (package.json's
 *      engines): a dependency that wants a newer Node.js fails the check.
 *   3. Deprecated versions in the lockfile, and direct dependencies behind their latest release
 *      (from the registry's package documents, a GET that works everywhere).
 * Exits 1 on an advisory at high or above, an engines mismatch or a deprecated version.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import semver from 'semver';

const ROOT = join(import.meta.dirname, '..');

interface LockPackage { version?: string; engines?: { node?: string } | string[]; deprecated?: string; dev?: boolean }
interface Lockfile { packages: Record<string, LockPackage> }

export interface EngineProblem { name: string; version: string; wants: string }

/** Installed packages whose `engines.node` excludes the lowest Node.js version we support. */
export function engineProblems(lock: Lockfile, supported: string): EngineProblem[] {
  const floor = semver.minVersion(supported);
  if (!floor) throw new Error(`package.json engines.node "${supported}" names no version`);
  const out: EngineProblem[] = [];
  for (const [path, info] of Object.entries(lock.packages)) {
    if (!path) continue;
    const wants = !Array.isArray(info.engines) ? info.engines?.node : undefined;
    if (wants && !semver.satisfies(floor, wants, { includePrerelease: true })) {
      out.push({ name: path.replace(/^.*node_modules\//, ''), version: info.version ?? '?', wants });
    }
  }
  return out;
}

export function deprecatedPackages(lock: Lockfile): { name: string; version: string; why: string }[] {
  return Object.entries(lock.packages)
    .filter(([path, info]) => path && info.deprecated)
    .map(([path, info]) => ({ name: path.replace(/^.*node_modules\//, ''), version: info.version ?? '?', why: info.deprecated! }));
}

type AuditResult = { ok: true; counts: Record<string, number> } | { ok: false; reason: string };

async function audit(): Promise<AuditResult> {
  try {
    const { stdout } = await promisify(execFile)('npm', ['audit', '--json', '--omit=optional'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return parseAudit(stdout) ?? { ok: false, reason: 'npm audit printed no report' };
  } catch (error) {
    // npm audit exits 1 when it finds advisories: its JSON is still on stdout.
    const stdout = (error as { stdout?: string }).stdout ?? '';
    const parsed = stdout ? parseAudit(stdout) : null;
    if (parsed) return parsed;
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message);
    const line = stderr.split('\n').find((l) => /\d{3} .*(advisories|audits)|audit endpoint/i.test(l)) ?? stderr.split('\n')[0] ?? 'npm audit failed';
    return { ok: false, reason: line.replace(/^npm (warn|error) /, '').trim() };
  }
}

function parseAudit(stdout: string): AuditResult | null {
  try {
    const json = JSON.parse(stdout) as { metadata?: { vulnerabilities?: Record<string, number> }; error?: { summary?: string }; message?: string; statusCode?: number };
    if (json.metadata?.vulnerabilities) return { ok: true, counts: json.metadata.vulnerabilities };
    // The registry's own answer to the advisory request, e.g. "405 Method Not Allowed - POST …".
    if (json.message) return { ok: false, reason: json.message };
    if (json.error) return { ok: false, reason: json.error.summary || 'npm audit returned an error' };
  } catch {
    // not JSON: fall through
  }
  return null;
}

async function latestVersions(names: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  await Promise.all(
    names.map(async (name) => {
      try {
        const res = await fetch(`https://registry.npmjs.org/${name.replace('/', '%2F')}`, { headers: { accept: 'application/vnd.npm.install-v1+json' }, signal: AbortSignal.timeout(15_000) });
        const doc = res.ok ? ((await res.json()) as { 'dist-tags'?: { latest?: string } }) : null;
        out.set(name, doc?.['dist-tags']?.latest ?? null);
      } catch {
        out.set(name, null);
      }
    }),
  );
  return out;
}

async function main(): Promise<number> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  let failed = false;
  const summary: Record<string, unknown> = {};

  const a = await audit();
  if (a.ok) {
    const high = (a.counts.high ?? 0) + (a.counts.critical ?? 0);
    console.log(`npm audit: ${Object.entries(a.counts).map(([k, n]) => `${n} ${k}`).join(', ')}`);
    if (high > 0) failed = true;
    summary.audit = a.counts;
  } else {
    console.log(`npm audit: NOT RUN — the registry refused the advisory endpoint (${a.reason}). Run \`npm audit\` where the public registry's advisory service is reachable.`);
    summary.audit = { unavailable: a.reason };
  }

  const engines = engineProblems(lock, pkg.engines.node);
  console.log(`engines: ${Object.keys(lock.packages).length - 1} installed packages checked against Node.js ${pkg.engines.node}: ${engines.length ? `${engines.length} want a newer Node.js` : 'all run on it'}`);
  for (const e of engines) console.log(`  ${e.name}@${e.version} wants node ${e.wants}`);
  if (engines.length) failed = true;
  summary.engines = engines;

  const deprecated = deprecatedPackages(lock);
  console.log(`deprecated versions in the lockfile: ${deprecated.length}`);
  for (const d of deprecated) console.log(`  ${d.name}@${d.version}: ${d.why}`);
  if (deprecated.length) failed = true;
  summary.deprecated = deprecated;

  const direct = { ...pkg.dependencies, ...pkg.devDependencies };
  const latest = await latestVersions(Object.keys(direct));
  const rows = Object.keys(direct).sort().map((name) => {
    const installed = lock.packages[`node_modules/${name}`]?.version ?? '?';
    const newest = latest.get(name) ?? null;
    const behind = newest && semver.valid(installed) && semver.valid(newest) ? semver.diff(installed, newest) : null;
    return { name, installed, latest: newest ?? '(registry did not answer)', behind: semver.valid(installed) && newest && semver.lt(installed, newest) ? behind : null };
  });
  const behind = rows.filter((r) => r.behind);
  console.log(`direct dependencies: ${rows.length}, behind their latest release: ${behind.length}`);
  for (const r of behind) console.log(`  ${r.name.padEnd(34)} ${r.installed.padEnd(12)} → ${r.latest} (${r.behind})`);
  summary.behind = behind;
  console.log(JSON.stringify({ deps_check: summary, failed }));
  return failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
