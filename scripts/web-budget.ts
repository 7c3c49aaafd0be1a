/**
 * The bundle budget: the JavaScript a first visit downloads (the entry script in
 * web/dist/index.html and the chunks it preloads), gzipped, must stay under 300 KB.
 * Screens loaded later (lazy routes, charts) do not count.
 *   node bin/run-ts.js scripts/web-budget.ts   (exits 1 over budget)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { WEB_DIST } from './web-build.ts';

export const INITIAL_JS_BUDGET_BYTES = 300 * 1024;

export interface BundleReport {
  files: { file: string; bytes: number; gzipBytes: number }[];
  gzipBytes: number;
  budgetBytes: number;
}

export function measureInitialJs(dist = WEB_DIST): BundleReport {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const srcs = new Set<string>();
  for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) srcs.add(m[1]!);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) srcs.add(m[1]!);
  if (srcs.size === 0) throw new Error('web/dist/index.html names no module script');
  const files = [...srcs].map((src) => {
    const content = readFileSync(join(dist, src.replace(/^\//, '')));
    return { file: src, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  });
  return { files, gzipBytes: files.reduce((s, f) => s + f.gzipBytes, 0), budgetBytes: INITIAL_JS_BUDGET_BYTES };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = measureInitialJs();
  for (const f of report.files) console.log(`${f.file}  ${(f.bytes / 1024).toFixed(1)} KB  (${(f.gzipBytes / 1024).toFixed(1)} KB gzipped)`);
  const ok = report.gzipBytes <= report.budgetBytes;
  console.log(`initial JS: ${(report.gzipBytes / 1024).toFixed(1)} KB gzipped, budget ${report.budgetBytes / 1024} KB: ${ok ? 'ok' : 'OVER BUDGET'}`);
  if (!ok) process.exitCode = 1;
}
