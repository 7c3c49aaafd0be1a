-- AI insights (issue 6): lifecycle, dedupe and re-evaluation.
--
-- An insight is open until its reason no longer holds or its time runs out (expired), or a
-- person dismisses it (dismissed, with a reason). `reason` is the detector's stable key
-- ("pricing_spike", "competitor:globex", "stalled:proposal"): the database refuses a second
-- open insight of the same type and reason for a lead, so two evaluations racing each other
-- update one row instead of raising the same insight twice.

ALTER TABLE ai_insights
  ADD COLUMN reason VARCHAR(200) NOT NULL DEFAULT '',
  ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'expired')),
  ADD COLUMN dismissed_at TIMESTAMP WITH TIME ZONE,
  ADD COLUMN dismissed_by UUID,
  ADD COLUMN dismiss_reason TEXT CHECK (dismiss_reason IS NULL OR length(dismiss_reason) <= 1000),
  ADD COLUMN closed_at TIMESTAMP WITH TIME ZONE,
  ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  ADD CONSTRAINT ai_insights_dismissed_by_fkey FOREIGN KEY (organization_id, dismissed_by)
    REFERENCES users (organization_id, id) ON DELETE SET NULL (dismissed_by);

CREATE UNIQUE INDEX ai_insights_open_reason_key ON ai_insights (organization_id, lead_id, insight_type, reason) WHERE status = 'open';
-- Tenant-first, for the list (newest first, keyset on id), a lead's insights, the inbox
-- (open ones by priority) and the sweep of run-out ones.
CREATE INDEX ai_insights_org_created_idx ON ai_insights (organization_id, created_at DESC, id DESC);
CREATE INDEX ai_insights_org_lead_idx ON ai_insights (organization_id, lead_id, created_at DESC);
CREATE INDEX ai_insights_org_open_priority_idx ON ai_insights (organization_id, priority DESC, confidence DESC, created_at DESC) WHERE status = 'open';
CREATE INDEX ai_insights_org_expiry_idx ON ai_insights (organization_id, expires_at) WHERE status = 'open';

CREATE TRIGGER ai_insights_touch BEFORE UPDATE ON ai_insights FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

-- A merge moves the source lead's insights onto the target (leads.queries LEAD_CHILD_TABLES).
-- They described the source lead's situation: they are closed, and the merged lead is
-- re-evaluated (the merge queues it like any change). Closing them also keeps the move
-- clear of the one-open-insight index when both leads had the same insight.
CREATE FUNCTION app.close_moved_insights() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW.lead_id IS DISTINCT FROM OLD.lead_id AND NEW.status = 'open' THEN
    NEW.status := 'expired';
    NEW.closed_at := now();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER ai_insights_close_moved BEFORE UPDATE OF lead_id ON ai_insights FOR EACH ROW EXECUTE FUNCTION app.close_moved_insights();

-- Re-evaluation when a lead changes: every lead queued for rescoring (0012) is queued for
-- insights too, and the rescoring job evaluates them right after scoring them, so the
-- insights see the new score. A table of its own rather than reading lead_score_queue:
-- the rescoring job empties that one before the insights run.
CREATE TABLE lead_insight_queue (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id UUID NOT NULL,
  queued_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  PRIMARY KEY (organization_id, lead_id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
SELECT app.protect_tenant_table('lead_insight_queue');
GRANT SELECT, INSERT, UPDATE, DELETE ON lead_insight_queue TO leadai_app;

CREATE FUNCTION app.queue_insights() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO lead_insight_queue (organization_id, lead_id)
  SELECT DISTINCT n.organization_id, n.lead_id FROM queued_leads AS n
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
GRANT EXECUTE ON FUNCTION app.queue_insights() TO leadai_app;

CREATE TRIGGER lead_score_queue_insights AFTER INSERT ON lead_score_queue
  REFERENCING NEW TABLE AS queued_leads FOR EACH STATEMENT EXECUTE FUNCTION app.queue_insights();
