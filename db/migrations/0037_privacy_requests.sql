-- Privacy requests (issue 23): a data subject's export (access, portability) or erasure,
-- tracked from receipt to done within the legal month; the export's artefact, downloadable
-- once by whoever asked, for a day; and tombstones that keep an erased person erased.
--
-- A request holds the subject's e-mail, phone or lead ids only while it is being acted on:
-- when it is done (or fails) they are cleared and only a keyed hash stays (subject_hash), so
-- the register of requests does not itself become a copy of the people it erased.

CREATE TABLE privacy_requests (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK (type IN ('export', 'erasure')),
  status TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'in_progress', 'done', 'failed')),
  subject_email TEXT CHECK (length(subject_email) <= 320),
  subject_phone TEXT CHECK (length(subject_phone) <= 50),
  subject_lead_ids UUID[] NOT NULL DEFAULT '{}',
  -- HMAC-SHA256 (LEADAI_PRIVACY_KEY) of the normalised e-mail, else phone, else first lead id.
  subject_hash TEXT NOT NULL,
  received_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  -- GDPR art. 12(3): one month from receipt.
  due_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW() + INTERVAL '30 days',
  requested_by UUID,
  acted_by UUID,
  -- 'api' or 'cli': where the request came from.
  channel TEXT NOT NULL DEFAULT 'api' CHECK (channel IN ('api', 'cli')),
  job_id BIGINT,
  started_at TIMESTAMP WITH TIME ZONE,
  finished_at TIMESTAMP WITH TIME ZONE,
  -- Counts only (rows per kind), never values.
  result JSONB NOT NULL DEFAULT '{}',
  -- The erasure's catalogue scan: tables and columns scanned, traces found (counts per kind).
  verification JSONB,
  error TEXT CHECK (length(error) <= 2000),
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  UNIQUE (organization_id, id),
  CHECK (subject_email IS NOT NULL OR subject_phone IS NOT NULL OR cardinality(subject_lead_ids) > 0 OR status IN ('done', 'failed'))
);
CREATE INDEX privacy_requests_list ON privacy_requests (organization_id, received_at DESC, id DESC);
CREATE INDEX privacy_requests_subject ON privacy_requests (organization_id, subject_hash);
SELECT app.protect_tenant_table('privacy_requests'::regclass);
GRANT SELECT, INSERT, UPDATE ON privacy_requests TO leadai_app;

-- The export document itself: personal data, so it lives for a day at most (expires_at) and
-- goes at the first download; an erasure of the same person removes it too.
CREATE TABLE privacy_exports (
  request_id UUID PRIMARY KEY,
  organization_id UUID NOT NULL,
  document JSONB NOT NULL,
  summary TEXT NOT NULL,
  -- SHA-256 of the one-time download token handed to the requester with the request.
  token_hash TEXT NOT NULL,
  expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  FOREIGN KEY (organization_id, request_id) REFERENCES privacy_requests (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX privacy_exports_expiry ON privacy_exports (expires_at);
SELECT app.protect_tenant_table('privacy_exports'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON privacy_exports TO leadai_app;

-- The token's hash stays on the request after the artefact is gone, so a second download
-- can be told apart (410: already downloaded / expired) from a wrong token (404).
ALTER TABLE privacy_requests
  ADD COLUMN download_token_hash TEXT,
  ADD COLUMN download_expires_at TIMESTAMP WITH TIME ZONE,
  ADD COLUMN downloaded_at TIMESTAMP WITH TIME ZONE;

-- Erased people: keyed hashes (HMAC-SHA256 with LEADAI_PRIVACY_KEY) of the normalised
-- e-mail and phone. Import, tracking and lead creation refuse a match. Without the key a
-- hash cannot be turned back into the address, nor tested against a guessed one.
CREATE TABLE privacy_tombstones (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
  hash TEXT NOT NULL CHECK (length(hash) = 64),
  request_id UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  PRIMARY KEY (organization_id, kind, hash)
);
SELECT app.protect_tenant_table('privacy_tombstones'::regclass);
GRANT SELECT, INSERT ON privacy_tombstones TO leadai_app;

-- Models trained on an erased person's outcome are to be retrained (the person is no longer
-- in the training data the next model sees).
ALTER TABLE scoring_models ADD COLUMN needs_retraining_since TIMESTAMP WITH TIME ZONE;
