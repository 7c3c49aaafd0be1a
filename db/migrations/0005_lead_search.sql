-- Full-text search that can use its GIN index under Row Level Security.
--
-- Policies are security-barrier quals: PostgreSQL evaluates them before any user
-- predicate that is not LEAKPROOF, and the text-search match operator (@@) is not. For
-- the application role, `search_vector @@ q` therefore becomes a filter over every row of
-- the organization instead of a GIN index scan (measured: a Seq or org-index scan). This
-- function runs as the owner, where the barrier does not apply, and applies the tenant
-- condition itself from the same setting the policies read: it can never return another
-- organization's ids, and with no tenant setting it returns nothing.

CREATE FUNCTION app.search_lead_ids(query tsquery, max_rows integer DEFAULT 1000)
  RETURNS TABLE (lead_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT l.id
    FROM public.leads AS l
    WHERE l.organization_id = app.current_organization_id()
      AND l.search_vector @@ query
    LIMIT greatest(0, least(max_rows, 10000))
  $$;

REVOKE ALL ON FUNCTION app.search_lead_ids(tsquery, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.search_lead_ids(tsquery, integer) TO leadai_app;
