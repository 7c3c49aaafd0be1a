-- Foundation: extensions, the application role, helper functions used by every table.
--
-- The application never queries as the connecting (owner) role on the request path:
-- each tenant transaction runs `SET LOCAL ROLE leadai_app`, a role without BYPASSRLS,
-- so Row Level Security applies even when application code forgets a WHERE.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Roles are cluster-wide: several LeadAI databases (tests, staging) share one role, and
-- two databases migrating at once may race to create it, so both outcomes are accepted.
DO $$
BEGIN
  CREATE ROLE leadai_app NOLOGIN NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- A non-superuser owner (e.g. Supabase's `postgres`) must be a member to SET ROLE to it.
DO $$
BEGIN
  EXECUTE format('GRANT leadai_app TO %I', current_user);
EXCEPTION WHEN others THEN NULL;
END
$$;

CREATE SCHEMA IF NOT EXISTS app;
GRANT USAGE ON SCHEMA app TO leadai_app;
GRANT USAGE ON SCHEMA public TO leadai_app;

-- Per-transaction tenant context, set by the server with set_config(..., true).
-- NULLIF: after a transaction that set it ends, the setting reads '' rather than NULL.
CREATE FUNCTION app.current_organization_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.organization_id', true), '')::uuid $$;

CREATE FUNCTION app.current_user_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;

-- Keeps updated_at current. An UPDATE that sets updated_at explicitly (imports of
-- historical data) keeps its value.
CREATE FUNCTION app.touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;
