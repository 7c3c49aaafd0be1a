-- Web tracking: public write keys, anonymous visitors and their stitching to leads.
--
-- journey_events.lead_id stays NULL for an anonymous visitor's events; they are kept
-- under the visitor's anonymous id (set by the /t.js snippet in localStorage) and
-- attached to the lead when the visitor identifies (tracking_identities maps the
-- anonymous id to the lead from then on).

-- A write key is public by design (it sits in customers' web pages) and can only write
-- tracking events, so it is stored as is and shown to marketing; revoking it is the
-- only protection it needs.
CREATE TABLE tracking_keys (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name VARCHAR(255) NOT NULL,
  write_key VARCHAR(100) NOT NULL UNIQUE,
  created_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  last_used_at TIMESTAMP WITH TIME ZONE,
  revoked_at TIMESTAMP WITH TIME ZONE,
  -- Rotation: the key this one replaced.
  replaces_id UUID,
  UNIQUE (organization_id, id),
  FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (created_by)
);
CREATE INDEX tracking_keys_org_idx ON tracking_keys (organization_id, created_at DESC);
SELECT app.protect_tenant_table('tracking_keys');
GRANT SELECT, INSERT, UPDATE ON tracking_keys TO leadai_app;

-- Which lead an anonymous id belongs to, once the visitor identified. The newest
-- identification wins for later events; events already attached stay where they are.
CREATE TABLE tracking_identities (
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  anonymous_id VARCHAR(100) NOT NULL,
  lead_id UUID NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  PRIMARY KEY (organization_id, anonymous_id),
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX tracking_identities_lead_idx ON tracking_identities (organization_id, lead_id);
SELECT app.protect_tenant_table('tracking_identities');
GRANT SELECT, INSERT, UPDATE, DELETE ON tracking_identities TO leadai_app;

-- Journey events from the tracker: the visitor's anonymous id and the client's event id.
-- A retried batch carries the same event ids, and the unique index turns the retry into
-- nothing (INSERT … ON CONFLICT DO NOTHING).
ALTER TABLE journey_events ADD COLUMN anonymous_id VARCHAR(100);
ALTER TABLE journey_events ADD COLUMN client_event_id VARCHAR(100);
CREATE UNIQUE INDEX journey_events_client_event_key ON journey_events (organization_id, client_event_id);
-- Stitching finds a visitor's still-anonymous events.
CREATE INDEX journey_events_anonymous_idx ON journey_events (organization_id, anonymous_id)
  WHERE lead_id IS NULL AND anonymous_id IS NOT NULL;
-- A lead's journey by type and time, keyset-paged on (occurred_at, id).
CREATE INDEX journey_events_lead_type_idx ON journey_events (organization_id, lead_id, event_type, occurred_at DESC, id DESC)
  WHERE lead_id IS NOT NULL;
