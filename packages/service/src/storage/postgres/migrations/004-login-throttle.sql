-- Brute-force counters for /token, one row per account or client address key, as
-- sqlite/004-login-throttle.sql. Times are milliseconds since the Unix epoch; a row whose
-- expires_at has passed counts as absent.

CREATE TABLE login_throttle (
  key           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  failures      INTEGER NOT NULL CHECK (failures >= 0),
  locked_until  BIGINT  NOT NULL,
  next_delay_ms BIGINT  NOT NULL CHECK (next_delay_ms > 0),
  expires_at    BIGINT  NOT NULL,
  -- TRUE when the latest countAttempt was refused by a lock: lets one UPSERT … RETURNING say so.
  last_refused  BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE INDEX login_throttle_expires_at ON login_throttle (expires_at);
