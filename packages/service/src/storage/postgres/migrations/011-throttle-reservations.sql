-- Login attempts in flight per throttle key, as sqlite/011-throttle-reservations.sql: an attempt
-- reserves a place before its password check and settles it after; reservations are counted
-- until in_flight_until (milliseconds since the Unix epoch), so those of an instance that died
-- mid-check lapse on their own.

ALTER TABLE login_throttle ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0 CHECK (in_flight >= 0);
ALTER TABLE login_throttle ADD COLUMN in_flight_until BIGINT NOT NULL DEFAULT 0;
