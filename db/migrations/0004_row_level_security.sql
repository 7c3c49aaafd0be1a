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

DO $$
DECLARE
  t TEXT;
  tenant_tables TEXT[] := ARRAY[
    'users', 'teams', 'leads', 'lead_scores', 'ai_insights', 'journey_events',
    'activities', 'conversations', 'forecasts', 'performance_metrics',
    'user_credentials', 'sessions', 'api_keys', 'invitations', 'audit_log',
    'jobs', 'outbox_events', 'scoring_models', 'demo_lead_truth'
  ];
BEGIN
  FOREACH t IN ARRAY tenant_tables LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I FOR ALL TO leadai_app '
      'USING (organization_id = app.current_organization_id()) '
      'WITH CHECK (organization_id = app.current_organization_id())', t);
    EXECUTE format(
      'CREATE POLICY owner_maintenance ON %I FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true)', t);
  END LOOP;
END
$$;

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
-- demo_lead_truth: deliberately no grant.
