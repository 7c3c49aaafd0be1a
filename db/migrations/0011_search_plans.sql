-- Search: two tail latencies found at a million leads (bench:api).
--
-- 1. Plans. Inside PL/pgSQL, statements are prepared; after five calls PostgreSQL may
--    switch to a generic plan, made without the search term. For `search_vector @@ $1 …
--    LIMIT n` the generic plan is a sequential scan that expects to stop early: for a rare
--    word it reads the whole organization (690 ms at 1M leads, measured). Each statement
--    of the function is now planned with its actual values (the planning costs well under
--    a millisecond; the statements are few).
-- 2. The typo tier ordered every lead of every similar word by score; it now takes the
--    similar words one at a time, most similar first, and stops at the limit.

CREATE OR REPLACE FUNCTION app.search_leads(term text, prefix_query tsquery, max_rows integer DEFAULT 200)
  RETURNS TABLE (lead_id uuid, rank integer, similarity real)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  SET plan_cache_mode = force_custom_plan
  AS $$
DECLARE
  org uuid := app.current_organization_id();
  t text := lower(btrim(term));
  pattern text := replace(replace(replace(lower(btrim(term)), '\', '\\'), '%', '\%'), '_', '\_') || '%';
  n integer := greatest(1, least(max_rows, 1000));
  ids uuid[] := '{}';
  ranks integer[] := '{}';
  sims real[] := '{}';
  tier uuid[];
  similar_word text;
  best real;
BEGIN
  IF org IS NULL OR t = '' THEN
    RETURN;
  END IF;

  -- 0: exact full name or email.
  tier := ARRAY(
    SELECT l.id FROM public.leads AS l
    WHERE l.organization_id = org AND (lower(l.first_name || ' ' || l.last_name) = t OR lower(l.email) = t)
    ORDER BY l.current_score DESC, l.id LIMIT n);
  ids := ids || tier; ranks := ranks || array_fill(0, ARRAY[cardinality(tier)]); sims := sims || array_fill(1::real, ARRAY[cardinality(tier)]);

  -- 1: full name or last name starts with the term. Ordering by the pattern operator
  -- (byte order) is the index's own order, so the scan stops at the limit instead of
  -- sorting every match (86 ms for a common last name at 1M leads, measured).
  IF cardinality(ids) < n THEN
    tier := ARRAY(
      SELECT u.id FROM (
        (SELECT l.id, lower(l.first_name || ' ' || l.last_name) AS k FROM public.leads AS l
          WHERE l.organization_id = org AND lower(l.first_name || ' ' || l.last_name) LIKE pattern
          ORDER BY lower(l.first_name || ' ' || l.last_name) USING OPERATOR(pg_catalog.~<~) LIMIT n)
        UNION
        (SELECT l.id, lower(l.first_name || ' ' || l.last_name) FROM public.leads AS l
          WHERE l.organization_id = org AND lower(l.last_name) LIKE pattern
          ORDER BY lower(l.last_name) USING OPERATOR(pg_catalog.~<~) LIMIT n)
      ) AS u
      WHERE u.id <> ALL (ids)
      ORDER BY u.k, u.id LIMIT n - cardinality(ids));
    ids := ids || tier; ranks := ranks || array_fill(1, ARRAY[cardinality(tier)]); sims := sims || array_fill(1::real, ARRAY[cardinality(tier)]);
  END IF;

  -- 2: company starts with the term.
  IF cardinality(ids) < n THEN
    tier := ARRAY(
      SELECT l.id FROM public.leads AS l
      WHERE l.organization_id = org AND lower(l.company) LIKE pattern AND l.id <> ALL (ids)
      ORDER BY lower(l.company) USING OPERATOR(pg_catalog.~<~) LIMIT n - cardinality(ids));
    ids := ids || tier; ranks := ranks || array_fill(2, ARRAY[cardinality(tier)]); sims := sims || array_fill(1::real, ARRAY[cardinality(tier)]);
  END IF;

  -- 3: any word of name, company or email starts with a term word (GIN), in no order.
  IF cardinality(ids) < n THEN
    tier := ARRAY(
      SELECT l.id FROM public.leads AS l
      WHERE l.organization_id = org AND l.search_vector @@ prefix_query AND l.id <> ALL (ids)
      LIMIT n - cardinality(ids));
    ids := ids || tier; ranks := ranks || array_fill(3, ARRAY[cardinality(tier)]); sims := sims || array_fill(1::real, ARRAY[cardinality(tier)]);
  END IF;

  -- 4: similar spelling, only when nothing matched as typed: the words of this
  -- organization that resemble the term (trigram), most similar first, each then finding
  -- its leads through the full-text index until there are enough. (Ordering every lead of
  -- the similar words by score read 13,000 rows for one misspelt company: 60-120 ms.)
  IF cardinality(ids) = 0 THEN
    FOR similar_word, best IN
      SELECT w.word, public.similarity(w.word, t)
      FROM public.lead_search_words AS w
      WHERE w.organization_id = org AND w.word OPERATOR(public.%) t
      ORDER BY 2 DESC, w.word LIMIT 5
    LOOP
      EXIT WHEN cardinality(ids) >= n;
      tier := ARRAY(
        SELECT l.id FROM public.leads AS l
        WHERE l.organization_id = org
          AND l.search_vector @@ plainto_tsquery('english', similar_word) AND l.id <> ALL (ids)
        LIMIT n - cardinality(ids));
      ids := ids || tier; ranks := ranks || array_fill(4, ARRAY[cardinality(tier)]); sims := sims || array_fill(best, ARRAY[cardinality(tier)]);
    END LOOP;
  END IF;

  RETURN QUERY SELECT u.id, u.r, u.s FROM unnest(ids, ranks, sims) AS u(id, r, s);
END
$$;
