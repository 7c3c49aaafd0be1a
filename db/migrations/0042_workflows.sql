-- Workflows (issue 24): per-organization rules "when this happens to a lead, do that",
-- driven by the outbox (the same committed, per-organization `seq` the live stream reads)
-- and a periodic sweep for time-based triggers (src/modules/workflows/).
--
-- trigger, conditions and actions are jsonb validated by the API's zod schemas
-- (workflows.schemas.ts), the one definition both the server and the web form use; the
-- database checks only their shape (object / array), so a new trigger kind needs no migration.
CREATE TABLE workflows (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  enabled BOOLEAN NOT NULL DEFAULT TRUE,
  -- Order in the list and of evaluation (lower first); reorder rewrites them 1..n.
  position INTEGER NOT NULL DEFAULT 0,
  trigger JSONB NOT NULL CHECK (jsonb_typeof(trigger) = 'object'),
  conditions JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(conditions) = 'object'),
  actions JSONB NOT NULL CHECK (jsonb_typeof(actions) = 'array'),
  created_by UUID,
  updated_by UUID,
  last_fired_at TIMESTAMP WITH TIME ZONE,
  -- The outbox head when it was created, resumed or given a new trigger: events up to here
  -- happened before and never fire it.
  from_seq BIGINT NOT NULL DEFAULT 0,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  UNIQUE (organization_id, id),
  FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (created_by),
  FOREIGN KEY (organization_id, updated_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (updated_by)
);
CREATE INDEX workflows_org_position ON workflows (organization_id, position, created_at, id);
CREATE TRIGGER workflows_touch BEFORE UPDATE ON workflows FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('workflows'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON workflows TO leadai_app;

-- What makes "fires once per transition" exact: per (workflow, lead), whether the trigger's
-- condition held when last evaluated (`active`), and for counted triggers (forms submitted)
-- how many were seen. false → true fires; true → true does nothing; true → false re-arms.
-- No row means "did not hold". When a workflow is created or resumed, the leads its
-- trigger already holds for get `active` rows, so only changes from then on fire.
CREATE TABLE workflow_lead_states (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  workflow_id UUID NOT NULL,
  lead_id UUID NOT NULL,
  active BOOLEAN NOT NULL,
  seen_count INTEGER NOT NULL DEFAULT 0,
  changed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  PRIMARY KEY (organization_id, workflow_id, lead_id),
  FOREIGN KEY (organization_id, workflow_id) REFERENCES workflows (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX workflow_lead_states_lead ON workflow_lead_states (organization_id, lead_id);
SELECT app.protect_tenant_table('workflow_lead_states'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON workflow_lead_states TO leadai_app;

-- The run log: one row per firing (or dry run), each action with its result or its error in
-- words. No personal data of the lead (names, e-mails): ids and the workflow's own words.
CREATE TABLE workflow_runs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  workflow_id UUID NOT NULL,
  lead_id UUID,
  -- What fired it, in words and as data (kind, from/to, threshold, the event's seq).
  trigger JSONB NOT NULL DEFAULT '{}',
  -- [{ type, ok, result | error }] in the workflow's order.
  actions JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(actions) = 'array'),
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'partial', 'failed', 'skipped')),
  -- How many workflow changes led here (0: a person's or the system's change).
  hop INTEGER NOT NULL DEFAULT 0,
  dry_run BOOLEAN NOT NULL DEFAULT FALSE,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  FOREIGN KEY (organization_id, workflow_id) REFERENCES workflows (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX workflow_runs_list ON workflow_runs (organization_id, workflow_id, created_at DESC, id DESC);
SELECT app.protect_tenant_table('workflow_runs'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON workflow_runs TO leadai_app;

-- The durable consumer's cursor: the last outbox seq of the organization that the workflows
-- have handled. Advanced in the same transaction as the firings it caused, so each committed
-- event is handled exactly once, in order, whatever crashes or how many workers run.
CREATE TABLE workflow_cursors (
  organization_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  last_seq BIGINT NOT NULL DEFAULT 0,
  swept_at TIMESTAMP WITH TIME ZONE,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
SELECT app.protect_tenant_table('workflow_cursors'::regclass);
GRANT SELECT, INSERT, UPDATE ON workflow_cursors TO leadai_app;

-- Notifications a workflow sends ("notify" action) are of their own kind, so people can
-- switch them off in their preferences like the others.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('insight', 'assigned', 'follow_up_due', 'job_finished', 'job_failed', 'mention', 'workflow'));
