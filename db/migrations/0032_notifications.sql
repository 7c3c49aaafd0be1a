-- Notifications: short messages addressed to one user (an urgent insight on their lead, a
-- lead assigned to them, a follow-up falling due, an import or retraining they started
-- finishing or failing, a mention of them in a note). Each is written in the transaction
-- of its cause, with a dedupe key that makes the cause notify each recipient once.

CREATE TABLE notifications (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id UUID NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('insight', 'assigned', 'follow_up_due', 'job_finished', 'job_failed', 'mention')),
  title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  body TEXT CHECK (length(body) <= 2000),
  -- An app path ("/leads/<id>", "/imports"), never an absolute URL.
  link TEXT CHECK (link ~ '^/[^/]'),
  lead_id UUID,
  -- What caused it ("insight:<id>", "follow_up:<lead>:<due>" …): unique per recipient, so a
  -- cause seen twice (a retried job, an edited note) does not notify twice.
  dedupe_key TEXT NOT NULL CHECK (length(dedupe_key) <= 300),
  read_at TIMESTAMP WITH TIME ZONE,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
  -- Titles name the lead: a lead erased or merged away takes its notifications with it.
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE,
  UNIQUE (organization_id, user_id, dedupe_key)
);
-- The list's order: unread first, then newest (keyset on these columns).
CREATE INDEX notifications_inbox ON notifications (organization_id, user_id, ((read_at IS NULL)::int) DESC, created_at DESC, id DESC);
-- The unread badge and read-all.
CREATE INDEX notifications_unread ON notifications (organization_id, user_id) WHERE read_at IS NULL;
CREATE INDEX notifications_lead ON notifications (organization_id, lead_id) WHERE lead_id IS NOT NULL;
SELECT app.protect_tenant_table('notifications'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON notifications TO leadai_app;

-- A person's time zone (IANA name, checked by the API against the tz database): follow-up
-- reminders say "due today at 14:30" in it. NULL falls back to the organization's
-- settings.timezone, then UTC.
ALTER TABLE users ADD COLUMN time_zone TEXT CHECK (time_zone IS NULL OR length(time_zone) BETWEEN 1 AND 64);
