-- The audit trail: append-only events, deleted only by the retention purge.
-- Portable apart from the id column (PostgreSQL: BIGINT GENERATED ALWAYS AS IDENTITY) and STRICT.

CREATE TABLE audit_events (
  -- AUTOINCREMENT: ids are never reused after a purge, so a cursor never skips or repeats.
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  -- Milliseconds since the Unix epoch, from the store's clock.
  time           INTEGER NOT NULL,
  type           TEXT    NOT NULL,
  actor          TEXT,
  subject        TEXT,
  client_address TEXT,
  request_id     TEXT,
  reason         TEXT,
  -- A JSON object of small facts; never a password, hash or token.
  details        TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_events_by_time ON audit_events (time);
CREATE INDEX audit_events_by_actor ON audit_events (actor, id);
CREATE INDEX audit_events_by_subject ON audit_events (subject, id);

CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;
