-- The two per-lead work queues cost an import more than anything but the lead row itself.
-- Measured with INSERT … SELECT of 50,000–100,000 leads into a migrated database (alternating,
-- docs/benchmarks.md): every new lead wrote a rescoring queue row, whose trigger wrote an
-- insights queue row, and each queue row's foreign key to leads ran a per-row check that
-- locks the just-inserted lead row (FOR KEY SHARE), i.e. wrote to every lead's tuple again.
--
-- * The foreign keys to leads go. A queue row only names a lead to look at; both drains
--   read the leads they take and skip ids that no longer exist (deleted or merged away),
--   so a stale row costs one miss, once. The organization foreign keys stay: deleting an
--   organization still empties its queues.
-- * A lead is queued for insights when the rescoring job takes it off the rescoring queue
--   (same statement, same transaction: scoring.queries takeQueuedLeads), not when it is
--   queued for rescoring. Every lead queued for rescoring is still queued for insights
--   exactly as before, but an import pays for one queue row per lead instead of two, and
--   a burst of changes to a lead already waiting costs nothing more.
ALTER TABLE lead_score_queue DROP CONSTRAINT lead_score_queue_organization_id_lead_id_fkey;
ALTER TABLE lead_insight_queue DROP CONSTRAINT lead_insight_queue_organization_id_lead_id_fkey;
DROP TRIGGER lead_score_queue_insights ON lead_score_queue;
DROP FUNCTION app.queue_insights();
