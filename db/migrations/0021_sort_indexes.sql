-- Sorting the leads list by name or by next follow-up read and sorted the whole organization
-- for every page: no index had either order (160–210 ms a page at 100,000 leads unloaded,
-- 520–745 ms under load, bench:web; seconds at 1,000,000), while score, created and updated
-- pages are range reads of a tenant-first index.
--
-- Name: the list orders by (lower(last_name), lower(first_name), id) and pages with a row
-- comparison on the same three values. Under Row Level Security a user predicate may drive
-- an index scan only if every function in it is LEAKPROOF, and lower(text) is not marked so:
-- with an index but without the mark, the cursor became a filter over the index in order,
-- 4.6 s for a page half-way through a million leads (measured), worse than sorting. lower()
-- raises no error that carries a value (like the operators of 0008). Marking it needs a
-- superuser; where the migrating role is not one, the mark and the index are both left out
-- with a notice, and the name sort keeps sorting (correct, only slower at scale).
DO $$
BEGIN
  BEGIN
    ALTER FUNCTION pg_catalog.lower(text) LEAKPROOF;
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'not a superuser: lower(text) stays non-leakproof, so the leads list sorted by name is not indexed';
  END;
  IF (SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.lower(text)'::regprocedure) THEN
    CREATE INDEX leads_org_name_sort_idx ON leads (organization_id, lower(last_name), lower(first_name), id);
  END IF;
END
$$;

-- Next follow-up: the spec's partial index on next_follow_up_at alone (its name kept, as 0019
-- did for others) becomes tenant-first and ends in id. The list pages the dated leads by
-- (next_follow_up_at, id), then the undated ones by id (leads.queries.ts listLeads): both are
-- range reads of this one index, plain columns, so no mark is needed. The dashboard's due and
-- overdue follow-ups read it too.
DROP INDEX idx_leads_next_follow_up;
CREATE INDEX idx_leads_next_follow_up ON leads (organization_id, next_follow_up_at, id);
