-- Refresh token families remember the client they were issued to (RFC 6749 §6, §10.4: only that
-- client may refresh them); NULL for the client-less password login. Families from before this
-- migration are NULL too: they keep refreshing from requests that present no client, and a
-- registered client holding one is refused and logs its user in again. No foreign key: a deleted
-- client's families stay until they expire, and the refresh grant, finding no such client,
-- refuses them.

ALTER TABLE refresh_families ADD COLUMN client_id TEXT;

-- private_key_jwt (RFC 7523): a client's registered public keys, a JWK Set as JSON text; NULL for
-- a client that authenticates with a secret or not at all.
ALTER TABLE clients ADD COLUMN jwks TEXT;

-- The client assertions already used (RFC 7523 §3 item 7: a jti is accepted once), kept until the
-- assertion expires — at most five minutes — then purged.
CREATE TABLE client_assertion_ids (
  client_id  TEXT    NOT NULL,
  jti        TEXT    NOT NULL,
  -- Milliseconds since the Unix epoch.
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, jti)
) STRICT;

CREATE INDEX client_assertion_ids_by_expiry ON client_assertion_ids (expires_at);
