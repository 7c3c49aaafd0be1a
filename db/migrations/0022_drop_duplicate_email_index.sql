-- leads_org_email_lower_idx (0007) indexed (organization_id, lower(email)) a second time:
-- the spec's unique key leads_org_email_key has the same columns, partial on email IS NOT
-- NULL, and the planner uses it for every lookup by email, alone or in search's OR of name
-- and email (lower(email) = t implies email IS NOT NULL; checked with EXPLAIN on a million
-- leads). The copy cost every write to leads an index entry, and a large import 1.4 s of
-- its 16 s of index rebuilding.
DROP INDEX IF EXISTS leads_org_email_lower_idx;
