-- The registered OAuth clients, as sqlite/006-clients.sql. Secrets are never stored, only their
-- SHA-256 (hex).

CREATE TABLE clients (
  -- COLLATE "C": byte order, so listing agrees with the other adapters.
  client_id                  TEXT COLLATE "C" PRIMARY KEY,
  name                       TEXT    NOT NULL,
  type                       TEXT    NOT NULL CHECK (type IN ('confidential', 'public')),
  secret_hash                TEXT,
  -- The secret a rotation replaced, accepted until previous_secret_expires_at (milliseconds).
  previous_secret_hash       TEXT,
  previous_secret_expires_at BIGINT,
  grant_types                TEXT[]  NOT NULL DEFAULT '{}',
  scopes                     TEXT[]  NOT NULL DEFAULT '{}',
  redirect_uris              TEXT[]  NOT NULL DEFAULT '{}',
  audiences                  TEXT[]  NOT NULL DEFAULT '{}',
  first_party                BOOLEAN NOT NULL DEFAULT false,
  disabled                   BOOLEAN NOT NULL DEFAULT false,
  -- Milliseconds since the Unix epoch.
  created_at                 BIGINT  NOT NULL,
  updated_at                 BIGINT  NOT NULL,
  -- RFC 6749 §2.1: a public client has no secret.
  CHECK (type = 'confidential' OR (secret_hash IS NULL AND previous_secret_hash IS NULL))
);
