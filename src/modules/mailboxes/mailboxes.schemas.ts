import { z } from 'zod';
import { Uuid } from '../auth/auth.schemas.ts';

const Security = z.enum(['tls', 'starttls', 'none']).describe('tls: implicit TLS (port 993); starttls: upgrade after connecting (port 143); none: plaintext, only for a server on this machine');
const Email = z.string().trim().toLowerCase().max(320).regex(/^[^\s@]+@[^\s@]+$/, 'an e-mail address such as replies@campaign.example');

const Settings = {
  host: z.string().trim().min(1).max(255).regex(/^[A-Za-z0-9.\-:[\]]+$/, 'a host name or IP address such as imap.example.com').describe('The IMAP server, e.g. imap.gmail.com'),
  port: z.number().int().min(1).max(65535).describe('993 for TLS, 143 for STARTTLS'),
  security: Security,
  username: z.string().trim().min(1).max(320).describe('The login, usually your e-mail address'),
  auth_kind: z.enum(['password', 'oauth2']).describe('password, or oauth2 with an access token in `secret`'),
  secret: z.string().min(1).max(10_000).describe('The password or OAuth2 access token. Stored encrypted; never returned.'),
  folders: z.array(z.string().trim().min(1).max(255)).min(1).max(20).describe('Folders to sync (default INBOX), e.g. ["INBOX", "Sent"]'),
  create_leads_from_unknown: z.boolean().describe('Create a lead when someone the organization does not know writes in'),
  unknown_sender_to: z.array(Email).max(50).describe('With create_leads_from_unknown: only for mail sent to one of these addresses (a campaign reply-to); empty: any'),
};

export const MailboxBody = z.strictObject({
  ...Settings,
  folders: Settings.folders.optional(),
  create_leads_from_unknown: Settings.create_leads_from_unknown.optional(),
  unknown_sender_to: Settings.unknown_sender_to.optional(),
});
export type MailboxBody = z.infer<typeof MailboxBody>;

export const MailboxPatch = z.strictObject(Settings).partial()
  .refine((v) => Object.keys(v).length > 0, { message: 'send at least one field to change' });
export type MailboxPatch = z.infer<typeof MailboxPatch>;

export const Mailbox = z.object({
  id: Uuid,
  user_id: Uuid,
  user_name: z.string(),
  user_email: z.string(),
  host: z.string(),
  port: z.number().int(),
  security: Security,
  username: z.string(),
  auth_kind: z.enum(['password', 'oauth2']),
  folders: z.array(z.string()),
  state: z.enum(['pending', 'syncing', 'ok', 'error']).describe('pending: never synced yet; syncing; ok; error: see last_error'),
  last_synced_at: z.date().nullable(),
  last_error: z.string().nullable().describe('Why the last sync failed, in words'),
  last_error_at: z.date().nullable(),
  messages_stored: z.number().int().describe('E-mails recorded as conversations so far'),
  create_leads_from_unknown: z.boolean(),
  unknown_sender_to: z.array(z.string()),
  created_at: z.date(),
  updated_at: z.date(),
});
export const MailboxList = z.object({ data: z.array(Mailbox) });
export const SyncAccepted = z.object({ job_id: z.number().int(), deduplicated: z.boolean() });
