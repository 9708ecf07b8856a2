-- Users, the items they own, and the signing keys every instance sharing this file uses.

CREATE TABLE users (
  username      TEXT    NOT NULL PRIMARY KEY,
  email         TEXT,
  full_name     TEXT,
  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  -- Space-separated: RFC 6749 §3.3 scope-tokens cannot contain a space.
  scopes        TEXT    NOT NULL DEFAULT '',
  password_hash TEXT    NOT NULL CHECK (password_hash <> ''),
  -- Milliseconds since the Unix epoch, from the store's clock.
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE items (
  owner   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  item_id TEXT NOT NULL,
  PRIMARY KEY (owner, item_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE signing_keys (
  kid        TEXT    NOT NULL PRIMARY KEY,
  algorithm  TEXT    NOT NULL,
  secret     TEXT    NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- ensureSigningKey returns the oldest key.
CREATE INDEX signing_keys_by_age ON signing_keys (created_at, kid);
