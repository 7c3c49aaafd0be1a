-- Three of the spec's lead indexes are never chosen by any query the product runs, and
-- every lead insert and score update pays for them:
--   * idx_leads_organization_status (organization_id, status) is a prefix of
--     leads_org_status_score_idx (organization_id, status, current_score DESC, id DESC);
--   * idx_leads_score (current_score DESC) and idx_leads_updated_at (updated_at DESC) are not
--     tenant-first: every query filters on organization_id (Row Level Security adds it when
--     code does not), so leads_org_score_idx and leads_org_updated_idx serve those orders.
-- Measured: INSERT … SELECT of 200,000 leads 9 % faster without them (docs/benchmarks.md).
DROP INDEX IF EXISTS idx_leads_organization_status;
DROP INDEX IF EXISTS idx_leads_score;
DROP INDEX IF EXISTS idx_leads_updated_at;
