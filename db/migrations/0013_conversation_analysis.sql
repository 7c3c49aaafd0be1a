-- Conversation analysis runs in the background: a new conversation, or one whose text
-- changed (the conversations service clears analyzed_at then), queues one analysis job per
-- organization; the job analyses every conversation still without analyzed_at, in batches.
-- Writing the analysis fills analyzed_at, so it never queues itself again; it does change
-- the conversation, so the rescoring triggers of 0012 rescore its lead.

CREATE INDEX conversations_unanalyzed_idx ON conversations (organization_id, created_at) WHERE analyzed_at IS NULL;

-- Conversations here, activities in 0014: rows still without analyzed_at queue the job.
CREATE FUNCTION app.queue_analysis() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.ensure_job(x.o, 'analysis.conversations', 'unanalyzed')
  FROM (SELECT DISTINCT n.organization_id AS o FROM changed_rows AS n WHERE n.analyzed_at IS NULL) AS x;
  RETURN NULL;
END
$$;

CREATE TRIGGER conversations_analysis_insert AFTER INSERT ON conversations
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_analysis();
CREATE TRIGGER conversations_analysis_update AFTER UPDATE ON conversations
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.queue_analysis();
