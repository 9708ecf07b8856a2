// Brute-force counters on PostgreSQL: each step is one statement, so concurrent instances cannot race it.

import type {
  AttemptSettlement,
  ThrottleRule,
  ThrottleStore,
} from "gatehouse-auth-core/grants/throttle-store";
import {
  reserveAttemptsInOrder,
  settleAttemptsInOrder,
} from "gatehouse-auth-core/grants/throttle-store";
import { z } from "zod";
import { parseRow } from "../rows/parse-row.ts";
import type { Queryable } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

const reservationRow = z.object({
  failures: z.number().int(),
  locked_until: bigintNumber,
  in_flight: z.number().int(),
  last_refused: z.boolean(),
});

// The SQLite store's statements with PostgreSQL's markers and functions: INSERT … ON CONFLICT DO
// UPDATE takes the row lock, so two instances reserving on the same key at once run one after the
// other, and every SET expression reads the row as it was before the statement (the latest
// committed version once the lock is held).
//   $1 key  $2 now  $3 first delay  $4 free failures, then to reserve: $5 window  $6 lease
const live = "t.expires_at > $2::bigint";
const liveFailures = `CASE WHEN ${live} THEN t.failures ELSE 0 END`;
const liveLocked = `CASE WHEN ${live} THEN t.locked_until ELSE 0 END`;
const liveDelay = `CASE WHEN ${live} THEN t.next_delay_ms ELSE $3::bigint END`;
const liveExpires = `CASE WHEN ${live} THEN t.expires_at ELSE 0 END`;
const liveInFlight = "CASE WHEN t.in_flight_until > $2::bigint THEN t.in_flight ELSE 0 END";
const given = `GREATEST(${liveInFlight} - 1, 0)`;
const admits = `(t.locked_until <= $2::bigint AND (${liveInFlight} = 0 OR ${liveFailures} + ${liveInFlight} < $4::integer))`;
const ifAdmitted = (value: string, column: string): string =>
  `CASE WHEN ${admits} THEN ${value} ELSE t.${column} END`;

const reserveSql = `
INSERT INTO login_throttle AS t
  (key, failures, locked_until, next_delay_ms, expires_at, last_refused, in_flight, in_flight_until)
VALUES ($1, 0, 0, $3, $2::bigint + $5::bigint, FALSE, 1, $2::bigint + $6::bigint)
ON CONFLICT (key) DO UPDATE SET
  failures = ${ifAdmitted(liveFailures, "failures")},
  locked_until = ${ifAdmitted(liveLocked, "locked_until")},
  next_delay_ms = ${ifAdmitted(liveDelay, "next_delay_ms")},
  expires_at = ${ifAdmitted(`GREATEST(${liveExpires}, $2::bigint + $5::bigint)`, "expires_at")},
  in_flight = ${ifAdmitted(`${liveInFlight} + 1`, "in_flight")},
  in_flight_until = ${ifAdmitted("$2::bigint + $6::bigint", "in_flight_until")},
  last_refused = NOT ${admits}
RETURNING failures, locked_until, in_flight, last_refused`;

//   $1 key  $2 now  $3 first delay  $4 free failures  $5 max delay  $6 window
//   $7 locked_until, $8 next_delay_ms, $9 expires_at of a new row
const reaches = `${liveFailures} + 1 >= $4::integer`;
const failedSql = `
INSERT INTO login_throttle AS t
  (key, failures, locked_until, next_delay_ms, expires_at, last_refused, in_flight, in_flight_until)
VALUES ($1, 1, $7, $8, $9, FALSE, 0, 0)
ON CONFLICT (key) DO UPDATE SET
  failures = ${liveFailures} + 1,
  locked_until = CASE WHEN ${reaches}
    THEN GREATEST(${liveLocked}, $2::bigint + ${liveDelay}) ELSE ${liveLocked} END,
  next_delay_ms = CASE WHEN ${reaches}
    THEN LEAST(${liveDelay} * 2, $5::bigint) ELSE ${liveDelay} END,
  expires_at = CASE WHEN ${reaches}
    THEN GREATEST(${liveExpires}, $2::bigint + ${liveDelay} + $6::bigint)
    ELSE GREATEST(${liveExpires}, $2::bigint + $6::bigint) END,
  in_flight = ${given},
  last_refused = FALSE`;

//   $1 key  $2 now  $3 first delay
const succeededSql = `
UPDATE login_throttle AS t SET
  failures = 0, locked_until = 0, next_delay_ms = $3::bigint, in_flight = ${given}
WHERE key = $1`;

//   $1 key  $2 now
const releasedSql = `UPDATE login_throttle AS t SET in_flight = ${given} WHERE key = $1`;

/**
 * Returns the {@link ThrottleStore} on a migrated PostgreSQL database. Each step is a single
 * statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING` to reserve), so it is atomic across
 * every instance sharing the database.
 */
export function createPostgresThrottleStore(db: Queryable): ThrottleStore {
  const firstDelay = (rule: ThrottleRule): number => Math.min(rule.baseDelayMs, rule.maxDelayMs);

  const settle = async (
    key: string,
    rule: ThrottleRule,
    outcome: AttemptSettlement,
    now: number,
  ): Promise<void> => {
    const delay = firstDelay(rule);
    if (outcome === "failed") {
      const locksAtOnce = rule.freeFailures <= 1;
      await db.run(failedSql, [
        key,
        now,
        delay,
        rule.freeFailures,
        rule.maxDelayMs,
        rule.windowMs,
        locksAtOnce ? now + delay : 0,
        locksAtOnce ? Math.min(delay * 2, rule.maxDelayMs) : delay,
        now + (locksAtOnce ? delay : 0) + rule.windowMs,
      ]);
    } else if (outcome === "succeeded") {
      await db.run(succeededSql, [key, now, delay]);
    } else {
      await db.run(releasedSql, [key, now]);
    }
  };

  const store: ThrottleStore = {
    async reserveAttempt(key, rule, now, leaseMs) {
      const [row] = await db.rows(reserveSql, [
        key,
        now,
        firstDelay(rule),
        rule.freeFailures,
        rule.windowMs,
        leaseMs,
      ]);
      const decision = parseRow(reservationRow, row, "login_throttle");
      if (!decision.last_refused) {
        return { kind: "reserved", failures: decision.failures, inFlight: decision.in_flight };
      }
      return decision.locked_until > now
        ? { kind: "locked", lockedUntil: decision.locked_until }
        : { kind: "busy" };
    },

    settleAttempt: settle,

    async clearAttempts(key) {
      await db.run("DELETE FROM login_throttle WHERE key = $1", [key]);
    },

    // One statement a step already: a transaction around them would only add round trips.
    reserveAttempts: (attempts, now, leaseMs) =>
      reserveAttemptsInOrder(store, attempts, now, leaseMs),
    settleAttempts: (settlements, now) => settleAttemptsInOrder(store, settlements, now),

    async purgeExpiredAttempts(now) {
      return db.run("DELETE FROM login_throttle WHERE expires_at <= $1 AND in_flight_until <= $1", [
        now,
      ]);
    },
  };
  return store;
}
