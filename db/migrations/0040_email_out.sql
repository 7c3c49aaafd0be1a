-- E-mail out (issue 24): SMTP accounts, templates, outbound messages with their tracking
-- and unsubscribe tokens, and the organization's tracking switches (src/modules/email/).

-- SMTP accounts -----------------------------------------------------------------------------
-- user_id NULL is the organization's relay (one per organization, admins set it); otherwise
-- a user's own account (one per user). A message goes out through its sender's own account
-- when there is one, else through the relay. The password is sealed with the secret box
-- (src/shared/secret-box.ts, LEADAI_SECRET_KEY) and never leaves the server.
CREATE TABLE email_smtp_accounts (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id UUID,
  host TEXT NOT NULL CHECK (length(host) BETWEEN 1 AND 255),
  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  -- tls: TLS from the first byte (465); starttls: upgrade required (587); none: plain (tests, local relays).
  security TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'none')),
  username TEXT CHECK (length(username) <= 320),
  password_sealed TEXT,
  from_name TEXT CHECK (length(from_name) <= 200),
  from_address TEXT NOT NULL CHECK (length(from_address) <= 320),
  updated_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  UNIQUE (organization_id, id),
  FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, updated_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (updated_by)
);
CREATE UNIQUE INDEX email_smtp_accounts_relay ON email_smtp_accounts (organization_id) WHERE user_id IS NULL;
CREATE UNIQUE INDEX email_smtp_accounts_user ON email_smtp_accounts (organization_id, user_id) WHERE user_id IS NOT NULL;
CREATE TRIGGER email_smtp_accounts_touch BEFORE UPDATE ON email_smtp_accounts FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('email_smtp_accounts'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON email_smtp_accounts TO leadai_app;

-- Organization switches: open and click tracking are off until an admin turns them on.
CREATE TABLE email_settings (
  organization_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  track_opens BOOLEAN NOT NULL DEFAULT false,
  track_clicks BOOLEAN NOT NULL DEFAULT false,
  updated_by UUID,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  FOREIGN KEY (organization_id, updated_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (updated_by)
);
CREATE TRIGGER email_settings_touch BEFORE UPDATE ON email_settings FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('email_settings'::regclass);
GRANT SELECT, INSERT, UPDATE ON email_settings TO leadai_app;

-- Templates ---------------------------------------------------------------------------------
-- Mustache text; the variables a template may use are checked when it is saved.
CREATE TABLE email_templates (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
  body_text TEXT NOT NULL CHECK (length(body_text) <= 100000),
  body_html TEXT CHECK (length(body_html) <= 200000),
  created_by UUID,
  updated_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  UNIQUE (organization_id, id),
  FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (created_by),
  FOREIGN KEY (organization_id, updated_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (updated_by)
);
CREATE UNIQUE INDEX email_templates_name ON email_templates (organization_id, lower(name));
CREATE TRIGGER email_templates_touch BEFORE UPDATE ON email_templates FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('email_templates'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON email_templates TO leadai_app;

-- Outbound messages -------------------------------------------------------------------------
-- One row per message, rendered when it is queued (what the person receives is what was
-- checked); the mail.send job does the SMTP conversation. Once accepted, the message is the
-- outbound conversation conversation_id. Personal data (address, bodies): the privacy
-- erasure deletes these rows with the lead (lead_id), and the export lists them.
CREATE TABLE email_messages (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id UUID NOT NULL,
  conversation_id UUID,
  reply_to_conversation_id UUID,
  template_id UUID,
  account_id UUID,
  sent_by UUID,
  -- 'user' (a person or an API key) or 'workflow' (automation, sent_by NULL).
  actor_type TEXT NOT NULL DEFAULT 'user' CHECK (actor_type IN ('user', 'api_key', 'workflow')),
  from_address TEXT NOT NULL,
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  body_text TEXT NOT NULL,
  body_html TEXT,
  message_id TEXT NOT NULL,
  in_reply_to TEXT,
  references_ids TEXT[] NOT NULL DEFAULT '{}',
  thread_id TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  error TEXT CHECK (length(error) <= 2000),
  attempts INTEGER NOT NULL DEFAULT 0,
  -- 192 random bits (base64url) that the message's unsubscribe, open pixel and click links
  -- carry: unguessable, and stored as is because the sent bodies hold it anyway.
  token TEXT NOT NULL UNIQUE,
  track_opens BOOLEAN NOT NULL DEFAULT false,
  track_clicks BOOLEAN NOT NULL DEFAULT false,
  -- The links of the message, in order: a click redirect goes only to one of these.
  links TEXT[] NOT NULL DEFAULT '{}',
  opened_at TIMESTAMP WITH TIME ZONE,
  clicked_at TIMESTAMP WITH TIME ZONE,
  sent_at TIMESTAMP WITH TIME ZONE,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  UNIQUE (organization_id, id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE,
  -- conversations has no (organization_id, id) key; the service only links the lead's own conversation.
  -- Once sent, the conversation is the record of the message: deleting it (by hand, or by the
  -- retention window for conversations) deletes the copy here too.
  FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, template_id) REFERENCES email_templates (organization_id, id) ON DELETE SET NULL (template_id),
  FOREIGN KEY (organization_id, account_id) REFERENCES email_smtp_accounts (organization_id, id) ON DELETE SET NULL (account_id),
  FOREIGN KEY (organization_id, sent_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (sent_by)
);
CREATE INDEX email_messages_lead ON email_messages (organization_id, lead_id, created_at DESC);
CREATE TRIGGER email_messages_touch BEFORE UPDATE ON email_messages FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('email_messages'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON email_messages TO leadai_app;
