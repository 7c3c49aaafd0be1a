-- Row Level Security and indexes.
--
-- Policies are security-barrier quals: a user predicate whose operator is not LEAKPROOF
-- is evaluated only after them, so it cannot drive an index scan. Equality on enums and
-- array overlap/containment are not marked LEAKPROOF by PostgreSQL, which turned
-- `status = 'qualified'` into a scan of the whole organization (51 ms at 20k leads,
-- seconds at 1M) instead of an index range (sub-millisecond).
--
-- These functions cannot leak row data: they compare values and raise no error that
-- carries one. Marking them LEAKPROOF needs a superuser; where the migrating role is not
-- one (managed PostgreSQL such as Supabase), this is skipped with a notice: queries stay
-- correct, only those filters are slower. Text search keeps its own SECURITY DEFINER path
-- (0005, 0007), which needs no superuser.

DO $$
DECLARE
  f text;
BEGIN
  FOREACH f IN ARRAY ARRAY[
    'enum_eq(anyenum, anyenum)', 'enum_ne(anyenum, anyenum)',
    'arrayoverlap(anyarray, anyarray)', 'arraycontains(anyarray, anyarray)'
  ] LOOP
    BEGIN
      EXECUTE format('ALTER FUNCTION pg_catalog.%s LEAKPROOF', f);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'not a superuser: % stays non-leakproof (filters on it will not use indexes under RLS)', f;
    END;
  END LOOP;
END
$$;
