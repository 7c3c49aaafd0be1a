-- Search: a name that is a near-exact match of the whole query comes first.
--
-- "jacinthe koch" should find Jacynthe Koch before every other Koch. Until now the only
-- tolerance for misspelling was the typo tier, which ran only when nothing matched as typed
-- and compared single words: Jacynthe Koch was one Koch among many, in score order. A new
-- tier right after the exact matches (rank 0, its similarity below the exact matches' 1)
-- takes the leads whose full name resembles the whole query (trigram similarity >= 0.5:
-- 'jacynthe koch' vs 'jacinthe koch' is 0.65, 'anna koch' 0.26), found through indexes only:
--   1. each query word (3+ letters, at most 4 words) finds the words of this organization
--      that resemble it, through the trigram index of lead_search_words (5 at most per word,
--      most similar first), the word itself included;
--   2. the leads having, for every query word, one of its similar words are found through
--      the full-text index (an AND of ORs), at most 1,000 of them;
--   3. those are ordered by the similarity of their full name to the query.
-- Only for queries of two words or more: a single word is what the prefix tiers answer.
-- The typo tier (4) still runs only when nothing matched as typed; the near-exact names do
-- not count as typed, so the other leads with similar words still follow them.
-- Everything else is as in 0011.

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
  words text[];
  query_word text;
  near_query tsquery;
  alternatives tsquery;
  tier_sims real[];
  typed integer := 0;
BEGIN
  IF org IS NULL OR t = '' THEN
    RETURN;
  END IF;

  -- 0: exact full name or email. A lead with one name only has the full name 'cher ' or
  -- ' koch' (the space joins an empty part; leads may have one name only, lead-names.ts):
  -- those forms are the exact name too. Compared as the stored expression (not trimmed), so
  -- the full-name index still answers.
  tier := ARRAY(
    SELECT l.id FROM public.leads AS l
    WHERE l.organization_id = org
      AND (lower(l.first_name || ' ' || l.last_name) IN (t, t || ' ', ' ' || t) OR lower(l.email) = t)
    ORDER BY l.current_score DESC, l.id LIMIT n);
  typed := typed + cardinality(tier);
  ids := ids || tier; ranks := ranks || array_fill(0, ARRAY[cardinality(tier)]); sims := sims || array_fill(1::real, ARRAY[cardinality(tier)]);

  -- 0, after the exact names: full names resembling the whole query (see the top).
  words := ARRAY(SELECT w FROM regexp_split_to_table(t, '[^[:alnum:]]+') AS w WHERE length(w) >= 3 LIMIT 4);
  IF cardinality(ids) < n AND cardinality(words) >= 2 THEN
    near_query := NULL;
    FOREACH query_word IN ARRAY words LOOP
      alternatives := plainto_tsquery('english', query_word);
      FOR similar_word IN
        SELECT sw.word FROM public.lead_search_words AS sw
        WHERE sw.organization_id = org AND sw.word OPERATOR(public.%) query_word
        ORDER BY public.similarity(sw.word, query_word) DESC, sw.word LIMIT 5
      LOOP
        alternatives := alternatives || plainto_tsquery('english', similar_word);
      END LOOP;
      near_query := CASE WHEN near_query IS NULL THEN alternatives ELSE near_query && alternatives END;
    END LOOP;
    SELECT coalesce(array_agg(c.id ORDER BY c.s DESC, c.current_score DESC, c.id), '{}'), coalesce(array_agg(c.s ORDER BY c.s DESC, c.current_score DESC, c.id), '{}')
      INTO tier, tier_sims
      FROM (
        SELECT m.id, m.s, m.current_score FROM (
          SELECT l.id, public.similarity(lower(l.first_name || ' ' || l.last_name), t) AS s, l.current_score
          FROM public.leads AS l
          WHERE l.organization_id = org AND l.search_vector @@ near_query AND l.id <> ALL (ids)
          LIMIT 1000
        ) AS m
        WHERE m.s >= 0.5
        ORDER BY m.s DESC, m.current_score DESC, m.id LIMIT n - cardinality(ids)
      ) AS c;
    ids := ids || tier; ranks := ranks || array_fill(0, ARRAY[cardinality(tier)]); sims := sims || tier_sims;
  END IF;

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
    typed := typed + cardinality(tier);
    ids := ids || tier; ranks := ranks || array_fill(1, ARRAY[cardinality(tier)]); sims := sims || array_fill(1::real, ARRAY[cardinality(tier)]);
  END IF;

  -- 2: company starts with the term.
  IF cardinality(ids) < n THEN
    tier := ARRAY(
      SELECT l.id FROM public.leads AS l
      WHERE l.organization_id = org AND lower(l.company) LIKE pattern AND l.id <> ALL (ids)
      ORDER BY lower(l.company) USING OPERATOR(pg_catalog.~<~) LIMIT n - cardinality(ids));
    typed := typed + cardinality(tier);
    ids := ids || tier; ranks := ranks || array_fill(2, ARRAY[cardinality(tier)]); sims := sims || array_fill(1::real, ARRAY[cardinality(tier)]);
  END IF;

  -- 3: any word of name, company or email starts with a term word (GIN), in no order.
  IF cardinality(ids) < n THEN
    tier := ARRAY(
      SELECT l.id FROM public.leads AS l
      WHERE l.organization_id = org AND l.search_vector @@ prefix_query AND l.id <> ALL (ids)
      LIMIT n - cardinality(ids));
    typed := typed + cardinality(tier);
    ids := ids || tier; ranks := ranks || array_fill(3, ARRAY[cardinality(tier)]); sims := sims || array_fill(1::real, ARRAY[cardinality(tier)]);
  END IF;

  -- 4: similar spelling, only when nothing matched as typed (the near-exact names of
  -- tier 0 are not typed matches: the other leads of similar words still follow them): the words of this
  -- organization that resemble the term (trigram), most similar first, each then finding
  -- its leads through the full-text index until there are enough. (Ordering every lead of
  -- the similar words by score read 13,000 rows for one misspelt company: 60-120 ms.)
  IF typed = 0 THEN
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
