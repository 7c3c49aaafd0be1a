import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireAuth } from '../../http/auth.ts';
import { IdParams } from '../auth/auth.schemas.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { escapeHtml } from './email.render.ts';
import {
  ClickParams, DraftPreviewBody, EmailMessage, EmailMessageList, EmailSettings, EmailSettingsBody, Preview, PreviewBody, Readiness, SendAccepted, SendBody,
  SmtpAccount, SmtpBody, Template, TemplateBody, TemplateList, TemplatePatch, TestBody, TestResult, TokenParams, Variables,
} from './email.schemas.ts';
import type { EmailService } from './email.service.ts';

export async function registerEmailRoutes(server: FastifyInstance, email: EmailService, auth: AuthService) {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['email'];
  const noContent = { 204: z.null().describe('Done') };

  // SMTP accounts and settings ---------------------------------------------------------------------
  app.get('/api/v1/email/relay', { config: { access: 'email:send' }, schema: { tags, summary: "The organization's SMTP relay (the password is never returned)", response: { 200: SmtpAccount } } },
    async (r) => email.getRelay(requireAuth(r, auth)));
  app.put('/api/v1/email/relay', { config: { access: 'org:update' }, schema: { tags, summary: "Save the organization's SMTP relay (admins)", body: SmtpBody, response: { 200: SmtpAccount } } },
    async (r) => email.putRelay(requireAuth(r, auth), r.body));
  app.delete('/api/v1/email/relay', { config: { access: 'org:update' }, schema: { tags, summary: "Remove the organization's SMTP relay (admins)", response: noContent } },
    async (r, reply) => { await email.deleteRelay(requireAuth(r, auth)); return reply.code(204).send(null); });
  app.get('/api/v1/email/account', { config: { access: 'email:send' }, schema: { tags, summary: 'Your own SMTP account (the password is never returned)', response: { 200: SmtpAccount } } },
    async (r) => email.getOwn(requireAuth(r, auth)));
  app.put('/api/v1/email/account', { config: { access: 'email:send' }, schema: { tags, summary: 'Save your own SMTP account: your e-mails go out through it instead of the relay', body: SmtpBody, response: { 200: SmtpAccount } } },
    async (r) => email.putOwn(requireAuth(r, auth), r.body));
  app.delete('/api/v1/email/account', { config: { access: 'email:send' }, schema: { tags, summary: 'Remove your own SMTP account', response: noContent } },
    async (r, reply) => { await email.deleteOwn(requireAuth(r, auth)); return reply.code(204).send(null); });
  app.post('/api/v1/email/test', { config: { access: ['email:send', 'org:update'] }, schema: { tags, summary: 'Send a test e-mail to yourself through a saved account, now; a refusal is answered in words (422)', body: TestBody, response: { 200: TestResult } } },
    async (r) => email.sendTest(requireAuth(r, auth), r.body.account));
  app.get('/api/v1/email/settings', { config: { access: 'email:send' }, schema: { tags, summary: 'Open and click tracking switches (off by default)', response: { 200: EmailSettings } } },
    async (r) => email.getSettings(requireAuth(r, auth)));
  app.put('/api/v1/email/settings', {
    config: { access: 'org:update' },
    schema: { tags, summary: 'Switch open and click tracking (admins)', description: "Even when on, a message is tracked only for a lead that is not do-not-contact or unsubscribed and has not withdrawn consent to tracking or profiling; DNT/GPC follow the website tracker's settings.", body: EmailSettingsBody, response: { 200: EmailSettings } },
  }, async (r) => email.putSettings(requireAuth(r, auth), r.body));

  // Templates ------------------------------------------------------------------------------------------
  app.get('/api/v1/email-templates', { config: { access: ['email:send', 'email:templates'] }, schema: { tags, summary: 'E-mail templates', response: { 200: TemplateList } } },
    async (r) => email.listTemplates(requireAuth(r, auth)));
  app.get('/api/v1/email-templates/variables', { config: { access: ['email:send', 'email:templates'] }, schema: { tags, summary: 'The variables templates may use', response: { 200: Variables } } },
    async (r) => email.variables(requireAuth(r, auth)));
  app.post('/api/v1/email-templates/preview', { config: { access: ['email:send', 'email:templates'] }, schema: { tags, summary: 'Render unsaved template text for a lead (the editor\'s live preview)', body: DraftPreviewBody, response: { 200: Preview } } },
    async (r) => email.previewDraft(requireAuth(r, auth), r.body));
  app.post('/api/v1/email-templates', { config: { access: 'email:templates' }, schema: { tags, summary: 'Create a template; unknown variables are refused with the allowed list', body: TemplateBody, response: { 201: Template } } },
    async (r, reply) => reply.code(201).send(await email.createTemplate(requireAuth(r, auth), r.body)));
  app.get('/api/v1/email-templates/:id', { config: { access: ['email:send', 'email:templates'] }, schema: { tags, summary: 'One template', params: IdParams, response: { 200: Template } } },
    async (r) => email.getTemplate(requireAuth(r, auth), r.params.id));
  app.patch('/api/v1/email-templates/:id', { config: { access: 'email:templates' }, schema: { tags, summary: 'Change a template', params: IdParams, body: TemplatePatch, response: { 200: Template } } },
    async (r) => email.updateTemplate(requireAuth(r, auth), r.params.id, r.body));
  app.delete('/api/v1/email-templates/:id', { config: { access: 'email:templates' }, schema: { tags, summary: 'Delete a template (messages sent with it stay)', params: IdParams, response: noContent } },
    async (r, reply) => { await email.deleteTemplate(requireAuth(r, auth), r.params.id); return reply.code(204).send(null); });
  app.post('/api/v1/email-templates/:id/preview', { config: { access: ['email:send', 'email:templates'] }, schema: { tags, summary: 'Render a template for a lead (subject, text and HTML)', params: IdParams, body: PreviewBody, response: { 200: Preview } } },
    async (r) => email.previewTemplate(requireAuth(r, auth), r.params.id, r.body ?? {}));

  // Sending ----------------------------------------------------------------------------------------------
  app.post('/api/v1/leads/:id/emails', {
    config: { access: 'email:send' },
    schema: {
      tags, summary: 'Send an e-mail to the lead (queued: follow it at GET /emails/{id})', params: IdParams, body: SendBody, response: { 202: SendAccepted },
      description: 'Refused (409) for a lead that is do-not-contact, unsubscribed or withdrew consent to sales contact, and (422) for one without an e-mail address. Once the SMTP server accepts it, the message is an outbound conversation and an e-mail activity of the lead.',
    },
  }, async (r, reply) => reply.code(202).send(await email.send(requireAuth(r, auth), r.params.id, r.body)));
  app.get('/api/v1/leads/:id/emails', { config: { access: 'leads:read' }, schema: { tags, summary: "The lead's e-mails sent from LeadAI, newest first, with their status", params: IdParams, response: { 200: EmailMessageList } } },
    async (r) => email.listForLead(requireAuth(r, auth), r.params.id));
  app.get('/api/v1/leads/:id/emails/readiness', { config: { access: 'email:send' }, schema: { tags, summary: 'Whether you can e-mail this lead now, and why not', params: IdParams, response: { 200: Readiness } } },
    async (r) => email.readiness(requireAuth(r, auth), r.params.id));
  app.get('/api/v1/emails/:id', { config: { access: 'leads:read' }, schema: { tags, summary: 'One sent (or queued, or failed) e-mail', params: IdParams, response: { 200: EmailMessage } } },
    async (r) => email.getMessage(requireAuth(r, auth), r.params.id));
}

function page(reply: FastifyReply, status: number, title: string, body: string) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2933;line-height:1.5}button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:0;background:#2456d6;color:#fff;cursor:pointer}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(html);
}

// A transparent 1×1 GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * The links inside sent e-mails: unsubscribe (a page that asks, a POST that does it — also
 * the RFC 8058 one-click POST from mail clients), the open pixel and click redirects. No
 * sign-in: the message's random token is the credential, and a click goes only to a link
 * that was in that message (never to an address taken from the request).
 */
export async function registerEmailPublicRoutes(server: FastifyInstance, email: EmailService) {
  await server.register(async (scope) => {
    // Forms and RFC 8058 one-click POSTs arrive form-encoded or as multipart/form-data (both are
    // allowed); their content does not matter, so any type is read (up to 4 KiB) and ignored.
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 4096 }, (_r, body, done) => done(null, body));
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const hide = { hide: true } as const;
    const notFound = (reply: FastifyReply) => page(reply, 404, 'Link not recognised', '<p>This link is not valid (it may be incomplete). If you wanted to unsubscribe, reply to the e-mail and ask.</p>');
    const signals = (headers: Record<string, string | string[] | undefined>) => ({
      userAgent: typeof headers['user-agent'] === 'string' ? headers['user-agent'].slice(0, 500) : null,
      dnt: headers.dnt === '1',
      gpc: headers['sec-gpc'] === '1',
    });

    app.get('/email/unsubscribe/:token', { config: { access: 'public' }, schema: { ...hide, params: TokenParams } }, async (r, reply) => {
      const found = await email.unsubscribePage(r.params.token);
      if (!found) return notFound(reply);
      // A GET only asks: link scanners in mail systems fetch links, and must not unsubscribe anyone.
      return page(reply, 200, 'Unsubscribe', `<p>Stop receiving e-mails from ${escapeHtml(found.organization)}?</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`);
    });
    app.post('/email/unsubscribe/:token', { config: { access: 'public' }, schema: { ...hide, params: TokenParams } }, async (r, reply) => {
      const done = await email.unsubscribe(r.params.token);
      if (!done) return notFound(reply);
      return page(reply, 200, 'You are unsubscribed', `<p>You will not receive any more e-mails from ${escapeHtml(done.organization)}. You can close this page.</p>`);
    });
    app.get('/email/open/:token', { config: { access: 'public' }, schema: { ...hide, params: TokenParams } }, async (r, reply) => {
      await email.open(r.params.token.replace(/\.gif$/, ''), signals(r.headers));
      return reply.code(200).header('content-type', 'image/gif').header('cache-control', 'no-store, private').send(PIXEL);
    });
    app.get('/email/click/:token/:n', { config: { access: 'public' }, schema: { ...hide, params: ClickParams } }, async (r, reply) => {
      const url = await email.click(r.params.token, r.params.n, signals(r.headers));
      if (!url) return notFound(reply);
      return reply.code(302).header('location', url).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send();
    });
  });
}
