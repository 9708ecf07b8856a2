// Brute-force counters in SQLite: each step is one statement, so concurrent processes cannot race it.
import type { DatabaseSync } from "node:sqlite";
import type {
  AttemptSettlement,
  KeyedAttempt,
  ThrottleDecision,
  ThrottleRule,
  ThrottleRunDecision,
  ThrottleStore,
} from "gatehouse-auth-core/grants/throttle-store";
import { z } from "zod";
import { parseRow } from "../rows/parse-row.ts";
import { inWriteTransaction } from "./transaction.ts";

const reservationRow = z.object({
  failures: z.number().int(),
  locked_until: z.number().int(),
  in_flight: z.number().int(),
  last_refused: z.union([z.literal(0), z.literal(1)]),
});

// Every SET expression reads the row as it was before the statement, and the row is locked (the
// database's write lock) while it runs. A row past expires_at counts no failures and no lock; its
// reservations count until in_flight_until.
const live = "t.expires_at > :now";
const liveFailures = `CASE WHEN ${live} THEN t.failures ELSE 0 END`;
const liveLocked = `CASE WHEN ${live} THEN t.locked_until ELSE 0 END`;
const liveDelay = `CASE WHEN ${live} THEN t.next_delay_ms ELSE :firstDelay END`;
const liveExpires = `CASE WHEN ${live} THEN t.expires_at ELSE 0 END`;
const liveInFlight = "CASE WHEN t.in_flight_until > :now THEN t.in_flight ELSE 0 END";
const given = `CASE WHEN ${liveInFlight} > 0 THEN ${liveInFlight} - 1 ELSE 0 END`;
// applyReservation: not locked, and nothing in flight or failures + in flight under the limit.
const admits = `(t.locked_until <= :now AND (${liveInFlight} = 0 OR ${liveFailures} + ${liveInFlight} < :freeFailures))`;
const ifAdmitted = (value: string, column: string): string =>
  `CASE WHEN ${admits} THEN ${value} ELSE t.${column} END`;

const reserveSql = `
INSERT INTO login_throttle AS t
  (key, failures, locked_until, next_delay_ms, expires_at, last_refused, in_flight, in_flight_until)
VALUES (:key, 0, 0, :firstDelay, :now + :window, 0, 1, :now + :lease)
ON CONFLICT (key) DO UPDATE SET
  failures = ${ifAdmitted(liveFailures, "failures")},
  locked_until = ${ifAdmitted(liveLocked, "locked_until")},
  next_delay_ms = ${ifAdmitted(liveDelay, "next_delay_ms")},
  expires_at = ${ifAdmitted(`MAX(${liveExpires}, :now + :window)`, "expires_at")},
  in_flight = ${ifAdmitted(`${liveInFlight} + 1`, "in_flight")},
  in_flight_until = ${ifAdmitted(":now + :lease", "in_flight_until")},
  last_refused = CASE WHEN ${admits} THEN 0 ELSE 1 END
RETURNING failures, locked_until, in_flight, last_refused`;

const reaches = `${liveFailures} + 1 >= :freeFailures`;
const failedSql = `
INSERT INTO login_throttle AS t
  (key, failures, locked_until, next_delay_ms, expires_at, last_refused, in_flight, in_flight_until)
VALUES (:key, 1, :insertLockedUntil, :insertNextDelay, :insertExpiresAt, 0, 0, 0)
ON CONFLICT (key) DO UPDATE SET
  failures = ${liveFailures} + 1,
  locked_until = CASE WHEN ${reaches}
    THEN MAX(${liveLocked}, :now + ${liveDelay}) ELSE ${liveLocked} END,
  next_delay_ms = CASE WHEN ${reaches}
    THEN MIN(${liveDelay} * 2, :maxDelay) ELSE ${liveDelay} END,
  expires_at = CASE WHEN ${reaches}
    THEN MAX(${liveExpires}, :now + ${liveDelay} + :window)
    ELSE MAX(${liveExpires}, :now + :window) END,
  in_flight = ${given},
  last_refused = 0`;

const succeededSql = `
UPDATE login_throttle AS t SET
  failures = 0, locked_until = 0, next_delay_ms = :firstDelay, in_flight = ${given}
WHERE key = :key`;

const releasedSql = `UPDATE login_throttle AS t SET in_flight = ${given} WHERE key = :key`;

/**
 * Returns the {@link ThrottleStore} on an open, migrated SQLite database. Each step is a single
 * statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING` to reserve), so it is atomic across
 * every process sharing the file. `reserveAttempts` and `settleAttempts` run their steps in one
 * write transaction: a login then commits twice instead of four times, and each commit costs a
 * WAL write, its locks and, every thousand pages, a checkpoint.
 */
export function createSqliteThrottleStore(db: DatabaseSync): ThrottleStore {
  const reserve = db.prepare(reserveSql);
  const failed = db.prepare(failedSql);
  const succeeded = db.prepare(succeededSql);
  const released = db.prepare(releasedSql);
  const clearAttempts = db.prepare("DELETE FROM login_throttle WHERE key = ?");
  const purgeExpired = db.prepare(
    "DELETE FROM login_throttle WHERE expires_at <= :now AND in_flight_until <= :now",
  );

  const firstDelay = (rule: ThrottleRule): number => Math.min(rule.baseDelayMs, rule.maxDelayMs);

  const reserveOne = (
    key: string,
    rule: ThrottleRule,
    now: number,
    lease: number,
  ): ThrottleDecision => {
    const row = parseRow(
      reservationRow,
      reserve.get({
        key,
        now,
        lease,
        firstDelay: firstDelay(rule),
        freeFailures: rule.freeFailures,
        window: rule.windowMs,
      }),
      "login_throttle",
    );
    if (row.last_refused === 0) {
      return { kind: "reserved", failures: row.failures, inFlight: row.in_flight };
    }
    return row.locked_until > now
      ? { kind: "locked", lockedUntil: row.locked_until }
      : { kind: "busy" };
  };
  const settleOne = (
    key: string,
    rule: ThrottleRule,
    outcome: AttemptSettlement,
    now: number,
  ): void => {
    const delay = firstDelay(rule);
    if (outcome === "failed") {
      const locksAtOnce = rule.freeFailures <= 1;
      failed.run({
        key,
        now,
        firstDelay: delay,
        freeFailures: rule.freeFailures,
        maxDelay: rule.maxDelayMs,
        window: rule.windowMs,
        insertLockedUntil: locksAtOnce ? now + delay : 0,
        insertNextDelay: locksAtOnce ? Math.min(delay * 2, rule.maxDelayMs) : delay,
        insertExpiresAt: now + (locksAtOnce ? delay : 0) + rule.windowMs,
      });
    } else if (outcome === "succeeded") {
      succeeded.run({ key, now, firstDelay: delay });
    } else {
      released.run({ key, now });
    }
  };

  return {
    async reserveAttempt(key, rule, now, leaseMs) {
      return reserveOne(key, rule, now, leaseMs);
    },
    async settleAttempt(key, rule, outcome, now) {
      settleOne(key, rule, outcome, now);
    },
    async clearAttempts(key) {
      clearAttempts.run(key);
    },
    async reserveAttempts(attempts, now, leaseMs) {
      return inWriteTransaction(db, (): ThrottleRunDecision => {
        const reserved: KeyedAttempt[] = [];
        let decision: ThrottleRunDecision = { kind: "reserved", failures: 0, inFlight: 0 };
        for (const attempt of attempts) {
          const step = reserveOne(attempt.key, attempt.rule, now, leaseMs);
          if (step.kind !== "reserved") {
            const outcome = step.kind === "locked" ? "failed" : "released";
            for (const { key, rule } of reserved) settleOne(key, rule, outcome, now);
            return { ...step, key: attempt.key };
          }
          reserved.push(attempt);
          decision = step;
        }
        return decision;
      });
    },
    async settleAttempts(settlements, now) {
      if (settlements.length === 0) return;
      inWriteTransaction(db, () => {
        for (const { key, rule, outcome } of settlements) settleOne(key, rule, outcome, now);
      });
    },
    async purgeExpiredAttempts(now) {
      return Number(purgeExpired.run({ now }).changes);
    },
  };
}
