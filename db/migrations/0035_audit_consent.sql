-- Privacy (issue 23), part one: a complete audit log, consent records, do-not-contact.

-- Audit log ------------------------------------------------------------------------------
-- ip_address (0003) now gets the caller's address; the user agent joins it, so an entry
-- says from where and with what an action was taken. Still append-only for leadai_app
-- (0004 granted it SELECT and INSERT only).
ALTER TABLE audit_log ADD COLUMN user_agent TEXT CHECK (length(user_agent) <= 500);
-- The audit API filters by action and by actor, newest first (keyset on created_at, id).
CREATE INDEX audit_log_org_action_idx ON audit_log (organization_id, action, created_at DESC, id DESC);
CREATE INDEX audit_log_org_actor_idx ON audit_log (organization_id, actor_id, created_at DESC, id DESC) WHERE actor_id IS NOT NULL;

-- Do-not-contact and unsubscribed --------------------------------------------------------
-- Set by a person (lead page, API, import), never inferred. *_by is the user who set it
-- (NULL for an API key or an import: the audit log names the actor either way).
ALTER TABLE leads
  ADD COLUMN do_not_contact BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN do_not_contact_at TIMESTAMP WITH TIME ZONE,
  ADD COLUMN do_not_contact_by UUID,
  ADD COLUMN unsubscribed BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN unsubscribed_at TIMESTAMP WITH TIME ZONE,
  ADD COLUMN unsubscribed_by UUID,
  -- The purposes whose consent is withdrawn now (kept by the consent service from
  -- lead_consents in the same transaction), so that tracking's hot path, the insights
  -- engine and exports test a column of the lead instead of searching its records.
  ADD COLUMN consent_withdrawn TEXT[] NOT NULL DEFAULT '{}';

-- Consent records --------------------------------------------------------------------------
-- One row per grant; withdrawing sets withdrawn_at on the purpose's open grants. A
-- withdrawal (an objection) without any grant before is a row with granted_at NULL.
-- A purpose's state: granted while an open grant exists; withdrawn when only withdrawn
-- rows exist; unknown without rows.
CREATE TABLE lead_consents (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id UUID NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('marketing', 'sales_contact', 'tracking', 'profiling')),
  lawful_basis TEXT NOT NULL CHECK (lawful_basis IN ('consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests')),
  source TEXT NOT NULL CHECK (source IN ('manual', 'api', 'import', 'web_form', 'email', 'phone', 'other')),
  granted_at TIMESTAMP WITH TIME ZONE,
  withdrawn_at TIMESTAMP WITH TIME ZONE,
  recorded_by UUID,
  withdrawn_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  CHECK (granted_at IS NOT NULL OR withdrawn_at IS NOT NULL),
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX lead_consents_lead_idx ON lead_consents (organization_id, lead_id, purpose, created_at DESC);
SELECT app.protect_tenant_table('lead_consents'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON lead_consents TO leadai_app;
