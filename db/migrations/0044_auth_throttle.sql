-- Sign-in throttling windows, shared by every server process (src/modules/auth/login-throttle.ts):
-- counted here, N processes together allow the guesses of one. Keys are SHA-256 hashes of
-- "email:<address>" or "ip:<address>", so the typed email is never stored. Not a tenant table:
-- before sign-in there is no organization, and an unknown email belongs to none; only the
-- owner role reads or writes it (leadai_app has no grant).
-- UNLOGGED: a window is worth one write without WAL; a PostgreSQL crash empties the table,
-- which restarts every window (at most one extra window of guesses, after a crash).
CREATE UNLOGGED TABLE auth_throttle (
  key_hash TEXT PRIMARY KEY,
  hits INTEGER NOT NULL,
  reset_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX auth_throttle_reset_at ON auth_throttle (reset_at);
