-- A new lead that reaches a score-band assignment rule before its first score waits for it
-- (src/modules/assignment): the wait is written here, and the rescoring job that gives the
-- first score then decides the lead and removes the wait. Its assignment log says so ('score').
CREATE TABLE assignment_waits (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id UUID NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  PRIMARY KEY (organization_id, lead_id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
SELECT app.protect_tenant_table('assignment_waits'::regclass);
GRANT SELECT, INSERT, DELETE ON assignment_waits TO leadai_app;

ALTER TABLE lead_assignments DROP CONSTRAINT IF EXISTS lead_assignments_via_check;
ALTER TABLE lead_assignments ADD CONSTRAINT lead_assignments_via_check CHECK (via IN ('api', 'import', 'tracking', 'score'));
