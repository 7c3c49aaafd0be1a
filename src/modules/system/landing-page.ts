import type { DemoLogin, Health } from './system.service.ts';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderLandingPage(input: {
  health: Health;
  overview: { organizations: number; mode: 'embedded' | 'server' };
  demoLogin: DemoLogin | undefined;
}): string {
  const { health, overview, demoLogin } = input;
  const db = overview.mode === 'embedded' ? 'embedded PostgreSQL (PGlite)' : 'PostgreSQL server';
  const login = demoLogin
    ? `<p>Demo organization ready. Sign in with <code>${escape(demoLogin.email)}</code> / <code>${escape(demoLogin.password)}</code> once the web app lands.</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>LeadAI</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 3rem auto; padding: 0 1.25rem; color: #1f2937; }
  h1 { font-size: 1.75rem; margin-bottom: .25rem; }
  .ok { color: #047857; font-weight: 600; }
  .bad { color: #b91c1c; font-weight: 600; }
  code { background: #f3f4f6; padding: .1rem .3rem; border-radius: .25rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
  dt { color: #6b7280; }
</style>
</head>
<body>
<main>
  <h1>LeadAI</h1>
  <p>Self-hostable, AI-native lead management.</p>
  <p class="${health.status === 'ok' ? 'ok' : 'bad'}">Server ${health.status === 'ok' ? 'running' : 'degraded: database unreachable'}</p>
  <dl>
    <dt>Version</dt><dd>${escape(health.version)}</dd>
    <dt>Database</dt><dd>${db}, schema ${escape(health.database.migration ?? 'not migrated')}</dd>
    <dt>Organizations</dt><dd>${overview.organizations}</dd>
    <dt>Health</dt><dd><a href="/api/health">/api/health</a></dd>
  </dl>
  ${login}
  <p>The API and the web application arrive in the next releases. Until then, the <code>leadai</code> CLI manages organizations and data: run <code>npx leadai --help</code>.</p>
</main>
</body>
</html>`;
}
