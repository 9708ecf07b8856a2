// The port for brute-force counters: per-key attempt counts with exponential locks, kept in the store.

/** How one kind of key (an account, a client address) is throttled. All times in milliseconds. */
export interface ThrottleRule {
  /** Attempts counted before the first lock; the attempt that reaches it sets the lock (≥ 1). */
  readonly freeFailures: number;
  /** The first lock; each further counted attempt doubles it. */
  readonly baseDelayMs: number;
  /** No lock is longer than this (≥ `baseDelayMs`). */
  readonly maxDelayMs: number;
  /** A counter is forgotten this long after its last counted attempt, or after its lock ends. */
  readonly windowMs: number;
}

/** One key's counter as a store keeps it. Times are milliseconds since the epoch. */
export interface ThrottleCounter {
  /** Attempts counted in the current window, the one being decided included. */
  readonly failures: number;
  /** Attempts before this instant are refused; 0 when no lock was set. */
  readonly lockedUntil: number;
  /** The lock the next attempt over the threshold sets. */
  readonly nextDelayMs: number;
  /** From this instant on the counter counts as absent and may be purged. */
  readonly expiresAt: number;
}

/** One key's attempt and the rule it is counted under. */
export interface KeyedAttempt {
  readonly key: string;
  readonly rule: ThrottleRule;
}

/** What counting one attempt decided. */
export type ThrottleDecision =
  /** The attempt was counted and may go ahead; `failures` is the count including it. */
  | { readonly allowed: true; readonly failures: number }
  /** A lock is in force: the attempt was refused and not counted. */
  | { readonly allowed: false; readonly lockedUntil: number };

/** What counting a run of attempts decided: a refusal also names the locked key. */
export type ThrottleRunDecision =
  | { readonly allowed: true; readonly failures: number }
  | { readonly allowed: false; readonly lockedUntil: number; readonly key: string };

/**
 * Where brute-force counters live, so every instance sharing a store counts the same attempts.
 *
 * Each step on one key is atomic in the store (a single statement or a write transaction): no
 * interleaving of concurrent calls, in this process or another, can let more attempts through
 * than {@link applyCountedAttempt} allows when the calls run one after another. The methods over
 * several keys are those steps in order. A counter past its `expiresAt` behaves as if it did not
 * exist.
 */
export interface ThrottleStore {
  /**
   * Counts an attempt for `key` and decides it, as {@link applyCountedAttempt} does. An attempt
   * is counted before the password is checked, so parallel attempts cannot all pass one check.
   */
  countAttempt(key: string, rule: ThrottleRule, now: number): Promise<ThrottleDecision>;
  /** Takes back one counted attempt that turned out well, as {@link applyForgivenAttempt} does. */
  forgiveAttempt(key: string, rule: ThrottleRule, now: number): Promise<void>;
  /** Forgets `key`'s counter. */
  clearAttempts(key: string): Promise<void>;
  /**
   * Counts `attempts` in order, as {@link countAttempt} would one after another, and stops at the
   * first one a lock refuses: returns that refusal with its key, or else the last decision, so a
   * caller can remember which key is locked until when. Each count is
   * atomic on its own; a store may also make the whole run one transaction (SQLite does, to
   * commit once a login).
   */
  countAttempts(
    attempts: readonly [KeyedAttempt, ...KeyedAttempt[]],
    now: number,
  ): Promise<ThrottleRunDecision>;
  /**
   * A login succeeded: forgets `clearKey`'s counter, then forgives one attempt of `forgive` when
   * given, as {@link clearAttempts} and {@link forgiveAttempt} would (one transaction on SQLite).
   */
  settleSucceeded(clearKey: string, forgive: KeyedAttempt | undefined, now: number): Promise<void>;
  /** Deletes every counter expired at `now`; returns how many went. */
  purgeExpiredAttempts(now: number): Promise<number>;
}

/** The lock set by the first attempt that reaches the threshold. */
function firstDelay(rule: ThrottleRule): number {
  return Math.min(rule.baseDelayMs, rule.maxDelayMs);
}

/**
 * The reference semantics of {@link ThrottleStore.countAttempt}, as a pure step: a lock in force
 * refuses the attempt and changes nothing; otherwise the attempt is counted, and once the count
 * reaches `freeFailures` it locks the key for the next delay (base, then doubling, capped).
 */
export function applyCountedAttempt(
  current: ThrottleCounter | undefined,
  rule: ThrottleRule,
  now: number,
): { readonly counter: ThrottleCounter; readonly decision: ThrottleDecision } {
  const live = current !== undefined && current.expiresAt > now ? current : undefined;
  if (live !== undefined && live.lockedUntil > now) {
    return { counter: live, decision: { allowed: false, lockedUntil: live.lockedUntil } };
  }
  const failures = (live?.failures ?? 0) + 1;
  const delay = live?.nextDelayMs ?? firstDelay(rule);
  const counter: ThrottleCounter =
    failures >= rule.freeFailures
      ? {
          failures,
          lockedUntil: now + delay,
          nextDelayMs: Math.min(delay * 2, rule.maxDelayMs),
          expiresAt: now + delay + rule.windowMs,
        }
      : { failures, lockedUntil: 0, nextDelayMs: delay, expiresAt: now + rule.windowMs };
  return { counter, decision: { allowed: true, failures } };
}

/**
 * The reference semantics of {@link ThrottleStore.forgiveAttempt}: one counted attempt is taken
 * back and the lock it may have set is lifted. Lifting is safe: an attempt is only counted while
 * no lock is in force, and any lock set after it leaves the count at the threshold at most, which
 * the forgiven attempt brings back under it. Halves the next delay if the attempt had doubled it.
 */
export function applyForgivenAttempt(
  current: ThrottleCounter | undefined,
  rule: ThrottleRule,
  now: number,
): ThrottleCounter | undefined {
  if (current === undefined || current.expiresAt <= now) return undefined;
  const doubled = current.failures >= rule.freeFailures;
  return {
    failures: Math.max(0, current.failures - 1),
    lockedUntil: 0,
    nextDelayMs: doubled
      ? Math.max(firstDelay(rule), Math.floor(current.nextDelayMs / 2))
      : current.nextDelayMs,
    expiresAt: current.expiresAt,
  };
}

/** {@link ThrottleStore.countAttempts} for a store whose single counts are its atomic steps. */
export async function countAttemptsInOrder(
  store: Pick<ThrottleStore, "countAttempt">,
  attempts: readonly [KeyedAttempt, ...KeyedAttempt[]],
  now: number,
): Promise<ThrottleRunDecision> {
  let failures = 0;
  for (const { key, rule } of attempts) {
    const decision = await store.countAttempt(key, rule, now);
    if (!decision.allowed) return { ...decision, key };
    failures = decision.failures;
  }
  return { allowed: true, failures };
}

/** {@link ThrottleStore.settleSucceeded} as its two single steps, one after the other. */
export async function settleSucceededInOrder(
  store: Pick<ThrottleStore, "clearAttempts" | "forgiveAttempt">,
  clearKey: string,
  forgive: KeyedAttempt | undefined,
  now: number,
): Promise<void> {
  await store.clearAttempts(clearKey);
  if (forgive !== undefined) await store.forgiveAttempt(forgive.key, forgive.rule, now);
}
