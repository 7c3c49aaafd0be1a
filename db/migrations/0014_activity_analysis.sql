-- Activities are analysed like conversations (0013): sentiment_score, intent_detected and
-- buying_signals from their subject, description and outcome. `analyzed_at` (beyond the
-- spec) says whether that happened; a change of the text clears it, whatever path made the
-- change, and queues the organization's analysis job.

ALTER TABLE activities ADD COLUMN analyzed_at TIMESTAMP WITH TIME ZONE;
CREATE INDEX activities_unanalyzed_idx ON activities (organization_id, created_at) WHERE analyzed_at IS NULL;

CREATE FUNCTION app.clear_activity_analysis() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF (NEW.subject, NEW.description, NEW.outcome) IS DISTINCT FROM (OLD.subject, OLD.description, OLD.outcome) THEN
    NEW.analyzed_at := NULL;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER activities_clear_analysis BEFORE UPDATE ON activities
  FOR EACH ROW EXECUTE FUNCTION app.clear_activity_analysis();

CREATE TRIGGER activities_analysis_insert AFTER INSERT ON activities
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_analysis();
CREATE TRIGGER activities_analysis_update AFTER UPDATE ON activities
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_analysis();
