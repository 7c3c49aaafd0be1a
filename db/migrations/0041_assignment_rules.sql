-- Assignment rules (issue 24): who gets a new lead that nobody was named for. Rules are
-- evaluated in `position` order when a lead is created through the API, imported, or
-- identified by the website tracker; the first rule whose condition holds and that finds an
-- eligible (active) user wins, else the organization's fallback owner, else nobody.
-- src/modules/assignment/ owns these tables.

CREATE TABLE assignment_rules (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name VARCHAR(200) NOT NULL CHECK (btrim(name) <> ''),
  -- Lower first. Not unique: a reorder rewrites every position in one statement, and ties
  -- (never written by the service) fall back to creation order.
  position INTEGER NOT NULL,
  enabled BOOLEAN NOT NULL DEFAULT TRUE,
  -- How the matching leads are spread over the targets: one user, round-robin, or the
  -- target with the fewest open leads under max_open_per_rep.
  distribution TEXT NOT NULL CHECK (distribution IN ('single', 'round_robin', 'capacity')),
  -- Every given condition must hold (AND); none given matches every lead. Shape checked by
  -- the API (assignment.schemas.ts): sources, campaigns, countries, regions, score_min, score_max.
  conditions JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(conditions) = 'object'),
  -- Targets: a team's active members, or the users listed in assignment_rule_users.
  target_team_id UUID,
  max_open_per_rep INTEGER CHECK (max_open_per_rep BETWEEN 1 AND 1000000),
  created_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  UNIQUE (organization_id, id),
  CHECK (distribution <> 'capacity' OR max_open_per_rep IS NOT NULL),
  FOREIGN KEY (organization_id, target_team_id) REFERENCES teams (organization_id, id) ON DELETE SET NULL (target_team_id),
  FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (created_by)
);
CREATE INDEX assignment_rules_order_idx ON assignment_rules (organization_id, position, created_at, id);
CREATE TRIGGER assignment_rules_touch BEFORE UPDATE ON assignment_rules FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('assignment_rules'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON assignment_rules TO leadai_app;

-- A rule's listed users, in the order the admin gave them. Composite keys: a rule can
-- only name users of its own organization, and a deleted user drops out of every rule.
CREATE TABLE assignment_rule_users (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  rule_id UUID NOT NULL,
  user_id UUID NOT NULL,
  ordinal INTEGER NOT NULL,
  PRIMARY KEY (rule_id, user_id),
  FOREIGN KEY (organization_id, rule_id) REFERENCES assignment_rules (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);
SELECT app.protect_tenant_table('assignment_rule_users'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON assignment_rule_users TO leadai_app;

-- The round-robin (and capacity tie-break) cursor: the user who got the rule's last lead.
-- Every assignment by a rule locks its row (FOR UPDATE) for the rest of its transaction,
-- so concurrent creations take turns: none sees the same "next" user, none skips one.
-- A row of its own, so that the lock never blocks an admin editing the rule.
CREATE TABLE assignment_rule_cursors (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  rule_id UUID PRIMARY KEY,
  last_user_id UUID,
  assigned_count BIGINT NOT NULL DEFAULT 0,
  FOREIGN KEY (organization_id, rule_id) REFERENCES assignment_rules (organization_id, id) ON DELETE CASCADE
);
SELECT app.protect_tenant_table('assignment_rule_cursors'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON assignment_rule_cursors TO leadai_app;

-- The organization's fallback owner: who gets a new unowned lead that no rule took.
CREATE TABLE assignment_settings (
  organization_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  fallback_user_id UUID,
  updated_by UUID,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  FOREIGN KEY (organization_id, fallback_user_id) REFERENCES users (organization_id, id) ON DELETE SET NULL (fallback_user_id),
  FOREIGN KEY (organization_id, updated_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (updated_by)
);
CREATE TRIGGER assignment_settings_touch BEFORE UPDATE ON assignment_settings FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('assignment_settings'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON assignment_settings TO leadai_app;

-- Every assignment a rule (or the fallback) made: the lead's timeline shows it with the
-- rule's name. The name is copied so the history still reads after the rule is renamed or
-- deleted (rule_id then goes NULL). Ids and a rule name only: no personal data.
-- Append-only for the application role, like the audit log: history is not rewritten; only
-- lead_id may change, when a merge moves a lead's history to the lead it was merged into
-- (the rows go with their lead, by the foreign key's cascade).
CREATE TABLE lead_assignments (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id UUID NOT NULL,
  rule_id UUID,
  rule_name VARCHAR(200) NOT NULL,
  assigned_to UUID,
  -- Where the lead came from: 'api', 'import' or 'tracking'.
  via TEXT NOT NULL CHECK (via IN ('api', 'import', 'tracking')),
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, rule_id) REFERENCES assignment_rules (organization_id, id) ON DELETE SET NULL (rule_id),
  FOREIGN KEY (organization_id, assigned_to) REFERENCES users (organization_id, id) ON DELETE SET NULL (assigned_to)
);
CREATE INDEX lead_assignments_lead_idx ON lead_assignments (organization_id, lead_id, created_at DESC);
SELECT app.protect_tenant_table('lead_assignments'::regclass);
GRANT SELECT, INSERT ON lead_assignments TO leadai_app;
GRANT UPDATE (lead_id) ON lead_assignments TO leadai_app;
