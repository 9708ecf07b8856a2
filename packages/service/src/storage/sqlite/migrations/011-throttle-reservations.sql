-- Login attempts in flight per throttle key, so instances sharing the database agree on how many
-- password checks of one account may run at once: an attempt reserves a place before its check
-- and settles it after. Reservations are counted until in_flight_until (milliseconds since the
-- Unix epoch), so those of an instance that died mid-check lapse on their own.

ALTER TABLE login_throttle ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0 CHECK (in_flight >= 0);
ALTER TABLE login_throttle ADD COLUMN in_flight_until INTEGER NOT NULL DEFAULT 0;
