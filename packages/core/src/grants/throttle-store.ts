// The port for brute-force counters: per-key failure counts with exponential locks, and the
// attempts in flight, kept in the store.

/** How one kind of key (an account, a client address) is throttled. All times in milliseconds. */
export interface ThrottleRule {
  /** Failures before the first lock; the failure that reaches it sets the lock (≥ 1). */
  readonly freeFailures: number;
  /** The first lock; each further failure doubles it. */
  readonly baseDelayMs: number;
  /** No lock is longer than this (≥ `baseDelayMs`). */
  readonly maxDelayMs: number;
  /** A counter is forgotten this long after its last attempt, or after its lock ends. */
  readonly windowMs: number;
}

/** One key's counter as a store keeps it. Times are milliseconds since the epoch. */
export interface ThrottleCounter {
  /** Failed attempts in the current window. */
  readonly failures: number;
  /** Attempts before this instant are refused; 0 when no lock was set. */
  readonly lockedUntil: number;
  /** The lock the next failure at or over the threshold sets. */
  readonly nextDelayMs: number;
  /** From this instant on the counts count as absent and may be purged. */
  readonly expiresAt: number;
  /** Attempts let through and not yet settled: their password checks are running. */
  readonly inFlight: number;
  /**
   * Reservations count until this instant, which each new one moves to its lease's end; after
   * it, those still unsettled are presumed lost with the instance that made them.
   */
  readonly inFlightUntil: number;
}

/** One key's attempt and the rule it is counted under. */
export interface KeyedAttempt {
  readonly key: string;
  readonly rule: ThrottleRule;
}

/**
 * How a reserved attempt ended: `failed` counts a failure (and may lock the key), `succeeded`
 * clears the key's failures and lock, `released` only gives the place back.
 */
export type AttemptSettlement = "failed" | "succeeded" | "released";

/** A settlement of one key's reserved attempt. */
export interface KeyedSettlement extends KeyedAttempt {
  readonly outcome: AttemptSettlement;
}

/** What reserving an attempt decided. */
export type ThrottleDecision =
  /** The attempt may check a password; `failures` and `inFlight` (this one included) as now. */
  | { readonly kind: "reserved"; readonly failures: number; readonly inFlight: number }
  /** A lock is in force: the attempt is refused, and nothing changed. */
  | { readonly kind: "locked"; readonly lockedUntil: number }
  /**
   * As many checks are in flight as failures are left before the lock: this attempt must wait
   * for one to settle (it may be refused by the lock their failures set). Nothing changed.
   */
  | { readonly kind: "busy" };

/** What reserving a run of attempts decided: a refusal also names its key. */
export type ThrottleRunDecision =
  | { readonly kind: "reserved"; readonly failures: number; readonly inFlight: number }
  | { readonly kind: "locked"; readonly lockedUntil: number; readonly key: string }
  | { readonly kind: "busy"; readonly key: string };

/**
 * Where brute-force counters live, so every instance sharing a store counts the same attempts
 * and the same attempts in flight.
 *
 * Each step on one key is atomic in the store (a single statement or a write transaction): no
 * interleaving of concurrent calls, in this process or another, can let more checks run than
 * {@link applyReservation} allows when the calls run one after another. The methods over several
 * keys are those steps in order. A counter past its `expiresAt` counts no failures and no lock;
 * its reservations count until `inFlightUntil`.
 */
export interface ThrottleStore {
  /**
   * Reserves a place for one attempt on `key`, as {@link applyReservation} decides: refused while
   * locked; `busy` while the failures so far and the checks in flight already reach the free
   * failures; else reserved for `leaseMs`. Every reservation must be settled.
   */
  reserveAttempt(
    key: string,
    rule: ThrottleRule,
    now: number,
    leaseMs: number,
  ): Promise<ThrottleDecision>;
  /** Settles one reserved attempt on `key`, as {@link applySettlement} does. */
  settleAttempt(
    key: string,
    rule: ThrottleRule,
    outcome: AttemptSettlement,
    now: number,
  ): Promise<void>;
  /**
   * Reserves `attempts` in order, as {@link reserveAttempt} would one after another, and stops at
   * the first one not reserved: the attempts reserved before it are settled as `failed` when it
   * was locked (a refused attempt still counts for the keys before it) and `released` when it was
   * busy. Returns that refusal with its key, or else the last decision. A store may make the
   * whole run one transaction (SQLite does, to commit once a login).
   */
  reserveAttempts(
    attempts: readonly [KeyedAttempt, ...KeyedAttempt[]],
    now: number,
    leaseMs: number,
  ): Promise<ThrottleRunDecision>;
  /** Settles several keys' attempts in order, as {@link settleAttempt} would one after another. */
  settleAttempts(settlements: readonly KeyedSettlement[], now: number): Promise<void>;
  /** Forgets `key`'s counter and its reservations (an operator lifting a lock). */
  clearAttempts(key: string): Promise<void>;
  /** Deletes every counter expired at `now` with no live reservation; returns how many went. */
  purgeExpiredAttempts(now: number): Promise<number>;
}

/** The lock set by the first failure that reaches the threshold. */
function firstDelay(rule: ThrottleRule): number {
  return Math.min(rule.baseDelayMs, rule.maxDelayMs);
}

/** A counter's values as they count at `now`: expired counts are zero, lapsed leases empty. */
function liveValues(current: ThrottleCounter | undefined, rule: ThrottleRule, now: number) {
  const live = current !== undefined && current.expiresAt > now;
  return {
    failures: live ? current.failures : 0,
    lockedUntil: live ? current.lockedUntil : 0,
    nextDelayMs: live ? current.nextDelayMs : firstDelay(rule),
    expiresAt: live ? current.expiresAt : 0,
    inFlight: current !== undefined && current.inFlightUntil > now ? current.inFlight : 0,
    inFlightUntil: current?.inFlightUntil ?? 0,
  };
}

/**
 * The reference semantics of {@link ThrottleStore.reserveAttempt}, as a pure step. A lock in
 * force refuses. Otherwise the attempt is reserved when nothing is in flight, or when the
 * failures so far plus the checks in flight stay under `freeFailures`: however those checks end,
 * their failures cannot pass the threshold, so parallel attempts get no more checks than the same
 * attempts one after another would, and right passwords among them never lock the key. Else it is
 * `busy`. After a lock ends, one attempt at a time is let through until one succeeds.
 */
export function applyReservation(
  current: ThrottleCounter | undefined,
  rule: ThrottleRule,
  now: number,
  leaseMs: number,
): { readonly counter: ThrottleCounter | undefined; readonly decision: ThrottleDecision } {
  const live = liveValues(current, rule, now);
  if (live.lockedUntil > now) {
    return { counter: current, decision: { kind: "locked", lockedUntil: live.lockedUntil } };
  }
  if (live.inFlight > 0 && live.failures + live.inFlight >= rule.freeFailures) {
    return { counter: current, decision: { kind: "busy" } };
  }
  const inFlight = live.inFlight + 1;
  return {
    counter: {
      ...live,
      expiresAt: Math.max(live.expiresAt, now + rule.windowMs),
      inFlight,
      inFlightUntil: now + leaseMs,
    },
    decision: { kind: "reserved", failures: live.failures, inFlight },
  };
}

/**
 * The reference semantics of {@link ThrottleStore.settleAttempt}: the reservation is given back,
 * and then a failure is counted — the one that reaches `freeFailures` locks the key for the next
 * delay (base, then doubling, capped) — or a success clears the failures and any lock, or a
 * release changes nothing more. A failure is counted even without a counter (it expired or was
 * purged while the check ran).
 */
export function applySettlement(
  current: ThrottleCounter | undefined,
  rule: ThrottleRule,
  outcome: AttemptSettlement,
  now: number,
): ThrottleCounter | undefined {
  if (current === undefined && outcome !== "failed") return undefined;
  const live = liveValues(current, rule, now);
  const inFlight = Math.max(0, live.inFlight - 1);
  switch (outcome) {
    case "released":
      return { ...live, inFlight };
    case "succeeded":
      return { ...live, failures: 0, lockedUntil: 0, nextDelayMs: firstDelay(rule), inFlight };
    case "failed": {
      const failures = live.failures + 1;
      const delay = live.nextDelayMs;
      return failures >= rule.freeFailures
        ? {
            failures,
            lockedUntil: Math.max(live.lockedUntil, now + delay),
            nextDelayMs: Math.min(delay * 2, rule.maxDelayMs),
            expiresAt: Math.max(live.expiresAt, now + delay + rule.windowMs),
            inFlight,
            inFlightUntil: live.inFlightUntil,
          }
        : {
            ...live,
            failures,
            expiresAt: Math.max(live.expiresAt, now + rule.windowMs),
            inFlight,
          };
    }
    default: {
      const unreachable: never = outcome;
      throw new TypeError(`unknown settlement ${String(unreachable)}`);
    }
  }
}

/** {@link ThrottleStore.reserveAttempts} for a store whose single steps are its atomic steps. */
export async function reserveAttemptsInOrder(
  store: Pick<ThrottleStore, "reserveAttempt" | "settleAttempt">,
  attempts: readonly [KeyedAttempt, ...KeyedAttempt[]],
  now: number,
  leaseMs: number,
): Promise<ThrottleRunDecision> {
  const reserved: KeyedAttempt[] = [];
  let decision: ThrottleRunDecision = { kind: "reserved", failures: 0, inFlight: 0 };
  for (const attempt of attempts) {
    const step = await store.reserveAttempt(attempt.key, attempt.rule, now, leaseMs);
    if (step.kind !== "reserved") {
      const outcome = step.kind === "locked" ? "failed" : "released";
      for (const { key, rule } of reserved) await store.settleAttempt(key, rule, outcome, now);
      return { ...step, key: attempt.key };
    }
    reserved.push(attempt);
    decision = step;
  }
  return decision;
}

/** {@link ThrottleStore.settleAttempts} as its single steps, one after the other. */
export async function settleAttemptsInOrder(
  store: Pick<ThrottleStore, "settleAttempt">,
  settlements: readonly KeyedSettlement[],
  now: number,
): Promise<void> {
  for (const { key, rule, outcome } of settlements) {
    await store.settleAttempt(key, rule, outcome, now);
  }
}
