-- Saved views of the leads list: a name, the list's query (filters, search, sort, as the
-- query string GET /leads takes) and the columns shown. Each belongs to the user who saved
-- it; a shared one is visible to the whole organization (only its owner changes it).

CREATE TABLE saved_views (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id UUID NOT NULL,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  query TEXT NOT NULL DEFAULT '' CHECK (length(query) <= 4000),
  columns TEXT[] NOT NULL DEFAULT '{}',
  shared BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
  UNIQUE (organization_id, user_id, name)
);
CREATE INDEX saved_views_visible ON saved_views (organization_id, user_id);
SELECT app.protect_tenant_table('saved_views');
GRANT SELECT, INSERT, UPDATE, DELETE ON saved_views TO leadai_app;
