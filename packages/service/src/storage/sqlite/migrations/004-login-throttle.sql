-- Brute-force counters for /token, one row per account or client address key. Times are
-- milliseconds since the Unix epoch; a row whose expires_at has passed counts as absent.

CREATE TABLE login_throttle (
  key           TEXT    NOT NULL PRIMARY KEY,
  failures      INTEGER NOT NULL CHECK (failures >= 0),
  locked_until  INTEGER NOT NULL,
  next_delay_ms INTEGER NOT NULL CHECK (next_delay_ms > 0),
  expires_at    INTEGER NOT NULL,
  -- 1 when the latest countAttempt was refused by a lock: lets one UPSERT … RETURNING say so.
  last_refused  INTEGER NOT NULL DEFAULT 0 CHECK (last_refused IN (0, 1))
) STRICT;

CREATE INDEX login_throttle_expires_at ON login_throttle (expires_at);
