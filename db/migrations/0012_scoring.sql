-- Real-time rescoring. Any change that can move a lead's score (a new or changed
-- activity, conversation or journey event, a new lead, a change to a field the model reads)
-- marks the lead in lead_score_queue and makes sure one rescoring job per organization is
-- queued. The job drains the queue in batches, so a burst of changes to one lead, or a
-- thousand leads imported at once, is scored once per lead, together.
--
-- Triggers rather than application calls: every path (API, import, tracking, SQL run by an
-- operator) marks leads the same way, inside the writing transaction.

CREATE TABLE lead_score_queue (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  lead_id UUID NOT NULL,
  queued_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  PRIMARY KEY (organization_id, lead_id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
SELECT app.protect_tenant_table('lead_score_queue');
GRANT SELECT, INSERT, UPDATE, DELETE ON lead_score_queue TO leadai_app;

-- One queued job per organization and queue: the jobs table's partial unique index refuses
-- a second while the first waits, so this is safe to call for every statement.
CREATE FUNCTION app.ensure_job(org uuid, queue_name text, key text) RETURNS void
  LANGUAGE sql
  AS $$
    INSERT INTO jobs (organization_id, queue, payload, dedupe_key) VALUES (org, queue_name, '{}'::jsonb, key)
    ON CONFLICT (organization_id, queue, dedupe_key) WHERE status = 'queued' AND dedupe_key IS NOT NULL DO NOTHING
  $$;

-- Marks leads for rescoring and queues their organizations' rescoring jobs. The triggers
-- below differ only in which leads a statement changed.
CREATE FUNCTION app.mark_for_rescoring(orgs uuid[], leads uuid[]) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF leads IS NULL THEN
    RETURN;
  END IF;
  INSERT INTO lead_score_queue (organization_id, lead_id)
  SELECT DISTINCT u.o, u.l FROM unnest(orgs, leads) AS u(o, l)
  ON CONFLICT DO NOTHING;
  IF FOUND THEN
    PERFORM app.ensure_job(x.o, 'scoring.rescore', 'queued-leads') FROM (SELECT DISTINCT unnest(orgs) AS o) AS x;
  END IF;
END
$$;

GRANT EXECUTE ON FUNCTION app.ensure_job(uuid, text, text), app.mark_for_rescoring(uuid[], uuid[]) TO leadai_app;

-- Activities, conversations and journey events: the leads of the statement's rows.
CREATE FUNCTION app.queue_rescoring() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_for_rescoring(array_agg(n.organization_id), array_agg(n.lead_id)) FROM changed_rows AS n WHERE n.lead_id IS NOT NULL;
  RETURN NULL;
END
$$;

CREATE TRIGGER activities_rescore_insert AFTER INSERT ON activities
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_rescoring();
CREATE TRIGGER activities_rescore_update AFTER UPDATE ON activities
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_rescoring();
CREATE TRIGGER conversations_rescore_insert AFTER INSERT ON conversations
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_rescoring();
CREATE TRIGGER conversations_rescore_update AFTER UPDATE ON conversations
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_rescoring();
CREATE TRIGGER journey_events_rescore_insert AFTER INSERT ON journey_events
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_rescoring();
CREATE TRIGGER journey_events_rescore_update AFTER UPDATE ON journey_events
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_rescoring();

-- Leads: new ones, and changes to what the model reads or to the outcome. Writing a score
-- sets only score columns, so it never queues the lead again.
CREATE FUNCTION app.queue_lead_rescoring() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_for_rescoring(array_agg(n.organization_id), array_agg(n.id)) FROM changed_leads AS n;
  RETURN NULL;
END
$$;

CREATE TRIGGER leads_rescore_insert AFTER INSERT ON leads
  REFERENCING NEW TABLE AS changed_leads FOR EACH STATEMENT EXECUTE FUNCTION app.queue_lead_rescoring();

CREATE FUNCTION app.queue_changed_lead_rescoring() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_for_rescoring(array_agg(n.organization_id), array_agg(n.id))
  FROM changed_leads AS n JOIN old_leads AS o ON o.id = n.id
  WHERE (n.job_title, n.email, n.phone, n.company, n.address, n.source, n.campaign, n.custom_fields, n.next_follow_up_at, n.status, n.created_at)
    IS DISTINCT FROM (o.job_title, o.email, o.phone, o.company, o.address, o.source, o.campaign, o.custom_fields, o.next_follow_up_at, o.status, o.created_at);
  RETURN NULL;
END
$$;

CREATE TRIGGER leads_rescore_update AFTER UPDATE ON leads
  REFERENCING NEW TABLE AS changed_leads OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION app.queue_changed_lead_rescoring();

