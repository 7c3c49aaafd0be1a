-- CSV import: the upload, its progress and checkpoint, rejected rows, and the
-- organization's catalogue of custom fields (what imports put into leads.custom_fields).
--
-- The uploaded file lives in the database (import_file_chunks), not on a disk: it works
-- the same embedded and on a server, any process (another replica, or this one after a
-- restart) can run the job, and it is in the one backup. It is deleted once the import
-- has completed; rejected rows are kept in import_errors for the error file.

CREATE TABLE imports (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  created_by UUID,
  -- 'upload': the file is in import_file_chunks; 'cli': read from the local file by the CLI.
  source TEXT NOT NULL CHECK (source IN ('upload', 'cli')),
  file_name TEXT NOT NULL,
  file_size BIGINT NOT NULL,
  file_sha256 TEXT NOT NULL,
  format JSONB NOT NULL DEFAULT '{}',
  mapping JSONB NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'queued', 'running', 'completed', 'failed')),
  job_id BIGINT,
  -- The last source line (1-based, header = 1) whose batch has committed, written in the
  -- same transaction as that batch: a resumed run skips up to here, so no row is written twice.
  checkpoint_line INTEGER NOT NULL DEFAULT 0,
  -- [first, last] start lines of every committed batch, likewise in its transaction:
  -- with two writers a later batch may commit before an earlier one.
  committed_ranges JSONB NOT NULL DEFAULT '[]',
  bytes_done BIGINT NOT NULL DEFAULT 0,
  batches INTEGER NOT NULL DEFAULT 0,
  rows_processed INTEGER NOT NULL DEFAULT 0,
  created_count INTEGER NOT NULL DEFAULT 0,
  updated_count INTEGER NOT NULL DEFAULT 0,
  rejected_count INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  started_at TIMESTAMP WITH TIME ZONE,
  finished_at TIMESTAMP WITH TIME ZONE,
  UNIQUE (organization_id, id),
  FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (created_by)
);
CREATE INDEX imports_org_created_idx ON imports (organization_id, created_at DESC);
-- The CLI resumes an interrupted run of the same file.
CREATE INDEX imports_org_sha_idx ON imports (organization_id, file_sha256) WHERE status <> 'completed';

CREATE TABLE import_file_chunks (
  organization_id UUID NOT NULL,
  import_id UUID NOT NULL,
  seq INTEGER NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (import_id, seq),
  FOREIGN KEY (organization_id, import_id) REFERENCES imports (organization_id, id) ON DELETE CASCADE
);

CREATE TABLE import_errors (
  organization_id UUID NOT NULL,
  import_id UUID NOT NULL,
  line INTEGER NOT NULL,
  reason TEXT NOT NULL,
  -- The original cells of the row, as read.
  raw JSONB NOT NULL DEFAULT '[]',
  PRIMARY KEY (import_id, line),
  FOREIGN KEY (organization_id, import_id) REFERENCES imports (organization_id, id) ON DELETE CASCADE
);

-- One entry per custom field key: its inferred type (number, boolean, date, category,
-- text), for filters (the leads list's cf.<key>=) and as a typed feature for scoring.
CREATE TABLE custom_field_definitions (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  label TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('number', 'boolean', 'date', 'category', 'text')),
  -- category: its distinct values (at most 50); otherwise empty.
  categories JSONB NOT NULL DEFAULT '[]',
  source_import_id UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  PRIMARY KEY (organization_id, key)
);

SELECT app.protect_tenant_table(t::regclass)
FROM unnest(ARRAY['imports', 'import_file_chunks', 'import_errors', 'custom_field_definitions']) AS t;

GRANT SELECT, INSERT, UPDATE, DELETE ON imports, import_file_chunks, import_errors, custom_field_definitions TO leadai_app;

-- Matching an import batch to existing leads by email and external id. As leadai_app,
-- lower(email) = … cannot use the unique index under Row Level Security (lower() is not
-- LEAKPROOF, see docs/architecture.md), and each batch would scan the organization. The
-- function applies the tenant condition itself, from the same setting the policies use.
CREATE FUNCTION app.import_match_leads(emails text[], external_ids text[])
  RETURNS TABLE (id uuid, email text, external_id text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public, pg_temp
  AS $$
    -- One index probe per key (LATERAL … LIMIT 1): right whatever the statistics say,
    -- which matters while a first large import is filling an organization.
    SELECT m.id, m.email, m.external_id FROM unnest(emails) AS k(v)
    CROSS JOIN LATERAL (
      SELECT l.id, lower(l.email)::text AS email, l.external_id::text AS external_id FROM leads AS l
      WHERE l.organization_id = app.current_organization_id() AND l.email IS NOT NULL AND lower(l.email) = k.v
      LIMIT 1) AS m
    UNION
    SELECT m.id, m.email, m.external_id FROM unnest(external_ids) AS k(v)
    CROSS JOIN LATERAL (
      SELECT l.id, lower(l.email)::text AS email, l.external_id::text AS external_id FROM leads AS l
      WHERE l.organization_id = app.current_organization_id() AND l.external_id IS NOT NULL AND l.external_id = k.v
      LIMIT 1) AS m
  $$;
REVOKE ALL ON FUNCTION app.import_match_leads(text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.import_match_leads(text[], text[]) TO leadai_app;
