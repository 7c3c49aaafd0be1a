-- Real-time delivery order for the outbox.
--
-- outbox_events.id comes from an identity, handed out when a row is inserted, not when its
-- transaction commits: a transaction that commits later can hold a smaller id than one a
-- reader has already passed, and "every id above the last one I saw" would then miss it.
-- So events get a second number, seq, after they commit: a sequencer (src/realtime/
-- sequencer.ts, in every server process) numbers committed, unnumbered events per
-- organization from outbox_sequences. Its transaction holds the organization's counter row
-- until it commits, so numbers become visible in order and without holes: a stream that has
-- delivered seq n and reads seq > n can never skip one. Clients see seq as the event id.
ALTER TABLE outbox_events ADD COLUMN seq BIGINT;

-- Replay and fan-out read one organization's events by seq.
CREATE UNIQUE INDEX outbox_events_org_seq_idx ON outbox_events (organization_id, seq) WHERE seq IS NOT NULL;
-- The sequencer's work list: small, since events are numbered within milliseconds of commit.
CREATE INDEX outbox_events_unsequenced_idx ON outbox_events (id) WHERE seq IS NULL;

CREATE TABLE outbox_sequences (
  organization_id UUID PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
  last_seq BIGINT NOT NULL DEFAULT 0,
  -- Retention: events with seq <= pruned_through are gone; a client asking to resume from
  -- before it gets a reset instead of a silent gap.
  pruned_through BIGINT NOT NULL DEFAULT 0,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW()
);
SELECT app.protect_tenant_table('outbox_sequences'::regclass);
-- The application role reads where a stream may resume from; only the sequencer and the
-- retention job (the owner role) write here.
GRANT SELECT ON outbox_sequences TO leadai_app;
