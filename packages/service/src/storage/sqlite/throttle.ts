// Brute-force counters in SQLite: each step is one statement, so concurrent processes cannot race it.
import type { DatabaseSync } from "node:sqlite";
import type {
  ThrottleDecision,
  ThrottleRule,
  ThrottleRunDecision,
  ThrottleStore,
} from "gatehouse-auth-core/grants/throttle-store";
import { z } from "zod";
import { parseRow } from "../rows/parse-row.ts";
import { inWriteTransaction } from "./transaction.ts";

const decisionRow = z.object({
  failures: z.number().int(),
  locked_until: z.number().int(),
  last_refused: z.union([z.literal(0), z.literal(1)]),
});

// The statements stick to SQL that PostgreSQL runs as written (INSERT … ON CONFLICT … RETURNING,
// CASE, table alias): only the parameter markers change. Every SET expression reads the row as
// it was before the statement, as both engines define it, and the row is locked while it runs.
const live = "t.expires_at > :now";
const locked = "t.locked_until > :now";
const priorFailures = `CASE WHEN ${live} THEN t.failures ELSE 0 END`;
const priorDelay = `CASE WHEN ${live} THEN t.next_delay_ms ELSE :firstDelay END`;
const reaches = `${priorFailures} + 1 >= :freeFailures`;

const countAttemptSql = `
INSERT INTO login_throttle AS t (key, failures, locked_until, next_delay_ms, expires_at, last_refused)
VALUES (:key, 1, :insertLockedUntil, :insertNextDelay, :insertExpiresAt, 0)
ON CONFLICT (key) DO UPDATE SET
  failures = CASE WHEN ${locked} THEN t.failures ELSE ${priorFailures} + 1 END,
  locked_until = CASE
    WHEN ${locked} THEN t.locked_until
    WHEN ${reaches} THEN :now + ${priorDelay}
    ELSE 0 END,
  next_delay_ms = CASE
    WHEN ${locked} THEN t.next_delay_ms
    WHEN ${reaches} THEN CASE WHEN ${priorDelay} * 2 > :maxDelay THEN :maxDelay ELSE ${priorDelay} * 2 END
    ELSE ${priorDelay} END,
  expires_at = CASE
    WHEN ${locked} THEN t.expires_at
    WHEN ${reaches} THEN :now + ${priorDelay} + :window
    ELSE :now + :window END,
  last_refused = CASE WHEN ${locked} THEN 1 ELSE 0 END
RETURNING failures, locked_until, last_refused`;

const forgiveAttemptSql = `
UPDATE login_throttle SET
  failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END,
  locked_until = 0,
  next_delay_ms = CASE
    WHEN failures < :freeFailures THEN next_delay_ms
    WHEN next_delay_ms / 2 < :firstDelay THEN :firstDelay
    ELSE next_delay_ms / 2 END
WHERE key = :key AND expires_at > :now`;

/**
 * Returns the {@link ThrottleStore} on an open, migrated SQLite database. `countAttempt` is a
 * single `INSERT … ON CONFLICT DO UPDATE … RETURNING`, so it is atomic across every process
 * sharing the file. `countAttempts` and `settleSucceeded` run their steps in one write
 * transaction: a login then commits twice instead of four times, and each commit costs a WAL
 * write, its locks and, every thousand pages, a checkpoint.
 */
export function createSqliteThrottleStore(db: DatabaseSync): ThrottleStore {
  const countAttempt = db.prepare(countAttemptSql);
  const forgiveAttempt = db.prepare(forgiveAttemptSql);
  const clearAttempts = db.prepare("DELETE FROM login_throttle WHERE key = ?");
  const purgeExpired = db.prepare("DELETE FROM login_throttle WHERE expires_at <= ?");

  const firstDelay = (rule: ThrottleRule): number => Math.min(rule.baseDelayMs, rule.maxDelayMs);

  const count = (key: string, rule: ThrottleRule, now: number): ThrottleDecision => {
    const delay = firstDelay(rule);
    const locksAtOnce = rule.freeFailures <= 1;
    const row = parseRow(
      decisionRow,
      countAttempt.get({
        key,
        now,
        firstDelay: delay,
        freeFailures: rule.freeFailures,
        maxDelay: rule.maxDelayMs,
        window: rule.windowMs,
        insertLockedUntil: locksAtOnce ? now + delay : 0,
        insertNextDelay: locksAtOnce ? Math.min(delay * 2, rule.maxDelayMs) : delay,
        insertExpiresAt: now + (locksAtOnce ? delay : 0) + rule.windowMs,
      }),
      "login_throttle",
    );
    return row.last_refused === 1
      ? { allowed: false, lockedUntil: row.locked_until }
      : { allowed: true, failures: row.failures };
  };
  const forgive = (key: string, rule: ThrottleRule, now: number): void => {
    forgiveAttempt.run({ key, now, freeFailures: rule.freeFailures, firstDelay: firstDelay(rule) });
  };

  return {
    async countAttempt(key, rule, now) {
      return count(key, rule, now);
    },
    async forgiveAttempt(key, rule, now) {
      forgive(key, rule, now);
    },
    async clearAttempts(key) {
      clearAttempts.run(key);
    },
    async countAttempts(attempts, now) {
      return inWriteTransaction(db, (): ThrottleRunDecision => {
        let failures = 0;
        for (const { key, rule } of attempts) {
          const decision = count(key, rule, now);
          if (!decision.allowed) return { ...decision, key };
          failures = decision.failures;
        }
        return { allowed: true, failures };
      });
    },
    async settleSucceeded(clearKey, forgiven, now) {
      inWriteTransaction(db, () => {
        clearAttempts.run(clearKey);
        if (forgiven !== undefined) forgive(forgiven.key, forgiven.rule, now);
      });
    },
    async purgeExpiredAttempts(now) {
      return Number(purgeExpired.run(now).changes);
    },
  };
}
