-- Tables the product needs beyond the spec: authentication, audit, the durable job queue,
-- the real-time outbox, the scoring-model registry, and the demo generator's hidden truth.

-- Authentication ----------------------------------------------------------------------

CREATE TABLE user_credentials (
  user_id UUID PRIMARY KEY,
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  password_hash TEXT NOT NULL, -- argon2id, PHC string format
  password_updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  failed_attempts INTEGER NOT NULL DEFAULT 0,
  locked_until TIMESTAMP WITH TIME ZONE,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);

-- Only hashes of secrets are stored: a copy of the database opens no session.
CREATE TABLE sessions (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id UUID NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  csrf_token_hash TEXT NOT NULL,
  ip_address INET,
  user_agent TEXT,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  last_seen_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
  revoked_at TIMESTAMP WITH TIME ZONE,
  FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON sessions (organization_id, user_id, created_at DESC);

CREATE TABLE api_keys (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name VARCHAR(255) NOT NULL,
  prefix VARCHAR(32) NOT NULL,   -- shown in lists so a key can be recognised
  key_hash TEXT NOT NULL UNIQUE,
  role user_role NOT NULL,
  created_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  last_used_at TIMESTAMP WITH TIME ZONE,
  expires_at TIMESTAMP WITH TIME ZONE,
  revoked_at TIMESTAMP WITH TIME ZONE,
  FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id)
    ON DELETE SET NULL (created_by)
);
CREATE INDEX api_keys_org_idx ON api_keys (organization_id, created_at DESC);

CREATE TABLE invitations (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email VARCHAR(255) NOT NULL CHECK (position('@' IN email) > 1),
  role user_role NOT NULL DEFAULT 'sales_rep',
  team_id UUID,
  token_hash TEXT NOT NULL UNIQUE,
  invited_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
  accepted_at TIMESTAMP WITH TIME ZONE,
  revoked_at TIMESTAMP WITH TIME ZONE,
  FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE SET NULL (team_id),
  FOREIGN KEY (organization_id, invited_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (invited_by)
);
CREATE INDEX invitations_org_idx ON invitations (organization_id, created_at DESC);

-- Audit log: append-only for the application role (see grants in 0004).
CREATE TABLE audit_log (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  actor_type VARCHAR(20) NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
  actor_id UUID,
  action VARCHAR(100) NOT NULL,       -- e.g. lead.merge, user.deactivate, privacy.erase
  entity_type VARCHAR(50),
  entity_id UUID,
  details JSONB NOT NULL DEFAULT '{}', -- ids and field names, never personal values
  ip_address INET,
  request_id VARCHAR(100),
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX audit_log_org_created_idx ON audit_log (organization_id, created_at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (organization_id, entity_type, entity_id);

-- Durable job queue -------------------------------------------------------------------
-- Workers claim with FOR UPDATE SKIP LOCKED, so N processes never double-process.
-- organization_id is NULL only for system jobs (e.g. retention sweeps across tenants),
-- which the application role cannot see.

CREATE TYPE job_status AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled');

CREATE TABLE jobs (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
  queue VARCHAR(100) NOT NULL,
  payload JSONB NOT NULL DEFAULT '{}',
  status job_status NOT NULL DEFAULT 'queued',
  priority INTEGER NOT NULL DEFAULT 0,
  run_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  -- Jobs with the same key coalesce while queued (bursts of rescoring become one job).
  dedupe_key VARCHAR(255),
  progress JSONB NOT NULL DEFAULT '{}', -- {done, total, message}
  result JSONB,
  last_error TEXT,
  locked_by VARCHAR(255),
  locked_at TIMESTAMP WITH TIME ZONE,
  created_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  started_at TIMESTAMP WITH TIME ZONE,
  finished_at TIMESTAMP WITH TIME ZONE
);
CREATE INDEX jobs_claim_idx ON jobs (queue, priority DESC, run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_running_idx ON jobs (locked_at) WHERE status = 'running';
CREATE INDEX jobs_org_idx ON jobs (organization_id, created_at DESC);
-- Per organization: one tenant's queued job must never block (or reveal) another's.
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (organization_id, queue, dedupe_key) NULLS NOT DISTINCT
  WHERE status = 'queued' AND dedupe_key IS NOT NULL;
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE TRIGGER jobs_touch BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

-- Event outbox ------------------------------------------------------------------------
-- Written in the same transaction as the change it describes; real-time streams,
-- webhooks and workflows read it in id order and replay from a client's last id.

CREATE TABLE outbox_events (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  event_type VARCHAR(100) NOT NULL,   -- e.g. lead.created, lead.scored, activity.created
  entity_type VARCHAR(50) NOT NULL,
  entity_id UUID,
  payload JSONB NOT NULL DEFAULT '{}', -- ids and changed field names, not personal data
  actor_id UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX outbox_events_org_id_idx ON outbox_events (organization_id, id);
CREATE INDEX outbox_events_created_idx ON outbox_events (created_at);

-- Scoring-model registry --------------------------------------------------------------

CREATE TABLE scoring_models (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  version VARCHAR(50) NOT NULL,
  algorithm VARCHAR(50) NOT NULL,       -- e.g. prior, logistic-map, gbdt
  features JSONB NOT NULL DEFAULT '[]', -- feature names and encodings, in model order
  parameters JSONB NOT NULL DEFAULT '{}',
  metrics JSONB NOT NULL DEFAULT '{}',  -- cross-validated roc_auc, log_loss, brier, folds
  calibration JSONB NOT NULL DEFAULT '[]',
  training_size INTEGER NOT NULL DEFAULT 0,
  positives INTEGER NOT NULL DEFAULT 0,
  is_active BOOLEAN NOT NULL DEFAULT FALSE,
  trained_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  activated_at TIMESTAMP WITH TIME ZONE,
  created_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  UNIQUE (organization_id, version),
  FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (created_by)
);
CREATE UNIQUE INDEX scoring_models_one_active ON scoring_models (organization_id) WHERE is_active;

-- Demo ground truth -------------------------------------------------------------------
-- The demo generator's true conversion probability per lead, so a benchmark can compare
-- a model with the best achievable. The application role has no privilege on it at all:
-- the scoring model cannot read it even by mistake.

CREATE TABLE demo_lead_truth (
  lead_id UUID PRIMARY KEY,
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  true_probability DOUBLE PRECISION NOT NULL CHECK (true_probability BETWEEN 0 AND 1),
  drivers JSONB NOT NULL DEFAULT '{}',  -- latent fit, behaviour, recency, tone
  generator_version VARCHAR(20) NOT NULL,
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
