-- E-mail in (issue 24): each user's IMAP mailbox, synced by the `mail.sync` job
-- (src/modules/mailboxes/). Mail that involves a lead becomes conversations; nothing else of
-- a mailbox is stored (no subjects, no addresses of people who are not leads).
CREATE TABLE mailboxes (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  -- One mailbox per user: a user connects their own, nobody else's.
  user_id UUID NOT NULL,
  host TEXT NOT NULL CHECK (length(host) BETWEEN 1 AND 255),
  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  -- tls: implicit TLS (993); starttls: upgrade on connect (143); none: plaintext, for loopback servers only.
  security TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'none')),
  username TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 320),
  auth_kind TEXT NOT NULL CHECK (auth_kind IN ('password', 'oauth2')),
  -- The password or OAuth2 access token, sealed with LEADAI_SECRET_KEY (src/shared/secret-box.ts).
  -- Never selected by anything that answers an API request.
  secret_sealed TEXT NOT NULL CHECK (length(secret_sealed) <= 20000),
  folders TEXT[] NOT NULL DEFAULT '{INBOX}' CHECK (cardinality(folders) BETWEEN 1 AND 20),
  -- Per folder: {"INBOX": {"uidvalidity": "1796663287", "last_uid": 42}}. A changed UIDVALIDITY
  -- re-reads the folder; the conversations' unique Message-ID key keeps that idempotent.
  folder_state JSONB NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'syncing', 'ok', 'error')),
  sync_started_at TIMESTAMP WITH TIME ZONE,
  last_synced_at TIMESTAMP WITH TIME ZONE,
  -- In words, never the server's raw reply (it can echo the login command).
  last_error TEXT CHECK (length(last_error) <= 1000),
  last_error_at TIMESTAMP WITH TIME ZONE,
  messages_stored INTEGER NOT NULL DEFAULT 0,
  -- The rule "create leads from unknown senders": off by default; when on, an inbound message
  -- from nobody the organization knows creates a lead, if it was sent to one of these
  -- addresses (a campaign's reply-to), or to any address when the list is empty.
  create_leads_from_unknown BOOLEAN NOT NULL DEFAULT false,
  unknown_sender_to TEXT[] NOT NULL DEFAULT '{}' CHECK (cardinality(unknown_sender_to) <= 50),
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  UNIQUE (organization_id, id),
  UNIQUE (organization_id, user_id),
  FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);
CREATE TRIGGER mailboxes_touch BEFORE UPDATE ON mailboxes FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('mailboxes'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON mailboxes TO leadai_app;

-- One e-mail is one conversation per lead it involves: the same message in two teammates'
-- mailboxes, or read again after a UIDVALIDITY change, is stored once. Per lead (not per
-- organization) because a message from one lead that copies another belongs in both
-- timelines, and a conversation has one lead. Earlier rows recorded through the API with a
-- repeated Message-ID keep their text; the repeat's id moves into its metadata.
UPDATE conversations AS c SET
  metadata = c.metadata || jsonb_build_object('duplicate_external_id', c.external_id),
  external_id = NULL
WHERE c.channel = 'email' AND c.external_id IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM conversations AS o
    WHERE o.organization_id = c.organization_id AND o.lead_id = c.lead_id AND o.channel = 'email'
      AND o.external_id = c.external_id AND (o.created_at, o.id) < (c.created_at, c.id));
CREATE UNIQUE INDEX conversations_email_message_key ON conversations (organization_id, lead_id, external_id)
  WHERE channel = 'email' AND external_id IS NOT NULL;
