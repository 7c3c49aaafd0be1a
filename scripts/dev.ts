/**
 * `npm run dev`: the API server (port PORT or 3000) and Vite's dev server for the web app
 * (WEB_PORT or 5173) with hot reload, proxying /api and /t.js to the API server.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { WEB_ROOT } from './web-build.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const api = spawn(process.execPath, [join(root, 'bin/leadai.js'), 'serve'], { stdio: 'inherit', env: process.env });
const { createServer } = await import('vite');
const vite = await createServer({ configFile: join(WEB_ROOT, 'vite.config.ts'), root: WEB_ROOT });
await vite.listen();
console.log('\nweb: open the app with hot reload at:');
vite.printUrls();

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  api.kill('SIGTERM');
  await vite.close();
  process.exit(code);
}
api.on('exit', (code) => void stop(code ?? 0));
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));
