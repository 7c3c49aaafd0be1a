-- Row Level Security on every tenant table, enabled and FORCED.
--
-- Two policies per table:
--  * tenant_isolation, for leadai_app (the role every request runs as): a row is visible
--    and writable only when its organization_id equals the transaction's
--    app.organization_id. With no setting, nothing is visible.
--  * owner_maintenance, for the role that ran the migrations (the connecting role): it
--    performs the work that is cross-tenant by nature (migrations, seeding, resolving a
--    session token to its organization, claiming jobs) and is never used for a request's
--    tenant data. FORCE makes the owner subject to policies at all, so this is explicit.

-- One definition of "a tenant table" for this and every later migration that adds one.
CREATE FUNCTION app.protect_tenant_table(t regclass) RETURNS void
  LANGUAGE plpgsql
  AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s FOR ALL TO leadai_app '
    'USING (organization_id = app.current_organization_id()) '
    'WITH CHECK (organization_id = app.current_organization_id())', t);
  EXECUTE format('CREATE POLICY owner_maintenance ON %s FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true)', t);
END
$$;

SELECT app.protect_tenant_table(t::regclass)
FROM unnest(ARRAY[
  'users', 'teams', 'leads', 'lead_scores', 'ai_insights', 'journey_events',
  'activities', 'conversations', 'forecasts', 'performance_metrics',
  'user_credentials', 'sessions', 'api_keys', 'invitations', 'audit_log',
  'jobs', 'outbox_events', 'scoring_models', 'demo_lead_truth'
]) AS t;

-- organizations is keyed by id itself.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations FOR ALL TO leadai_app
  USING (id = app.current_organization_id())
  WITH CHECK (id = app.current_organization_id());
CREATE POLICY owner_maintenance ON organizations FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);

-- Privileges of the application role. Audit log and outbox are append-only for it.
GRANT SELECT, INSERT, UPDATE, DELETE ON
  organizations, users, teams, leads, lead_scores, ai_insights, journey_events,
  activities, conversations, forecasts, performance_metrics,
  user_credentials, sessions, api_keys, invitations, jobs, scoring_models
  TO leadai_app;
GRANT SELECT, INSERT ON audit_log, outbox_events TO leadai_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO leadai_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA app TO leadai_app;
-- Migrations call it; the application role never does.
REVOKE ALL ON FUNCTION app.protect_tenant_table(regclass) FROM PUBLIC, leadai_app;
-- demo_lead_truth: deliberately no grant.
