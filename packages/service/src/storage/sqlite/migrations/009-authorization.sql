-- The authorization code flow: login sessions of the login page, consents, authorization codes.
-- Times are milliseconds since the Unix
-- epoch, from the store's clock. Sessions and codes are kept only as SHA-256 of their values.

CREATE TABLE login_sessions (
  session_hash TEXT    NOT NULL PRIMARY KEY,
  username     TEXT    NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;

CREATE INDEX login_sessions_by_expiry ON login_sessions (expires_at);
CREATE INDEX login_sessions_by_user ON login_sessions (username);

-- One row per user and client: the scopes approved so far, space-separated.
CREATE TABLE consents (
  username   TEXT    NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  client_id  TEXT    NOT NULL,
  scopes     TEXT    NOT NULL,
  granted_at INTEGER NOT NULL,
  PRIMARY KEY (username, client_id)
) STRICT;

CREATE TABLE authorization_codes (
  code_hash               TEXT    NOT NULL PRIMARY KEY,
  client_id               TEXT    NOT NULL,
  redirect_uri            TEXT    NOT NULL,
  code_challenge          TEXT    NOT NULL,
  scopes                  TEXT    NOT NULL,
  username                TEXT    NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  auth_time               INTEGER NOT NULL,
  created_at              INTEGER NOT NULL,
  expires_at              INTEGER NOT NULL,
  -- Set once, by the one redemption; what it issued, so a second use can revoke it.
  used_at                 INTEGER,
  family_id               TEXT,
  access_token_id         TEXT,
  access_token_expires_at INTEGER
) STRICT;

CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);
CREATE INDEX authorization_codes_by_user ON authorization_codes (username);
