-- The change feed: every change that affects token validity, numbered in commit order.
-- Each write that makes one appends its event in the same transaction, taking the next number
-- from the one change_feed_head row. Events older than the store's retention are pruned; the
-- newest is always kept, so the lowest kept number tells a reader that is behind whether it
-- missed some. The same tables as postgres/012-change-feed.sql.

CREATE TABLE change_feed_head (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  last_sequence INTEGER NOT NULL
) STRICT;

CREATE TABLE change_events (
  sequence           INTEGER PRIMARY KEY,
  -- Milliseconds since the Unix epoch.
  at                 INTEGER NOT NULL,
  kind               TEXT    NOT NULL,
  -- The username, client id, token id (jti) or key id the event names.
  subject            TEXT    NOT NULL,
  -- user_changed: the account's state after the change.
  disabled           INTEGER CHECK (disabled IN (0, 1)),
  tokens_valid_after INTEGER,
  -- access_token_revoked: until when the token is refused.
  expires_at         INTEGER
) STRICT;

CREATE INDEX change_events_by_at ON change_events (at);
