-- The authorization code flow, as sqlite/009-authorization.sql: login sessions of the login
-- page, consents and authorization codes. Times
-- are milliseconds since the Unix epoch. Sessions and codes are kept only as SHA-256.

CREATE TABLE login_sessions (
  session_hash TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  username     TEXT COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);

CREATE INDEX login_sessions_by_expiry ON login_sessions (expires_at);
CREATE INDEX login_sessions_by_user ON login_sessions (username);

-- One row per user and client: the scopes approved so far.
CREATE TABLE consents (
  username   TEXT COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  client_id  TEXT COLLATE "C" NOT NULL,
  scopes     TEXT[] NOT NULL,
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (username, client_id)
);

CREATE TABLE authorization_codes (
  code_hash               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  client_id               TEXT COLLATE "C" NOT NULL,
  redirect_uri            TEXT   NOT NULL,
  code_challenge          TEXT   NOT NULL,
  scopes                  TEXT[] NOT NULL,
  username                TEXT COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  auth_time               BIGINT NOT NULL,
  created_at              BIGINT NOT NULL,
  expires_at              BIGINT NOT NULL,
  -- Set once, by the one redemption; what it issued, so a second use can revoke it.
  used_at                 BIGINT,
  family_id               TEXT,
  access_token_id         TEXT,
  access_token_expires_at BIGINT
);

CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);
CREATE INDEX authorization_codes_by_user ON authorization_codes (username);
