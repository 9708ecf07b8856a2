-- Users, the items they own, and the signing keys every instance sharing this database uses.
-- The same tables as sqlite/001-initial.sql. Keys and names sort by COLLATE "C" (byte order),
-- as SQLite's BINARY collation does, whatever the database's locale.

CREATE TABLE users (
  username      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  email         TEXT,
  full_name     TEXT,
  disabled      BOOLEAN NOT NULL DEFAULT FALSE,
  -- In the order given; RFC 6749 §3.3 scope-tokens cannot contain a space.
  scopes        TEXT[]  NOT NULL DEFAULT '{}',
  password_hash TEXT    NOT NULL CHECK (password_hash <> ''),
  -- Milliseconds since the Unix epoch, from the store's clock.
  created_at    BIGINT  NOT NULL,
  updated_at    BIGINT  NOT NULL
);

CREATE TABLE items (
  owner   TEXT COLLATE "C" NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  item_id TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (owner, item_id)
);

CREATE TABLE signing_keys (
  kid        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  algorithm  TEXT   NOT NULL,
  secret     TEXT   NOT NULL,
  created_at BIGINT NOT NULL
);

-- ensureSigningKey returns the oldest key.
CREATE INDEX signing_keys_by_age ON signing_keys (created_at, kid);
