-- Signed webhooks (issue 24): endpoints an organization's admins register for event types,
-- and one delivery row per (endpoint, outbox event) with its attempts' outcome. Fed from the
-- same outbox as the live stream, by a consumer that follows each organization's committed
-- `seq` (docs/realtime.md: ids are not commit-ordered, seq is). src/modules/webhooks/.

CREATE TABLE webhook_endpoints (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  url TEXT NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
  description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  event_types TEXT[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 50),
  -- The signing secret (`whsec_…`), sealed with the secret box (LEADAI_SECRET_KEY): shown once
  -- on create and rotate, never returned afterwards.
  secret_sealed TEXT NOT NULL,
  enabled BOOLEAN NOT NULL DEFAULT true,
  disabled_reason TEXT CHECK (length(disabled_reason) <= 500),
  disabled_at TIMESTAMP WITH TIME ZONE,
  -- The first failure since the last success: 24 h of failures disable the endpoint.
  failing_since TIMESTAMP WITH TIME ZONE,
  -- Events numbered up to here when the endpoint was created are not delivered to it (no history flood).
  from_seq BIGINT NOT NULL DEFAULT 0,
  created_by UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  UNIQUE (organization_id, id),
  FOREIGN KEY (organization_id, created_by) REFERENCES users (organization_id, id) ON DELETE SET NULL (created_by)
);
CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (organization_id, created_at, id);
CREATE TRIGGER webhook_endpoints_touch BEFORE UPDATE ON webhook_endpoints FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
SELECT app.protect_tenant_table('webhook_endpoints'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints TO leadai_app;

-- One row per event per endpoint (idempotent fan-out: the unique key), and per test event or
-- replay (no event seq). The body is fixed at fan-out so every attempt sends the same bytes
-- and the same `webhook-id` (receivers deduplicate on it). lead_id: the lead the event is
-- about, for delivery order per (endpoint, lead); the row goes with the lead (its body holds
-- the lead as it was), so an erasure or a deletion leaves no copy here.
CREATE TABLE webhook_deliveries (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  endpoint_id UUID NOT NULL,
  event_seq BIGINT,
  outbox_event_id BIGINT,
  event_type TEXT NOT NULL CHECK (length(event_type) <= 100),
  lead_id UUID,
  -- The Standard Webhooks message id (`msg_…`), the same on every attempt of this delivery.
  message_id TEXT NOT NULL CHECK (length(message_id) <= 100),
  body JSONB NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'succeeded', 'failed', 'gave_up')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP WITH TIME ZONE,
  last_attempt_at TIMESTAMP WITH TIME ZONE,
  last_status_code INTEGER,
  latency_ms INTEGER,
  error TEXT CHECK (length(error) <= 1000),
  -- A replay's original.
  replay_of UUID,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(),
  delivered_at TIMESTAMP WITH TIME ZONE,
  UNIQUE (organization_id, id),
  FOREIGN KEY (organization_id, endpoint_id) REFERENCES webhook_endpoints (organization_id, id) ON DELETE CASCADE,
  FOREIGN KEY (organization_id, lead_id) REFERENCES leads (organization_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX webhook_deliveries_event_idx ON webhook_deliveries (endpoint_id, event_seq) WHERE event_seq IS NOT NULL AND replay_of IS NULL;
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (organization_id, endpoint_id, created_at DESC, id DESC);
-- "Is an earlier delivery for this lead still pending on this endpoint?"
CREATE INDEX webhook_deliveries_pending_lead_idx ON webhook_deliveries (endpoint_id, lead_id, created_at) WHERE status IN ('queued', 'failed');
CREATE INDEX webhook_deliveries_lead_idx ON webhook_deliveries (organization_id, lead_id) WHERE lead_id IS NOT NULL;
SELECT app.protect_tenant_table('webhook_deliveries'::regclass);
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_deliveries TO leadai_app;

-- The fan-out consumer's position in each organization's outbox (committed seq), and the
-- organization's webhook settings. allow_private_targets: deliveries may go to loopback,
-- private and link-local addresses (an on-premises receiver); off by default (SSRF guard).
CREATE TABLE webhook_settings (
  organization_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  allow_private_targets BOOLEAN NOT NULL DEFAULT false,
  last_seq BIGINT NOT NULL DEFAULT 0,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
SELECT app.protect_tenant_table('webhook_settings'::regclass);
GRANT SELECT, INSERT, UPDATE ON webhook_settings TO leadai_app;
