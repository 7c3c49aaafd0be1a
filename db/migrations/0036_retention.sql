-- Retention policies (issue 23): how long each kind of personal data is kept, per
-- organization, enforced by the daily `retention.run` job (src/modules/retention/).
--
-- A table of its own rather than keys in organizations.settings: every window is a typed
-- column the database checks (the audit window's floor included, so no code path can store
-- a shorter one), the row says who last changed it, and only the retention service writes
-- it (the free-form settings are patched by other screens). No row means "not configured":
-- nothing is deleted until an admin has saved policies once, so an upgrade never starts
-- deleting an installation's history by itself. The defaults the form proposes live in
-- src/modules/retention/retention.policies.ts. NULL in a column means keep forever.
CREATE TABLE retention_policies (
  organization_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  -- Web visits, identified or anonymous, by when they happened.
  journey_events_months INTEGER CHECK (journey_events_months BETWEEN 1 AND 1200),
  -- Messages, by when they were recorded.
  conversations_months INTEGER CHECK (conversations_months BETWEEN 1 AND 1200),
  -- Leads never won and without any sign of life for this long (see retention.categories.ts).
  inactive_leads_months INTEGER CHECK (inactive_leads_months BETWEEN 1 AND 1200),
  -- Uploaded CSV files and the rejected rows (raw cells) of finished imports.
  imports_months INTEGER CHECK (imports_months BETWEEN 1 AND 1200),
  -- Real-time events, in days: the server's LEADAI_OUTBOX_RETENTION_DAYS applies anyway.
  outbox_events_days INTEGER CHECK (outbox_events_days BETWEEN 1 AND 3650),
  notifications_months INTEGER CHECK (notifications_months BETWEEN 1 AND 1200),
  -- The audit log proves what was done with personal data: never less than a year.
  audit_log_months INTEGER CHECK (audit_log_months BETWEEN 12 AND 1200),
  updated_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  FOREIGN KEY (organization_id, updated_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (updated_by)
);
CREATE TRIGGER retention_policies_touch BEFORE UPDATE ON retention_policies FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('retention_policies'::regclass);
GRANT SELECT, INSERT, UPDATE ON retention_policies TO leadai_app;

-- The latest journey event or conversation of a lead that retention deleted: a lead's web
-- visit 20 months ago still counts as a sign of life after the visit itself went at 13
-- months, so pruning events never makes a lead look inactive sooner than its own window.
-- Written only by the retention job, in the batch that deletes the rows.
CREATE TABLE retention_lead_activity (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id UUID NOT NULL,
  last_at TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (organization_id, lead_id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
SELECT app.protect_tenant_table('retention_lead_activity'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON retention_lead_activity TO leadai_app;

-- Finding due rows by date, per organization, without scanning the tables.
CREATE INDEX notifications_org_created_idx ON notifications (organization_id, created_at, id);
CREATE INDEX outbox_events_org_created_idx ON outbox_events (organization_id, created_at, id);

-- The audit log stays append-only for the application role (no DELETE grant, 0004). Its
-- retention runs on the owner connection (the worker's, never a request's tenant
-- transaction) through this one function, which deletes only the given entries of one
-- organization and never one younger than a year, whatever cutoff the caller computed: a
-- bug in the job cannot shorten the audit trail below the floor the policies table checks.
CREATE FUNCTION app.retention_delete_audit(org UUID, ids BIGINT[]) RETURNS INTEGER
  LANGUAGE sql
  AS $$
  WITH gone AS (
    DELETE FROM audit_log
    WHERE organization_id = org AND id = ANY (ids) AND created_at < now() - interval '12 months'
    RETURNING 1)
  SELECT count(*)::int FROM gone
$$;
REVOKE ALL ON FUNCTION app.retention_delete_audit(UUID, BIGINT[]) FROM PUBLIC, leadai_app;
