-- Token lifecycle: the per-user cut-off, refresh token families and the access token denylist.
-- Times are milliseconds since the Unix epoch, from the store's clock.

-- Tokens issued before this instant are refused; NULL until first set.
ALTER TABLE users ADD COLUMN tokens_valid_after INTEGER;

-- One family per login: every refresh token descended from it shares its fate.
CREATE TABLE refresh_families (
  family_id  TEXT    NOT NULL PRIMARY KEY,
  username   TEXT    NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  -- Space-separated, as users.scopes: every refresh token of the family carries these (RFC 6749 §6).
  scopes     TEXT    NOT NULL,
  created_at INTEGER NOT NULL,
  -- The absolute lifetime: no token of the family is accepted at or after this instant.
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;

CREATE INDEX refresh_families_by_user ON refresh_families (username);
CREATE INDEX refresh_families_by_expiry ON refresh_families (expires_at);

-- Each refresh token, kept only as the SHA-256 of its value.
--   active:    the family's one live token
--   rotated:   spent by a rotation; successor_hash is the token it was exchanged for
--   retried:   a rotated token whose one grace-window retry was used
--   discarded: a successor replaced by a grace-window retry of its predecessor
CREATE TABLE refresh_tokens (
  token_hash     TEXT    NOT NULL PRIMARY KEY,
  family_id      TEXT    NOT NULL REFERENCES refresh_families (family_id) ON DELETE CASCADE,
  state          TEXT    NOT NULL CHECK (state IN ('active', 'rotated', 'retried', 'discarded')),
  issued_at      INTEGER NOT NULL,
  -- The idle lifetime, capped by the family's absolute one.
  expires_at     INTEGER NOT NULL,
  spent_at       INTEGER,
  successor_hash TEXT
) STRICT;

CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id, state);

-- Revoked access tokens by jti, kept until the token would have expired anyway.
CREATE TABLE revoked_access_tokens (
  jti        TEXT    NOT NULL PRIMARY KEY,
  expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX revoked_access_tokens_by_expiry ON revoked_access_tokens (expires_at);
