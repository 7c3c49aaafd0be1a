-- Ranked lead search with typo tolerance, usable by the application role (see 0005 for
-- why search runs in a SECURITY DEFINER function under Row Level Security).
--
-- Rank: 0 exact name or email, 1 name prefix, 2 company prefix, 3 any other word match
-- (prefix full-text), 4 similar spelling (trigram), when nothing matched as typed. Ranking every full-text match
-- costs too much for a common word (tens of thousands of rows per keystroke), so the
-- tiers are filled narrowest first, each from its own index, and the search stops as
-- soon as it has `max_rows` results: a common prefix is answered from the name and
-- company indexes alone.

CREATE INDEX leads_org_full_name_prefix_idx ON leads (organization_id, lower(first_name || ' ' || last_name) text_pattern_ops);
CREATE INDEX leads_org_last_name_prefix_idx ON leads (organization_id, lower(last_name) text_pattern_ops);
CREATE INDEX leads_org_company_prefix_idx ON leads (organization_id, lower(company) text_pattern_ops);
CREATE INDEX leads_org_email_lower_idx ON leads (organization_id, lower(email));

-- Typo tolerance: trigram similarity over the organization's distinct name and company
-- words (tens of thousands at a million leads), not over a million concatenated names
-- (which took up to 1 s per search). A misspelt word finds the words it resembles; those
-- words then find leads through the full-text index.
CREATE TABLE lead_search_words (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  word TEXT NOT NULL,
  PRIMARY KEY (organization_id, word)
);
CREATE INDEX lead_search_words_trgm_idx ON lead_search_words USING gin (word gin_trgm_ops);
SELECT app.protect_tenant_table('lead_search_words');
GRANT SELECT, INSERT ON lead_search_words TO leadai_app;

-- Words are only added: a word no lead uses any more costs nothing but a miss.
CREATE FUNCTION app.add_search_words() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  INSERT INTO lead_search_words (organization_id, word)
  SELECT DISTINCT n.organization_id, w
  FROM new_rows AS n,
       regexp_split_to_table(lower(n.first_name || ' ' || n.last_name || ' ' || coalesce(n.company, '')), '[^[:alnum:]]+') AS w
  WHERE length(w) >= 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

-- Statement-level, so a COPY or a batch insert adds its words in one statement.
CREATE TRIGGER leads_search_words_insert AFTER INSERT ON leads
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.add_search_words();
CREATE TRIGGER leads_search_words_update AFTER UPDATE ON leads
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.add_search_words();

-- For loads that ran with triggers off (bulk demo data): rebuild one organization's words.
CREATE FUNCTION app.refresh_search_words(org uuid) RETURNS void
  LANGUAGE sql
  AS $$
    INSERT INTO lead_search_words (organization_id, word)
    SELECT DISTINCT org, w
    FROM leads AS l,
         regexp_split_to_table(lower(l.first_name || ' ' || l.last_name || ' ' || coalesce(l.company, '')), '[^[:alnum:]]+') AS w
    WHERE l.organization_id = org AND length(w) >= 3
    ON CONFLICT DO NOTHING
  $$;

CREATE FUNCTION app.search_leads(term text, prefix_query tsquery, max_rows integer DEFAULT 200)
  RETURNS TABLE (lead_id uuid, rank integer, similarity real)
  LANGUAGE plpgsql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
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
  similar_words text[];
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
  -- organization that resemble the term (trigram), then the leads with those words.
  IF cardinality(ids) = 0 THEN
    SELECT coalesce(array_agg(x.word ORDER BY x.s DESC), '{}'), coalesce(max(x.s), 0)
      INTO similar_words, best
    FROM (
      SELECT w.word, public.similarity(w.word, t) AS s
      FROM public.lead_search_words AS w
      WHERE w.organization_id = org AND w.word OPERATOR(public.%) t
      ORDER BY 2 DESC, w.word LIMIT 5
    ) AS x;
    IF cardinality(similar_words) > 0 THEN
      tier := ARRAY(
        SELECT l.id FROM public.leads AS l
        WHERE l.organization_id = org
          AND l.search_vector @@ to_tsquery('english', array_to_string(similar_words, ' | '))
        ORDER BY l.current_score DESC, l.id LIMIT n);
      ids := ids || tier; ranks := ranks || array_fill(4, ARRAY[cardinality(tier)]); sims := sims || array_fill(best, ARRAY[cardinality(tier)]);
    END IF;
  END IF;

  RETURN QUERY SELECT u.id, u.r, u.s FROM unnest(ids, ranks, sims) AS u(id, r, s);
END
$$;

REVOKE ALL ON FUNCTION app.search_leads(text, tsquery, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.search_leads(text, tsquery, integer) TO leadai_app;
