-- Device authorizations (RFC 8628). Neither code is stored, only its SHA-256 (base64url).
-- Portable apart from STRICT and the lists, which are JSON arrays in text here and text[] in
-- PostgreSQL.

CREATE TABLE device_codes (
  device_code_hash TEXT    PRIMARY KEY,
  -- Unique while the row exists: an expired row holding a drawn user code is deleted first.
  user_code_hash   TEXT    NOT NULL UNIQUE,
  client_id        TEXT    NOT NULL,
  -- Asked for, cut to the client's scopes.
  scopes           TEXT    NOT NULL DEFAULT '[]',
  -- Milliseconds since the Unix epoch.
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  interval_seconds INTEGER NOT NULL CHECK (interval_seconds > 0),
  last_polled_at   INTEGER,
  state            TEXT    NOT NULL DEFAULT 'pending'
                           CHECK (state IN ('pending', 'approved', 'denied', 'redeemed')),
  -- Who decided, and what they approved.
  username         TEXT,
  granted_scopes   TEXT    NOT NULL DEFAULT '[]',
  decided_at       INTEGER,
  CHECK ((state = 'pending') = (username IS NULL AND decided_at IS NULL))
) STRICT;

CREATE INDEX device_codes_expires_at ON device_codes (expires_at);
