-- leads.last_contacted_at follows the activities and conversations that touch a lead,
-- whichever way they arrive (API, import, mail sync): a rule of the data, so it lives here.
-- Completed calls, emails, meetings, demos, proposals, follow-ups and social touches
-- count; notes and tasks do not. Conversations count in both directions. Bulk loads that
-- already carry last_contacted_at (the demo generator) run with triggers off.

CREATE FUNCTION app.touch_last_contacted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
DECLARE
  touched_at timestamptz;
BEGIN
  IF TG_TABLE_NAME = 'activities' THEN
    IF NEW.completed_at IS NULL OR NEW.type IN ('note', 'task') THEN
      RETURN NEW;
    END IF;
    touched_at := NEW.completed_at;
  ELSE
    touched_at := NEW.created_at;
  END IF;
  UPDATE leads
     SET last_contacted_at = touched_at
   WHERE organization_id = NEW.organization_id
     AND id = NEW.lead_id
     AND (last_contacted_at IS NULL OR last_contacted_at < touched_at);
  RETURN NEW;
END
$$;

CREATE TRIGGER activities_last_contacted AFTER INSERT OR UPDATE OF completed_at, type ON activities
  FOR EACH ROW EXECUTE FUNCTION app.touch_last_contacted();
CREATE TRIGGER conversations_last_contacted AFTER INSERT ON conversations
  FOR EACH ROW EXECUTE FUNCTION app.touch_last_contacted();
