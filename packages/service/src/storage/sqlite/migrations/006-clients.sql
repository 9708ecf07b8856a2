-- The registered OAuth clients. Secrets are never stored, only their SHA-256 (hex).
-- Portable apart from STRICT, the 0/1 flags and the lists, which are JSON arrays in text here and
-- text[] in PostgreSQL.

CREATE TABLE clients (
  client_id                  TEXT    PRIMARY KEY,
  name                       TEXT    NOT NULL,
  type                       TEXT    NOT NULL CHECK (type IN ('confidential', 'public')),
  secret_hash                TEXT,
  -- The secret a rotation replaced, accepted until previous_secret_expires_at (milliseconds).
  previous_secret_hash       TEXT,
  previous_secret_expires_at INTEGER,
  grant_types                TEXT    NOT NULL DEFAULT '[]',
  scopes                     TEXT    NOT NULL DEFAULT '[]',
  redirect_uris              TEXT    NOT NULL DEFAULT '[]',
  audiences                  TEXT    NOT NULL DEFAULT '[]',
  first_party                INTEGER NOT NULL DEFAULT 0 CHECK (first_party IN (0, 1)),
  disabled                   INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  -- Milliseconds since the Unix epoch.
  created_at                 INTEGER NOT NULL,
  updated_at                 INTEGER NOT NULL,
  -- RFC 6749 §2.1: a public client has no secret.
  CHECK (type = 'confidential' OR (secret_hash IS NULL AND previous_secret_hash IS NULL))
) STRICT;
