-- Ranked lead search with typo tolerance, usable by the application role (see 0005 for
-- why search runs in a SECURITY DEFINER function under Row Level Security).
--
-- Rank: 0 exact name or email, 1 name prefix, 2 company prefix, 3 any other word match
-- (prefix full-text), 4 similar spelling only (trigram), each then by similarity and score.

CREATE INDEX leads_name_company_trgm_idx ON leads
  USING gin ((lower(first_name || ' ' || last_name || ' ' || coalesce(company, ''))) gin_trgm_ops);

CREATE FUNCTION app.search_leads(term text, prefix_query tsquery, max_rows integer DEFAULT 200)
  RETURNS TABLE (lead_id uuid, rank integer, similarity real)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    WITH params AS (
      SELECT app.current_organization_id() AS org, lower(btrim(term)) AS t,
             greatest(1, least(max_rows, 1000)) AS n
    ),
    fts AS (
      SELECT l.id,
             CASE
               WHEN lower(l.first_name || ' ' || l.last_name) = p.t OR lower(l.email) = p.t THEN 0
               WHEN lower(l.first_name || ' ' || l.last_name) LIKE p.t || '%' OR lower(l.last_name) LIKE p.t || '%' THEN 1
               WHEN lower(coalesce(l.company, '')) LIKE p.t || '%' THEN 2
               ELSE 3
             END AS rank,
             1::real AS similarity,
             l.current_score
      FROM public.leads AS l, params AS p
      WHERE l.organization_id = p.org AND l.search_vector @@ prefix_query
    ),
    fuzzy AS (
      SELECT l.id, 4 AS rank,
             public.similarity(lower(l.first_name || ' ' || l.last_name || ' ' || coalesce(l.company, '')), p.t) AS similarity,
             l.current_score
      FROM public.leads AS l, params AS p
      WHERE l.organization_id = p.org
        AND lower(l.first_name || ' ' || l.last_name || ' ' || coalesce(l.company, '')) OPERATOR(public.%) p.t
        AND NOT EXISTS (SELECT 1 FROM fts WHERE fts.id = l.id)
      ORDER BY 3 DESC
      LIMIT (SELECT n FROM params)
    )
    SELECT u.id, u.rank, u.similarity
    FROM (SELECT * FROM fts UNION ALL SELECT * FROM fuzzy) AS u
    ORDER BY u.rank, u.similarity DESC, u.current_score DESC, u.id
    LIMIT (SELECT n FROM params)
  $$;

REVOKE ALL ON FUNCTION app.search_leads(text, tsquery, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.search_leads(text, tsquery, integer) TO leadai_app;
