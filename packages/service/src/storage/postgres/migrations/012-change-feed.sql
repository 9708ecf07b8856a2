-- The change feed, as sqlite/012-change-feed.sql. Numbers are gap-free and follow commit order:
-- an appending transaction takes the next number by updating the one change_feed_head row, and
-- holds that row's lock until it commits or rolls back, so the next writer gets its number only
-- once this one's event is visible (or, rolled back, its number is handed out again). A reader
-- that has seen number N has seen every number below it. Each append also calls
-- pg_notify('gatehouse_changes', sequence), delivered at commit.

CREATE TABLE change_feed_head (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  last_sequence BIGINT  NOT NULL
);

CREATE TABLE change_events (
  sequence           BIGINT  PRIMARY KEY,
  -- Milliseconds since the Unix epoch.
  at                 BIGINT  NOT NULL,
  kind               TEXT    NOT NULL,
  -- The username, client id, token id (jti) or key id the event names.
  subject            TEXT    NOT NULL,
  -- user_changed: the account's state after the change.
  disabled           BOOLEAN,
  tokens_valid_after BIGINT,
  -- access_token_revoked: until when the token is refused.
  expires_at         BIGINT
);

CREATE INDEX change_events_by_at ON change_events (at);
