import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';

/**
 * The interactive API documentation (/api/docs) as LeadAI's page: its name in the title and
 * top bar and its mark as the icon (the web app's favicon), not the framework's.
 */
const MARK = `<rect width="32" height="32" rx="7" fill="#4338ca"/><path d="M9 8h4v12h9v4H9z" fill="#fff"/>`;
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">${MARK}</svg>`;
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 32" width="200" height="32"><title>LeadAI API</title>${MARK}<text x="42" y="23" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="20" font-weight="700" fill="#fff">LeadAI <tspan font-weight="400" fill="#c7d2fe">API</tspan></text></svg>`;

export const apiDocsOptions: FastifySwaggerUiOptions = {
  routePrefix: '/api/docs',
  theme: {
    title: 'LeadAI API',
    favicon: [{ filename: 'leadai.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: FAVICON }],
    css: [{ filename: 'leadai.css', content: '.swagger-ui .topbar { background-color: #1e1b4b; } .swagger-ui .topbar a img { height: 32px; } .swagger-ui .topbar .download-url-wrapper { display: none; }' }],
  },
  logo: { type: 'image/svg+xml', content: LOGO, href: '/', target: '_self' },
  uiConfig: { docExpansion: 'list', deepLinking: true },
};
