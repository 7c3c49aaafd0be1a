-- Team performance metrics (issue 22): performance_metrics filled by rollups per user, per
-- team and for the organization (user_id and team_id both NULL), per day, ISO week (Monday),
-- month and quarter, kept current by the `metrics.rollup` job (src/modules/metrics/), which the
-- `metrics.sweep` system job queues for organizations with change markers.

-- Which kind of period a row covers. Rows written by hand before this migration (no code
-- wrote any) get the kind their length says.
ALTER TABLE performance_metrics ADD COLUMN period TEXT CHECK (period IN ('day', 'week', 'month', 'quarter'));
UPDATE performance_metrics SET period = CASE
  WHEN period_end = period_start THEN 'day'
  WHEN period_end - period_start < 7 THEN 'week'
  WHEN period_end - period_start < 31 THEN 'month'
  ELSE 'quarter' END;
ALTER TABLE performance_metrics ALTER COLUMN period SET NOT NULL;

-- One row per (organization, user, team, period, start): re-running a rollup updates rows,
-- never duplicates them. NULLS NOT DISTINCT (PostgreSQL 15+) makes the organization's row
-- (both NULL) and a team's row (user NULL) unique too. It also serves every read (organization
-- and period first), so the older (organization, period_start) index goes.
CREATE UNIQUE INDEX performance_metrics_key ON performance_metrics (organization_id, period, period_start, user_id, team_id) NULLS NOT DISTINCT;
DROP INDEX performance_metrics_org_period_idx;

-- What changed since the last rollup: the earliest instant whose figures a change may have
-- moved, appended by the triggers below (append-only, no unique key: concurrent writers never
-- wait on each other's row here). The rollup job takes and deletes them in its transaction.
CREATE TABLE performance_metrics_dirty (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  since TIMESTAMP WITH TIME ZONE NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
CREATE INDEX performance_metrics_dirty_org_idx ON performance_metrics_dirty (organization_id, since);
SELECT app.protect_tenant_table('performance_metrics_dirty'::regclass);
GRANT SELECT, INSERT, DELETE ON performance_metrics_dirty TO leadai_app;

-- Activities completed in a period, for the incremental rollup (the existing per-user index
-- cannot serve a range over every user).
CREATE INDEX activities_org_completed_idx ON activities (organization_id, completed_at) WHERE completed_at IS NOT NULL;

-- Marks organizations' metrics as changed from `sinces` on. Only an append to the marker
-- table: no job is queued here. A queued job has a unique dedupe key, and in READ COMMITTED a
-- second writer's ON CONFLICT waits for the first transaction's uncommitted row, so every
-- lead or activity write of an organization would queue behind whichever transaction wrote
-- first (tracking, PATCH, imports), and take locks in another order than the analysis and
-- rescoring queues (deadlocks). The `metrics.sweep` system job (src/modules/metrics/, every
-- 30 s) queues one rollup per organization with markers instead: a burst of changes (a bulk
-- update, an import) makes one run. A marker per statement, never skipped: a waiting one may
-- belong to a rollup already running, which would not see this change. An organization being
-- deleted (its leads go by cascade) gets none: nothing is left to roll up.
CREATE FUNCTION app.mark_metrics_changed(orgs uuid[], sinces timestamptz[]) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  IF orgs IS NULL THEN
    RETURN;
  END IF;
  INSERT INTO performance_metrics_dirty (organization_id, since)
  SELECT u.o, min(u.s) FROM unnest(orgs, sinces) AS u(o, s)
  WHERE u.s IS NOT NULL AND EXISTS (SELECT 1 FROM organizations AS org WHERE org.id = u.o)
  GROUP BY u.o;
END
$$;
GRANT EXECUTE ON FUNCTION app.mark_metrics_changed(uuid[], timestamptz[]) TO leadai_app;

-- Leads. Every date a lead's figures hang on: created_at, closed_at and status_changed_at
-- (every status change moves it, and the first reach of a step is a status change no later
-- than it). A new owner, team or creation date moves the lead's whole history (leads created
-- and open leads count for the current owner). Otherwise only the new move or decision, and
-- an old decision undone or moved, matter: an open lead's earlier steps stay where they were;
-- a deal value counts only once won.
CREATE FUNCTION app.metrics_leads_inserted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_metrics_changed(array_agg(n.organization_id), array_agg(least(n.created_at, n.closed_at, n.status_changed_at))) FROM changed_leads AS n;
  RETURN NULL;
END
$$;
CREATE FUNCTION app.metrics_leads_deleted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_metrics_changed(array_agg(o.organization_id), array_agg(least(o.created_at, o.closed_at, o.status_changed_at))) FROM old_leads AS o;
  RETURN NULL;
END
$$;
CREATE FUNCTION app.metrics_leads_updated() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_metrics_changed(
    array_agg(n.organization_id),
    array_agg(CASE
      WHEN (n.assigned_to, n.team_id, n.created_at) IS DISTINCT FROM (o.assigned_to, o.team_id, o.created_at)
        THEN least(n.created_at, o.created_at, n.closed_at, o.closed_at, n.status_changed_at, o.status_changed_at)
      ELSE least(
        CASE WHEN (n.status, n.closed_at, n.status_changed_at) IS DISTINCT FROM (o.status, o.closed_at, o.status_changed_at) THEN least(n.closed_at, n.status_changed_at) END,
        CASE WHEN o.status IN ('closed_won', 'closed_lost', 'unqualified') AND (n.status, n.closed_at, n.status_changed_at) IS DISTINCT FROM (o.status, o.closed_at, o.status_changed_at) THEN least(o.closed_at, o.status_changed_at) END,
        CASE WHEN n.status = 'closed_won' AND n.deal_value IS DISTINCT FROM o.deal_value THEN least(n.closed_at, n.status_changed_at) END)
      END))
  FROM changed_leads AS n JOIN old_leads AS o ON o.id = n.id
  WHERE (n.status, n.assigned_to, n.team_id, n.created_at, n.closed_at, n.status_changed_at, n.deal_value)
    IS DISTINCT FROM (o.status, o.assigned_to, o.team_id, o.created_at, o.closed_at, o.status_changed_at, o.deal_value);
  RETURN NULL;
END
$$;
CREATE TRIGGER leads_metrics_insert AFTER INSERT ON leads
  REFERENCING NEW TABLE AS changed_leads FOR EACH STATEMENT EXECUTE FUNCTION app.metrics_leads_inserted();
CREATE TRIGGER leads_metrics_delete AFTER DELETE ON leads
  REFERENCING OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION app.metrics_leads_deleted();
CREATE TRIGGER leads_metrics_update AFTER UPDATE ON leads
  REFERENCING NEW TABLE AS changed_leads OLD TABLE AS old_leads FOR EACH STATEMENT EXECUTE FUNCTION app.metrics_leads_updated();

-- Activities: completed ones count in their completion's period, for their user.
CREATE FUNCTION app.metrics_activities_inserted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_metrics_changed(array_agg(n.organization_id), array_agg(n.completed_at)) FROM changed_rows AS n WHERE n.completed_at IS NOT NULL;
  RETURN NULL;
END
$$;
CREATE FUNCTION app.metrics_activities_deleted() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_metrics_changed(array_agg(o.organization_id), array_agg(o.completed_at)) FROM old_rows AS o WHERE o.completed_at IS NOT NULL;
  RETURN NULL;
END
$$;
CREATE FUNCTION app.metrics_activities_updated() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_metrics_changed(array_agg(n.organization_id), array_agg(least(n.completed_at, o.completed_at)))
  FROM changed_rows AS n JOIN old_rows AS o ON o.id = n.id
  WHERE (n.completed_at, n.user_id) IS DISTINCT FROM (o.completed_at, o.user_id) AND coalesce(n.completed_at, o.completed_at) IS NOT NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER activities_metrics_insert AFTER INSERT ON activities
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION app.metrics_activities_inserted();
CREATE TRIGGER activities_metrics_delete AFTER DELETE ON activities
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.metrics_activities_deleted();
CREATE TRIGGER activities_metrics_update AFTER UPDATE ON activities
  REFERENCING NEW TABLE AS changed_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.metrics_activities_updated();

-- A person changing team moves their activities' team (activities count for the team their
-- user is in): rare, so the whole history is recomputed.
CREATE FUNCTION app.metrics_users_updated() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_metrics_changed(array_agg(n.organization_id), array_agg('-infinity'::timestamptz))
  FROM changed_users AS n JOIN old_users AS o ON o.id = n.id
  WHERE n.team_id IS DISTINCT FROM o.team_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER users_metrics_update AFTER UPDATE ON users
  REFERENCING NEW TABLE AS changed_users OLD TABLE AS old_users FOR EACH STATEMENT EXECUTE FUNCTION app.metrics_users_updated();

-- A new time zone moves every period boundary.
CREATE FUNCTION app.metrics_organizations_updated() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM app.mark_metrics_changed(array_agg(n.id), array_agg('-infinity'::timestamptz))
  FROM changed_orgs AS n JOIN old_orgs AS o ON o.id = n.id
  WHERE (n.settings ->> 'timezone') IS DISTINCT FROM (o.settings ->> 'timezone');
  RETURN NULL;
END
$$;
CREATE TRIGGER organizations_metrics_update AFTER UPDATE ON organizations
  REFERENCING NEW TABLE AS changed_orgs OLD TABLE AS old_orgs FOR EACH STATEMENT EXECUTE FUNCTION app.metrics_organizations_updated();
