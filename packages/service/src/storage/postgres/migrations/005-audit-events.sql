-- The audit trail: append-only events, deleted only by the retention purge, as
-- sqlite/005-audit-events.sql.

CREATE TABLE audit_events (
  -- An identity is never reused after a purge, so a cursor never skips or repeats.
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Milliseconds since the Unix epoch, from the store's clock.
  time           BIGINT NOT NULL,
  type           TEXT   NOT NULL,
  actor          TEXT COLLATE "C",
  subject        TEXT COLLATE "C",
  client_address TEXT,
  request_id     TEXT,
  reason         TEXT,
  -- A JSON object of small facts; never a password, hash or token. Kept as text, as written.
  details        TEXT   NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_events_by_time ON audit_events (time);
CREATE INDEX audit_events_by_actor ON audit_events (actor, id);
CREATE INDEX audit_events_by_subject ON audit_events (subject, id);

-- No event is ever changed. Deleting is the retention purge's alone: it marks its own
-- transaction with `SET LOCAL gatehouse.audit_purge = 'on'` and deletes only events older than
-- the retention; any other DELETE is refused.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('gatehouse.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only';
END $$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
