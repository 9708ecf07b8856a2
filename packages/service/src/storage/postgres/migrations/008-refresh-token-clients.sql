-- Refresh token families remember the client they were issued to, as sqlite/008: NULL for the
-- client-less password login and for every family from before this migration.

ALTER TABLE refresh_families ADD COLUMN client_id TEXT;

-- private_key_jwt (RFC 7523): a client's registered public keys, as sqlite/008.
ALTER TABLE clients ADD COLUMN jwks TEXT;

-- The client assertions already used, kept until they expire, as sqlite/008.
CREATE TABLE client_assertion_ids (
  client_id  TEXT   NOT NULL,
  jti        TEXT   NOT NULL,
  -- Milliseconds since the Unix epoch.
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (client_id, jti)
);

CREATE INDEX client_assertion_ids_by_expiry ON client_assertion_ids (expires_at);
