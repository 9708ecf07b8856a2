// Brute-force counters on PostgreSQL: each step is one statement, so concurrent instances cannot race it.

import type { ThrottleRule, ThrottleStore } from "gatehouse-auth-core/grants/throttle-store";
import {
  countAttemptsInOrder,
  settleSucceededInOrder,
} from "gatehouse-auth-core/grants/throttle-store";
import { z } from "zod";
import { parseRow } from "../rows/parse-row.ts";
import type { Queryable } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

const decisionRow = z.object({
  failures: z.number().int(),
  locked_until: bigintNumber,
  last_refused: z.boolean(),
});

// The SQLite store's statement with PostgreSQL's parameter markers: INSERT … ON CONFLICT DO
// UPDATE takes the row lock, so two instances counting the same key at once run one after the
// other, and every SET expression reads the row as it was before the statement.
//   $1 key  $2 now  $3 first delay  $4 free failures  $5 max delay  $6 window
//   $7 locked_until, $8 next_delay_ms, $9 expires_at of a new row
const live = "t.expires_at > $2::bigint";
const locked = "t.locked_until > $2::bigint";
const priorFailures = `CASE WHEN ${live} THEN t.failures ELSE 0 END`;
const priorDelay = `CASE WHEN ${live} THEN t.next_delay_ms ELSE $3::bigint END`;
const reaches = `${priorFailures} + 1 >= $4::integer`;

const countAttemptSql = `
INSERT INTO login_throttle AS t (key, failures, locked_until, next_delay_ms, expires_at, last_refused)
VALUES ($1, 1, $7, $8, $9, FALSE)
ON CONFLICT (key) DO UPDATE SET
  failures = CASE WHEN ${locked} THEN t.failures ELSE ${priorFailures} + 1 END,
  locked_until = CASE
    WHEN ${locked} THEN t.locked_until
    WHEN ${reaches} THEN $2::bigint + ${priorDelay}
    ELSE 0 END,
  next_delay_ms = CASE
    WHEN ${locked} THEN t.next_delay_ms
    WHEN ${reaches} THEN LEAST(${priorDelay} * 2, $5::bigint)
    ELSE ${priorDelay} END,
  expires_at = CASE
    WHEN ${locked} THEN t.expires_at
    WHEN ${reaches} THEN $2::bigint + ${priorDelay} + $6::bigint
    ELSE $2::bigint + $6::bigint END,
  last_refused = ${locked}
RETURNING failures, locked_until, last_refused`;

//   $1 key  $2 now  $3 free failures  $4 first delay
const forgiveAttemptSql = `
UPDATE login_throttle SET
  failures = GREATEST(failures - 1, 0),
  locked_until = 0,
  next_delay_ms = CASE
    WHEN failures < $3::integer THEN next_delay_ms
    ELSE GREATEST(next_delay_ms / 2, $4::bigint) END
WHERE key = $1 AND expires_at > $2::bigint`;

/**
 * Returns the {@link ThrottleStore} on a migrated PostgreSQL database. `countAttempt` is a
 * single `INSERT … ON CONFLICT DO UPDATE … RETURNING`, so it is atomic across every instance
 * sharing the database.
 */
export function createPostgresThrottleStore(db: Queryable): ThrottleStore {
  const firstDelay = (rule: ThrottleRule): number => Math.min(rule.baseDelayMs, rule.maxDelayMs);

  const store: ThrottleStore = {
    async countAttempt(key, rule, now) {
      const delay = firstDelay(rule);
      const locksAtOnce = rule.freeFailures <= 1;
      const [row] = await db.rows(countAttemptSql, [
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
      const decision = parseRow(decisionRow, row, "login_throttle");
      return decision.last_refused
        ? { allowed: false, lockedUntil: decision.locked_until }
        : { allowed: true, failures: decision.failures };
    },

    async forgiveAttempt(key, rule, now) {
      await db.run(forgiveAttemptSql, [key, now, rule.freeFailures, firstDelay(rule)]);
    },

    async clearAttempts(key) {
      await db.run("DELETE FROM login_throttle WHERE key = $1", [key]);
    },

    // One statement a step already: a transaction around them would only add round trips.
    countAttempts: (attempts, now) => countAttemptsInOrder(store, attempts, now),
    settleSucceeded: (clearKey, forgive, now) =>
      settleSucceededInOrder(store, clearKey, forgive, now),

    async purgeExpiredAttempts(now) {
      return db.run("DELETE FROM login_throttle WHERE expires_at <= $1", [now]);
    },
  };
  return store;
}
