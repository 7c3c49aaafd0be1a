import { z } from 'zod';
import { EMAIL_MESSAGE_STATUSES, SMTP_SECURITY } from '../../db/schema.ts';
import { Email, Uuid } from '../auth/auth.schemas.ts';

// SMTP accounts ---------------------------------------------------------------------------------

export const SmtpBody = z.strictObject({
  host: z.string().trim().min(1).max(255).regex(/^[A-Za-z0-9.:[\]-]+$/, { message: 'must be a host name or an IP address, like smtp.example.com' }).describe('SMTP server host name or address'),
  port: z.number().int().min(1).max(65535).describe('587 (STARTTLS), 465 (TLS) or 25'),
  security: z.enum(SMTP_SECURITY).describe('tls: TLS from the start (port 465); starttls: upgrade to TLS, required (587); none: no encryption (only for a relay on a trusted network)'),
  username: z.string().max(320).nullable().default(null).describe('Login name; null when the server needs none'),
  password: z.string().max(1000).optional().describe('Stored encrypted and never shown again. Leave it out to keep the saved one; null clears it.').nullable(),
  from_name: z.string().trim().max(200).nullable().default(null).describe('Display name of the sender, e.g. "Ada at Acme"'),
  from_address: Email.describe('The sender address the messages carry'),
});

export const SmtpAccount = z.object({
  scope: z.enum(['organization', 'personal']),
  configured: z.boolean().describe('False when nothing is saved yet (the other fields are then null)'),
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  security: z.enum(SMTP_SECURITY).nullable(),
  username: z.string().nullable(),
  password_set: z.boolean().describe('Whether a password is saved (the password itself is never returned)'),
  from_name: z.string().nullable(),
  from_address: z.string().nullable(),
  updated_at: z.date().nullable(),
});

export const EmailSettings = z.object({
  track_opens: z.boolean().describe('Count opens with a pixel (only for leads whose consent allows tracking)'),
  track_clicks: z.boolean().describe('Count link clicks through a redirect (only for leads whose consent allows tracking)'),
});
export const EmailSettingsBody = z.strictObject({ track_opens: z.boolean(), track_clicks: z.boolean() });

export const TestBody = z.strictObject({
  account: z.enum(['organization', 'personal']).describe('Which saved account to try: the organization relay or your own'),
});
export const TestResult = z.object({ sent_to: z.string(), message_id: z.string() });

// Templates ---------------------------------------------------------------------------------------

const TemplateParts = {
  subject: z.string().trim().min(1, { message: 'must not be empty' }).max(500).describe('Subject; may use variables, e.g. "Hello {{first_name}}"'),
  body_text: z.string().min(1, { message: 'must not be empty' }).max(100_000).describe('Plain-text body (every message has one)'),
  body_html: z.string().max(200_000).nullable().default(null).describe('Optional HTML body; without it the text is sent as simple HTML too. Variables are HTML-escaped.'),
};

export const TemplateBody = z.strictObject({ name: z.string().trim().min(1, { message: 'must not be empty' }).max(200), ...TemplateParts });
export const TemplatePatch = z.strictObject({
  name: TemplateBody.shape.name.optional(),
  subject: TemplateParts.subject.optional(),
  body_text: TemplateParts.body_text.optional(),
  body_html: z.string().max(200_000).nullable().optional(),
});

export const Template = z.object({
  id: Uuid,
  name: z.string(),
  subject: z.string(),
  body_text: z.string(),
  body_html: z.string().nullable(),
  created_by: Uuid.nullable(),
  updated_by: Uuid.nullable(),
  created_at: z.date(),
  updated_at: z.date(),
});
export const TemplateList = z.object({ data: z.array(Template) });
export const Variables = z.object({ variables: z.array(z.string()).describe('Names usable as {{name}} in subjects and bodies') });

export const PreviewBody = z.strictObject({
  lead_id: Uuid.optional().describe('Render for this lead; without it, for a sample lead'),
});
export const DraftPreviewBody = z.strictObject({
  subject: z.string().max(500),
  body_text: z.string().max(100_000),
  body_html: z.string().max(200_000).nullable().default(null),
  lead_id: Uuid.optional(),
});
export const Preview = z.object({
  subject: z.string(),
  body_text: z.string(),
  body_html: z.string().describe('The HTML part as sent (the text as HTML when the template has none)'),
  problems: z.array(z.object({ field: z.string(), message: z.string() })).describe('What would stop the template from being saved (empty when fine)'),
});

// Sending -------------------------------------------------------------------------------------------

export const SendBody = z.strictObject({
  template_id: Uuid.optional().describe('Fill subject and bodies from this template for the lead'),
  subject: z.string().trim().min(1, { message: 'must not be empty' }).max(500).optional().describe('Without a template: required (a reply defaults to "Re: " and the subject answered). With one: replaces its subject.'),
  body: z.string().min(1, { message: 'must not be empty' }).max(100_000).optional().describe('Plain text. Without a template: required. With one: replaces its bodies.'),
  reply_to_conversation_id: Uuid.optional().describe("Reply in this conversation's thread (In-Reply-To and References are set); it must be one of the lead's"),
}).superRefine((b, ctx) => {
  if (b.template_id) return;
  // A reply takes "Re: " and the answered conversation's subject.
  if (!b.subject && !b.reply_to_conversation_id) ctx.addIssue({ code: 'custom', path: ['subject'], message: 'is required without a template_id' });
  if (!b.body) ctx.addIssue({ code: 'custom', path: ['body'], message: 'is required without a template_id' });
});

export const EmailMessage = z.object({
  id: Uuid,
  lead_id: Uuid,
  status: z.enum(EMAIL_MESSAGE_STATUSES).describe('queued until the SMTP server accepts it (retried), then sent; failed after the last attempt'),
  error: z.string().nullable().describe('Why the last attempt failed, in words'),
  attempts: z.number().int(),
  subject: z.string(),
  to_address: z.string(),
  from_address: z.string(),
  message_id: z.string().describe('The Message-ID header'),
  thread_id: z.string(),
  conversation_id: Uuid.nullable().describe('The outbound conversation, once sent'),
  template_id: Uuid.nullable(),
  tracked: z.boolean().describe('Whether opens or clicks are tracked for this message'),
  opened_at: z.date().nullable(),
  clicked_at: z.date().nullable(),
  sent_at: z.date().nullable(),
  created_at: z.date(),
});
export const EmailMessageList = z.object({ data: z.array(EmailMessage) });
export const SendAccepted = z.object({ id: Uuid, status: z.enum(EMAIL_MESSAGE_STATUSES) });

export const Readiness = z.object({
  can_send: z.boolean(),
  reasons: z.array(z.string()).describe('Why not, in words (empty when it can)'),
  to: z.string().nullable(),
  from: z.string().nullable().describe('The sender address that would be used'),
});

export const TokenParams = z.strictObject({ token: z.string().min(10).max(100) });
export const ClickParams = z.strictObject({ token: z.string().min(10).max(100), n: z.coerce.number().int().min(0).max(1000) });
