import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { DB, Job, JsonObject } from '../../db/schema.ts';
import { withTenant, withTenantRead, type Tx } from '../../db/tenant.ts';
import { enqueue } from '../../jobs/queue.ts';
import { DomainError } from '../../shared/errors.ts';
import { SecretBoxError, type SecretBox } from '../../shared/secret-box.ts';
import { insertActivity } from '../activities/activities.queries.ts';
import { auditActor, recordAudit, type AuditEntry } from '../audit/audit.service.ts';
import type { AuthContext } from '../auth/auth.context.ts';
import { authorize, can } from '../auth/permissions.ts';
import { isContactable, isTrackable } from '../consent/contactability.ts';
import { unsubscribeFromEmail } from '../consent/consent.service.ts';
import { insertConversation } from '../conversations/conversations.queries.ts';
import { emitEvent } from '../events/events.service.ts';
import type { LeadsService } from '../leads/leads.service.ts';
import { privacySettings } from '../tracking/tracking.queries.ts';
import * as q from './email.queries.ts';
import { allowedVariables, checkTemplate, composeMessage, renderTemplate, templateView, textToHtml } from './email.render.ts';
import type { DraftPreviewBody, EmailSettingsBody, PreviewBody, SendBody, SmtpBody, TemplateBody, TemplatePatch } from './email.schemas.ts';
import { sendSmtp, SmtpError, type SmtpTarget } from './email.transport.ts';

export const MAIL_SEND_QUEUE = 'mail.send';

/**
 * Who sends a templated e-mail outside a request: a user id (sends as that user: their own
 * account, else the relay) or a workflow (the relay; the audit entry names the workflow).
 * The workflow shape is the workflows module's WorkflowActor.
 */
export type SendTemplateActor = string | { type: 'workflow'; id: string; name?: string };

export interface EmailServiceOptions {
  box: SecretBox;
  /** Public base address of this server (LEADAI_PUBLIC_URL): unsubscribe, pixel and click links. */
  publicUrl: string;
  onEnqueued?: () => void;
  /** Attempts per message, the first included (retries back off 2 s, 4 s, 8 s …). */
  maxAttempts?: number;
  smtpTimeoutMs?: number;
}

type Account = NonNullable<Awaited<ReturnType<typeof q.getAccount>>>;
type LeadRow = NonNullable<Awaited<ReturnType<typeof q.leadForEmail>>>;

function accountView(scope: 'organization' | 'personal', a: Account | undefined) {
  return {
    scope, configured: a !== undefined,
    host: a?.host ?? null, port: a?.port ?? null, security: a?.security ?? null, username: a?.username ?? null,
    password_set: Boolean(a?.password_sealed), from_name: a?.from_name ?? null, from_address: a?.from_address ?? null, updated_at: a?.updated_at ?? null,
  };
}

/** Why a lead cannot receive an e-mail, in words; empty when it can. Uses the consent module's rule. */
export function refusals(lead: Pick<LeadRow, 'email' | 'do_not_contact' | 'unsubscribed' | 'consent_withdrawn'>): string[] {
  const reasons: string[] = [];
  if (!lead.email) reasons.push('The lead has no e-mail address.');
  if (lead.do_not_contact) reasons.push('The lead is marked do-not-contact.');
  if (lead.unsubscribed) reasons.push('The lead unsubscribed from e-mails.');
  if (!lead.do_not_contact && !lead.unsubscribed && !isContactable(lead, 'sales_contact')) reasons.push('The lead withdrew consent to sales contact.');
  return reasons;
}

/**
 * Tracking rule: opens and clicks are counted only when the organization switched them on
 * AND the lead may be tracked — not do-not-contact, not unsubscribed, consent to tracking
 * not withdrawn (as on the website, isTrackable) and consent to profiling not withdrawn
 * (the counts feed the score). The browser's DNT / GPC signals are checked again when the
 * pixel or a link is fetched, with the organization's tracker settings.
 */
export function mayTrack(lead: Pick<LeadRow, 'do_not_contact' | 'unsubscribed' | 'consent_withdrawn'>): boolean {
  return isTrackable(lead) && !lead.consent_withdrawn.includes('profiling');
}

function domainOf(address: string): string {
  return address.split('@')[1]?.toLowerCase() || 'leadai.local';
}

export function createEmailService(db: Kysely<DB>, leads: LeadsService, options: EmailServiceOptions) {
  const { box, publicUrl } = options;
  const maxAttempts = options.maxAttempts ?? 5;

  /** The account with its password opened; a password sealed under another LEADAI_SECRET_KEY is an SmtpError that says to enter it again. */
  function target(a: Account): SmtpTarget {
    try {
      return { host: a.host, port: a.port, security: a.security, username: a.username, password: a.password_sealed ? box.open(a.password_sealed) : null };
    } catch (error) {
      if (error instanceof SecretBoxError) throw new SmtpError(`The saved SMTP password for ${a.host} cannot be used: ${error.message}.`, true);
      throw error;
    }
  }

  async function saveAccount(ctx: AuthContext, userId: string | null, body: z.infer<typeof SmtpBody>) {
    const keep = body.password === undefined;
    const sealed = body.password ? box.seal(body.password) : null;
    return withTenant(db, ctx, async (tx) => {
      const row = await q.upsertAccount(tx, {
        organization_id: ctx.organizationId, user_id: userId, host: body.host, port: body.port, security: body.security,
        username: body.username || null, password_sealed: sealed, from_name: body.from_name || null, from_address: body.from_address, updated_by: ctx.userId,
      }, keep);
      await recordAudit(tx, { ...auditActor(ctx), action: userId ? 'email.account.save' : 'email.relay.save', entityType: 'email_smtp_account', entityId: row.id, details: { host: body.host, port: body.port, password_changed: !keep } });
      return accountView(userId ? 'personal' : 'organization', row);
    });
  }

  function mustBeUser(ctx: AuthContext): string {
    if (!ctx.userId) throw new DomainError('forbidden', 'A personal SMTP account belongs to a user; an API key can use the organization relay only.');
    return ctx.userId;
  }

  async function allowed(tx: Tx) {
    return allowedVariables(await q.customFieldKeys(tx));
  }

  function validateTemplate(parts: { subject: string; body_text: string; body_html?: string | null | undefined }, vars: string[]) {
    const problems = checkTemplate(parts, vars);
    if (problems.length > 0) throw new DomainError('validation', problems.map((p) => p.message).join(' '), { field: problems[0]!.field, errors: problems.map((p) => ({ field: p.field, message: p.message })) });
  }

  async function viewFor(tx: Tx, lead: LeadRow, senderId: string | null) {
    const owner = await q.userName(tx, lead.assigned_to);
    const sender = await q.userName(tx, senderId);
    return templateView(lead, { ownerName: owner?.full_name ?? null, senderName: sender?.full_name ?? null });
  }

  async function preview(ctx: AuthContext, parts: { subject: string; body_text: string; body_html: string | null }, leadId: string | undefined) {
    return withTenantRead(db, ctx, async (tx) => {
      const vars = await allowed(tx);
      const problems = checkTemplate(parts, vars);
      const id = leadId ?? (await q.anyLeadId(tx));
      const lead = id ? await q.leadForEmail(tx, id) : undefined;
      if (leadId && !lead) throw new DomainError('not_found', 'No lead with this id is visible to you.');
      const sample: LeadRow = lead ?? { id: '', first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', company: 'Analytical Engines', job_title: 'Engineer', custom_fields: {}, assigned_to: ctx.userId, do_not_contact: false, unsubscribed: false, consent_withdrawn: [] };
      if (problems.length > 0) return { subject: parts.subject, body_text: parts.body_text, body_html: parts.body_html ?? textToHtml(parts.body_text), problems };
      const r = renderTemplate(parts, await viewFor(tx, sample, ctx.userId));
      return { subject: r.subject, body_text: r.body_text, body_html: r.body_html ?? textToHtml(r.body_text), problems: [] };
    });
  }

  /** The account a message goes through: the sender's own, else the organization relay. */
  async function accountFor(tx: Tx, senderId: string | null): Promise<Account | undefined> {
    return (senderId ? await q.getAccount(tx, senderId) : undefined) ?? (await q.getAccount(tx, null));
  }

  /**
   * The one path of every message (API, lead page, workflows): checks, renders, records it
   * queued and enqueues mail.send in one transaction.
   */
  async function queue(tenant: { organizationId: string; userId: string | null }, actorType: 'user' | 'api_key' | 'workflow', audit: Omit<AuditEntry, 'action'>, leadId: string, body: z.infer<typeof SendBody>, extraDetails: Record<string, string> = {}) {
    const result = await withTenant(db, tenant, async (tx) => {
      const lead = await q.leadForEmail(tx, leadId);
      if (!lead) throw new DomainError('not_found', 'No lead with this id is visible to you.');
      const reasons = refusals(lead);
      if (reasons.length > 0) {
        throw new DomainError(lead.email ? 'conflict' : 'validation', `This lead cannot be e-mailed: ${reasons.join(' ')}`, { field: 'lead', reasons });
      }
      const account = await accountFor(tx, tenant.userId);
      if (!account) throw new DomainError('validation', 'No SMTP account to send with: an admin sets the organization relay in Settings › E-mail, or you set your own there.', { field: 'account' });
      let parts = { subject: body.subject ?? '', body_text: body.body ?? '', body_html: null as string | null };
      if (body.template_id) {
        const template = await q.getTemplate(tx, body.template_id);
        if (!template) throw new DomainError('validation', 'template_id does not name a template of your organization.', { field: 'template_id' });
        parts = { subject: body.subject ?? template.subject, body_text: body.body ?? template.body_text, body_html: body.body !== undefined ? null : template.body_html };
      }
      // Typed text is a template too ({{first_name}} works in the dialog); checked like one.
      validateTemplate(parts, await allowed(tx));
      const rendered = renderTemplate(parts, await viewFor(tx, lead, tenant.userId));
      const messageId = `<${randomUUID()}@${domainOf(account.from_address)}>`;
      let inReplyTo: string | null = null;
      let references: string[] = [];
      let threadId = messageId;
      let subject = rendered.subject;
      if (body.reply_to_conversation_id) {
        const parent = await q.replyTarget(tx, leadId, body.reply_to_conversation_id);
        if (!parent) throw new DomainError('validation', "reply_to_conversation_id does not name one of this lead's conversations.", { field: 'reply_to_conversation_id' });
        if (parent.external_id) {
          inReplyTo = parent.external_id;
          references = [...(parent.references ?? []).filter((r) => r !== parent.external_id), parent.external_id];
        }
        threadId = parent.thread_id ?? parent.external_id ?? messageId;
        if (!body.subject && !body.template_id && parent.subject) subject = /^re:/i.test(parent.subject) ? parent.subject : `Re: ${parent.subject}`;
      }
      const settings = (await q.getSettings(tx)) ?? { track_opens: false, track_clicks: false };
      const trackable = mayTrack(lead);
      const trackOpens = settings.track_opens && trackable;
      const trackClicks = settings.track_clicks && trackable;
      const token = randomBytes(24).toString('base64url');
      const composed = composeMessage({
        subject, text: rendered.body_text, html: rendered.body_html,
        unsubscribeUrl: `${publicUrl}/email/unsubscribe/${token}`,
        openPixelUrl: trackOpens ? `${publicUrl}/email/open/${token}.gif` : null,
        clickUrl: trackClicks ? (i) => `${publicUrl}/email/click/${token}/${i}` : null,
      });
      const message = await q.insertMessage(tx, {
        organization_id: tenant.organizationId, lead_id: leadId, template_id: body.template_id ?? null, account_id: account.id,
        reply_to_conversation_id: body.reply_to_conversation_id ?? null, sent_by: tenant.userId, actor_type: actorType,
        from_address: account.from_address, to_address: lead.email!, subject, body_text: composed.text, body_html: composed.html,
        message_id: messageId, in_reply_to: inReplyTo, references_ids: references, thread_id: threadId,
        token, track_opens: trackOpens, track_clicks: trackClicks, links: composed.links,
      });
      await enqueue(tx, { organizationId: tenant.organizationId, queue: MAIL_SEND_QUEUE, payload: { message_id: message.id }, maxAttempts, dedupeKey: message.id, ...(tenant.userId ? { createdBy: tenant.userId } : {}) });
      await recordAudit(tx, { ...audit, action: 'email.queue', entityType: 'lead', entityId: leadId, details: { email_message_id: message.id, template_id: body.template_id ?? null, tracked: trackOpens || trackClicks, ...extraDetails } });
      return { id: message.id, status: message.status };
    });
    options.onEnqueued?.();
    return result;
  }

  async function record(tx: Tx, organizationId: string, m: NonNullable<Awaited<ReturnType<typeof q.getMessageForSending>>>) {
    const actor = { organizationId, actor: { id: m.sent_by } };
    const activity = await insertActivity(tx, {
      organization_id: organizationId, lead_id: m.lead_id, user_id: m.sent_by, type: 'email', subject: m.subject,
      description: `E-mail sent to ${m.to_address}`, outcome: 'sent', completed_at: new Date(), metadata: JSON.stringify({ email_message_id: m.id, message_id: m.message_id }),
    });
    const conversation = await insertConversation(tx, {
      organization_id: organizationId, lead_id: m.lead_id, activity_id: activity.id, direction: 'outbound', channel: 'email',
      subject: m.subject, content: withoutFooter(m.body_text), external_id: m.message_id, thread_id: m.thread_id,
      metadata: JSON.stringify({ email_message_id: m.id, from: m.from_address, to: m.to_address, in_reply_to: m.in_reply_to, references: m.references_ids }),
    });
    await emitEvent(tx, actor, { type: 'activity.created', entityType: 'activity', entityId: activity.id, payload: { lead_id: m.lead_id } });
    await emitEvent(tx, actor, { type: 'conversation.created', entityType: 'conversation', entityId: conversation.id, payload: { lead_id: m.lead_id } });
    return conversation.id;
  }

  async function recordOpenOrClick(token: string, kind: 'open' | 'click', index: number | null, request: { userAgent: string | null; dnt: boolean; gpc: boolean }): Promise<string | null> {
    const m = await q.findByToken(db, token);
    if (!m) return null;
    const url = kind === 'click' ? (index !== null ? m.links[index] : undefined) ?? null : null;
    if (kind === 'click' && !url) return null;
    const tracked = kind === 'open' ? m.track_opens : m.track_clicks;
    if (!tracked || m.status !== 'sent') return url;
    await withTenant(db, { organizationId: m.organization_id }, async (tx) => {
      const lead = await q.leadForEmail(tx, m.lead_id);
      if (!lead || !mayTrack(lead)) return;
      if (request.dnt || request.gpc) {
        const p = await privacySettings(tx, m.organization_id);
        if ((request.dnt && p.honorDnt) || (request.gpc && p.honorGpc)) return;
      }
      const type = kind === 'open' ? 'email_open' : 'email_click';
      await q.insertJourneyEvent(tx, {
        organizationId: m.organization_id, leadId: m.lead_id, type, name: kind === 'open' ? 'Email opened' : 'Email link clicked',
        description: kind === 'open' ? `Opened: ${m.subject}` : `Clicked: ${url}`, properties: { email_message_id: m.id, ...(url ? { url } : {}) }, userAgent: request.userAgent,
      });
      await q.updateMessage(tx, m.id, kind === 'open' ? (m.opened_at ? {} : { opened_at: new Date() }) : m.clicked_at ? {} : { clicked_at: new Date(), ...(m.opened_at ? {} : { opened_at: new Date() }) });
      await emitEvent(tx, { organizationId: m.organization_id, actor: { id: null } }, { type: 'journey.recorded', entityType: 'lead', entityId: m.lead_id, payload: { lead_id: m.lead_id, count: 1, event_type: type } });
    });
    return url;
  }

  return {
    // SMTP accounts ---------------------------------------------------------------------------
    async getRelay(ctx: AuthContext) {
      authorize(ctx, 'email:send');
      return accountView('organization', await withTenantRead(db, ctx, (tx) => q.getAccount(tx, null)));
    },
    async putRelay(ctx: AuthContext, body: z.infer<typeof SmtpBody>) {
      authorize(ctx, 'org:update');
      return saveAccount(ctx, null, body);
    },
    async deleteRelay(ctx: AuthContext) {
      authorize(ctx, 'org:update');
      await withTenant(db, ctx, (tx) => q.deleteAccount(tx, null));
    },
    async getOwn(ctx: AuthContext) {
      authorize(ctx, 'email:send');
      const userId = mustBeUser(ctx);
      return accountView('personal', await withTenantRead(db, ctx, (tx) => q.getAccount(tx, userId)));
    },
    async putOwn(ctx: AuthContext, body: z.infer<typeof SmtpBody>) {
      authorize(ctx, 'email:send');
      return saveAccount(ctx, mustBeUser(ctx), body);
    },
    async deleteOwn(ctx: AuthContext) {
      authorize(ctx, 'email:send');
      const userId = mustBeUser(ctx);
      await withTenant(db, ctx, (tx) => q.deleteAccount(tx, userId));
    },

    /** Sends a short message to the caller through a saved account, at once, and says what the server answered. */
    async sendTest(ctx: AuthContext, which: 'organization' | 'personal') {
      authorize(ctx, which === 'organization' ? 'org:update' : 'email:send');
      const userId = mustBeUser(ctx);
      const { account, me } = await withTenantRead(db, ctx, async (tx) => ({ account: await q.getAccount(tx, which === 'organization' ? null : userId), me: await q.userName(tx, userId) }));
      if (!account) throw new DomainError('validation', `Save the ${which === 'organization' ? 'organization relay' : 'SMTP account'} first.`, { field: 'account' });
      const messageId = `<${randomUUID()}@${domainOf(account.from_address)}>`;
      const text = `This is a test e-mail from LeadAI, sent through ${account.host}:${account.port}. If you can read it, sending works.`;
      try {
        await sendSmtp(target(account), { from: { name: account.from_name ?? 'LeadAI', address: account.from_address }, to: me!.email, subject: 'LeadAI test e-mail', text, html: textToHtml(text), messageId }, options.smtpTimeoutMs);
      } catch (error) {
        if (error instanceof SmtpError) throw new DomainError('validation', error.message, { field: 'account' });
        throw error;
      }
      return { sent_to: me!.email, message_id: messageId };
    },

    async getSettings(ctx: AuthContext) {
      authorize(ctx, 'email:send');
      return (await withTenantRead(db, ctx, (tx) => q.getSettings(tx))) ?? { track_opens: false, track_clicks: false };
    },
    async putSettings(ctx: AuthContext, body: z.infer<typeof EmailSettingsBody>) {
      authorize(ctx, 'org:update');
      return withTenant(db, ctx, async (tx) => {
        const row = await q.putSettings(tx, ctx.organizationId, { ...body, updated_by: ctx.userId });
        await recordAudit(tx, { ...auditActor(ctx), action: 'email.settings', details: { ...body } });
        return row;
      });
    },

    // Templates ----------------------------------------------------------------------------------
    async variables(ctx: AuthContext) {
      if (!can(ctx.role, 'email:send')) authorize(ctx, 'email:templates');
      return { variables: await withTenantRead(db, ctx, allowed) };
    },
    async listTemplates(ctx: AuthContext) {
      if (!can(ctx.role, 'email:send')) authorize(ctx, 'email:templates');
      return { data: await withTenantRead(db, ctx, (tx) => q.listTemplates(tx)) };
    },
    async getTemplate(ctx: AuthContext, id: string) {
      if (!can(ctx.role, 'email:send')) authorize(ctx, 'email:templates');
      const t = await withTenantRead(db, ctx, (tx) => q.getTemplate(tx, id));
      if (!t) throw new DomainError('not_found', 'No e-mail template with this id.');
      return t;
    },
    async createTemplate(ctx: AuthContext, body: z.infer<typeof TemplateBody>) {
      authorize(ctx, 'email:templates');
      return withTenant(db, ctx, async (tx) => {
        validateTemplate(body, await allowed(tx));
        const t = await q.insertTemplate(tx, { organization_id: ctx.organizationId, ...body, created_by: ctx.userId, updated_by: ctx.userId }).catch(duplicateName);
        await recordAudit(tx, { ...auditActor(ctx), action: 'email.template.create', entityType: 'email_template', entityId: t.id });
        return t;
      });
    },
    async updateTemplate(ctx: AuthContext, id: string, patch: z.infer<typeof TemplatePatch>) {
      authorize(ctx, 'email:templates');
      return withTenant(db, ctx, async (tx) => {
        const current = await q.getTemplate(tx, id);
        if (!current) throw new DomainError('not_found', 'No e-mail template with this id.');
        const next = { subject: patch.subject ?? current.subject, body_text: patch.body_text ?? current.body_text, body_html: patch.body_html === undefined ? current.body_html : patch.body_html };
        validateTemplate(next, await allowed(tx));
        const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
        const t = await q.updateTemplate(tx, id, { ...values, updated_by: ctx.userId }).catch(duplicateName);
        await recordAudit(tx, { ...auditActor(ctx), action: 'email.template.update', entityType: 'email_template', entityId: id });
        return t!;
      });
    },
    async deleteTemplate(ctx: AuthContext, id: string) {
      authorize(ctx, 'email:templates');
      await withTenant(db, ctx, async (tx) => {
        if (!(await q.deleteTemplate(tx, id))) throw new DomainError('not_found', 'No e-mail template with this id.');
        await recordAudit(tx, { ...auditActor(ctx), action: 'email.template.delete', entityType: 'email_template', entityId: id });
      });
    },
    async previewTemplate(ctx: AuthContext, id: string, body: z.infer<typeof PreviewBody>) {
      const t = await this.getTemplate(ctx, id);
      if (body.lead_id) await leads.get(ctx, body.lead_id);
      return preview(ctx, t, body.lead_id);
    },
    async previewDraft(ctx: AuthContext, body: z.infer<typeof DraftPreviewBody>) {
      if (!can(ctx.role, 'email:send')) authorize(ctx, 'email:templates');
      if (body.lead_id) await leads.get(ctx, body.lead_id);
      return preview(ctx, body, body.lead_id);
    },

    // Sending --------------------------------------------------------------------------------------
    async send(ctx: AuthContext, leadId: string, body: z.infer<typeof SendBody>) {
      authorize(ctx, 'email:send');
      // The lead scope of any lead write: a rep's own and team's leads, a manager's team's.
      await leads.writable(ctx, leadId);
      return queue(ctx, ctx.actor.type === 'api_key' ? 'api_key' : 'user', auditActor(ctx), leadId, body);
    },

    /** For workflows (and any automation): the same checks and the same path as the API. */
    async sendTemplate(input: { organizationId: string; leadId: string; templateId: string; actor: SendTemplateActor }) {
      const userId = typeof input.actor === 'string' ? input.actor : null;
      const workflowId = typeof input.actor === 'object' ? input.actor.id : null;
      const tenant = { organizationId: input.organizationId, userId };
      const audit = { organizationId: input.organizationId, actorType: (userId ? 'user' : 'system') as 'user' | 'system', actorId: userId, ip: null, userAgent: null };
      return queue(tenant, userId ? 'user' : 'workflow', audit, input.leadId, { template_id: input.templateId }, workflowId ? { workflow_id: workflowId } : {});
    },

    async readiness(ctx: AuthContext, leadId: string) {
      authorize(ctx, 'email:send');
      await leads.writable(ctx, leadId);
      return withTenantRead(db, ctx, async (tx) => {
        const lead = await q.leadForEmail(tx, leadId);
        const reasons = lead ? refusals(lead) : ['No lead with this id is visible to you.'];
        const account = await accountFor(tx, ctx.userId);
        if (!account) reasons.push('No SMTP account to send with: an admin sets the organization relay in Settings › E-mail, or you set your own there.');
        return { can_send: reasons.length === 0, reasons, to: lead?.email ?? null, from: account?.from_address ?? null };
      });
    },

    async listForLead(ctx: AuthContext, leadId: string) {
      await leads.get(ctx, leadId);
      const rows = await withTenantRead(db, ctx, (tx) => q.listMessagesForLead(tx, leadId));
      return { data: rows.map(messageView) };
    },

    async getMessage(ctx: AuthContext, id: string) {
      const m = await withTenantRead(db, ctx, (tx) => q.getMessage(tx, id));
      if (!m) throw new DomainError('not_found', 'No e-mail with this id is visible to you.');
      await leads.get(ctx, m.lead_id).catch(() => {
        throw new DomainError('not_found', 'No e-mail with this id is visible to you.');
      });
      return messageView(m);
    },

    /** mail.send: one message's SMTP conversation; a failure is retried by the queue until its last attempt. */
    async handleJob(job: Job): Promise<JsonObject> {
      const organizationId = job.organization_id!;
      const id = String(job.payload.message_id ?? '');
      const tenant = { organizationId };
      const m = await withTenant(db, tenant, (tx) => q.getMessageForSending(tx, id));
      if (!m || m.status !== 'queued') return { skipped: true };
      const fail = (error: string) => withTenant(db, tenant, (tx) => q.updateMessage(tx, id, { status: 'failed', error, attempts: job.attempts }));
      // The person may have unsubscribed (or been marked do-not-contact) since it was queued.
      const lead = await withTenant(db, tenant, (tx) => q.leadForEmail(tx, m.lead_id));
      const reasons = lead ? refusals(lead) : ['The lead no longer exists.'];
      if (reasons.length > 0) {
        await fail(`Not sent: ${reasons.join(' ')}`);
        return { sent: false };
      }
      const account = m.account_id ? await withTenant(db, tenant, (tx) => q.getAccountById(tx, m.account_id!)) : undefined;
      if (!account) {
        await fail('Not sent: its SMTP account was removed before it went out.');
        return { sent: false };
      }
      try {
        await sendSmtp(target(account), {
          from: { name: account.from_name ?? '', address: account.from_address }, to: m.to_address, subject: m.subject, text: m.body_text, html: m.body_html ?? textToHtml(m.body_text),
          messageId: m.message_id, inReplyTo: m.in_reply_to, references: m.references_ids,
          // RFC 2369 and RFC 8058: mail clients offer "unsubscribe", and may POST it in one click.
          headers: { 'List-Unsubscribe': `<${publicUrl}/email/unsubscribe/${m.token}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        }, options.smtpTimeoutMs);
      } catch (error) {
        const words = error instanceof SmtpError ? error.message : `Sending failed: ${(error as Error).message}`;
        const last = job.attempts >= job.max_attempts || (error instanceof SmtpError && error.permanent);
        if (last) {
          await fail(`${words} (gave up after ${job.attempts} attempt${job.attempts === 1 ? '' : 's'})`);
          return { sent: false, error: words };
        }
        await withTenant(db, tenant, (tx) => q.updateMessage(tx, id, { error: `${words} (attempt ${job.attempts} of ${job.max_attempts}; retrying)`, attempts: job.attempts }));
        // No cause: nodemailer's error carries the SMTP transcript (an AUTH line among it), and the worker logs what it is thrown.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(words);
      }
      await withTenant(db, tenant, async (tx) => {
        const conversationId = await record(tx, organizationId, m);
        await q.updateMessage(tx, id, { status: 'sent', sent_at: new Date(), error: null, attempts: job.attempts, conversation_id: conversationId });
      });
      return { sent: true };
    },

    // Public (no sign-in): the token in the link is the credential --------------------------------
    async unsubscribePage(token: string) {
      const m = await q.findByToken(db, token);
      if (!m) return null;
      return { organization: await q.organizationName(db, m.organization_id) };
    },
    async unsubscribe(token: string) {
      const m = await q.findByToken(db, token);
      if (!m) return null;
      await withTenant(db, { organizationId: m.organization_id }, (tx) => unsubscribeFromEmail(tx, m.organization_id, m.lead_id));
      return { organization: await q.organizationName(db, m.organization_id) };
    },
    open: (token: string, request: { userAgent: string | null; dnt: boolean; gpc: boolean }) => recordOpenOrClick(token, 'open', null, request),
    click: (token: string, index: number, request: { userAgent: string | null; dnt: boolean; gpc: boolean }) => recordOpenOrClick(token, 'click', index, request),
  };
}

/** The conversation holds what was written: the unsubscribe footer every message gets is left out (it would only be noise to the analysis). */
function withoutFooter(text: string): string {
  return text.replace(/\n\n--\nUnsubscribe: \S+\n?$/, '');
}

function duplicateName(error: unknown): never {
  if ((error as { code?: string }).code === '23505') throw new DomainError('conflict', 'Another template already has this name; choose another.', { field: 'name' });
  throw error;
}

function messageView(m: Awaited<ReturnType<typeof q.getMessage>> & object) {
  const { track_opens, track_clicks, ...rest } = m;
  return { ...rest, tracked: track_opens || track_clicks };
}

export type EmailService = ReturnType<typeof createEmailService>;
